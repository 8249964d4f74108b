/**
 * The job-sync controller: git desired state -> Nomad, one job at a time.
 *
 * Contract (level-based, keys only): `reconcile(key)` reads the current desired entry, the cached live
 * stub and the state store record for `namespace/job`, decides with the pure plan core, acts, and
 * returns a `ReconcileResult` or throws a `ControllerError`; `computeResult` turns either into the
 * queue action and the status (see lib/core/reconcile-result.ts for the retry policy).
 *
 * Read -> decide -> act, one file each: the pass reads git and Nomad and decides every key (pass.ts);
 * `reconcile` acts on one key's decision: the writes (apply.ts), the health follow of a written version
 * (follow.ts). What they remember between reconciles is in `SyncMemory` (memory.ts), each piece with
 * one writer and one rule that ends it.
 */
import { CasConflictError, ForbiddenError, BadRequestError, ApiError } from '../../lib/ports/errors';
import { NotLeaderError } from '../../lib/ports/leadership';
import { splitKey, type JobKey, type PlanItem } from '../../lib/core/plan';
import { controllerError, isControllerError, type ControllerError, type ReconcileResult } from '../../lib/core/reconcile-result';
import type { Job } from '../../lib/core/nomad/types';
import type { PassRequest } from '../../lib/runtime/triggers';
import { carriesMarker, isManaged, META } from '../../lib/core/plan';
import { liveHolders } from '../../lib/core/policy';
import { isSourceOf, repoWithoutCredentials, sourceIdentity } from '../../lib/core/source-id';
import { Applier } from './apply';
import { DesiredState } from './desired-state';
import { HealthFollower } from './follow';
import { LiveCache, stubOf } from './live-cache';
import { LiveWatch } from './live-watch';
import { SyncMemory, type SyncContext } from './memory';
import { PassRunner, absenceEnds, type PassSummary } from './pass';
import { StatusStore } from './status-store';
import { DEFAULT_TUNING, type OperatorDeps, type OperatorTuning } from './types';

export { needsReconcile, PassError, describePassFailure, type PassFailure, type PassSummary } from './pass';
export { serviceNames } from './follow';

/** The controller: the views, the memory, and the reconcile that acts on one key. */
export class JobSyncController implements SyncContext {
  readonly desired: DesiredState;
  readonly live = new LiveCache();
  readonly watch = new LiveWatch();
  readonly status: StatusStore;
  readonly memory = new SyncMemory();
  readonly sourceId: string;
  readonly tuning: OperatorTuning;
  private readonly pass: PassRunner;
  private readonly follower: HealthFollower;
  private readonly applier: Applier;

  constructor(readonly deps: OperatorDeps) {
    this.sourceId = sourceIdentity(deps.config.source, deps.source.repo);
    this.tuning = { ...DEFAULT_TUNING, ...deps.tuning };
    this.desired = new DesiredState(deps.source, deps.render, {
      sourceId: this.sourceId,
      defaultMode: deps.config.reconcile.selfHeal ? 'self-heal' : 'detect-only',
      suspendedTeams: deps.suspendedTeams,
      ...(deps.policy ? { policy: deps.policy } : {}),
      // The holder of a job ID, host or service is the spec the running job names (once Nomad was listed).
      holders: () => (this.live.loaded ? liveHolders(this.live.all(), this.sourceId) : undefined),
    });
    this.status = new StatusStore(deps.clock, { name: this.sourceId, repo: repoWithoutCredentials(deps.source.repo), branch: deps.source.branch }, deps.cluster, deps.observations);
    this.pass = new PassRunner(this);
    this.follower = new HealthFollower(this);
    this.applier = new Applier(this, this.follower);
  }

  /** One pass (see pass.ts): refresh git, list Nomad once, decide everything, return the keys needing work. */
  runPass(req?: PassRequest): Promise<PassSummary> {
    return this.pass.runPass(req);
  }

  /**
   * This instance became the leader and re-read the shared state: the kept decisions, the followed versions
   * and the confirmations are taken again from it (the next pass decides every key).
   */
  resume(): void {
    this.pass.resume();
    this.memory.following.clear();
    this.memory.pendingRecords.clear();
  }

  /** Nomad's index went backwards (a restore, a rebuilt cluster): what was cached about it is forgotten. */
  nomadRestarted(): void {
    this.pass.nomadRestarted();
  }

  /** The decision for one key from the caches (no I/O). */
  decideKey(key: JobKey): PlanItem {
    return this.pass.decideKey(key);
  }

  /** Reconciles one key (see the file comment for the contract). */
  async reconcile(key: JobKey): Promise<ReconcileResult> {
    try {
      return await this.reconcileInner(key);
    } catch (e) {
      if (e instanceof CasConflictError) await this.applier.refreshLive(key);
      throw this.toControllerError(e);
    }
  }

