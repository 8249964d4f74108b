/**
 * Wiring: builds the operator's `Deps` from an operator config (or the environment alone) and the
 * command-line overrides, one set per configured cluster sharing the spec source. The only place that
 * chooses concrete adapters: the Nomad and Consul HTTP clients, the git spec source, the Consul KV state store (or a local file when Consul is not
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
import { ConsulHttpClient } from '../lib/adapters/consul-http/consul-http-client';
import { ConnectionConfigError, connectionsFromCluster } from '../lib/adapters/env-config';
import { GitSpecSource } from '../lib/adapters/git-spec-source';
import type { RetryEvent } from '../lib/adapters/http/http-transport';
import { safeBaseUrl } from '../lib/adapters/http/redact';
import { NomadHttpClient } from '../lib/adapters/nomad-http/nomad-http-client';
import { ConsulStateStore, FileStateStore, type StateStore } from '../lib/adapters/state-store';
import type { ConsulApi } from '../lib/ports/consul-api';
import type { NomadApi } from '../lib/ports/nomad-api';
import { SystemClock, type Clock } from '../lib/runtime/clock';
import type { OperatorDeps, OperatorTuning } from './job-sync/types';
import type { ObservationCounter } from './job-sync/status-store';
import { buildNotifier, NotifyConfigError, type Notifier } from './notifications';
import { routedRender } from './clusters/route-render';
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
  /** Build the notifier from `notifications` (the running operator: `run`, `dev`); `plan` posts nothing. */
  notify?: boolean;
  /** Pre-built ports (tests, `nomadguard dev`). */
  nomad?: NomadApi;
  consul?: ConsulApi | null;
  /** Attempts of each Nomad and Consul request (tests; default the clients' own). */
  httpAttempts?: number;
  /** Leader election timings (an election runs whenever the state is in Consul KV); `false` turns it off. */
  election?: ElectionOptions | false;
  /** A running operator (`run` without `--once`): Consul unreachable at start is an error, never a local file. */
  leaderElection?: boolean;
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

/** What every cluster's operator shares: one config, one spec source (one git work folder), one logger and registry. */
export interface SharedWiring {
  config: OperatorConfig;
  policy: Policy;
  logger: Logger;
  clock: Clock;
  source: GitSpecSource;
  /** Work folder of the git checkout and the local state files. */
  workDir: string;
  metrics: OperatorMetrics;
  /** True when the operator serves several clusters: each one's logs, metrics and status carry its name. */
  several: boolean;
  /** The look counter every cluster's status numbers its looks with. */
  observations: ObservationCounter;
}

/** Reads the config and builds what every cluster shares. */
export function buildSharedWiring(opts: WiringOptions): SharedWiring {
  const { config, policy } = loadConfig(opts);
  const logger = opts.logger ?? pino({ name: 'nomadguard', level: opts.env.NOMADGUARD_LOG_LEVEL ?? 'info' });
  const clock = opts.clock ?? new SystemClock();
  if (!config.source.repo) throw new WiringError('no spec repository: set source.repo in the config or pass --repo URL|PATH');
  const workDir = opts.workDir ? path.resolve(opts.cwd, opts.workDir) : defaultWorkDir(config.source.repo, config.source.branch);
  const source = new GitSpecSource({ repo: config.source.repo, branch: config.source.branch, workDir: path.join(workDir, 'repo.git'), path: config.source.path });
  const names = Object.keys(config.clusters);
  const several = names.length > 1;
  return { config, policy, logger, clock, source, workDir, metrics: new OperatorMetrics(undefined, undefined, several ? { clusters: names } : {}), several, observations: { value: 0 } };
}

/** Builds every dependency of the operator of the first configured cluster (`plan`, `dev`, a one-cluster `run`). */
export async function buildOperatorDeps(opts: WiringOptions): Promise<OperatorDeps & { close(): void }> {
  const shared = buildSharedWiring(opts);
  const clusters = Object.keys(shared.config.clusters);
  if (clusters.length > 1) shared.logger.warn({ clusters }, `several clusters configured: this command works on the first one (${clusters[0]}) only`);
  return buildClusterDeps({ ...shared, several: false, metrics: new OperatorMetrics() }, clusters[0], opts);
}

