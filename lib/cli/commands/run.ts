/**
 * `nomadguard run`: the operator in the foreground. Structured (pino) logs on stdout; SIGTERM/SIGINT
 * stop it cleanly (no new work, reconciles in flight finish within `--shutdown-timeout`, the leader lock
 * is released, exit 0). `--once` does one full pass, waits until
 * every job it wrote is Healthy or has failed (or `--timeout` passes), prints one line per job that did
 * not converge and a summary line, and exits 0 when everything converged, 1 on an invalid spec, a failed
 * or reverted deployment or an error, 3 when it timed out while something was still progressing.
 */
import type { Command } from 'commander';
import pino from 'pino';
import { buildClusterSet } from '../../../controllers/clusters/cluster-set';
import { runClusters } from './run-clusters';
import { CONVERGED_PHASES, ONCE_EXIT, onceReport, runOnce, startOperator, WiringError } from '../../../controllers';
import { SystemClock } from '../../runtime/clock';
import { webhookTarget } from '../../../controllers/webhooks';
import { createWebhookEndpoint } from '../../server/webhook-endpoint';
import { runSettings, serveUntilStopped } from '../run-serve';
import { CliError, type CliContext, type RegisterCommand } from '../context';
import { ADOPT_HELP, withAdoptedNamespaces } from '../adopt-option';

export interface RunOptions {
  config?: string;
  once?: boolean;
  repo?: string;
  branch?: string;
  workDir?: string;
  stateFile?: string;
  timeout?: string;
  confirmPrune?: string[];
  adopt?: string[];
  listen?: string;
  allowedHost?: string[];
  shutdownTimeout?: string;
}

export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('run')
    .description('Run the operator: reconcile the spec repository against Nomad until stopped (SIGTERM stops cleanly).')
    .option('--config <file>', 'operator config (nomadguard.yaml); without it the cluster comes from NOMAD_ADDR / CONSUL_HTTP_ADDR')
    .option('--once', 'one full pass, wait for its deployments, then exit: 0 converged, 1 failed, 3 timed out (see below)')
    .option('--repo <url|path>', 'spec repository (overrides source.repo)')
    .option('--branch <name>', 'branch to follow (overrides source.branch)')
    .option('--work-dir <dir>', 'folder for the git work copy and the local state file')
    .option('--state-file <file>', 'keep the operator state in this local JSON file instead of Consul KV')
    .option('--timeout <seconds>', 'with --once: give up waiting for convergence after this many seconds', '600')
    .option('--listen <host:port>', 'serve the status API, dashboard and metrics here ("off" to disable)', '127.0.0.1:4680')
    .option('--allowed-host <host...>', 'with --listen: also answer to these Host names (name or name:port, e.g. a reverse proxy; also $NOMADGUARD_ALLOWED_HOSTS)')
    .option('--confirm-prune <namespace...>', 'confirm prunes the prune guard held back in these namespaces')
    .option('--adopt <namespace...>', ADOPT_HELP)
    .option('--shutdown-timeout <seconds>', 'on SIGTERM/SIGINT: wait this long for reconciles in flight before giving the leader lock up', '10')
    .addHelpText(
      'after',
      '\nWith --once: one full pass; waits until every job it wrote is Healthy or has failed, or --timeout\n' +
        'passes; prints one line per job that did not converge (phase and reason) and a summary line.\n' +
        'Exit codes with --once:\n' +
        '  0  everything converged\n' +
        '  1  an invalid spec, a failed or reverted deployment, or an error (Nomad, Consul or git)\n' +
        '  3  timed out while a deployment was still progressing\n' +
        '\nWith --listen: push webhooks at POST /api/v1/webhooks/github|gitea|gitlab ask for a pass at once;\n' +
        'their secret is webhooks.secretFile (or webhooks.secret) in the config, else $NOMADGUARD_WEBHOOK_SECRET.\n' +
        '\nExamples:\n  nomadguard run --once --repo ./specs\n  nomadguard run --config /etc/nomadguard/nomadguard.yaml\n',
    )
    .action(async (opts: RunOptions) => {
      const clock = ctx.clock ?? new SystemClock();
      const logger = pino({ name: 'nomadguard', level: ctx.env.NOMADGUARD_LOG_LEVEL ?? 'info' }, { write: (s: string) => ctx.stdout(s) });
      let set;
      try {
        set = await buildClusterSet({ configFile: opts.config, repo: opts.repo, branch: opts.branch, workDir: opts.workDir, stateFile: opts.stateFile, env: ctx.env, cwd: ctx.cwd, clock, logger, notify: true, leaderElection: !opts.once });
      } catch (e) {
        if (e instanceof WiringError) throw new CliError(e.message);
        throw e;
      }
      for (const m of set.members) m.deps = withAdoptedNamespaces(m.deps, opts.adopt);
      // Several clusters: one operator each, side by side (run-clusters.ts).
      if (set.members.length > 1) return runClusters(set, opts, ctx, logger);
      const deps = set.members[0].deps;
      try {
        if (opts.once) {
          const timeoutMs = Number(opts.timeout) * 1000;
          if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError(`--timeout: not a number of seconds: ${opts.timeout}`);
          let r;
          try {
            r = await runOnce(deps, { timeoutMs, confirmPrune: opts.confirmPrune, signal: ctx.signal });
          } catch (e) {
            // The pass could not read Nomad, Consul or the state store: nothing was decided, nothing written.
            throw new CliError(`run --once: the pass failed: ${e instanceof Error ? e.message : String(e)}`);
          }
          const s = r.status.sources[0];
          logger.info({ converged: r.converged, timedOut: r.timedOut, commit: r.summary.commit, counts: s?.counts }, r.converged ? 'converged' : 'not converged');
          for (const j of r.status.jobs) if (!CONVERGED_PHASES.has(j.phase)) logger.warn({ key: j.key, phase: j.phase, reason: j.conditions[j.conditions.length - 1]?.reason, message: j.lastError?.message ?? j.conditions[j.conditions.length - 1]?.message }, 'not converged');
          for (const line of onceReport(r.status, { outcome: r.outcome, commit: r.summary.commit, sourceError: r.summary.sourceError, timeoutMs })) ctx.stdout(`${line}\n`);
          ctx.exitCode = ONCE_EXIT[r.outcome];
          return;
        }
        const { shutdownMs, secret } = runSettings(opts, ctx, deps.config);
        const op = startOperator(deps);
        const webhooks = createWebhookEndpoint({ secret, target: webhookTarget(op), logger });
        await serveUntilStopped(op, { opts, ctx, logger, shutdownMs, metrics: deps.metrics?.registry, webhooks, role: () => op.manager.leader.role() });
      } finally {
        deps.close();
      }
    });
};
