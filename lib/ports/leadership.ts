/**
 * Leadership: which of several operator instances on one source may write. The holder of the lease is
 * the only writer to Nomad and to the shared records; the others follow (they read, they never write).
 * Implemented over Consul sessions and a KV lock by `ConsulElector` (lib/adapters/leader).
 *
 * Contract: `isLeader()` is a lease checked right before every write, not a flag set once: it turns
 * false at once when the lease can no longer be trusted (a failed renewal, a lost lock, the local lease
 * time passed, a stop), always before the server could let another instance take the lock.
 */

/** What an instance is for its source: the lease holder, a follower, or alone (no election configured). */
export type LeaderRole = 'leader' | 'follower' | 'standalone';

/** The lease of one operator unit (one Nomad cluster, one Consul, one state store). */
export interface Leadership {
  /** True while this instance holds the lease and may write. */
  isLeader(): boolean;
  /** `leader` or `follower` (an elector is never `standalone`). */
  role(): LeaderRole;
  /** Called with `true` when elected and `false` when the lease is lost; returns the unsubscribe. */
  subscribe(fn: (leading: boolean) => void): () => void;
  /** Starts campaigning (idempotent). */
  start(): void;
  /**
   * Stops campaigning and gives the lease up. `release: true` frees the lock at once so a successor starts
   * without the lock-delay; `false` only ends the session, so the lock-delay still covers a write that
   * may be in flight.
   */
  stop(opts?: { release?: boolean }): Promise<void>;
  /** Who holds the lock now (its holder text), read without campaigning; `undefined` when nobody does. */
  heldBy?(): Promise<string | undefined>;
}

/** A write refused because this instance does not hold the lease (never sent to Nomad or Consul). */
export class NotLeaderError extends Error {
  constructor(readonly what: string) {
    super(`not the leader: ${what} not written`);
    this.name = 'NotLeaderError';
  }
}
