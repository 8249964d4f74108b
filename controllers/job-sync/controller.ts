/**
 * The job-sync controller: git desired state -> Nomad, one job at a time.
 *
 * Contract (level-based, keys only): `reconcile(key)` reads the current desired entry, the cached live
 * stub and the state store record for `namespace/job`, decides with the pure plan core, acts, and
 * returns a `ReconcileResult` or throws a `ControllerError`; `computeResult` turns either into the
 * queue action and the status (see lib/core/reconcile-result.ts for the retry policy).
 *
 * A pass (`runPass`) refreshes the desired state from git (incrementally), lists the live jobs with
 * one Nomad call, decides every key purely, applies the prune guard to the whole view, records the
 * status of keys that need nothing, and returns the keys that need a reconcile. A pass in which git did
 * not change and no managed job's index moved therefore makes exactly one Nomad call.
 */
import { CasConflictError, ForbiddenError, BadRequestError, NotFoundError, ApiError } from '../../lib/ports/errors';
import { allocImpact, applyPruneGuard, staleVersionTags, type JobComparison, carryConfirmations, compareJobs, compareOptions, comparisonLines, decidePair, decide, keylessInvalidNamespaces, judgePlan, needsLiveRead, preservesCounts, mayBeReverted, revertedVersion, diffLines, isManaged, versionTag, type Pair, META, splitKey, type DecideOptions, type DesiredValid, type JobKey, type JobRecord, type PlanItem, type PruneConfirmations, type PruneRefusal } from '../../lib/core/plan';
import { assessHealth, healthGroups, nodePrefix, type ServiceInstance } from '../../lib/core/health';
import { controllerError, isControllerError, type ControllerError, type ReconcileResult } from '../../lib/core/reconcile-result';
import type { Job } from '../../lib/core/nomad/types';
import { HASH_SCHEME } from '../../lib/core/hash';
import type { PassRequest } from '../../lib/runtime/triggers';
import { parseDurationMs } from '../../lib/runtime/triggers';
import { liveHolders } from '../../lib/core/policy';
import { DesiredState } from './desired-state';
import { LiveCache, listLive, stubOf } from './live-cache';
import { StatusStore } from './status-store';
import { DEFAULT_TUNING, type OperatorDeps, type OperatorTuning } from './types';

/** What a pass did. */
export interface PassSummary {
  ok: boolean;
  commit?: string;
  sourceError?: string;
  /** Keys handed to the queue. */
  enqueue: JobKey[];
  /** Counts of decisions by action. */
  actions: Record<string, number>;
  refused: PruneRefusal[];
  rendered: number;
}

/** The controller: state it keeps between reconciles, and the reconcile itself. */
export class JobSyncController {
  readonly desired: DesiredState;
  readonly live = new LiveCache();
  readonly status: StatusStore;
  readonly sourceId: string;
  readonly tuning: OperatorTuning;
  private guardBlocked = new Set<string>();
  private forced = new Set<JobKey>();
  /** Prunes a human confirmed, by namespace: kept until they are done or the desired state changes. */
  private confirmations: PruneConfirmations = new Map();
  private knownNamespaces = new Set<string>(['default']);
  private nodePrefixes = new Map<string, string>();
  /** Records of writes to Nomad the state store has not taken yet (retried at the key's next reconcile). */
  private pendingRecords = new Map<JobKey, JobRecord>();
  /** Versions written and not yet tagged with their commit (tagged at the first health look). */
  private toTag = new Map<JobKey, { jobModifyIndex: number; commit: string; spec: string }>();
  /** Keys whose written version is being followed: when the follow started. */
  private following = new Map<JobKey, number>();
  /** Detect-only drift already reported at this JobModifyIndex (no plan call again). */
  private reportedDrift = new Map<JobKey, number>();
  private keylessInvalid = new Set<string>();
  /** Namespace creations in flight: every worker creating in the same namespace shares one. */
  private namespaceCreates = new Map<string, Promise<void>>();
  /** The failure streak of passes, while passes fail. */
  private failing?: { reason: string; system: PassFailure['system']; since: number; passes: number };
  /** The desired-state version `recordKeylessInvalid` last ran on (-1: never). */
  private keylessVersion = -1;
  /** The last pass's decisions (before the prune guard), re-used for keys whose inputs did not move. */
  private lastItems?: Map<JobKey, PlanItem>;
  private lastHealthy = false;
  /** Namespaces holding a spec too broken to name its job, as of the last refresh: nothing there is pruned. */
  private invalidNamespaces: ReadonlySet<string> = new Set();
  /** The entries version the last pass decided on (-2: never). */
  private decidedVersion = -2;
  /** The entries version `invalidNamespaces` was computed from (-2: never; -1: desired state unknown). */
  private invalidVersion = -2;

  constructor(readonly deps: OperatorDeps) {
    this.sourceId = deps.config.source.name ?? deps.config.source.repo ?? deps.source.repo;
    this.tuning = { ...DEFAULT_TUNING, ...deps.tuning };
    this.desired = new DesiredState(deps.source, deps.render, {
      sourceId: this.sourceId,
      defaultMode: deps.config.reconcile.selfHeal ? 'self-heal' : 'detect-only',
      suspendedTeams: deps.suspendedTeams,
      ...(deps.policy ? { policy: deps.policy } : {}),
      // The holder of a job ID, host or service is the spec the running job names (once Nomad was listed).
      holders: () => (this.live.loaded ? liveHolders(this.live.all(), this.sourceId) : undefined),
    });
    this.status = new StatusStore(deps.clock, { name: this.sourceId, repo: deps.source.repo, branch: deps.source.branch });
  }

  private decideOptions(): DecideOptions {
    const prune = this.deps.config.reconcile.prune;
    return {
      source: this.sourceId,
      now: this.deps.clock.now(),
      sourceHealthy: this.desired.known && this.desired.healthy,
      prune: { enabled: prune.enabled, graceMs: parseDurationMs(prune.grace) },
      forced: this.forced.has('*') ? true : this.forced,
      suspendedTeams: this.deps.suspendedTeams,
      invalidSpecNamespaces: this.invalidNamespaces,
    };
  }

