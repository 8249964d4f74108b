/**
 * Retry timing: capped exponential backoff with full jitter, drawn from an injected random source so a
 * seeded run retries at the same instants every time.
 */
import type { RandomSource } from '../../runtime/random';

/** How often and how patiently a request is retried. */
export interface BackoffPolicy {
  /** Upper bound of the first retry's delay, in ms. */
  baseMs: number;
  /** No delay ever exceeds this, in ms. */
  capMs: number;
  /** Attempts in total, including the first (1 = never retry). */
  maxAttempts: number;
}

/** Defaults: 4 attempts, delays drawn from [0, 200ms), [0, 400ms), [0, 800ms), capped at 10s. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 200, capMs: 10_000, maxAttempts: 4 };

/**
 * Delay before retry number `retry` (0 for the first retry): uniform in [0, min(cap, base * 2^retry)).
 * @example backoffDelay(2, { baseMs: 100, capMs: 1000, maxAttempts: 5 }, () => 0.5) // 200
 */
export function backoffDelay(retry: number, policy: Pick<BackoffPolicy, 'baseMs' | 'capMs'>, random: RandomSource): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry));
  return Math.floor(random() * ceiling);
}

/** The largest delay `backoffDelay` can return for `retry`. */
export function backoffCeiling(retry: number, policy: Pick<BackoffPolicy, 'baseMs' | 'capMs'>): number {
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry));
}
