/**
 * The reconcile status, in memory: one `JobStatus` per key and one `SourceStatus`. Updated by the
 * controller after every decision; read by `status`, the dashboard and `run --once`.
 */
import { JOB_PHASES, appendHistory, setCondition, type HistoryEntry, type JobPhase, type JobStatus, type LastError, type OperatorStatus, type SourceStatus } from '../../crd-schemas/status';
import type { Clock } from '../../lib/runtime/clock';
import { splitKey, type JobKey } from '../../lib/core/plan';

/** A partial update of one job's status. */
export interface JobStatusUpdate {
  phase?: JobPhase;
  condition?: { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string };
  event?: Omit<HistoryEntry, 'time'>;
  lastError?: LastError | null;
  fields?: Partial<Pick<JobStatus, 'spec' | 'source' | 'mode' | 'desiredCommit' | 'appliedCommit' | 'desiredHash' | 'jobVersion' | 'jobModifyIndex' | 'lastDiff' | 'allocImpact' | 'modifications' | 'rollout'>>;
}

const KEY_ORDER = new Intl.Collator();

/**
 * The status key of an invalid spec too broken to name its job: its spec path (`es/broken/nomadgen.toml`),
 * whose first folder is the team, so the key's namespace is the team and the path is named once.
 */
export function keylessKey(specPath: string): JobKey {
  return specPath;
}

/** The look counter: several clusters' stores share one, so one number orders every look. */
export interface ObservationCounter {
  value: number;
}

/** Status of every job and of the source. */
export class StatusStore {
  private readonly jobs = new Map<JobKey, JobStatus>();
  /** Jobs per phase, kept as statuses change so a metrics update is not a walk over every job. */
  private readonly counts = Object.fromEntries(JOB_PHASES.map((p) => [p, 0])) as Record<JobPhase, number>;
  source: Omit<SourceStatus, 'counts'>;
  /** The number of each job's newest look (kept apart: a look changes no status). */
  private readonly looks = new Map<JobKey, number>();
  /** Called after every change (for a dashboard push); optional. */
  onChange?: (key: JobKey, status: JobStatus) => void;
  /** Called when a job leaves the status; optional. */
  onRemove?: (key: JobKey) => void;

  /**
   * `cluster`, when set, is carried by the source and by every job (an operator of several clusters);
   * `observations` numbers the looks (a reconcile begun, a pass deciding), in order.
   */
  constructor(
    private readonly clock: Clock,
    source: { name: string; repo: string; branch: string },
    private readonly cluster?: string,
    private readonly observations: ObservationCounter = { value: 0 },
  ) {
    this.source = { ...source, ...(cluster !== undefined ? { cluster } : {}), healthy: false };
  }

  /** Current status of a job. */
  get(key: JobKey): JobStatus | undefined {
    return this.jobs.get(key);
  }

  /** Applies `u` to a job's status (created on first use). */
  update(key: JobKey, u: JobStatusUpdate): JobStatus {
    const now = new Date(this.clock.now()).toISOString();
    const { namespace, jobId } = splitKey(key);
    const prev: JobStatus = this.jobs.get(key) ?? { key, ...(this.cluster !== undefined ? { cluster: this.cluster } : {}), namespace, jobId, phase: 'Synced', conditions: [], history: [] };
    let next: JobStatus = { ...prev, ...(u.fields ?? {}), lastReconciled: now };
    if (u.phase) next.phase = u.phase;
    if (u.condition) next.conditions = setCondition(next.conditions, u.condition, now);
    if (u.event) next.history = appendHistory(next.history, { ...u.event, time: now });
    if (u.lastError === null) {
      const { lastError: _drop, ...rest } = next;
      next = rest;
    } else if (u.lastError) next.lastError = u.lastError;
    if (this.jobs.has(key)) this.counts[prev.phase]--;
    this.counts[next.phase]++;
    this.jobs.set(key, next);
    this.onChange?.(key, next);
    return next;
  }

  /**
   * The current observation number: a look begun after this call has a larger number, so a job whose
   * `observedGeneration` is above it was looked at since.
   */
  generation(): number {
    return this.observations.value;
  }

  /** A new observation number, for a look beginning now. */
  tick(): number {
    return ++this.observations.value;
  }

  /** Records that a known job was looked at in the look numbered `look` (decided or reconciled), changed or not. */
  observe(key: JobKey, look: number): void {
    if (this.jobs.has(key) && (this.looks.get(key) ?? 0) < look) this.looks.set(key, look);
  }

  /** Forgets a job (its spec and its live job are both gone). */
  remove(key: JobKey): void {
    const prev = this.jobs.get(key);
    if (prev) this.counts[prev.phase]--;
    this.jobs.delete(key);
    if (prev) this.onRemove?.(key);
    this.looks.delete(key);
  }

  /** Jobs per phase (a copy). */
  phaseCounts(): Record<JobPhase, number> {
    return { ...this.counts };
  }

  /** Updates the source's status. */
  updateSource(u: Partial<Omit<SourceStatus, 'counts' | 'name' | 'repo' | 'branch' | 'cluster'>> & { lastError?: LastError | undefined }): void {
    this.source = { ...this.source, ...u };
    if ('lastError' in u && u.lastError === undefined) delete this.source.lastError;
  }

  /** A snapshot for readers. */
  snapshot(): OperatorStatus {
    // A collator orders exactly as `localeCompare` does, without setting one up per comparison.
    const jobs = [...this.jobs.values()]
      .sort((a, b) => KEY_ORDER.compare(a.key, b.key))
      .map((j) => {
        const look = this.looks.get(j.key);
        return look === undefined ? j : { ...j, observedGeneration: look };
      });
    return { sources: [{ ...this.source, counts: this.phaseCounts() }], jobs };
  }

  /** Time as RFC 3339 (for error records). */
  nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }
}
