/**
 * Acting on one decision: create, update, drift, verify. Nomad's plan gives the index to enforce, the
 * diff people read and the allocation impact; drift and verify (and an update of a job that moved since
 * our record) also read the live job and compare it (`compareJobs`), which alone decides whether they are
 * in sync. Every write is check-and-set, and its record is written once, after Nomad took it.
 */
import { ForbiddenError } from '../../lib/ports/errors';
import { NotLeaderError } from '../../lib/ports/leadership';
import { allocImpact, withoutMarker, writesAdopted, compareJobs, compareOptions, comparisonLines, diffLines, judgePlan, mayBeReverted, needsLiveRead, preservesCounts, splitKey, type DesiredValid, type JobComparison, type JobKey, type JobRecord, type PlanItem } from '../../lib/core/plan';
import { controllerError, type ReconcileResult } from '../../lib/core/reconcile-result';
import type { Job } from '../../lib/core/nomad/types';
import { HASH_SCHEME } from '../../lib/core/hash';
import { stubOf } from './live-cache';
import type { HealthFollower } from './follow';
import type { SyncContext } from './memory';

/** Writes the desired job where a decision says so. */
export class Applier {
  constructor(private readonly c: SyncContext, private readonly follow: HealthFollower) {}

  /**
   * Create / update / drift / verify. A create registers at once (only if absent). The others ask Nomad's
   * plan for the index to enforce, the diff people read and the allocation impact; drift and verify also
   * read the live job and compare it with the desired one (`compareJobs`), which alone decides whether
   * they are in sync. An update (a new desired hash) is always written. Every write is check-and-set.
   */
  async apply(key: JobKey, item: PlanItem): Promise<ReconcileResult> {
    const d = item.desired as DesiredValid;
    const { namespace, jobId } = splitKey(key);
    const nomad = this.c.deps.nomad;
    const log = this.c.deps.logger.child({ key, action: item.action, reason: item.reason });
    const fields = { spec: d.spec, source: this.c.sourceId, mode: d.mode, desiredCommit: d.commit, desiredHash: d.hash, modifications: d.modifications ?? [] };

    if ((item.action === 'drift' || item.action === 'verify' || item.action === 'adopt') && !item.write && this.c.memory.reportedDrift.get(key) === item.live?.JobModifyIndex) {
      return { kind: 'done' }; // already reported at this index
    }
    const forced = this.c.memory.forced.has('*') || this.c.memory.forced.has(key);
    if (mayBeReverted(item, forced) && item.record) {
      // We wrote this version before and it is no longer live: Nomad (or a human) reverted it (a forced sync resubmits it).
      const reverted = await this.follow.checkReverted(namespace, jobId, item.record);
      if (reverted) return this.follow.holdReverted(key, item.record, reverted.message, reverted.liveVersion);
    }

    if (item.action === 'create') {
      if (!item.write) {
        this.c.status.update(key, { phase: 'Suspended', fields, condition: { type: 'Synced', status: 'False', reason: item.reason, message: item.message } });
        return { kind: 'done' };
      }
      await this.ensureNamespace(namespace);
      return this.register(key, item, { enforceIndex: 0, lines: [], impact: [] });
    }

    // An adopted job is planned and written without the marker (adopt.ts): Nomad would replace every allocation for it.
    const adopted = writesAdopted(item, this.c.sourceId);
    const toWrite = adopted ? withoutMarker(d.job) : d.job;
    const [plan, liveJob] = await Promise.all([
      nomad.planJob(namespace, toWrite, { diff: true }),
      needsLiveRead(item) ? nomad.readJob(namespace, jobId) : Promise.resolve(undefined),
    ]);
    if (needsLiveRead(item) && !liveJob) {
      this.c.live.set(key, undefined);
      return { kind: 'requeueAfter', ms: 0 }; // gone since the list: decide again
    }
    const comparison = liveJob ? compareJobs(d.job, liveJob, compareOptions(await nomad.capabilities(), namespace, d.job, liveJob, adopted)) : undefined;
    const verdict = judgePlan(item, plan.Diff, comparison);
    const enforceIndex = plan.JobModifyIndex;
    // What people read: Nomad's plan diff, and the comparison's changes where the plan is blind to them.
    const planLines = diffLines(verdict.diff);
    let lines = planLines;
    if (planLines.length === 0) {
      // Nomad's plan shows nothing (a spread, a lifecycle, an update stagger): say what the comparison finds.
      const compared = comparison ?? (verdict.outcome === 'in-sync' ? undefined : await this.compareLive(namespace, jobId, d.job, adopted));
      if (compared) lines = comparisonLines(compared.changes);
    }
    const impact = allocImpact(plan.Annotations?.DesiredTGUpdates ?? null);

    if (verdict.outcome === 'in-sync') {
      const at = (liveJob as Job).JobModifyIndex ?? enforceIndex;
      await this.putRecord(key, { jobModifyIndex: at, hash: d.hash, scheme: HASH_SCHEME, commit: d.commit, spec: d.spec, ...(adopted ? { adopted: true, adoptedBy: this.c.sourceId } : {}) });
      this.c.memory.reportedDrift.delete(key);
      this.c.memory.forced.delete(key);
      const prev = this.c.status.get(key)?.phase;
      const adopting = item.action === 'adopt';
      if (adopting) log.info({ jobModifyIndex: at }, 'job adopted without a write: only the marker differs');
      this.c.status.update(key, {
        phase: prev === 'Healthy' || prev === 'Degraded' || prev === 'Progressing' ? prev : 'Synced',
        fields: { ...fields, jobModifyIndex: at, jobVersion: liveJob?.Version },
        condition: { type: 'Synced', status: 'True', reason: adopting ? 'Adopted' : 'InSync', message: adopting ? `adopted at JobModifyIndex ${at}: the live job equals the desired job but for the marker` : 'the live job equals the desired job' },
        ...(adopting ? { event: { event: 'Adopted', message: `adopted at JobModifyIndex ${at} without a write`, commit: d.commit } } : {}),
        lastError: null,
      });
      return { kind: 'done' };
    }
    if (verdict.outcome === 'held') {
      const phase = d.suspended ? 'Suspended' : 'OutOfSync';
      if (item.action === 'drift' || item.action === 'verify' || item.action === 'adopt') this.c.memory.reportedDrift.set(key, item.live?.JobModifyIndex ?? 0);
      log.warn({ diff: lines }, d.suspended ? 'suspended: change not applied' : 'drift detected (detect-only): not reverted');
      this.c.status.update(key, { phase, fields: { ...fields, lastDiff: lines, jobModifyIndex: item.live?.JobModifyIndex, ...(liveJob ? { jobVersion: liveJob.Version } : {}) }, condition: { type: 'Synced', status: 'False', reason: item.reason, message: item.message }, event: { event: d.suspended ? 'Suspended' : 'DriftDetected', message: lines.slice(0, 5).join('; ') || item.message, commit: d.commit } });
      return { kind: 'done' };
    }
    if (enforceIndex !== item.live?.JobModifyIndex || (liveJob && liveJob.JobModifyIndex !== enforceIndex)) {
      // The job changed after the decision was made: never write over it unseen.
      await this.refreshLive(key);
      throw controllerError('Conflict', 'IndexConflict', `job changed since the decision: JobModifyIndex ${item.live?.JobModifyIndex} is now ${enforceIndex}`);
    }
    return this.register(key, item, { enforceIndex, lines, impact });
  }

