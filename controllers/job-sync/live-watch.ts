/**
 * What the live watch tells a pass: whether its blocking query on the job list is held at the index the
 * live cache was listed at. While it is, nothing moved in Nomad's job list since that list (the query
 * would have been answered), so a pass may take the live cache as it is instead of listing again.
 */
import type { LiveCache } from './live-cache';

/**
 * The live watch's state, written by the watch loop and read by the pass.
 *
 * The cache is current when all of these hold: the watch completed a round (an answered list) since it
 * started or last failed; its next blocking query is in flight at an index, not answered, failed or
 * aborted since, and sent no longer ago than it is trusted (`holding`); that index is the live cache's
 * list index; nothing the operator wrote or re-read is newer than that list (`LiveCache.asListed`); and a
 * pass listed since Nomad's index last went backwards.
 */
export class LiveWatch {
  /** Answered lists since the watch started or last failed. */
  private rounds = 0;
  /** Times a query failed or was aborted, or the watch stopped. */
  losses = 0;
  /** The index the blocking query in flight waits on, and until when it is trusted; undefined when none is held. */
  private held?: { index: number; until: number };
  /** Times Nomad's index went backwards; `listedAfter` is the count a pass's list last came after. */
  private restarts = 0;
  private listedAfter = 0;

  /** True when the watch has answered a round since it started or failed: its next query may block. */
  get connected(): boolean {
    return this.rounds > 0;
  }

  /**
   * A blocking query is about to be sent at `index`, at `now`. Nomad answers one within its wait plus a
   * jitter of a sixteenth of it (nomad/rpc.go, blockingRPC); a query held past `trustMs` (a link that
   * silently dropped) is trusted no more.
   */
  holding(index: number, now: number, trustMs: number): void {
    this.held = { index, until: now + trustMs };
  }

  /** The query in flight was answered (a round completed). */
  answered(): void {
    this.held = undefined;
    this.rounds++;
  }

  /** The query failed or was aborted, or the watch stopped: a pass lists until a round completes again. */
  lost(): void {
    this.held = undefined;
    this.rounds = 0;
    this.losses++;
  }

  /** Nomad's index went backwards: the next pass lists. */
  nomadRestarted(): void {
    this.restarts++;
  }

  /** The number to hand to `listed` for a list asked for now. */
  mark(): number {
    return this.restarts;
  }

  /** A pass's list asked for at `mark` succeeded: a restart seen before it is behind it. */
  listed(mark: number): void {
    this.listedAfter = Math.max(this.listedAfter, mark);
  }

  /** True when a pass may use `cache` at `now` without listing (see the class comment). */
  current(cache: LiveCache, now: number): boolean {
    const h = this.held;
    return this.listedAfter === this.restarts && this.rounds > 0 && h !== undefined && h.index > 0 && h.index === cache.index && now <= h.until && cache.asListed();
  }
}
