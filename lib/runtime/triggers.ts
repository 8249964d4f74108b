/**
 * Triggers: the reasons a reconcile pass starts. They only ring a doorbell; the manager's pass loop
 * waits on it. Rings that arrive while a pass waits to start are merged (a full resync wins over an
 * incremental pass, forced keys add up), so a burst of webhooks or signals costs one pass.
 */
import * as cron from 'node-cron';
import type { Clock, TimerHandle } from './clock';

/** What a pass is asked to do. */
export interface PassRequest {
  /** Re-render every spec, not only those changed since the last commit. */
  full: boolean;
  /** Keys (`namespace/job`) whose sync is forced (bypasses backoff and the auto-revert hold); `'*'` for all. */
  forced: ReadonlySet<string>;
  /** Namespaces whose prune was confirmed by a human. */
  confirmPrune: ReadonlySet<string>;
  /** Why (for logs): poll, trigger, signal, cron, watch, start. */
  reasons: string[];
}

/** A coalescing signal between triggers and the pass loop. */
export class Doorbell {
  private pending: PassRequest | undefined;
  private waiter: ((r: PassRequest | undefined) => void) | undefined;
  private closed = false;

  /** Asks for a pass; merges with a pass already asked for and not started. */
  ring(reason: string, opts: { full?: boolean; forced?: Iterable<string>; confirmPrune?: Iterable<string> } = {}): void {
    if (this.closed) return;
    const prev = this.pending;
    this.pending = {
      full: (prev?.full ?? false) || opts.full === true,
      forced: new Set([...(prev?.forced ?? []), ...(opts.forced ?? [])]),
      confirmPrune: new Set([...(prev?.confirmPrune ?? []), ...(opts.confirmPrune ?? [])]),
      reasons: [...(prev?.reasons ?? []), reason],
    };
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      const r = this.pending;
      this.pending = undefined;
      w(r);
    }
  }

  /** Resolves the next (merged) request, or `undefined` once closed. One waiter at a time. */
  next(): Promise<PassRequest | undefined> {
    if (this.pending) {
      const r = this.pending;
      this.pending = undefined;
      return Promise.resolve(r);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => { this.waiter = resolve; });
  }

  /** Stops: the waiter and later `next` calls get `undefined`. */
  close(): void {
    this.closed = true;
    this.pending = undefined;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
  }
}

/** A stoppable trigger. */
export interface TriggerHandle {
  stop(): void;
}

/** Rings `bell` every `intervalMs` on `clock` (first ring after one interval). */
export function pollTrigger(clock: Clock, intervalMs: number, bell: Doorbell): TriggerHandle {
  let handle: TimerHandle | undefined;
  let stopped = false;
  const arm = (): void => {
    handle = clock.setTimeout(() => {
      if (stopped) return;
      bell.ring('poll');
      arm();
    }, intervalMs);
  };
  arm();
  return {
    stop() {
      stopped = true;
      if (handle) clock.clearTimeout(handle);
    },
  };
}

/** Rings a full resync on a cron schedule (wall clock, node-cron). Throws on an invalid expression. */
export function cronTrigger(expression: string, bell: Doorbell): TriggerHandle {
  if (!cron.validate(expression)) throw new Error(`invalid cron expression for the full resync: "${expression}"`);
  const task = cron.schedule(expression, () => bell.ring('cron', { full: true }), { noOverlap: true });
  return {
    stop() {
      void task.destroy();
    },
  };
}

/** Rings on `signal` (e.g. SIGHUP) until stopped. */
export function signalTrigger(signal: NodeJS.Signals, bell: Doorbell, opts: { full?: boolean } = {}): TriggerHandle {
  const onSignal = (): void => bell.ring(`signal ${signal}`, { full: opts.full ?? true });
  process.on(signal, onSignal);
  return {
    stop() {
      process.off(signal, onSignal);
    },
  };
}

/**
 * Parses a duration like "15s", "5m", "1h30m", "250ms" into milliseconds.
 * @example parseDurationMs('1m30s') === 90_000
 */
export function parseDurationMs(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    consumed += m[0].length;
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
  }
  if (consumed === 0 || consumed !== text.length) throw new Error(`invalid duration "${text}"`);
  return total;
}
