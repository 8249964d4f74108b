/**
 * The reconcile contract's outcomes, and the one function that turns them into actions.
 *
 * `reconcile(key)` returns a `ReconcileResult` or fails with a `ControllerError`:
 * - `{kind: 'done'}`: converged for now; the key's backoff is forgotten and it waits for the next trigger.
 * - `{kind: 'requeueAfter', ms}`: look again after `ms` (following a deployment, waiting out a grace period).
 * - `Transient`: something outside failed (API down, timeout): retried with per-key exponential backoff.
 * - `Conflict`: someone wrote the job between our read and our write: re-read and retry, rate-limited.
 * - `Waiting`: a known precondition is not met yet: looked at again after `retryAfterMs`.
 * - `Stalled`: needs a human or a new commit (auto-reverted deployment, forbidden namespace): not retried.
 * - `Terminal`: cannot ever succeed as is: logged and counted, not retried.
 * - `Invalid`: the spec is invalid: reported, the live job untouched, not retried until the spec changes.
 * `computeResult` is the only place these become queue actions, a status condition and a metric label.
 */
import type { JobPhase } from '../../crd-schemas/status';

/** What a successful reconcile asks of the queue. */
export type ReconcileResult = { kind: 'done' } | { kind: 'requeueAfter'; ms: number };

/** Every kind of failure a reconcile can report. */
export type ErrorCode = 'Stalled' | 'Waiting' | 'Transient' | 'Terminal' | 'Invalid' | 'Conflict';

/** A reconcile failure as data: the code decides retrying, the flags decide how loudly it is surfaced. */
export interface ControllerError {
  code: ErrorCode;
  /** CamelCase and stable, e.g. `NomadUnavailable`, `NamespaceForbidden`. */
  reason: string;
  message: string;
  retryAfterMs?: number;
  /** Phase to report instead of the code's default. */
  phase?: JobPhase;
  cause?: unknown;
  /** Surface as a history event on the job (default: true except Transient and Conflict). */
  event?: boolean;
  /** Worth a notification to a human (default: Stalled and Terminal). */
  notify?: boolean;
}

/** Builds a `ControllerError`. @example controllerError('Transient', 'NomadUnavailable', 'connect ECONNREFUSED') */
export function controllerError(code: ErrorCode, reason: string, message: string, extra: Partial<Omit<ControllerError, 'code' | 'reason' | 'message'>> = {}): ControllerError {
  return { code, reason, message, ...extra };
}

/** True when `x` has a ControllerError's shape. */
export function isControllerError(x: unknown): x is ControllerError {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.code === 'string' && ERROR_CODES.includes(o.code as ErrorCode) && typeof o.reason === 'string' && typeof o.message === 'string';
}

const ERROR_CODES: readonly ErrorCode[] = ['Stalled', 'Waiting', 'Transient', 'Terminal', 'Invalid', 'Conflict'];

/** What the worker does with the key after a reconcile. */
export type QueueAction =
  | { type: 'forget' } // success: reset backoff, wait for the next trigger
  | { type: 'forgetAndAddAfter'; ms: number } // reset backoff, look again later
  | { type: 'addRateLimited' }; // failure: retry after the key's growing backoff

/** The label of `<prefix>_reconcile_total{result}`. */
export type MetricResult = 'success' | 'requeue_after' | 'error' | 'conflict' | 'waiting' | 'stalled' | 'terminal' | 'invalid';

/** Every metric result, for initialising counters to 0. */
export const METRIC_RESULTS: readonly MetricResult[] = ['success', 'requeue_after', 'error', 'conflict', 'waiting', 'stalled', 'terminal', 'invalid'];

/** The translated outcome of one reconcile. */
export interface Outcome {
  queue: QueueAction;
  metric: MetricResult;
  /** The `Ready` condition for the job's status. */
  condition: { type: 'Ready'; status: 'True' | 'False' | 'Unknown'; reason: string; message: string };
  /** Phase to set because of an error; `undefined` keeps what the reconcile reported. */
  phase?: JobPhase;
  log: 'debug' | 'info' | 'warn' | 'error';
  /** Record a history event for the error. */
  event: boolean;
  notify: boolean;
}

/** Delay for a `Waiting` error that did not say how long. */
export const DEFAULT_WAIT_MS = 10_000;

/** Turns (result, error) into queue action, condition, phase, metric and log level. An error wins over a result. */
export function computeResult(result: ReconcileResult | undefined, error?: ControllerError): Outcome {
  if (!error) {
    if (result && result.kind === 'requeueAfter') {
      return {
        queue: { type: 'forgetAndAddAfter', ms: Math.max(0, result.ms) },
        metric: 'requeue_after',
        condition: { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: `looking again in ${Math.round(result.ms / 1000)}s` },
        log: 'debug',
        event: false,
        notify: false,
      };
    }
    return {
      queue: { type: 'forget' },
      metric: 'success',
      condition: { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'reconciled' },
      log: 'debug',
      event: false,
      notify: false,
    };
  }
  const condition = { type: 'Ready' as const, status: 'False' as const, reason: error.reason, message: error.message };
  switch (error.code) {
    case 'Transient':
      return { queue: { type: 'addRateLimited' }, metric: 'error', condition, phase: error.phase ?? 'Error', log: 'warn', event: error.event ?? false, notify: error.notify ?? false };
    case 'Conflict':
      return { queue: { type: 'addRateLimited' }, metric: 'conflict', condition: { ...condition, status: 'Unknown' }, phase: error.phase, log: 'info', event: error.event ?? false, notify: error.notify ?? false };
    case 'Waiting':
      return {
        queue: { type: 'forgetAndAddAfter', ms: Math.max(0, error.retryAfterMs ?? DEFAULT_WAIT_MS) },
        metric: 'waiting',
        condition: { ...condition, status: 'Unknown' },
        phase: error.phase,
        log: 'info',
        event: error.event ?? true,
        notify: error.notify ?? false,
      };
    case 'Stalled':
      return { queue: { type: 'forget' }, metric: 'stalled', condition, phase: error.phase ?? 'Error', log: 'error', event: error.event ?? true, notify: error.notify ?? true };
    case 'Terminal':
      return { queue: { type: 'forget' }, metric: 'terminal', condition, phase: error.phase ?? 'Error', log: 'error', event: error.event ?? true, notify: error.notify ?? true };
    case 'Invalid':
      return { queue: { type: 'forget' }, metric: 'invalid', condition, phase: error.phase ?? 'Invalid', log: 'warn', event: error.event ?? true, notify: error.notify ?? false };
    default:
      return assertNever(error.code);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled error code ${String(x)}`);
}
