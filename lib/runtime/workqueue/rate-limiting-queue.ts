/**
 * A delaying queue with a rate limiter: `addRateLimited` retries a key after the limiter's delay,
 * `forget` resets the key's backoff once it succeeded.
 */
import type { Clock } from '../clock';
import { DelayingQueue } from './delaying-queue';
import type { RateLimiter } from './rate-limiter';

/** The queue controllers use: add, addAfter, addRateLimited, forget, numRequeues. */
export class RateLimitingQueue extends DelayingQueue {
  constructor(clock: Clock, private readonly limiter: RateLimiter, opts: { onDepth?: (depth: number) => void } = {}) {
    super(clock, opts);
  }

  /** Adds `key` after the limiter's delay for it (which grows with each call until `forget`). */
  addRateLimited(key: string): number {
    const delay = this.limiter.when(key);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets `key`'s backoff. Does not remove it from the queue. */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  /** Failures counted for `key` since the last `forget`. */
  numRequeues(key: string): number {
    return this.limiter.numRequeues(key);
  }
}