  /** Registers the desired job with check-and-set at `enforceIndex`, records the write once, and starts following it. */
  async register(key: JobKey, item: PlanItem, w: { enforceIndex: number; lines: string[]; impact: string[] }): Promise<ReconcileResult> {
    const d = item.desired as DesiredValid;
    const { namespace } = splitKey(key);
    const log = this.c.deps.logger.child({ key, action: item.action, reason: item.reason });
    const preserveCounts = preservesCounts(d.job, item.action);
    const adopted = writesAdopted(item, this.c.sourceId);
    const job: Job = { ...(adopted ? withoutMarker(d.job) : d.job), Namespace: namespace };
    const resp = await this.c.deps.nomad.registerJob({ namespace, Job: job, EnforceIndex: true, JobModifyIndex: w.enforceIndex, ...(preserveCounts ? { PreserveCounts: true } : {}) });
    // Nomad has the new version from here on: whatever fails below, this write is not made again.
    this.c.live.set(key, { ...(this.c.live.get(key) ?? stubOf(job)), JobModifyIndex: resp.JobModifyIndex, Stop: false, Meta: { ...(job.Meta ?? {}) } });
    this.c.memory.forced.delete(key);
    this.c.memory.reportedDrift.delete(key);
    this.c.memory.following.set(key, this.c.deps.clock.now());
    if (d.commit && this.c.deps.config.reconcile.versionTags !== false) this.c.memory.toTag.set(key, { jobModifyIndex: resp.JobModifyIndex, commit: d.commit, spec: d.spec });
    const event = item.action === 'create' ? 'Created' : item.action === 'update' ? 'Updated' : item.action === 'adopt' ? 'Adopted' : 'DriftReverted';
    log.info({ evalId: resp.EvalID, jobModifyIndex: resp.JobModifyIndex, commit: d.commit, diff: w.lines.slice(0, 20), impact: w.impact }, event === 'DriftReverted' ? 'manual change reverted' : `job ${event.toLowerCase()}`);
    this.c.status.update(key, {
      phase: 'Progressing',
      fields: { spec: d.spec, source: this.c.sourceId, mode: d.mode, desiredCommit: d.commit, desiredHash: d.hash, modifications: d.modifications ?? [], appliedCommit: d.commit, jobModifyIndex: resp.JobModifyIndex, lastDiff: w.lines, allocImpact: w.impact },
      condition: { type: 'Synced', status: 'True', reason: event, message: `registered (eval ${resp.EvalID.slice(0, 8)})` },
      event: { event, message: w.lines.slice(0, 5).join('; ') || item.message, commit: d.commit },
      lastError: null,
    });
    await this.putRecord(key, { jobModifyIndex: resp.JobModifyIndex, hash: d.hash, scheme: HASH_SCHEME, commit: d.commit, spec: d.spec, ...(adopted ? { adopted: true, adoptedBy: this.c.sourceId } : {}) });
    return { kind: 'requeueAfter', ms: this.c.tuning.healthPollMs };
  }

