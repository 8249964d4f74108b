/**
 * The status in the shared state. The leader publishes each job's status (what the status API shows,
 * secret-free) to the state store when it changed, a second after the change at most, one key per job;
 * a follower serves the published statuses, so every instance answers `status` and the dashboard alike.
 */
import { JOB_PHASES, type JobPhase, type JobStatus, type OperatorStatus } from '../crd-schemas/status';
import type { StateStore } from '../lib/adapters/state-store';
import type { Clock, TimerHandle } from '../lib/runtime/clock';
import type { Logger } from 'pino';
import type { StatusStore } from './job-sync/status-store';

const KEY_ORDER = new Intl.Collator();

/** Publishes the leader's job statuses (see the file comment). */
export class StatusPublisher {
  private readonly dirty = new Set<string>();
  private timer?: TimerHandle;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly status: StatusStore,
    private readonly state: StateStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly mayWrite: () => boolean,
    private readonly delayMs = 1000,
  ) {}

  /** Follows the status store's changes (only when the state store can hold statuses). */
  start(): void {
    if (!this.state.putStatus) return;
    const changed = this.status.onChange;
    const removed = this.status.onRemove;
    this.status.onChange = (key, s) => {
      changed?.(key, s);
      this.mark(key);
    };
    this.status.onRemove = (key) => {
      removed?.(key);
      this.mark(key);
    };
  }

  /** After an election: every status is published again (unchanged ones cost no write). */
  publishAll(): void {
    for (const j of this.status.snapshot().jobs) this.mark(j.key);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private mark(key: string): void {
    if (this.stopped) return;
    this.dirty.add(key);
    this.timer ??= this.clock.setTimeout(() => void this.flush(), this.delayMs);
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const put = this.state.putStatus?.bind(this.state);
    // A follower publishes nothing; the statuses it keeps are published by it once it leads (`publishAll`).
    if (!put || !this.mayWrite()) {
      this.dirty.clear();
      return;
    }
    const keys = [...this.dirty];
    this.dirty.clear();
    for (const key of keys) {
      try {
        await put(key, this.status.get(key));
      } catch (e) {
        this.dirty.add(key);
        if (!this.failing) this.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'the status could not be published to the shared state; retrying');
        this.failing = true;
      }
    }
    if (this.dirty.size > 0 && !this.stopped) this.timer ??= this.clock.setTimeout(() => void this.flush(), this.delayMs * 5);
    else this.failing = false;
  }
}

/** A follower's status: the leader's published job statuses, with this instance's own source status. */
export function followerStatus(own: OperatorStatus, shared: ReadonlyMap<string, JobStatus>): OperatorStatus {
  const jobs = [...shared.values()].sort((a, b) => KEY_ORDER.compare(a.key, b.key));
  const counts = Object.fromEntries(JOB_PHASES.map((p) => [p, 0])) as Record<JobPhase, number>;
  for (const j of jobs) counts[j.phase]++;
  return { ...own, sources: own.sources.map((s) => ({ ...s, counts })), jobs };
}