/**
 * Builds the dependencies of cluster `clusterName`'s operator: its Nomad and Consul clients, its state
 * store (Consul KV of its own Consul, or a local file when Consul is not reachable), the render of its
 * specs only (controllers/clusters/route-render.ts). Consul is optional: unreachable means file state and
 * no service checks.
 */
export async function buildClusterDeps(shared: SharedWiring, clusterName: string, opts: WiringOptions): Promise<OperatorDeps & { close(): void }> {
  const { config, policy, clock, workDir, several } = shared;
  const cluster = config.clusters[clusterName];
  const logger = several ? shared.logger.child({ cluster: clusterName }) : shared.logger;
  const metrics = several ? shared.metrics.forCluster(clusterName) : shared.metrics;
  let notifier: Notifier | undefined;
  try {
    if (opts.notify) notifier = buildNotifier(config.notifications, policy, opts.env, { clock, random: Math.random, logger, metrics, ...(several ? { cluster: clusterName } : {}) });
  } catch (e) {
    if (e instanceof NotifyConfigError) throw new WiringError(e.message);
    throw e;
  }
  let conns;
  try {
    conns = connectionsFromCluster(cluster, opts.env, undefined, `clusters.${clusterName}`);
  } catch (e) {
    if (e instanceof ConnectionConfigError) throw new WiringError(e.message);
    throw e;
  }
  // Retries are routine: at debug, with the route and the status (never a query string or a token).
  const onRetry = (e: RetryEvent): void => logger.debug({ service: e.service, method: e.method, route: e.route, status: e.status, code: e.code, attempt: e.attempt, delayMs: e.delayMs }, 'http request retrying');
  const nomadClient = opts.nomad ? undefined : NomadHttpClient.fromConnection(conns.nomad, { onRetry, ...(opts.httpAttempts ? { backoff: { maxAttempts: opts.httpAttempts } } : {}) });
  const nomad: NomadApi = opts.nomad ?? (nomadClient as NomadHttpClient);
  let consulClient: ConsulHttpClient | undefined;
  let consul: ConsulApi | undefined = opts.consul === null ? undefined : opts.consul;
  if (opts.consul === undefined) {
    consulClient = ConsulHttpClient.fromConnection(conns.consul, { backoff: { maxAttempts: opts.httpAttempts ?? 2 }, onRetry });
    consul = consulClient;
  }
  // Several clusters keep one state file each, named after the cluster.
  const stateName = (file: string): string => (several ? file.replace(/(\.json)?$/, `.${clusterName}.json`) : file);
  let state: StateStore;
  // Several clusters keep their records (and their leader lock) apart, each under its own name: two of them
  // may reach one Consul under addresses that do not look alike.
  const statePrefix = several ? `${config.reconcile.statePrefix}/${clusterName}` : config.reconcile.statePrefix;
  if (opts.stateFile) state = new FileStateStore(stateName(path.resolve(opts.cwd, opts.stateFile)));
  else if (consul) {
    const kvStore = new ConsulStateStore(consul, statePrefix);
    try {
      await kvStore.load();
      state = kvStore;
    } catch (e) {
      // A running operator elects its leader in this Consul: alone on a local file it would write beside the
      // leader with none of the shared records. It stops instead, and its scheduler starts it again.
      if (opts.leaderElection && opts.election !== false) {
        throw new WiringError(`Consul at ${safeBaseUrl(cluster.consul.address)} did not answer (${(e as Error).message}): the operator keeps its state and its leader lock there, so it does not start without it; give --state-file to run a single instance on a local file`);
      }
      logger.warn({ err: (e as Error).message, file: stateName(path.join(workDir, 'state.json')) }, 'Consul not reachable: state kept in a local file, services not checked');
      consul = undefined;
      state = new FileStateStore(stateName(path.join(workDir, 'state.json')));
    }
  } else state = new FileStateStore(stateName(path.join(workDir, 'state.json')));
  const leadership = consul && state instanceof ConsulStateStore && opts.election !== false ? electorFor(consul, clock, logger, config, shared.source.repo, clusterName, statePrefix, opts.election) : undefined;
  return {
    leadership,
    nomad,
    consul,
    source: shared.source,
    state,
    clock,
    logger,
    metrics,
    notifier,
    config,
    policy,
    render: routedRender(config, policy, clusterName),
    tuning: opts.tuning,
    ...(several ? { cluster: clusterName } : {}),
    observations: shared.observations,
    close() {
      nomadClient?.close();
      consulClient?.close();
    },
  };
}
