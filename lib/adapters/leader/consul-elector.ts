/**
 * Leader election over a Consul session and a KV lock, as Consul's own client does it (consul
 * `api/lock.go`, `Lock.Lock`): a TTL session renewed every TTL/2 (`renewSession`), a blocking read of the
 * lock key until nobody holds it (`DefaultLockWaitTime`, 15s a read), an `?acquire=` write, a pause after
 * a refused acquire so a lock-delay is not hot-looped (`DefaultLockRetryTime`, 5s), and a blocking watch
 * of the key while holding it (`monitorLock`).
 *
 * The lease. Consul invalidates a session only 2×TTL after its last renewal (consul
 * `agent/consul/session_ttl.go`, `resetSessionTimer`: `ttl * structs.SessionTTLMultiplier`), and a lock
 * freed by an invalidation cannot be taken again for the session's lock-delay (consul
 * `agent/consul/state/kvs.go`, `kvsLockDelay`, set when the session is invalidated). This instance counts
 * its lease from the moment its last successful renewal (or the session's creation) was *sent*, and ends
 * it at `sent + TTL - margin`, on its own monotonic clock (a step of the wall clock neither lengthens nor
 * shortens it): at least `TTL + margin + lockDelay` before anyone else can
 * take the lock. A failed renewal, a failed watch, or a lock held by another session ends the lease at
 * once. So a write checked against `isLeader()` right before it is sent has that much time to land.
 */
import type { Logger } from 'pino';
import type { ConsulApi } from '../../ports/consul-api';
import { NotFoundError } from '../../ports/errors';
import type { LeaderRole, Leadership } from '../../ports/leadership';
import type { Clock, TimerHandle } from '../../runtime/clock';

/** Timing and naming of an elector. */
export interface ElectorOptions {
  /** The lock key, e.g. `<statePrefix>/leader/<source id hash>`. */
  key: string;
  /** Session name (who holds the lock, for `consul` users): host and process. */
  sessionName: string;
  /** The lock value: shown to followers as the holder (no secrets). */
  holder: string;
  /** Session TTL (default 15s; Consul accepts 10s..24h). */
  ttlMs?: number;
  /** Session lock-delay (default 5s). */
  lockDelayMs?: number;
  /** How long before `sent + TTL` the lease ends (default TTL/5). */
  marginMs?: number;
  /** Pause after a refused acquire or a Consul failure (default 5s, as `DefaultLockRetryTime`). */
  retryMs?: number;
  /** Wait of one blocking read of the lock key (default 15s, as `DefaultLockWaitTime`). */
  waitMs?: number;
  /** Pause before a failed renewal is tried again (default 1s). */
  renewRetryMs?: number;
  /** The longest `stop()` takes, giving the lock up included (default 5s). */
  stopMs?: number;
}

/** The bounds an elector works to, in ms (for logs, docs and tests). */
export interface ElectorBounds {
  ttlMs: number;
  lockDelayMs: number;
  marginMs: number;
  retryMs: number;
  waitMs: number;
  renewRetryMs: number;
  stopMs: number;
}

/** The defaults: TTL 15s, lock-delay 5s, margin TTL/5, retry 5s, wait 15s, renew retry 1s, stop 5s. */
export function electorBounds(o: Omit<ElectorOptions, 'key' | 'sessionName' | 'holder'> = {}): ElectorBounds {
  const ttlMs = o.ttlMs ?? 15_000;
  return { ttlMs, lockDelayMs: o.lockDelayMs ?? 5_000, marginMs: o.marginMs ?? Math.floor(ttlMs / 5), retryMs: o.retryMs ?? 5_000, waitMs: o.waitMs ?? 15_000, renewRetryMs: o.renewRetryMs ?? 1_000, stopMs: o.stopMs ?? 5_000 };
}

/** A `Leadership` over a Consul session and a lock on one KV key. */
export class ConsulElector implements Leadership {
  readonly bounds: ElectorBounds;
  private session?: string;
  /** When (`Clock.monotonic`) the last renewal (or the creation) of `session` that succeeded was sent. */
  private touchedAt = 0;
  private leading = false;
  private running = false;
  private loop?: Promise<void>;
  private readonly ctl = new AbortController();
  private renewTimer?: TimerHandle;
  private lapseTimer?: TimerHandle;
  /** Consul failures of the campaign in a row (the first is a warning, the recovery an info). */
  private failures = 0;
  private readonly listeners = new Set<(leading: boolean) => void>();

