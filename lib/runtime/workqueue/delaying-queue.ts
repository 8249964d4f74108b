/**
 * A work queue that can also add a key later. Delays run on the injected Clock, so tests advance a
 * FakeClock instead of sleeping. A key scheduled twice keeps the earlier of the two times.
 */
import type { Clock, TimerHandle } from '../clock';
import { WorkQueue } from './queue';

/** `WorkQueue` plus `addAfter(key, ms)`. */
export class DelayingQueue extends WorkQueue {
  private readonly scheduled = new Map<string, { at: number; timer: TimerHandle }>();

  constructor(protected readonly clock: Clock, opts: { onDepth?: (depth: number) => void } = {}) {
    super(opts);
  }

  /** Adds `key` after `ms` (now when `ms <= 0`); an earlier pending schedule for the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown()) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.scheduled.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.clock.clearTimeout(existing.timer);
    const timer = this.clock.setTimeout(() => {
      this.scheduled.delete(key);
      this.add(key);
    }, ms);
    this.scheduled.set(key, { at, timer });
  }

  /** Keys waiting for their delay to pass. */
  delayed(): number {
    return this.scheduled.size;
  }

  /** Shuts down and cancels every pending delay. */
  override shutdown(): void {
    for (const { timer } of this.scheduled.values()) this.clock.clearTimeout(timer);
    this.scheduled.clear();
    super.shutdown();
  }
}