  /**
   * Writes a record to the state store. A failure (Consul KV down after a Nomad write) keeps the record
   * pending in memory, is reported as a state store error naming Consul, and is retried at the key's next
   * reconcile (`flushRecord`) until it lands: never by writing to Nomad again.
   */
  async putRecord(key: JobKey, record: JobRecord): Promise<void> {
    this.c.memory.pendingRecords.set(key, record);
    await this.flushRecord(key);
  }

  /** Writes the key's pending record, if any (see `putRecord`). */
  async flushRecord(key: JobKey): Promise<void> {
    const record = this.c.memory.pendingRecords.get(key);
    if (!record) return;
    try {
      await this.c.deps.state.put(key, record);
    } catch (e) {
      if (e instanceof NotLeaderError) throw e;
      throw controllerError('Transient', 'StateStoreUnavailable', `the record of our write to Nomad could not be stored (${describeStoreError(e)}); retrying the record, not the write`, { cause: e });
    }
    if (this.c.memory.pendingRecords.get(key) === record) this.c.memory.pendingRecords.delete(key);
  }

  /** Reads the live job and compares it with `desired` (undefined when the job is gone). */
  async compareLive(namespace: string, jobId: string, desired: Job, adopted = false): Promise<JobComparison | undefined> {
    const live = await this.c.deps.nomad.readJob(namespace, jobId);
    return live ? compareJobs(desired, live, compareOptions(await this.c.deps.nomad.capabilities(), namespace, desired, live, adopted)) : undefined;
  }

  /**
   * Creates the namespace when missing; a token that may not read or create it is a Stalled error
   * saying which. Concurrent callers for one namespace share one read and at most one creation.
   */
  ensureNamespace(ns: string): Promise<void> {
    if (this.c.memory.knownNamespaces.has(ns)) return Promise.resolve();
    const inFlight = this.c.memory.namespaceCreates.get(ns);
    if (inFlight) return inFlight;
    const pending: Promise<void> = this.createNamespace(ns).finally(() => {
      if (this.c.memory.namespaceCreates.get(ns) === pending) this.c.memory.namespaceCreates.delete(ns);
    });
    this.c.memory.namespaceCreates.set(ns, pending);
    return pending;
  }

  async createNamespace(ns: string): Promise<void> {
    let existing;
    try {
      existing = await this.c.deps.nomad.readNamespace(ns);
    } catch (e) {
      if (e instanceof ForbiddenError) {
        throw controllerError('Stalled', 'NamespaceBlocked', `the token may not read namespace ${ns}: ${e.serverMessage || 'Permission denied'}`, { phase: 'Error' });
      }
      throw e;
    }
    if (!existing) {
      try {
        await this.c.deps.nomad.upsertNamespace({ Name: ns, Description: `team ${ns} (created by nomadguard)` });
      } catch (e) {
        if (e instanceof ForbiddenError) {
          throw controllerError('Stalled', 'NamespaceBlocked', `namespace ${ns} does not exist and the token may not create it: ${e.serverMessage || 'Permission denied'}`, { phase: 'Error' });
        }
        throw e;
      }
      this.c.deps.logger.info({ namespace: ns }, 'namespace created');
    }
    this.c.memory.knownNamespaces.add(ns);
  }

  /** Re-reads one job into the live cache (after a lost check-and-set the cached index is stale). */
  async refreshLive(key: JobKey): Promise<void> {
    const { namespace, jobId } = splitKey(key);
    try {
      const job = await this.c.deps.nomad.readJob(namespace, jobId);
      this.c.live.set(key, job ? stubOf(job) : undefined);
    } catch {
      // the retry will list or read again
    }
  }
}

/** A state store failure, one line: the API error's own text (naming Consul) or the error message. */
function describeStoreError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
