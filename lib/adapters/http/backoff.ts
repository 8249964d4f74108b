/**
 * Retry timing: capped exponential backoff with full jitter, drawn from an injected random source so a
 * seeded run retries at the same instants every time.
 */

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

/** A source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

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

/**
 * A deterministic uniform [0, 1) generator (mulberry32) for a 32-bit seed: same seed, same sequence.
 * @example const r = seededRandom(42); r(); r();
 */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