  private async reconcileInner(key: JobKey): Promise<ReconcileResult> {
    await this.applier.flushRecord(key); // a record a failed state store write left pending lands before anything else
    const item = this.pass.decideKey(key);
    const { namespace, jobId } = splitKey(key);
    const nomad = this.deps.nomad;
    const fields = { spec: item.spec, source: this.sourceId, mode: item.desired?.mode, desiredCommit: item.desired?.commit, desiredHash: item.desired?.hash };
    const log = this.deps.logger.child({ key, action: item.action, reason: item.reason });
    const absenceEnded = absenceEnds(item);
    if (absenceEnded && item.record) {
      const { absentSince: _a, ...rest } = item.record;
      await this.deps.state.put(key, rest);
    }

    switch (item.action) {
      case 'unchanged': {
        if (item.record?.absentSince !== undefined && !absenceEnded) {
          const { absentSince: _a, ...rest } = item.record;
          await this.deps.state.put(key, rest);
        }
        if (this.memory.following.has(key)) return this.follower.followHealth(key, item);
        this.pass.recordQuiet(item);
        return { kind: 'done' };
      }
      case 'invalid':
      case 'leave-alone': {
        this.memory.following.delete(key);
        this.pass.recordQuiet(item);
        if (item.reason === 'SpecInvalid') throw controllerError('Invalid', 'SpecInvalid', item.message, { event: false });
        return { kind: 'done' };
      }
      case 'prune-wait': {
        if (item.markAbsent) {
          const live = item.live;
          await this.deps.state.put(key, { ...(item.record ?? { jobModifyIndex: live?.JobModifyIndex ?? 0, hash: live?.Meta?.[META.hash] ?? '' }), absentSince: this.deps.clock.now() });
        }
        this.status.update(key, { phase: 'OutOfSync', fields, condition: { type: 'Synced', status: 'False', reason: item.reason, message: item.message } });
        return { kind: 'requeueAfter', ms: item.waitMs ?? 0 };
      }
      case 'prune': {
        const purge = this.deps.config.reconcile.prune.purge;
        // The decision was made on a cached stub: re-read, and delete only the very job it was made on.
        const current = await nomad.readJob(namespace, jobId);
        const refusal = pruneRefusal(current, this.sourceId, item.live?.JobModifyIndex, item.record?.adopted === true && item.record.adoptedBy !== undefined && isSourceOf(item.record.adoptedBy, this.sourceId));
        if (refusal) {
          this.live.set(key, current ? stubOf(current) : undefined);
          log.info({ refusal }, 'prune skipped: the job changed since the decision; deciding again');
          return { kind: 'requeueAfter', ms: 0 };
        }
        const gone = await nomad.deregisterJob(namespace, jobId, { purge });
        await this.deps.state.delete(key);
        const live = this.live.get(key);
        const at = gone.JobModifyIndex || gone.Index;
        this.live.set(key, purge || !live ? undefined : { ...live, Stop: true, ...(at ? { JobModifyIndex: at } : {}) }, at);
        this.memory.following.delete(key);
        log.info({ purge }, 'pruned: spec removed from the repository');
        this.status.update(key, { phase: 'Pruned', fields, condition: { type: 'Synced', status: 'True', reason: 'SpecRemoved', message: purge ? 'job purged' : 'job stopped' }, event: { event: 'Pruned', message: purge ? 'spec removed: job purged' : 'spec removed: job stopped' } });
        return { kind: 'done' };
      }
      case 'create':
      case 'update':
      case 'drift':
      case 'verify':
      case 'adopt':
        return this.applier.apply(key, item);
    }
  }

  /** Maps a failure to the error union. */
  private toControllerError(e: unknown): ControllerError {
    if (isControllerError(e)) return e;
    if (e instanceof NotLeaderError) return controllerError('Waiting', 'NotLeader', e.message, { cause: e, event: false });
    if (e instanceof CasConflictError) {
      return controllerError('Conflict', 'IndexConflict', `job changed between plan and register: ${e.serverMessage || e.message}`, { cause: e });
    }
    if (e instanceof ForbiddenError) return controllerError('Stalled', 'Forbidden', e.message, { cause: e, phase: 'Error' });
    if (e instanceof BadRequestError) return controllerError('Terminal', 'RejectedByNomad', e.serverMessage || e.message, { cause: e, phase: 'Error' });
    if (e instanceof ApiError) return controllerError('Transient', e.transient ? `${e.service === 'consul' ? 'Consul' : 'Nomad'}Unavailable` : 'ApiError', e.message, { cause: e });
    return controllerError('Transient', 'InternalError', e instanceof Error ? e.message : String(e), { cause: e });
  }
}

/**
 * Why a freshly read job may not be pruned by `source` (decided at `decidedIndex`); undefined when it may.
 * An `adopted` job (see lib/core/plan/adopt.ts) is ours while it still carries no marker key at all.
 */
export function pruneRefusal(job: Job | undefined, source: string, decidedIndex: number | undefined, adopted = false): string | undefined {
  if (!job) return 'job is gone';
  const stub = { Meta: job.Meta ?? undefined };
  if (adopted ? carriesMarker(stub) : !isManaged(stub)) return adopted ? 'the adopted job carries a nomadguard marker now' : 'job is not managed by nomadguard';
  if (!adopted && !isSourceOf(job.Meta?.[META.source], source)) return `job is managed by another source (${job.Meta?.[META.source] === undefined ? 'unknown' : repoWithoutCredentials(job.Meta[META.source])})`;
  if ((job.ParentID ?? '') !== '') return 'job is a child job';
  if (job.Stop) return 'job is already stopped';
  if (job.JobModifyIndex !== decidedIndex) return `JobModifyIndex moved from ${decidedIndex} to ${job.JobModifyIndex}`;
  return undefined;
}
