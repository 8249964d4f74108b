/**
 * `nomadguard import NAMESPACE/JOB`: prints a v1 `nomadgen.toml` for a running job, so a team can move a
 * job deployed by hand (or by an older pipeline) into git. What the spec cannot express is listed as
 * `# not expressible: ...` comments, what the platform adds when rendering as `# added by the platform: ...`
 * (see lib/core/import). Exit 0 with the spec on stdout; 1 when the job cannot be read; 2 on a usage error.
 */
import type { Command } from 'commander';
import { loadConfig, WiringError } from '../../../controllers/wiring';
import { ConnectionConfigError, connectionsFromCluster } from '../../adapters/env-config';
import { NomadHttpClient } from '../../adapters/nomad-http/nomad-http-client';
import { importJob } from '../../core/import/import';
import { sourceIdentity } from '../../core/source-id';
import { ApiError } from '../../ports/errors';
import { CliError, type CliContext, type RegisterCommand } from '../context';

interface ImportOptions {
  config?: string;
}

/** `NAMESPACE/JOB` split at its first slash (job IDs may hold slashes, namespaces may not). */
export function parseJobRef(ref: string): { namespace: string; jobId: string } {
  const i = ref.indexOf('/');
  if (i <= 0 || i === ref.length - 1) throw new CliError(`import: expected NAMESPACE/JOB, got ${JSON.stringify(ref)}`, 2);
  return { namespace: ref.slice(0, i), jobId: ref.slice(i + 1) };
}

export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('import')
    .description('Print a v1 nomadgen.toml for a running job (what a spec can express; comments for the rest)')
    .argument('<namespace/job>', 'the running job, e.g. web/p-web-shop')
    .option('--config <file>', 'operator config (nomadguard.yaml): platform, policy and the cluster to read')
    .action(async (ref: string, opts: ImportOptions) => {
      const { namespace, jobId } = parseJobRef(ref);
      let loaded;
      try {
        loaded = loadConfig({ configFile: opts.config, env: ctx.env, cwd: ctx.cwd });
      } catch (e) {
        if (e instanceof WiringError) throw new CliError(e.message);
        throw e;
      }
      const { config, policy } = loaded;
      const [name, cluster] = Object.entries(config.clusters)[0];
      let nomad: NomadHttpClient;
      try {
        nomad = NomadHttpClient.fromConnection(connectionsFromCluster(cluster, ctx.env, undefined, `clusters.${name}`).nomad);
      } catch (e) {
        if (e instanceof ConnectionConfigError) throw new CliError(e.message);
        throw e;
      }
      try {
        const job = await nomad.readJob(namespace, jobId);
        if (!job) {
          ctx.stderr(`nomadguard: job ${JSON.stringify(jobId)} not found in namespace ${JSON.stringify(namespace)}\n`);
          ctx.exitCode = 1;
          return;
        }
        const caps = await nomad.capabilities();
        const r = importJob(job, { config, policy, source: sourceIdentity(config.source), serverVersion: caps.version });
        ctx.stdout(r.text);
        ctx.exitCode = 0;
      } catch (e) {
        if (e instanceof ApiError) {
          ctx.stderr(`nomadguard: ${e.message}\n`);
          ctx.exitCode = 1;
          return;
        }
        throw e;
      } finally {
        nomad.close();
      }
    });
};
