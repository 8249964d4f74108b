/**
 * Where a cluster command (`ps`, `logs`, `exec`) finds Nomad and Consul: the standard `NOMAD_*` and
 * `CONSUL_*` variables, or a cluster entry of the operator config given with `--config` (`--cluster`,
 * default the first).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseOperatorConfig } from '../../crd-schemas/operator-config';
import { formatDiagnostic } from '../core/diagnostics';
import { ConnectionConfigError, connectionsFromCluster, consulFromEnv, nomadFromEnv, type ConsulConnection, type NomadConnection } from '../adapters/env-config';
import { CliError, type CliContext } from './context';

/** The `--config` / `--cluster` options. */
export interface ClusterOptions {
  config?: string;
  cluster?: string;
}

/** The connections of the cluster `cluster` (default the first) of the operator config `config`. */
function fromConfig(ctx: CliContext, config: string, cluster: string | undefined): { nomad: NomadConnection; consul: ConsulConnection } {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(ctx.cwd, config), 'utf8');
  } catch (e) {
    throw new CliError(`${config}: cannot read (${(e as { code?: string }).code ?? 'error'})`);
  }
  const parsed = parseOperatorConfig(text, config, ctx.env);
  if (!parsed.ok) throw new CliError(parsed.diagnostics.map(formatDiagnostic).join('\n'));
  const names = Object.keys(parsed.config.clusters);
  const name = cluster ?? names[0];
  const entry = parsed.config.clusters[name];
  if (!entry) throw new CliError(`--cluster ${name}: no such cluster in ${config} (have: ${names.join(', ')})`);
  return connectionsFromCluster(entry, ctx.env, undefined, `clusters.${name}`);
}

/** `fn`'s result, a bad variable or config entry turned into a CliError naming it. */
function cliErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConnectionConfigError) throw new CliError(e.message);
    throw e;
  }
}

/** The Nomad connection for `opts`; a bad file or variable is a CliError naming it. */
export function nomadConnection(ctx: CliContext, opts: ClusterOptions): NomadConnection {
  return cliErrors(() => (opts.config ? fromConfig(ctx, opts.config, opts.cluster).nomad : nomadFromEnv(ctx.env)));
}

/** The Nomad and Consul connections for `opts`; a bad file or variable is a CliError naming it. */
export function clusterConnections(ctx: CliContext, opts: ClusterOptions): { nomad: NomadConnection; consul: ConsulConnection } {
  return cliErrors(() => (opts.config ? fromConfig(ctx, opts.config, opts.cluster) : { nomad: nomadFromEnv(ctx.env), consul: consulFromEnv(ctx.env) }));
}