  /** Keys that matter for reading live jobs one by one on old servers. */
  private wantedKeys(): Set<JobKey> {
    const keys = new Set<JobKey>(this.deps.state.snapshot().keys());
    for (const d of this.desired.entries()) if (d.state === 'valid') keys.add(d.key);
    return keys;
  }

  /**
   * One pass: refresh git, list Nomad once, decide everything, return the keys needing work.
   *
   * A pass that cannot read Nomad or the state store throws a `PassError` naming the system and what
   * failed; until a pass succeeds again the source is reported unhealthy with that error, every job
   * carries it, `nomadguard_pass_errors_total{reason}` counts each failed pass, and the failure is logged
   * once per streak (and once when it ends). The processed commit moves only with a pass that
   * succeeded, and a failed pass leaves the next one deciding every key afresh, so nothing the failed
   * pass fetched is lost.
   */
  async runPass(req: PassRequest = { full: false, forced: new Set(), confirmPrune: new Set(), reasons: ['manual'] }): Promise<PassSummary> {
    let summary: PassSummary;
    try {
      summary = await this.passInner(req);
    } catch (e) {
      // What the failed pass refreshed or listed was not decided: the next pass decides every key.
      this.lastItems = undefined;
      const failure = describePassFailure(e);
      this.passFailed(failure);
      throw new PassError(failure, e);
    }
    if (summary.ok) {
      this.status.updateSource({ lastProcessedCommit: summary.commit, healthy: this.desired.healthy, lastError: undefined });
      this.passRecovered();
    }
    this.deps.metrics?.setSourceHealthy(this.sourceId, this.status.source.healthy);
    return summary;
  }

  /** Records a failed pass: the source's and every job's error, the metric, and a log line when a streak starts. */
  private passFailed(f: PassFailure): void {
    const time = this.status.nowIso();
    this.deps.metrics?.countPassError(f.reason);
    this.status.updateSource({ healthy: false, lastError: { reason: f.reason, message: f.message, time } });
    const first = this.failing?.reason !== f.reason;
    if (f.system !== 'git' && first) {
      for (const j of this.status.snapshot().jobs) {
        this.status.update(j.key, { condition: { type: 'Ready', status: 'Unknown', reason: f.reason, message: f.message }, lastError: { code: 'Transient', reason: f.reason, message: f.message, time } });
      }
    }
    if (first) {
      const msg = f.system === 'git' ? 'spec source failed: keeping the last desired state, pruning nothing' : `pass failed: ${f.system} did not answer as needed; nothing decided, retrying at the next trigger`;
      this.deps.logger.error({ system: f.system, reason: f.reason, err: f.message }, msg);
    } else {
      this.deps.logger.debug({ system: f.system, reason: f.reason, err: f.message }, 'pass failed again');
    }
    this.failing = { reason: f.reason, system: f.system, since: this.failing?.since ?? this.deps.clock.now(), passes: (this.failing?.passes ?? 0) + 1 };
    this.deps.metrics?.setSourceHealthy(this.sourceId, false);
  }

  /** Ends a failure streak: one log line, and the pass error taken off the jobs that carry it. */
  private passRecovered(): void {
    const f = this.failing;
    if (!f) return;
    this.failing = undefined;
    this.deps.logger.info({ system: f.system, reason: f.reason, failedPasses: f.passes, forMs: this.deps.clock.now() - f.since }, `pass succeeded again after ${f.passes} failed`);
    if (f.system === 'git') return;
    for (const j of this.status.snapshot().jobs) {
      if (j.lastError?.reason !== f.reason) continue;
      this.status.update(j.key, { condition: { type: 'Ready', status: 'True', reason: 'Reconciled', message: `${f.system} answers again` }, lastError: null });
    }
  }

  /** Nomad's index went backwards (a restore, a rebuilt cluster): what was cached about it is forgotten. */
  nomadRestarted(): void {
    this.live.index = 0;
    this.knownNamespaces = new Set<string>(['default']);
    this.namespaceCreates.clear();
    this.lastItems = undefined;
  }

