/**
 * Wiring: builds the operator's `Deps` from an operator config (or the environment alone) and the
 * command-line overrides. The only place that chooses concrete adapters: the Nomad and Consul HTTP
 * clients, the git spec source, the Consul KV state store (or a local file when Consul is not
 * reachable), the pure pipeline as the render function.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino, { type Logger } from 'pino';
import { OperatorMetrics } from '../lib/metrics/operator-metrics';
import { branchProblem, defaultOperatorConfig, parseOperatorConfig, repoProblem, type OperatorConfig } from '../crd-schemas/operator-config';
import { defaultPolicy, parsePolicy, type Policy } from '../crd-schemas/policy';
import { formatDiagnostic } from '../lib/core/diagnostics';
import { renderSpec } from '../lib/core/pipeline';
import { ConsulHttpClient } from '../lib/adapters/consul-http/consul-http-client';
import { ConnectionConfigError, connectionsFromCluster } from '../lib/adapters/env-config';
import { GitSpecSource } from '../lib/adapters/git-spec-source';
import type { RetryEvent } from '../lib/adapters/http/http-transport';
import { NomadHttpClient } from '../lib/adapters/nomad-http/nomad-http-client';
import { ConsulStateStore, FileStateStore, type StateStore } from '../lib/adapters/state-store';
import type { ConsulApi } from '../lib/ports/consul-api';
import type { NomadApi } from '../lib/ports/nomad-api';
import { SystemClock, type Clock } from '../lib/runtime/clock';
import type { OperatorDeps, OperatorTuning } from './job-sync/types';
import { electorFor, type ElectionOptions } from './election-wiring';

/** A configuration problem the CLI prints as one line (exit 1). */
export class WiringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WiringError';
  }
}

/** What the CLI knows before wiring. */
export interface WiringOptions {
  configFile?: string;
  repo?: string;
  branch?: string;
  /** Work folder for the git checkout and the local state file. */
  workDir?: string;
  /** Local state file (forces the file store). */
  stateFile?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  clock?: Clock;
  logger?: Logger;
  tuning?: Partial<OperatorTuning>;
  /** Pre-built ports (tests, `nomadguard dev`). */
  nomad?: NomadApi;
  consul?: ConsulApi | null;
  /** Leader election timings (an election runs whenever the state is in Consul KV); `false` turns it off. */
  election?: ElectionOptions | false;
}

/** Reads the operator config (every default when no file) and applies the overrides. */
export function loadConfig(opts: Pick<WiringOptions, 'configFile' | 'repo' | 'branch' | 'env' | 'cwd'>): { config: OperatorConfig; policy: Policy; baseDir: string } {
  let config: OperatorConfig;
  let baseDir = opts.cwd;
  if (opts.configFile) {
    const file = path.resolve(opts.cwd, opts.configFile);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new WiringError(`${opts.configFile}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const parsed = parseOperatorConfig(text, opts.configFile, opts.env);
    if (!parsed.ok) throw new WiringError(parsed.diagnostics.map(formatDiagnostic).join('\n'));
    config = parsed.config;
    baseDir = path.dirname(file);
  } else {
    config = defaultOperatorConfig(opts.env);
  }
  // Checked before anything else looks at them: git would take a leading "-" for an option.
  const repoBad = opts.repo !== undefined ? repoProblem(opts.repo) : undefined;
  if (repoBad) throw new WiringError(`--repo: ${repoBad}`);
  const branchBad = opts.branch !== undefined ? branchProblem(opts.branch) : undefined;
  if (branchBad) throw new WiringError(`--branch: ${branchBad}`);
  if (opts.repo) config = { ...config, source: { ...config.source, repo: isUrl(opts.repo) ? opts.repo : path.resolve(opts.cwd, opts.repo) } };
  if (opts.branch) config = { ...config, source: { ...config.source, branch: opts.branch } };
  let policy = defaultPolicy();
  if (config.policy) {
    const pfile = path.resolve(baseDir, config.policy);
    let text: string;
    try {
      text = fs.readFileSync(pfile, 'utf8');
    } catch (e) {
      throw new WiringError(`${config.policy}: cannot read the policy (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const parsed = parsePolicy(text, config.policy);
    if (!parsed.ok) throw new WiringError(parsed.diagnostics.map(formatDiagnostic).join('\n'));
    policy = parsed.policy;
  }
  return { config, policy, baseDir };
}

/** True for a URL (`scheme://...`) or an scp-like `user@host:path`; anything else is a local path. */
function isUrl(repo: string): boolean {
  if (repo.startsWith('-')) return false;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/]+@[^/]+:/.test(repo);
}

/** The default work folder of a repo+branch. */
export function defaultWorkDir(repo: string, branch: string): string {
  const id = crypto.createHash('sha256').update(`${repo}#${branch}`).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), 'nomadguard', id);
}

