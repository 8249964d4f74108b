/**
 * Pending state transitions (an evaluation to process, an allocation starting, a health deadline...), each due
 * at a simulated time. The clock fires them when due; `settle()` runs them all in due order without waiting,
 * moving a virtual "now" forward so timestamps and follow-up deadlines stay consistent.
 */
import type { Clock, TimerHandle } from '../runtime/clock';

interface Pending {
  id: number;
  at: number;
  kind: string;
  fn: () => void;
  timer: TimerHandle;
}

/** The transition queue. */
export class Transitions {
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private virtualNow = 0;
  private settling = false;

  constructor(private readonly clock: Clock, private readonly onError: (err: unknown) => void) {}

  /** Simulated now: the clock, or later while `settle()` runs transitions ahead of it. */
  now(): number {
    return Math.max(this.clock.now(), this.virtualNow);
  }

  /** Schedules `fn` to run `delayMs` after simulated now. */
  schedule(kind: string, delayMs: number, fn: () => void): number {
    const id = this.nextId++;
    const at = this.now() + Math.max(0, delayMs);
    const timer = this.clock.setTimeout(() => this.fire(id), Math.max(0, at - this.clock.now()));
    this.pending.set(id, { id, at, kind, fn, timer });
    return id;
  }

  /** Drops a scheduled transition. */
  cancel(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.clock.clearTimeout(p.timer);
    this.pending.delete(id);
  }

  /** Number of transitions waiting. */
  size(): number {
    return this.pending.size;
  }

  /** Runs every pending transition (and those they schedule) in due order; throws after `limit` steps. */
  settle(limit = 200_000): number {
    if (this.settling) return 0;
    this.settling = true;
    let steps = 0;
    try {
      while (this.pending.size > 0) {
        if (++steps > limit) throw new Error(`simulator did not settle after ${limit} transitions`);
        let next: Pending | undefined;
        for (const p of this.pending.values()) if (!next || p.at < next.at || (p.at === next.at && p.id < next.id)) next = p;
        if (!next) break;
        this.clock.clearTimeout(next.timer);
        this.pending.delete(next.id);
        this.virtualNow = Math.max(this.virtualNow, next.at);
        this.run(next);
      }
    } finally {
      this.settling = false;
    }
    return steps;
  }

  /** Cancels everything (on stop). */
  clear(): void {
    for (const p of this.pending.values()) this.clock.clearTimeout(p.timer);
    this.pending.clear();
  }

  private fire(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.run(p);
  }

  private run(p: Pending): void {
    try {
      p.fn();
    } catch (err) {
      this.onError(err);
    }
  }
}
