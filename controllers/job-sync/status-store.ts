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
  fields?: Partial<Pick<JobStatus, 'spec' | 'source' | 'mode' | 'desiredCommit' | 'appliedCommit' | 'desiredHash' | 'jobVersion' | 'jobModifyIndex' | 'lastDiff' | 'allocImpact' | 'modifications'>>;
}

const KEY_ORDER = new Intl.Collator();

/** Status of every job and of the source. */
export class StatusStore {
  private readonly jobs = new Map<JobKey, JobStatus>();
  /** Jobs per phase, kept as statuses change so a metrics update is not a walk over every job. */
  private readonly counts = Object.fromEntries(JOB_PHASES.map((p) => [p, 0])) as Record<JobPhase, number>;
  source: Omit<SourceStatus, 'counts'>;
  /** Called after every change (for a dashboard push); optional. */
  onChange?: (key: JobKey, status: JobStatus) => void;
  /** Called when a job's status is forgotten; optional. */
  onRemove?: (key: JobKey) => void;

  constructor(private readonly clock: Clock, source: { name: string; repo: string; branch: string }) {
    this.source = { ...source, healthy: false };
  }

  /** Current status of a job. */
  get(key: JobKey): JobStatus | undefined {
    return this.jobs.get(key);
  }

  /** Applies `u` to a job's status (created on first use). */
  update(key: JobKey, u: JobStatusUpdate): JobStatus {
    const now = new Date(this.clock.now()).toISOString();
    const { namespace, jobId } = splitKey(key);
    const prev: JobStatus = this.jobs.get(key) ?? { key, namespace, jobId, phase: 'Synced', conditions: [], history: [] };
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

  /** Forgets a job (its spec and its live job are both gone). */
  remove(key: JobKey): void {
    const prev = this.jobs.get(key);
    if (prev) this.counts[prev.phase]--;
    this.jobs.delete(key);
    if (prev) this.onRemove?.(key);
  }

  /** Jobs per phase (a copy). */
  phaseCounts(): Record<JobPhase, number> {
    return { ...this.counts };
  }

  /** Updates the source's status. */
  updateSource(u: Partial<Omit<SourceStatus, 'counts' | 'name' | 'repo' | 'branch'>> & { lastError?: LastError | undefined }): void {
    this.source = { ...this.source, ...u };
    if ('lastError' in u && u.lastError === undefined) delete this.source.lastError;
  }

  /** A snapshot for readers. */
  snapshot(): OperatorStatus {
    // A collator orders exactly as `localeCompare` does, without setting one up per comparison.
    const jobs = [...this.jobs.values()].sort((a, b) => KEY_ORDER.compare(a.key, b.key));
    return { sources: [{ ...this.source, counts: this.phaseCounts() }], jobs };
  }

  /** Time as RFC 3339 (for error records). */
  nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }
}
