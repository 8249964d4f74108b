/**
 * Rate limiters decide how long a failing key waits before its next try. One three-method interface,
 * composable: per-key exponential backoff and a global token bucket combine with `maxOfRateLimiter`.
 */
import type { Clock } from '../clock';

/** How long to wait before retrying a key, and the bookkeeping that goes with it. */
export interface RateLimiter {
  /** Delay in ms before `key` may be processed again; counts one more failure for `key`. */
  when(key: string): number;
  /** Forgets `key`'s failures (call after it succeeded). */
  forget(key: string): void;
  /** How many times `key` was rate-limited since it was last forgotten. */
  numRequeues(key: string): number;
}

/** Per-key exponential backoff: `baseMs * 2^failures`, capped at `maxMs`. */
export function exponentialRateLimiter(baseMs: number, maxMs: number): RateLimiter {
  const failures = new Map<string, number>();
  return {
    when(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      const delay = baseMs * 2 ** n;
      return Number.isFinite(delay) ? Math.min(delay, maxMs) : maxMs;
    },
    forget(key) {
      failures.delete(key);
    },
    numRequeues(key) {
      return failures.get(key) ?? 0;
    },
  };
}

/**
 * A global token bucket: `burst` retries at once, then `perSecond` on average. Every `when` reserves a
 * token; the delay is how long until that token exists. Not per key: `forget` does nothing.
 */
export function tokenBucketRateLimiter(perSecond: number, burst: number, clock: Clock): RateLimiter {
  let tokens = burst;
  let last = clock.now();
  return {
    when() {
      const now = clock.now();
      tokens = Math.min(burst, tokens + ((now - last) * perSecond) / 1000);
      last = now;
      tokens -= 1;
      return tokens >= 0 ? 0 : Math.ceil((-tokens / perSecond) * 1000);
    },
    forget() {
      // one bucket for every key: nothing to forget
    },
    numRequeues() {
      return 0;
    },
  };
}

/** The longest delay of several limiters; `forget` and `numRequeues` reach all (max of counts). */
export function maxOfRateLimiter(...limiters: RateLimiter[]): RateLimiter {
  return {
    when(key) {
      let delay = 0;
      for (const l of limiters) delay = Math.max(delay, l.when(key));
      return delay;
    },
    forget(key) {
      for (const l of limiters) l.forget(key);
    },
    numRequeues(key) {
      let n = 0;
      for (const l of limiters) n = Math.max(n, l.numRequeues(key));
      return n;
    },
  };
}

/** The controller default: 1 s doubling to 5 min per key, under a 10/s burst-100 bucket. */
export function defaultControllerRateLimiter(clock: Clock, opts: { baseMs?: number; maxMs?: number; perSecond?: number; burst?: number } = {}): RateLimiter {
  return maxOfRateLimiter(
    exponentialRateLimiter(opts.baseMs ?? 1000, opts.maxMs ?? 300_000),
    tokenBucketRateLimiter(opts.perSecond ?? 10, opts.burst ?? 100, clock),
  );
}