  private async passInner(req: PassRequest): Promise<PassSummary> {
    const log = this.deps.logger;
    // A forced key lasts until the write it allows (or the hold of that write when it fails again): a
    // forced full sync forces every recorded key once, never a standing '*' that would resubmit a
    // version Nomad reverted again and again.
    const forceAll = req.forced.has('*');
    for (const k of req.forced) if (k !== '*') this.forced.add(k);
    const knownIndex = this.live.index;
    // git and Nomad are read at the same time: a pass costs the slower of the two, not their sum. Both
    // are joined before anything else happens, so a failed list never leaves a refresh running into the
    // next pass; the refresh's outcome is recorded, then a failed read fails the pass.
    const [refreshed, loaded, listing] = await Promise.allSettled([
      this.desired.refresh({ full: req.full }),
      this.deps.state.load(),
      listLive(this.deps.nomad, this.live, () => this.wantedKeys()),
    ]);
    if (refreshed.status === 'rejected') throw refreshed.reason;
    const refresh = refreshed.value;
    const now = this.status.nowIso();
    if (refresh.ok) {
      // The processed commit moves in runPass once the pass that used it succeeded.
      this.status.updateSource({ lastFetchedCommit: refresh.commit, lastFetchTime: now });
      if (refresh.forcePushed) log.warn({ commit: refresh.commit, healthy: this.desired.healthy }, 'spec branch was force-pushed: full re-render');
    } else {
      this.passFailed({ system: 'git', reason: refresh.error?.reason ?? 'GitFailed', message: `git: ${refresh.error?.message ?? 'unknown'}` });
    }
    if (loaded.status === 'rejected') throw loaded.reason;
    if (listing.status === 'rejected') throw listing.reason;
    const records = loaded.value;
    const listed = listing.value;
    if (listed.index < knownIndex) {
      // Nomad answered below an index it had already given before this list was asked for: its state
      // went backwards (a snapshot restore, a cluster rebuilt empty at the same address). A list that is
      // merely older than one the live watch applied meanwhile is not this, and the cache ignores it.
      log.warn({ index: listed.index, known: knownIndex }, "Nomad's index went backwards: forgetting cached jobs and namespaces");
      this.nomadRestarted();
    }
    const firstList = !this.live.loaded;
    const liveChanged = this.live.replace(listed.stubs, listed.index);
    // Git was indexed before Nomad answered: on the first list, index again with the running jobs as holders.
    if (firstList && this.desired.known) for (const k of this.desired.reindex()) refresh.changedKeys.add(k);
    if (forceAll) for (const k of records.keys()) this.forced.add(k);
    for (const ns of this.live.namespaces()) this.knownNamespaces.add(ns);

    // Decide. After the first pass only keys whose inputs moved are decided again (an informer's
    // work): a changed spec, a moved live index, a new record, or a decision that waits on time.
    const lastInvalid = this.invalidNamespaces;
    // Derived from the entries alone: recomputed only when they moved.
    const entriesVersion = this.desired.known ? this.desired.version : -1;
    if (entriesVersion !== this.invalidVersion) {
      this.invalidNamespaces = keylessInvalidNamespaces(this.desired.known ? this.desired.entries() : []);
      this.invalidVersion = entriesVersion;
    }
    const entriesMoved = entriesVersion !== this.decidedVersion;
    this.decidedVersion = entriesVersion;
    const invalidMoved = lastInvalid.size !== this.invalidNamespaces.size || [...lastInvalid].some((ns) => !this.invalidNamespaces.has(ns));
    const opts = this.decideOptions();
    const incremental = this.lastItems !== undefined && refresh.ok && !refresh.full && this.desired.known && opts.sourceHealthy === this.lastHealthy && this.forced.size === 0 && !invalidMoved;
    let items: PlanItem[] | undefined;
    const fresh = new Set<JobKey>();
    // Prunes are never settled, so in an incremental pass any prune was just decided.
    let prunesDecided = !incremental;
    let enqueue: JobKey[] = [];
    let actions: Record<string, number> = {};
    if (incremental) {
      // The last decisions are updated in place (a dirty key moves to the end, as it always did): a
      // no-op pass over thousands of settled keys allocates no per-key copies. The one walk over them
      // finds the keys to decide again and already counts and queues the kept ones, in the order the
      // updated map has them (kept keys first, then the re-decided ones as they are re-inserted).
      const last = this.lastItems as Map<JobKey, PlanItem>;
      const dirty = new Set<JobKey>(liveChanged);
      for (const k of refresh.changedKeys) dirty.add(k);
      for (const it of last.values()) {
        const k = it.key;
        // An invalid spec pairs with its live job by spec path, which the changed keys do not name: look again
        // whenever the entries moved (there are few of them), so a spec that fails differently says so.
        if (dirty.has(k) || !SETTLED.has(it.action) || it.record !== records.get(k) || (it.invalid !== undefined && entriesMoved)) {
          dirty.add(k);
          continue;
        }
        actions[it.action] = (actions[it.action] ?? 0) + 1;
        if (needsReconcile(it) || this.following.has(k)) enqueue.push(k);
        else if (it.reason === 'PruneGuard') this.recordQuiet(it);
      }
      for (const k of dirty) {
        last.delete(k);
        const pair = this.pairFor(k);
        if (!pair.desired && !pair.invalid && (!pair.live || !isManaged(pair.live))) continue;
        const item = decidePair(pair, opts);
        if (item.action === 'prune' || item.action === 'prune-wait') prunesDecided = true;
        last.set(k, item);
        fresh.add(k);
      }
      if (prunesDecided) {
        // The guard looks at the whole view: count and queue again from its answer below.
        items = [...last.values()];
        enqueue = [];
        actions = {};
      } else {
        for (const k of fresh) {
          const item = last.get(k) as PlanItem;
          actions[item.action] = (actions[item.action] ?? 0) + 1;
          if (needsReconcile(item) || this.following.has(k)) enqueue.push(k);
          else this.recordQuiet(item);
        }
      }
    } else {
      const desired = this.desired.known ? this.desired.entries() : [];
      items = decide(desired, this.live.all(), records, opts);
      if (!this.desired.known) items = items.filter((i) => i.action !== 'prune' && i.action !== 'prune-wait');
      for (const it of items) fresh.add(it.key);
      this.lastItems = new Map(items.map((i) => [i.key, i]));
    }
    this.lastHealthy = opts.sourceHealthy;
    // A forced key whose decision writes nothing has nothing left to force.
    for (const k of this.forced) if (!this.lastItems?.get(k)?.write) this.forced.delete(k);
    // Without a prune anywhere no confirmation covers anything and the guard refuses nothing: skip
    // their walks over every item (what they return then is known); the incremental walk above has
    // already counted and queued.
    const canPrune = refresh.ok && opts.sourceHealthy;
    let refused: PruneRefusal[] = [];
    if (prunesDecided && items) {
      this.confirmations = carryConfirmations(this.confirmations, req.confirmPrune, items, { canPrune });
      const guarded = applyPruneGuard(items, { source: this.sourceId, maxShare: this.deps.config.reconcile.prune.maxShare, confirmed: new Set(this.confirmations.keys()) });
      refused = guarded.refused;
      for (const item of guarded.items) {
        actions[item.action] = (actions[item.action] ?? 0) + 1;
        if (needsReconcile(item) || this.following.has(item.key)) enqueue.push(item.key);
        else if (fresh.has(item.key) || item.reason === 'PruneGuard') this.recordQuiet(item);
      }
    } else {
      this.confirmations = canPrune ? new Map() : new Map(this.confirmations);
    }
    this.guardBlocked = new Set(refused.map((r) => r.namespace));
    for (const r of refused) log.warn(r, 'prune guard: refusing to prune this share of a namespace without confirmation');

    this.recordKeylessInvalid();
    // A pass that found nothing to do is the steady state: keep it out of the info log (one line every poll).
    const quiet = enqueue.length === 0 && refresh.rendered === 0 && !refresh.full && refresh.ok;
    log[quiet ? 'debug' : 'info']({ commit: refresh.commit, reasons: req.reasons, full: refresh.full, rendered: refresh.rendered, enqueue: enqueue.length, actions }, 'pass');
    return { ok: refresh.ok, commit: refresh.commit, sourceError: refresh.error?.message, enqueue, actions, refused, rendered: refresh.rendered };
  }

