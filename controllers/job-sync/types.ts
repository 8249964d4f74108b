/**
 * What the job-sync controller needs from the world, bundled in one `Deps` object: the ports (Nomad,
 * Consul), the spec source, the state store, the clock, a logger, a metrics registry, the operator
 * config and the pure render function. No module-level singletons.
 */
import type { Logger } from 'pino';
import type { OperatorConfig } from '../../crd-schemas/operator-config';
import type { Policy } from '../../crd-schemas/policy';
import type { Diagnostic } from '../../lib/core/diagnostics';
import type { Job } from '../../lib/core/nomad/types';
import type { ConsulApi } from '../../lib/ports/consul-api';
import type { NomadApi } from '../../lib/ports/nomad-api';
import type { Clock } from '../../lib/runtime/clock';
import type { GitSpecSource } from '../../lib/adapters/git-spec-source';
import type { StateStore } from '../../lib/adapters/state-store';
import type { OperatorMetrics } from '../../lib/metrics/operator-metrics';
import type { Notifier } from '../notifications';
import type { ObservationCounter } from './status-store';
import type { Leadership } from '../../lib/ports/leadership';

/** One spec to render (the pipeline's input). */
export interface RenderSpecInput {
  text: string | Uint8Array;
  file: string;
  team: string;
  commit?: string;
  source?: string;
}

/** The pipeline's output, as far as the controller reads it. */
export interface RenderSpecResult {
  ok: boolean;
  jobId?: string;
  job?: Job;
  /** The hash of `job` (the pipeline's `jobHash`). */
  hash?: string;
  /** What the policy's modifiers changed (their rule names are kept in the status). */
  modifications?: ReadonlyArray<{ rule: string }>;
  spec?: { sync?: { mode?: 'self-heal' | 'detect-only'; suspend?: boolean } };
  diagnostics: Diagnostic[];
  /** Set when the spec belongs to another cluster (its name): not part of this cluster's desired state. */
  elsewhere?: string;
}

/** Renders one spec (pure; normally `renderSpec` bound to the pipeline env). */
export type RenderFn = (input: RenderSpecInput) => RenderSpecResult;

/** Everything the operator runs on. */
export interface OperatorDeps {
  nomad: NomadApi;
  /** Without Consul, services are not checked and health rests on deployments and allocations. */
  consul?: ConsulApi;
  source: GitSpecSource;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  metrics?: OperatorMetrics;
  config: OperatorConfig;
  /** The policy `render` applies; its repository rules (unique job IDs, hosts, services) also index the desired state. */
  policy?: Policy;
  render: RenderFn;
  /** Teams whose specs are suspended (reported, never written). */
  suspendedTeams?: ReadonlySet<string>;
  /** Tunables (mostly for tests). */
  tuning?: Partial<OperatorTuning>;
  /** Posts job transitions to the configured endpoints; none configured, none. */
  notifier?: Notifier;
  /** The configured cluster this operator reconciles, set when the operator serves several: its status carries it. */
  cluster?: string;
  /** The look counter, shared by the clusters of one operator so a sync's generation means the same in each. */
  observations?: ObservationCounter;
  /** The lease among instances on one source (controllers/leadership.ts); absent: standalone, always leads. */
  leadership?: Leadership;
}

/** Timing knobs. */
export interface OperatorTuning {
  /** How often a job being deployed is looked at again (ms). */
  healthPollMs: number;
  /** Give up following a deployment after this long (ms): Degraded. */
  healthTimeoutMs: number;
  /** Per-key backoff: base and cap (ms). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Wait of the live-watch blocking query. */
  watchWait: string;
  /** Least time between the starts of two live-watch lists after one that found a change (ms). */
  watchCoalesceMs: number;
}

export const DEFAULT_TUNING: OperatorTuning = {
  healthPollMs: 3000,
  healthTimeoutMs: 15 * 60_000,
  backoffBaseMs: 1000,
  backoffMaxMs: 300_000,
  watchWait: '5m',
  watchCoalesceMs: 250,
};