/** Builds every dependency of the operator. Consul is optional: unreachable means file state and no service checks. */
export async function buildOperatorDeps(opts: WiringOptions): Promise<OperatorDeps & { close(): void }> {
  const { config, policy } = loadConfig(opts);
  const logger = opts.logger ?? pino({ name: 'nomadguard', level: opts.env.NOMADGUARD_LOG_LEVEL ?? 'info' });
  const clock = opts.clock ?? new SystemClock();
  if (!config.source.repo) throw new WiringError('no spec repository: set source.repo in the config or pass --repo URL|PATH');
  const clusters = Object.entries(config.clusters);
  if (clusters.length > 1) logger.warn({ clusters: clusters.map(([n]) => n) }, 'several clusters configured: this operator reconciles the first one only');
  const [clusterName, cluster] = clusters[0];
  let conns;
  try {
    conns = connectionsFromCluster(cluster, opts.env, undefined, `clusters.${clusterName}`);
  } catch (e) {
    if (e instanceof ConnectionConfigError) throw new WiringError(e.message);
    throw e;
  }
  // Retries are routine: at debug, with the route and the status (never a query string or a token).
  const onRetry = (e: RetryEvent): void => logger.debug({ service: e.service, method: e.method, route: e.route, status: e.status, code: e.code, attempt: e.attempt, delayMs: e.delayMs }, 'http request retrying');
  const nomadClient = opts.nomad ? undefined : NomadHttpClient.fromConnection(conns.nomad, { onRetry });
  const nomad: NomadApi = opts.nomad ?? (nomadClient as NomadHttpClient);
  let consulClient: ConsulHttpClient | undefined;
  let consul: ConsulApi | undefined = opts.consul === null ? undefined : opts.consul;
  if (opts.consul === undefined) {
    consulClient = ConsulHttpClient.fromConnection(conns.consul, { backoff: { maxAttempts: 2 }, onRetry });
    consul = consulClient;
  }
  const workDir = opts.workDir ? path.resolve(opts.cwd, opts.workDir) : defaultWorkDir(config.source.repo, config.source.branch);
  let state: StateStore;
  if (opts.stateFile) state = new FileStateStore(path.resolve(opts.cwd, opts.stateFile));
  else if (consul) {
    const kvStore = new ConsulStateStore(consul, config.reconcile.statePrefix);
    try {
      await kvStore.load();
      state = kvStore;
    } catch (e) {
      logger.warn({ err: (e as Error).message, file: path.join(workDir, 'state.json') }, 'Consul not reachable: state kept in a local file, services not checked');
      consul = undefined;
      state = new FileStateStore(path.join(workDir, 'state.json'));
    }
  } else state = new FileStateStore(path.join(workDir, 'state.json'));
  const source = new GitSpecSource({ repo: config.source.repo, branch: config.source.branch, workDir: path.join(workDir, 'repo.git'), path: config.source.path });
  const env = { config, policy };
  const leadership = consul && state instanceof ConsulStateStore && opts.election !== false ? electorFor(consul, clock, logger, config, source.repo, clusterName, opts.election) : undefined;
  return {
    leadership,
    nomad,
    consul,
    source,
    state,
    clock,
    logger,
    metrics: new OperatorMetrics(),
    config,
    policy,
    render: (input) => renderSpec(input, env),
    tuning: opts.tuning,
    close() {
      nomadClient?.close();
      consulClient?.close();
    },
  };
}