  /** Invalid specs that never named a job get a status under `<team>/<spec path>`; fixed ones are dropped. */
  private recordKeylessInvalid(): void {
    // Only these lines write keyless statuses, so unchanged entries give the same result: skip the walk.
    if (this.desired.version === this.keylessVersion) return;
    this.keylessVersion = this.desired.version;
    const seen = new Set<string>();
    for (const d of this.desired.entries()) {
      if (d.state !== 'invalid' || d.key) continue;
      const key = `${d.team}/${d.spec}`;
      seen.add(key);
      const diag = d.diagnostics.find((x) => x.severity === 'error');
      const message = diag ? `${diag.file ?? d.spec}:${diag.line ?? 0}:${diag.col ?? 0}: ${diag.message}` : 'spec is invalid';
      if (this.status.get(key)?.conditions.find((c) => c.type === 'Synced')?.message === message) continue;
      this.status.update(key, { phase: 'Invalid', fields: { spec: d.spec, source: this.sourceId }, condition: { type: 'Synced', status: 'False', reason: 'SpecInvalid', message }, event: { event: 'SpecInvalid', message } });
    }
    for (const key of this.keylessInvalid) if (!seen.has(key)) this.status.remove(key);
    this.keylessInvalid = seen;
  }

  /** Status for a key that needs no reconcile (no API call). */
  private recordQuiet(item: PlanItem): void {
    const fields = {
      spec: item.spec,
      source: this.sourceId,
      mode: item.desired?.mode,
      desiredCommit: item.desired?.commit,
      desiredHash: item.desired?.hash,
      jobModifyIndex: item.live?.JobModifyIndex,
    };
    switch (item.action) {
      case 'unchanged': {
        const prev = this.status.get(item.key);
        if (item.reason === 'AlreadyStopped') {
          this.status.update(item.key, { phase: 'Pruned', fields, condition: { type: 'Synced', status: 'True', reason: item.reason, message: item.message } });
          return;
        }
        const phase = prev && (prev.phase === 'Healthy' || prev.phase === 'Degraded' || prev.phase === 'Progressing') ? prev.phase : 'Synced';
        if (prev?.phase !== phase || prev?.jobModifyIndex !== item.live?.JobModifyIndex) this.status.update(item.key, { phase, fields, condition: { type: 'Synced', status: 'True', reason: item.reason, message: item.message }, lastError: null });
        return;
      }
      case 'invalid':
      case 'leave-alone': {
        const phase = item.reason === 'SpecInvalid' ? 'Invalid' : item.reason === 'AutoReverted' ? 'Degraded' : item.reason === 'UnmanagedJobExists' || item.reason === 'OtherSource' ? 'Error' : item.reason === 'NotManaged' ? undefined : 'OutOfSync';
        if (!phase) return;
        const diag = item.invalid?.diagnostics.find((d) => d.severity === 'error');
        const message = diag ? `${diag.file ?? item.spec}:${diag.line ?? 0}:${diag.col ?? 0}: ${diag.message}` : item.message;
        const prev = this.status.get(item.key);
        const synced = prev?.conditions.find((c) => c.type === 'Synced');
        if (prev?.phase === phase && synced?.reason === item.reason && synced.message === message) return;
        this.status.update(item.key, { phase, fields, condition: { type: 'Synced', status: 'False', reason: item.reason, message }, event: { event: item.reason, message } });
        return;
      }
      default:
        this.status.update(item.key, { phase: 'OutOfSync', fields, condition: { type: 'Synced', status: 'False', reason: item.reason, message: item.message } });
    }
  }

  /** The inputs of one key from the caches (no I/O). */
  private pairFor(key: JobKey): Pair {
    const d = this.desired.known ? this.desired.get(key) : undefined;
    const live = this.live.get(key);
    const record = this.deps.state.get(key);
    let invalid = d?.state === 'invalid' ? d : undefined;
    const specPath = live?.Meta?.[META.spec];
    if (!d && specPath) {
      const bySpec = this.desired.atSpec(specPath);
      if (bySpec?.state === 'invalid') invalid = bySpec;
    }
    return { key, desired: d?.state === 'valid' ? d : undefined, invalid, live: live && (isManaged(live) || d) ? live : undefined, record };
  }

  /** The decision for one key from the caches (no I/O). */
  decideKey(key: JobKey): PlanItem {
    let item = decidePair(this.pairFor(key), this.decideOptions());
    if (!this.desired.known && (item.action === 'prune' || item.action === 'prune-wait')) item = { ...item, action: 'leave-alone', write: false, reason: 'SourceUnknown', message: 'desired state not loaded yet' };
    if ((item.action === 'prune' || item.action === 'prune-wait') && this.guardBlocked.has(item.namespace)) {
      item = { ...item, action: 'leave-alone', write: false, reason: 'PruneGuard', message: `pruning in ${item.namespace} needs confirmation` };
    }
    return item;
  }

  /** Reconciles one key (see the file comment for the contract). */
  async reconcile(key: JobKey): Promise<ReconcileResult> {
    try {
      return await this.reconcileInner(key);
    } catch (e) {
      if (e instanceof CasConflictError) await this.refreshLive(key);
      throw this.toControllerError(e);
    }
  }

