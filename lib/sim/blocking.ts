/**
 * Blocking queries: a change feed that wakes waiters on every write, and the loop that re-runs a query until
 * its index passes the caller's `index` or the wait (on the injected clock) elapses.
 */
import type { Clock } from '../runtime/clock';
import { HttpError } from './http-server';
import { parseGoDuration } from './duration';

/** Wakes everyone waiting whenever something changed. */
export class ChangeFeed {
  private waiters = new Set<() => void>();

  /** Signals a change to every current waiter. */
  notify(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const w of waiters) w();
  }

  /** Resolves on the next change, after `ms` on the clock, or when `signal` aborts. */
  wait(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        this.waiters.delete(finish);
        clock.clearTimeout(timer);
        signal.removeEventListener('abort', finish);
        resolve();
      };
      const timer = clock.setTimeout(finish, ms);
      this.waiters.add(finish);
      signal.addEventListener('abort', finish, { once: true });
    });
  }
}

/** Blocking parameters read from a query string. */
export interface BlockingParams {
  index: number;
  waitMs: number;
}

/**
 * Reads `index` and `wait` with Nomad's 400 texts; wait defaults to 5 minutes and is capped at `maxWaitMs`.
 * With `nonPositiveWaitIsDefault` a wait of zero or less means the default, as Nomad's
 * `QueryOptions.TimeToBlock` (nomad/structs/structs.go) has it; otherwise a negative wait is a 400.
 */
export function blockingParams(
  query: URLSearchParams,
  maxWaitMs: number,
  texts = { index: 'Invalid index', wait: 'Invalid wait time' },
  nonPositiveWaitIsDefault = false,
): BlockingParams {
  const rawIndex = query.get('index');
  let index = 0;
  if (rawIndex !== null && rawIndex !== '') {
    if (!/^\d+$/.test(rawIndex)) throw new HttpError(400, texts.index);
    index = Number(rawIndex);
  }
  let waitMs = 300_000;
  const rawWait = query.get('wait');
  if (rawWait !== null && rawWait !== '') {
    const parsed = parseGoDuration(rawWait);
    if (parsed === undefined || (parsed < 0 && !nonPositiveWaitIsDefault)) throw new HttpError(400, texts.wait);
    if (parsed > 0 || !nonPositiveWaitIsDefault) waitMs = parsed;
  }
  return { index, waitMs: Math.min(waitMs, maxWaitMs) };
}

/** Runs `run` until its index exceeds `params.index` or the wait elapses; returns the last result. */
export async function blockOn<T extends { index: number }>(
  clock: Clock,
  feed: ChangeFeed,
  params: BlockingParams,
  signal: AbortSignal,
  run: () => T,
): Promise<T> {
  let result = run();
  if (params.index <= 0 || result.index > params.index) return result;
  const deadline = clock.now() + params.waitMs;
  while (result.index <= params.index && !signal.aborted) {
    const left = deadline - clock.now();
    if (left <= 0) break;
    await feed.wait(clock, left, signal);
    result = run();
  }
  return result;
}