  constructor(
    private readonly consul: ConsulApi,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly opts: ElectorOptions,
  ) {
    this.bounds = electorBounds(opts);
  }

  isLeader(): boolean {
    return this.leading && this.leaseValid();
  }

  role(): LeaderRole {
    return this.isLeader() ? 'leader' : 'follower';
  }

  subscribe(fn: (leading: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  start(): void {
    if (this.running || this.ctl.signal.aborted) return;
    this.running = true;
    this.loop = this.campaign();
  }

  /**
   * Ends the lease at once, then gives the lock up. Resolves within `stopMs` (on the injected clock)
   * whatever Consul does: an unreachable Consul leaves the lock to the session's expiry (2×TTL, then the
   * lock-delay), which the lease bounds cover.
   */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    if (this.ctl.signal.aborted) return;
    const wasLeading = this.leading;
    this.stepDown('stopping');
    this.ctl.abort(new Error('elector stopped'));
    this.clearTimers();
    const release = opts.release !== false && wasLeading;
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = this.clock.setTimeout(() => resolve('timeout'), this.bounds.stopMs);
    });
    try {
      const ended = await Promise.race([this.giveUp(release), timedOut]);
      if (ended === 'timeout') this.logger.warn({ key: this.opts.key, waitedMs: this.bounds.stopMs }, 'could not give the lock up in time: it passes when the session expires');
    } finally {
      if (timer) this.clock.clearTimeout(timer);
    }
  }

  /** Waits for the campaign to end, then releases the lock (when asked) and destroys the session. */
  /** Who holds the lock now: the holder text of its value, or `undefined` when no session holds it. */
  async heldBy(): Promise<string | undefined> {
    const got = await this.consul.kvGet(this.opts.key);
    if (!got.value?.Session) return undefined;
    return got.value.Value || `session ${got.value.Session}`;
  }

  private async giveUp(release: boolean): Promise<void> {
    await this.loop;
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    try {
      // An explicit release sets no lock-delay: a successor takes the lock at once. Destroying the session
      // alone (a write may still be in flight) leaves the lock-delay in force.
      if (release) await this.consul.kvPut(this.opts.key, '', { release: session });
      await this.consul.sessionDestroy(session);
      this.logger.info({ key: this.opts.key, released: release }, 'leadership given up');
    } catch (e) {
      this.logger.warn({ key: this.opts.key, err: errText(e) }, 'could not give the lock up: it passes when the session expires');
    }
  }

  private leaseValid(): boolean {
    return this.clock.monotonic() < this.touchedAt + this.bounds.ttlMs - this.bounds.marginMs;
  }

  private async campaign(): Promise<void> {
    const signal = this.ctl.signal;
    let index = 0;
    while (!signal.aborted) {
      try {
        if (!this.session) {
          await this.createSession();
          index = 0;
        }
        const wait = `${Math.round(this.bounds.waitMs / 1000)}s`;
        const got = await this.consul.kvGet(this.opts.key, index > 0 ? { index, wait, signal } : { signal });
        if (signal.aborted) return;
        // An index going backwards (a restored Consul) starts the blocking over.
        index = got.index >= index ? got.index : 0;
        const holder = got.value?.Session;
        if (this.leading) {
          this.answered();
          if (holder !== this.session) this.stepDown('the lock is held by another session or by none');
          continue;
        }
        if (holder && holder !== this.session) {
          this.answered();
          continue; // held: block until it changes
        }
        const acquired = await this.consul.kvPut(this.opts.key, this.opts.holder, { acquire: this.session as string });
        if (signal.aborted) return;
        this.answered();
        if (acquired && this.leaseValid()) this.elected();
        else {
          // Refused (a lock-delay, or taken meanwhile), or taken on a session whose lease already ran out
          // on this clock (its renewal is late): pause, then look again without blocking.
          await this.clock.sleep(this.bounds.retryMs, signal);
          index = 0;
        }
      } catch (e) {
        if (signal.aborted) return;
        this.stepDown(`Consul: ${errText(e)}`);
        if (isInvalidSession(e)) this.dropSession();
        this.failures++;
        // Once per failure streak (a token without session:write or key:write fails every time, and every
        // instance stays a follower); the retries after it at debug.
        this.logger[this.failures === 1 ? 'warn' : 'debug']({ key: this.opts.key, err: errText(e), failures: this.failures }, 'leader election: Consul failed; retrying');
        try {
          await this.clock.sleep(this.bounds.retryMs, signal);
        } catch {
          return;
        }
      }
    }
  }

  /** A campaign step went through: ends a failure streak. */
  private answered(): void {
    if (this.failures > 0) this.logger.info({ key: this.opts.key, failures: this.failures }, 'leader election works again');
    this.failures = 0;
  }

  private async createSession(): Promise<void> {
    const sent = this.clock.monotonic();
    const id = await this.consul.sessionCreate({
      name: this.opts.sessionName,
      ttl: `${Math.round(this.bounds.ttlMs / 1000)}s`,
      lockDelay: `${Math.round(this.bounds.lockDelayMs / 1000)}s`,
      behavior: 'release',
      // No node health check: the lease rests on the TTL alone, so its bounds hold whatever the agent's node does.
      nodeChecks: [],
    });
    if (this.ctl.signal.aborted) {
      await this.consul.sessionDestroy(id).catch(() => undefined);
      return;
    }
    this.session = id;
    this.touchedAt = sent;
    this.armRenew(this.bounds.ttlMs / 2);
  }

  private armRenew(ms: number): void {
    if (this.renewTimer) this.clock.clearTimeout(this.renewTimer);
    this.renewTimer = this.clock.setTimeout(() => void this.renew(), ms);
  }

  private async renew(): Promise<void> {
    const session = this.session;
    if (!session || this.ctl.signal.aborted) return;
    const sent = this.clock.monotonic();
    try {
      await this.consul.sessionRenew(session);
      // Stopped meanwhile: no timer is set again once `stop()` cleared them.
      if (this.session !== session || this.ctl.signal.aborted) return;
      this.touchedAt = sent;
      if (this.leading) this.armLapse();
      this.armRenew(this.bounds.ttlMs / 2);
    } catch (e) {
      if (this.session !== session || this.ctl.signal.aborted) return;
      // Stop writing at once: whether the session still lives is unknown until a renewal succeeds.
      this.stepDown(`session renewal failed: ${errText(e)}`);
      if (e instanceof NotFoundError) {
        this.dropSession();
        return;
      }
      if (this.leaseValid()) this.armRenew(this.bounds.renewRetryMs);
      else this.dropSession(); // expired on our clock: a new session when Consul answers again
    }
  }

  private elected(): void {
    if (this.leading) return;
    this.leading = true;
    this.armLapse();
    this.logger.info({ key: this.opts.key, session: this.session }, 'elected leader');
    for (const fn of [...this.listeners]) fn(true);
  }

  private stepDown(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    if (this.lapseTimer) this.clock.clearTimeout(this.lapseTimer);
    this.lapseTimer = undefined;
    this.logger.warn({ key: this.opts.key, why }, 'leadership lost: writes stop');
    for (const fn of [...this.listeners]) fn(false);
  }

  /** Ends the lease on the local clock when no renewal moved it on. */
  private armLapse(): void {
    if (this.lapseTimer) this.clock.clearTimeout(this.lapseTimer);
    const at = this.touchedAt + this.bounds.ttlMs - this.bounds.marginMs;
    this.lapseTimer = this.clock.setTimeout(() => {
      this.lapseTimer = undefined;
      if (!this.leaseValid()) this.stepDown('lease time passed without a renewal');
    }, Math.max(0, at - this.clock.monotonic()));
  }

  private dropSession(): void {
    const old = this.session;
    this.session = undefined;
    if (this.renewTimer) this.clock.clearTimeout(this.renewTimer);
    this.renewTimer = undefined;
    // Best effort: a session we no longer trust is ended (its lock then waits out the lock-delay).
    if (old) void this.consul.sessionDestroy(old).catch(() => undefined);
  }

  private clearTimers(): void {
    if (this.renewTimer) this.clock.clearTimeout(this.renewTimer);
    if (this.lapseTimer) this.clock.clearTimeout(this.lapseTimer);
    this.renewTimer = undefined;
    this.lapseTimer = undefined;
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Consul refuses an acquire by a session it no longer knows with a 500 `invalid session`. */
function isInvalidSession(e: unknown): boolean {
  return e instanceof Error && /invalid session|session .*not found/i.test(e.message);
}