  private async reconcileInner(key: JobKey): Promise<ReconcileResult> {
    await this.flushRecord(key); // a record a failed state store write left pending lands before anything else
    const item = this.decideKey(key);
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
        if (this.following.has(key)) return this.followHealth(key, item);
        this.recordQuiet(item);
        return { kind: 'done' };
      }
      case 'invalid':
      case 'leave-alone': {
        this.following.delete(key);
        this.recordQuiet(item);
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
        const refusal = pruneRefusal(current, this.sourceId, item.live?.JobModifyIndex);
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
        this.following.delete(key);
        log.info({ purge }, 'pruned: spec removed from the repository');
        this.status.update(key, { phase: 'Pruned', fields, condition: { type: 'Synced', status: 'True', reason: 'SpecRemoved', message: purge ? 'job purged' : 'job stopped' }, event: { event: 'Pruned', message: purge ? 'spec removed: job purged' : 'spec removed: job stopped' } });
        return { kind: 'done' };
      }
      case 'create':
      case 'update':
      case 'drift':
      case 'verify':
        return this.apply(key, item);
    }
  }

  /**
   * Create / update / drift / verify. A create registers at once (only if absent). The others ask Nomad's
   * plan for the index to enforce, the diff people read and the allocation impact; drift and verify also
   * read the live job and compare it with the desired one (`compareJobs`), which alone decides whether
   * they are in sync. An update (a new desired hash) is always written. Every write is check-and-set.
   */
  private async apply(key: JobKey, item: PlanItem): Promise<ReconcileResult> {
    const d = item.desired as DesiredValid;
    const { namespace, jobId } = splitKey(key);
    const nomad = this.deps.nomad;
    const log = this.deps.logger.child({ key, action: item.action, reason: item.reason });
    const fields = { spec: d.spec, source: this.sourceId, mode: d.mode, desiredCommit: d.commit, desiredHash: d.hash, modifications: d.modifications ?? [] };

    if ((item.action === 'drift' || item.action === 'verify') && !item.write && this.reportedDrift.get(key) === item.live?.JobModifyIndex) {
      return { kind: 'done' }; // already reported at this index
    }
    const forced = this.forced.has('*') || this.forced.has(key);
    if (mayBeReverted(item, forced) && item.record) {
      // We wrote this version before and it is no longer live: Nomad (or a human) reverted it (a forced sync resubmits it).
      const reverted = await this.checkReverted(namespace, jobId, item.record);
      if (reverted) return this.holdReverted(key, item.record, reverted);
    }

    if (item.action === 'create') {
      if (!item.write) {
        this.status.update(key, { phase: 'Suspended', fields, condition: { type: 'Synced', status: 'False', reason: item.reason, message: item.message } });
        return { kind: 'done' };
      }
      await this.ensureNamespace(namespace);
      return this.register(key, item, { enforceIndex: 0, lines: [], impact: [] });
    }

    const [plan, liveJob] = await Promise.all([
      nomad.planJob(namespace, d.job, { diff: true }),
      needsLiveRead(item) ? nomad.readJob(namespace, jobId) : Promise.resolve(undefined),
    ]);
    if (needsLiveRead(item) && !liveJob) {
      this.live.set(key, undefined);
      return { kind: 'requeueAfter', ms: 0 }; // gone since the list: decide again
    }
    const comparison = liveJob ? compareJobs(d.job, liveJob, compareOptions(await nomad.capabilities(), namespace, d.job)) : undefined;
    const verdict = judgePlan(item, plan.Diff, comparison);
    const enforceIndex = plan.JobModifyIndex;
    // What people read: Nomad's plan diff, and the comparison's changes where the plan is blind to them.
    const planLines = diffLines(verdict.diff);
    let lines = planLines;
    if (planLines.length === 0) {
      // Nomad's plan shows nothing (a spread, a lifecycle, an update stagger): say what the comparison finds.
      const compared = comparison ?? (verdict.outcome === 'in-sync' ? undefined : await this.compareLive(namespace, jobId, d.job));
      if (compared) lines = comparisonLines(compared.changes);
    }
    const impact = allocImpact(plan.Annotations?.DesiredTGUpdates ?? null);

    if (verdict.outcome === 'in-sync') {
      const at = (liveJob as Job).JobModifyIndex ?? enforceIndex;
      await this.putRecord(key, { jobModifyIndex: at, hash: d.hash, scheme: HASH_SCHEME, commit: d.commit, spec: d.spec });
      this.reportedDrift.delete(key);
      this.forced.delete(key);
      const prev = this.status.get(key)?.phase;
      this.status.update(key, { phase: prev === 'Healthy' || prev === 'Degraded' || prev === 'Progressing' ? prev : 'Synced', fields: { ...fields, jobModifyIndex: at, jobVersion: liveJob?.Version }, condition: { type: 'Synced', status: 'True', reason: 'InSync', message: 'the live job equals the desired job' }, lastError: null });
      return { kind: 'done' };
    }
    if (verdict.outcome === 'held') {
      const phase = d.suspended ? 'Suspended' : 'OutOfSync';
      if (item.action === 'drift' || item.action === 'verify') this.reportedDrift.set(key, item.live?.JobModifyIndex ?? 0);
      log.warn({ diff: lines }, d.suspended ? 'suspended: change not applied' : 'drift detected (detect-only): not reverted');
      this.status.update(key, { phase, fields: { ...fields, lastDiff: lines, jobModifyIndex: item.live?.JobModifyIndex }, condition: { type: 'Synced', status: 'False', reason: item.reason, message: item.message }, event: { event: d.suspended ? 'Suspended' : 'DriftDetected', message: lines.slice(0, 5).join('; ') || item.message, commit: d.commit } });
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
  private async register(key: JobKey, item: PlanItem, w: { enforceIndex: number; lines: string[]; impact: string[] }): Promise<ReconcileResult> {
    const d = item.desired as DesiredValid;
    const { namespace } = splitKey(key);
    const log = this.deps.logger.child({ key, action: item.action, reason: item.reason });
    const preserveCounts = preservesCounts(d.job, item.action);
    const job: Job = { ...d.job, Namespace: namespace };
    const resp = await this.deps.nomad.registerJob({ namespace, Job: job, EnforceIndex: true, JobModifyIndex: w.enforceIndex, ...(preserveCounts ? { PreserveCounts: true } : {}) });
    // Nomad has the new version from here on: whatever fails below, this write is not made again.
    this.live.set(key, { ...(this.live.get(key) ?? stubOf(job)), JobModifyIndex: resp.JobModifyIndex, Stop: false, Meta: { ...(job.Meta ?? {}) } });
    this.forced.delete(key);
    this.reportedDrift.delete(key);
    this.following.set(key, this.deps.clock.now());
    if (d.commit && this.deps.config.reconcile.versionTags !== false) this.toTag.set(key, { jobModifyIndex: resp.JobModifyIndex, commit: d.commit, spec: d.spec });
    const event = item.action === 'create' ? 'Created' : item.action === 'update' ? 'Updated' : 'DriftReverted';
    log.info({ evalId: resp.EvalID, jobModifyIndex: resp.JobModifyIndex, commit: d.commit, diff: w.lines.slice(0, 20), impact: w.impact }, event === 'DriftReverted' ? 'manual change reverted' : `job ${event.toLowerCase()}`);
    this.status.update(key, {
      phase: 'Progressing',
      fields: { spec: d.spec, source: this.sourceId, mode: d.mode, desiredCommit: d.commit, desiredHash: d.hash, modifications: d.modifications ?? [], appliedCommit: d.commit, jobModifyIndex: resp.JobModifyIndex, lastDiff: w.lines, allocImpact: w.impact },
      condition: { type: 'Synced', status: 'True', reason: event, message: `registered (eval ${resp.EvalID.slice(0, 8)})` },
      event: { event, message: w.lines.slice(0, 5).join('; ') || item.message, commit: d.commit },
      lastError: null,
    });
    await this.putRecord(key, { jobModifyIndex: resp.JobModifyIndex, hash: d.hash, scheme: HASH_SCHEME, commit: d.commit, spec: d.spec });
    return { kind: 'requeueAfter', ms: this.tuning.healthPollMs };
  }

  /**
   * Writes a record to the state store. A failure (Consul KV down after a Nomad write) keeps the record
   * pending in memory, is reported as a state store error naming Consul, and is retried at the key's next
   * reconcile (`flushRecord`) until it lands: never by writing to Nomad again.
   */
  private async putRecord(key: JobKey, record: JobRecord): Promise<void> {
    this.pendingRecords.set(key, record);
    await this.flushRecord(key);
  }

  /** Writes the key's pending record, if any (see `putRecord`). */
  private async flushRecord(key: JobKey): Promise<void> {
    const record = this.pendingRecords.get(key);
    if (!record) return;
    try {
      await this.deps.state.put(key, record);
    } catch (e) {
      throw controllerError('Transient', 'StateStoreUnavailable', `the record of our write to Nomad could not be stored (${describeStoreError(e)}); retrying the record, not the write`, { cause: e });
    }
    if (this.pendingRecords.get(key) === record) this.pendingRecords.delete(key);
  }

  /** Reads the live job and compares it with `desired` (undefined when the job is gone). */
  private async compareLive(namespace: string, jobId: string, desired: Job): Promise<JobComparison | undefined> {
    const live = await this.deps.nomad.readJob(namespace, jobId);
    return live ? compareJobs(desired, live, compareOptions(await this.deps.nomad.capabilities(), namespace, desired)) : undefined;
  }

  /** Tags the version we wrote with its commit (Nomad 1.9+): never blocks nor fails a write. */
  private async tagVersion(key: JobKey, job: Job): Promise<void> {
    const want = this.toTag.get(key);
    if (!want || want.jobModifyIndex !== job.JobModifyIndex) return;
    this.toTag.delete(key);
    const nomad = this.deps.nomad;
    try {
      if (!(await nomad.capabilities()).versionTags) return;
      const { namespace, jobId } = splitKey(key);
      const subject = await this.deps.source.commitSubject(want.commit);
      const tag = versionTag(want.commit, want.spec, subject);
      try {
        await nomad.tagVersion(namespace, jobId, tag.name, { version: job.Version ?? 0, description: tag.description });
      } catch (e) {
        // A tag names one version: the same commit written again (a forced resubmission) moves it.
        if (!(e instanceof ApiError) || !/already exists on a different version/.test(e.serverMessage)) throw e;
        await nomad.untagVersion(namespace, jobId, tag.name);
        await nomad.tagVersion(namespace, jobId, tag.name, { version: job.Version ?? 0, description: tag.description });
      }
      // Nomad keeps every tagged version forever (`upsertJobVersion` never drops one): only the newest
      // few of ours stay tagged.
      const { versions } = await nomad.jobVersions(namespace, jobId);
      for (const name of staleVersionTags(versions, KEPT_VERSION_TAGS)) await nomad.untagVersion(namespace, jobId, name);
    } catch (e) {
      this.deps.logger.warn({ key, err: e instanceof Error ? e.message : String(e) }, 'could not tag the version with its commit');
    }
  }

  /** Follows the version we wrote until Healthy or Degraded. */
  private async followHealth(key: JobKey, item: PlanItem): Promise<ReconcileResult> {
    const { namespace, jobId } = splitKey(key);
    const nomad = this.deps.nomad;
    const record = item.record;
    const job = await nomad.readJob(namespace, jobId);
    if (!job || !record) {
      this.following.delete(key);
      return { kind: 'done' };
    }
    if (job.JobModifyIndex === record.jobModifyIndex) await this.tagVersion(key, job);
    if (job.JobModifyIndex !== record.jobModifyIndex) {
      this.live.set(key, stubOf(job));
      const reverted = await this.checkReverted(namespace, jobId, record);
      if (reverted) return this.holdReverted(key, record, reverted);
      this.following.delete(key);
      return { kind: 'requeueAfter', ms: 0 }; // someone else wrote: decide again
    }
    const [deployment, allocs] = await Promise.all([nomad.jobDeployment(namespace, jobId), nomad.jobAllocations(namespace, jobId)]);
    const groups = healthGroups(job);
    const services = serviceNames(job);
    const instances = new Map<string, ServiceInstance[]>();
    if (this.deps.consul && services.length > 0) {
      for (const name of services) instances.set(name, (await this.deps.consul.healthService(name)).value as ServiceInstance[]);
      for (const n of new Set(allocs.items.map((a) => a.NodeID))) if (!this.nodePrefixes.has(n)) await this.loadNodePrefix(n);
    }
    const health = assessHealth({
      jobVersion: job.Version ?? 0,
      deployment,
      allocations: allocs.items,
      groups: this.deps.consul ? groups : groups.map((g) => ({ ...g, services: [] })),
      instances,
      nodePrefixes: this.nodePrefixes,
    });
    const d = item.desired;
    const fields = { jobVersion: job.Version, jobModifyIndex: job.JobModifyIndex, appliedCommit: record.commit ?? d?.commit };
    const prev = this.status.get(key);
    if (health.phase === 'Progressing') {
      const started = this.following.get(key) ?? this.deps.clock.now();
      if (this.deps.clock.now() - started < this.tuning.healthTimeoutMs) {
        if (prev?.phase !== 'Progressing' || prev.conditions.find((c) => c.type === 'Healthy')?.reason !== health.reason) {
          this.status.update(key, { phase: 'Progressing', fields, condition: { type: 'Healthy', status: 'Unknown', reason: health.reason, message: health.message } });
        }
        return { kind: 'requeueAfter', ms: this.tuning.healthPollMs };
      }
      health.phase = 'Degraded';
      health.reason = 'HealthTimeout';
    }
    this.following.delete(key);
    if (health.phase === 'Healthy') {
      this.status.update(key, { phase: 'Healthy', fields, condition: { type: 'Healthy', status: 'True', reason: health.reason, message: health.message }, event: { event: 'Healthy', message: health.message, jobVersion: job.Version }, lastError: null });
      return { kind: 'done' };
    }
    if (health.autoReverted) return this.holdReverted(key, record, health.message);
    this.status.update(key, { phase: 'Degraded', fields, condition: { type: 'Healthy', status: 'False', reason: health.reason, message: health.message }, event: { event: health.reason, message: health.message, jobVersion: job.Version } });
    return { kind: 'done' };
  }

  /** Marks the version as failed-and-reverted; the operator waits for a new commit or a forced sync. */
  private async holdReverted(key: JobKey, record: JobRecord, message: string): Promise<never> {
    await this.deps.state.put(key, { ...record, failedHash: record.hash });
    this.following.delete(key);
    this.forced.delete(key);
    this.deps.logger.warn({ key, hash: record.hash }, 'deployment failed and was reverted: not resubmitting until a new commit or a forced sync');
    this.status.update(key, { phase: 'Degraded', condition: { type: 'Healthy', status: 'False', reason: 'AutoReverted', message }, event: { event: 'AutoReverted', message } });
    throw controllerError('Stalled', 'AutoReverted', message, { phase: 'Degraded', event: false });
  }

  /** When the version we wrote (by its JobModifyIndex) failed and a newer version replaced it: a message; else undefined. */
  private async checkReverted(namespace: string, jobId: string, record: JobRecord): Promise<string | undefined> {
    let versions: Job[];
    try {
      versions = (await this.deps.nomad.jobVersions(namespace, jobId)).versions;
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
    const reverted = revertedVersion(versions, record);
    if (!reverted) return undefined;
    const deployment = await this.deps.nomad.jobDeployment(namespace, jobId);
    const desc = deployment?.StatusDescription ?? '';
    return `version ${reverted.ours.Version} failed and was replaced by version ${reverted.newer.Version}${desc ? ` (${desc})` : ''}`;
  }

  /** Reads a node once and remembers the IPv6 prefix routed to it. */
  private async loadNodePrefix(id: string): Promise<void> {
    const node = await this.deps.nomad.readNode(id);
    const prefix = node ? nodePrefix(node) : undefined;
    if (prefix) this.nodePrefixes.set(id, prefix);
  }

  /**
   * Creates the namespace when missing; a token that may not read or create it is a Stalled error
   * saying which. Concurrent callers for one namespace share one read and at most one creation.
   */
  private ensureNamespace(ns: string): Promise<void> {
    if (this.knownNamespaces.has(ns)) return Promise.resolve();
    const inFlight = this.namespaceCreates.get(ns);
    if (inFlight) return inFlight;
    const pending: Promise<void> = this.createNamespace(ns).finally(() => {
      if (this.namespaceCreates.get(ns) === pending) this.namespaceCreates.delete(ns);
    });
    this.namespaceCreates.set(ns, pending);
    return pending;
  }

  private async createNamespace(ns: string): Promise<void> {
    let existing;
    try {
      existing = await this.deps.nomad.readNamespace(ns);
    } catch (e) {
      if (e instanceof ForbiddenError) {
        throw controllerError('Stalled', 'NamespaceBlocked', `the token may not read namespace ${ns}: ${e.serverMessage || 'Permission denied'}`, { phase: 'Error' });
      }
      throw e;
    }
    if (!existing) {
      try {
        await this.deps.nomad.upsertNamespace({ Name: ns, Description: `team ${ns} (created by nomadguard)` });
      } catch (e) {
        if (e instanceof ForbiddenError) {
          throw controllerError('Stalled', 'NamespaceBlocked', `namespace ${ns} does not exist and the token may not create it: ${e.serverMessage || 'Permission denied'}`, { phase: 'Error' });
        }
        throw e;
      }
      this.deps.logger.info({ namespace: ns }, 'namespace created');
    }
    this.knownNamespaces.add(ns);
  }

  /** Re-reads one job into the live cache (after a lost check-and-set the cached index is stale). */
  private async refreshLive(key: JobKey): Promise<void> {
    const { namespace, jobId } = splitKey(key);
    try {
      const job = await this.deps.nomad.readJob(namespace, jobId);
      this.live.set(key, job ? stubOf(job) : undefined);
    } catch {
      // the retry will list or read again
    }
  }

  /** Maps a failure to the error union. */
  private toControllerError(e: unknown): ControllerError {
    if (isControllerError(e)) return e;
    if (e instanceof CasConflictError) {
      return controllerError('Conflict', 'IndexConflict', `job changed between plan and register: ${e.serverMessage || e.message}`, { cause: e });
    }
    if (e instanceof ForbiddenError) return controllerError('Stalled', 'Forbidden', e.message, { cause: e, phase: 'Error' });
    if (e instanceof BadRequestError) return controllerError('Terminal', 'RejectedByNomad', e.serverMessage || e.message, { cause: e, phase: 'Error' });
    if (e instanceof ApiError) return controllerError('Transient', e.transient ? `${e.service === 'consul' ? 'Consul' : 'Nomad'}Unavailable` : 'ApiError', e.message, { cause: e });
    return controllerError('Transient', 'InternalError', e instanceof Error ? e.message : String(e), { cause: e });
  }

}

/** What a failed pass could not do, by the system that failed. */
export interface PassFailure {
  system: 'Nomad' | 'Consul' | 'git' | 'operator';
  /** CamelCase, bounded (a metric label): NomadUnavailable, NomadForbidden, ConsulUnavailable, GitFailed... */
  reason: string;
  /** One line naming the system; no secrets (port errors carry none). */
  message: string;
}

/** A pass that could not read what it needs; `cause` is the port's error. */
export class PassError extends Error {
  readonly system: PassFailure['system'];
  readonly reason: string;
  constructor(failure: PassFailure, override readonly cause: unknown) {
    super(failure.message);
    this.name = 'PassError';
    this.system = failure.system;
    this.reason = failure.reason;
  }
}

/** What a token may not do, in words, for the routes a pass reads. */
function forbiddenAction(e: ApiError): string {
  // Nomad answers 403 to a wildcard list with a token that may list jobs in no namespace (nomad/job_endpoint.go,
  // Job.List: `acl.AllowNamespaceOperation("*")` fails with the auth error), and to the agent read without agent:read.
  if (e.service === 'nomad' && e.method === 'GET' && e.route === '/v1/jobs') return 'list jobs (namespace=*)';
  if (e.service === 'nomad' && e.method === 'GET' && e.route === '/v1/agent/self') return 'read the agent (GET /v1/agent/self, for the Nomad version)';
  if (e.service === 'nomad' && e.method === 'GET' && e.route.startsWith('/v1/job/')) return `read job ${e.route.slice('/v1/job/'.length)}`;
  if (e.service === 'consul' && e.route.startsWith('/v1/kv/')) return `read the operator state in Consul KV (${e.route.slice('/v1/kv/'.length)})`;
  return `${e.method} ${e.route}`;
}

/** Names the system and the reason of an error that failed a pass. */
export function describePassFailure(e: unknown): PassFailure {
  if (e instanceof PassError) return { system: e.system, reason: e.reason, message: e.message };
  if (e instanceof ApiError) {
    const system = e.service === 'nomad' ? 'Nomad' : 'Consul';
    if (e instanceof ForbiddenError) return { system, reason: `${system}Forbidden`, message: `${system}: the token may not ${forbiddenAction(e)}: ${e.serverMessage || 'Permission denied'}` };
    return { system, reason: e.transient ? `${system}Unavailable` : `${system}Error`, message: `${system}: ${e.message}` };
  }
  return { system: 'operator', reason: 'PassFailed', message: e instanceof Error ? e.message : String(e) };
}

/** Why a freshly read job may not be pruned by `source` (decided at `decidedIndex`); undefined when it may. */
export function pruneRefusal(job: Job | undefined, source: string, decidedIndex: number | undefined): string | undefined {
  if (!job) return 'job is gone';
  if (!isManaged({ Meta: job.Meta ?? undefined })) return 'job is not managed by nomadguard';
  if (job.Meta?.[META.source] !== source) return `job is managed by another source (${job.Meta?.[META.source] ?? 'unknown'})`;
  if ((job.ParentID ?? '') !== '') return 'job is a child job';
  if (job.Stop) return 'job is already stopped';
  if (job.JobModifyIndex !== decidedIndex) return `JobModifyIndex moved from ${decidedIndex} to ${job.JobModifyIndex}`;
  return undefined;
}

/** How many versions of a job keep their `git-<commit>` tag (Nomad never drops a tagged version). */
const KEPT_VERSION_TAGS = 5;

/** Decisions that stay true until an input moves (no clock involved). */
const SETTLED: ReadonlySet<PlanItem['action']> = new Set(['unchanged', 'leave-alone', 'invalid']);

/** True when the item's spec is back (valid or invalid) while its record still counts a prune grace: the grace must end. */
export function absenceEnds(item: PlanItem): boolean {
  return item.record?.absentSince !== undefined && (item.desired !== undefined || item.invalid !== undefined) && item.action !== 'prune' && item.action !== 'prune-wait';
}

/** True when an item needs a reconcile (an API call or a write). */
export function needsReconcile(item: PlanItem): boolean {
  if (absenceEnds(item)) return true; // forget the grace start, so a later removal waits its full grace
  switch (item.action) {
    case 'create':
    case 'update':
    case 'drift':
    case 'verify':
    case 'prune':
      return true;
    case 'prune-wait': // records the grace start and schedules the look after it
      return true;
    default:
      return false;
  }
}

/** Names of the Consul services a job declares (group and task level). */
export function serviceNames(job: Job): string[] {
  return [...new Set(healthGroups(job).flatMap((g) => g.services))].sort();
}

/** A state store failure, one line: the API error's own text (naming Consul) or the error message. */
function describeStoreError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
