/**
 * Where a cluster command (`logs`, `exec`) finds Nomad: the standard `NOMAD_*` variables, or a cluster
 * entry of the operator config given with `--config` (`--cluster`, default the first).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseOperatorConfig } from '../../crd-schemas/operator-config';
import { formatDiagnostic } from '../core/diagnostics';
import { ConnectionConfigError, connectionsFromCluster, nomadFromEnv, type NomadConnection } from '../adapters/env-config';
import { CliError, type CliContext } from './context';

/** The `--config` / `--cluster` options. */
export interface ClusterOptions {
  config?: string;
  cluster?: string;
}

/** The Nomad connection for `opts`; a bad file or variable is a CliError naming it. */
export function nomadConnection(ctx: CliContext, opts: ClusterOptions): NomadConnection {
  try {
    if (!opts.config) return nomadFromEnv(ctx.env);
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(ctx.cwd, opts.config), 'utf8');
    } catch (e) {
      throw new CliError(`${opts.config}: cannot read (${(e as { code?: string }).code ?? 'error'})`);
    }
    const parsed = parseOperatorConfig(text, opts.config, ctx.env);
    if (!parsed.ok) throw new CliError(parsed.diagnostics.map(formatDiagnostic).join('\n'));
    const names = Object.keys(parsed.config.clusters);
    const name = opts.cluster ?? names[0];
    const cluster = parsed.config.clusters[name];
    if (!cluster) throw new CliError(`--cluster ${name}: no such cluster in ${opts.config} (have: ${names.join(', ')})`);
    return connectionsFromCluster(cluster, ctx.env, undefined, `clusters.${name}`).nomad;
  } catch (e) {
    if (e instanceof ConnectionConfigError) throw new CliError(e.message);
    throw e;
  }
}
