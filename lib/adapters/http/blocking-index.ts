/**
 * Blocking-query bookkeeping shared by Nomad (`X-Nomad-Index`) and Consul (`X-Consul-Index`).
 *
 * Rules (both servers document them): send the last index seen; a return is not proof of change, so
 * compare indexes; when the server reports an index lower than the one sent (snapshot restore, leader
 * change, a KV key deleted and recreated) reset to 0 so the next read is a plain, non-blocking one; never
 * loop on index 0 with blocking semantics (the next blocking read uses at least 1).
 */
import type { Clock } from '../../runtime/clock';

/** What one observation of a server index meant. */
export interface IndexObservation {
  /** The index passed the previous one: the data may have changed. */
  changed: boolean;
  /** The server went backwards: the tracker restarted from 0. */
  reset: boolean;
  /** Index to send with the next blocking read. */
  next: number;
}

/** Tracks one query's index. Not shared between different queries: indexes are per query. */
export class BlockingIndex {
  private current = 0;

  /** Index to send now (0 before the first read and after a reset). */
  get value(): number {
    return this.current;
  }

  /** Records the index a response carried and says what it means. */
  observe(returned: number): IndexObservation {
    if (!Number.isFinite(returned) || returned < 0) return { changed: false, reset: false, next: this.current };
    if (returned < this.current) {
      this.current = 0;
      return { changed: true, reset: true, next: 0 };
    }
    const changed = returned > this.current;
    this.current = Math.max(1, returned);
    return { changed, reset: false, next: this.current };
  }

  /** Forgets the index (the next read is non-blocking). */
  reset(): void {
    this.current = 0;
  }
}

/** One blocking fetch: called with the index to send; returns the value and the server's index. */
export type BlockingFetch<T> = (index: number, signal?: AbortSignal) => Promise<{ value: T; index: number }>;

/** Result of `BlockingQuery.next()`. */
export interface BlockingResult<T> {
  value: T;
  index: number;
  /** True when the server's index went backwards and the tracker restarted. */
  reset: boolean;
}

/**
 * Repeats a blocking read until its index moves, following the reset rule. The first call returns at once
 * (index 0); later calls return only when the server index changed (or was reset). `minIntervalMs` spaces
 * consecutive requests through the Clock so a server that returns early cannot cause a tight loop.
 */
export class BlockingQuery<T> {
  private readonly tracker = new BlockingIndex();
  private lastRequestAt: number | undefined;
  private started = false;

  constructor(
    private readonly fetch: BlockingFetch<T>,
    private readonly clock: Clock,
    private readonly minIntervalMs = 0,
  ) {}

  /** The index the next request will send. */
  get index(): number {
    return this.tracker.value;
  }

  /**
   * Resolves with the next changed value (the first call: the current value). When the server's index goes
   * backwards the response is discarded, the index restarts at 0 and the value read right after is returned
   * with `reset: true`.
   */
  async next(signal?: AbortSignal): Promise<BlockingResult<T>> {
    let resetSeen = false;
    for (;;) {
      if (this.lastRequestAt !== undefined && this.minIntervalMs > 0) {
        const due = this.lastRequestAt + this.minIntervalMs - this.clock.now();
        if (due > 0) await this.clock.sleep(due, signal);
      }
      this.lastRequestAt = this.clock.now();
      const { value, index } = await this.fetch(this.tracker.value, signal);
      const seen = this.tracker.observe(index);
      if (seen.reset) {
        resetSeen = true;
        continue;
      }
      if (!this.started || seen.changed || resetSeen) {
        this.started = true;
        return { value, index, reset: resetSeen };
      }
    }
  }
}
