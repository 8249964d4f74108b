/**
 * The pass: refresh the desired state from git (incrementally), list the live jobs with one Nomad call,
 * decide every key purely, apply the prune guard to the whole view, record the status of keys that need
 * nothing, and return the keys that need a reconcile. A pass in which git did not change and no managed
 * job's index moved makes exactly one Nomad call and walks the kept decisions once.
 *
 * The pass owns the decision state: the last decisions (re-used for keys whose inputs did not move), the
 * prune guard's refusals and confirmations, the namespaces holding a spec too broken to name its job, and
 * the failure streak. A failed pass or Nomad's index going backwards forgets the kept decisions.
 */
import { ApiError, ForbiddenError } from '../../lib/ports/errors';
import { adoptScope, ownedByAdoption, applyPruneGuard, carryConfirmations, decide, decidePair, isManaged, keylessInvalidNamespaces, META, specOfSource, type DecideOptions, type JobKey, type Pair, type JobRecord, type PlanItem, type PruneConfirmations, type PruneRefusal } from '../../lib/core/plan';
import type { JobListStub } from '../../lib/core/nomad/types';
import type { PassRequest } from '../../lib/runtime/triggers';
import { parseDurationMs } from '../../lib/runtime/triggers';
import { listLive } from './live-cache';
import type { SyncContext } from './memory';
import { keylessKey } from './status-store';

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
  /** False when the pass took the live cache as the live watch vouched for it, without a job list. */
  listed: boolean;
}

/** One round of decisions of a pass (see `PassRunner.decideRound`). */
interface DecideRound {
  items: PlanItem[] | undefined;
  fresh: Set<JobKey>;
  prunesDecided: boolean;
  enqueue: JobKey[];
  actions: Record<string, number>;
}

/** The pass and the decisions it keeps. */
export class PassRunner {
  private guardBlocked = new Set<string>();
  /** Prunes a human confirmed, by namespace: kept until they are done or the desired state changes. */
  private confirmations: PruneConfirmations = new Map();
  /** False until the confirmations were taken from the shared state (at the first pass, and after an election). */
  private confirmationsRead = false;
  private keylessInvalid = new Set<string>();
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

  /** The observation numbers of the last pass's start and of its decisions. */
  private lastTicks = { pass: 0, decided: 0 };

  constructor(private readonly c: SyncContext) {}

  private decideOptions(): DecideOptions {
    const prune = this.c.deps.config.reconcile.prune;
    return {
      source: this.c.sourceId,
      now: this.c.deps.clock.now(),
      sourceHealthy: this.c.desired.known && this.c.desired.healthy,
      prune: { enabled: prune.enabled, graceMs: parseDurationMs(prune.grace) },
      forced: this.c.memory.forced.has('*') ? true : this.c.memory.forced,
      suspendedTeams: this.c.deps.suspendedTeams,
      invalidSpecNamespaces: this.invalidNamespaces,
      adopt: adoptScope(this.c.deps.config.reconcile.adopt),
    };
  }

  /** Keys that matter for reading live jobs one by one on old servers. */
  private wantedKeys(): Set<JobKey> {
    const keys = new Set<JobKey>(this.c.deps.state.snapshot().keys());
    for (const d of this.c.desired.entries()) if (d.state === 'valid') keys.add(d.key);
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
      this.c.status.updateSource({ lastProcessedCommit: summary.commit, healthy: this.c.desired.healthy, lastError: undefined, passGeneration: this.lastTicks.pass, observedGeneration: this.lastTicks.decided });
      this.passRecovered();
    }
    this.c.deps.metrics?.setSourceHealthy(this.c.sourceId, this.c.status.source.healthy);
    return summary;
  }

  /** Records a failed pass: the source's and every job's error, the metric, and a log line when a streak starts. */
  private passFailed(f: PassFailure): void {
    const time = this.c.status.nowIso();
    this.c.deps.metrics?.countPassError(f.reason);
    this.c.status.updateSource({ healthy: false, lastError: { reason: f.reason, message: f.message, time } });
    const first = this.failing?.reason !== f.reason;
    if (f.system !== 'git' && first) {
      for (const j of this.c.status.snapshot().jobs) {
        this.c.status.update(j.key, { condition: { type: 'Ready', status: 'Unknown', reason: f.reason, message: f.message }, lastError: { code: 'Transient', reason: f.reason, message: f.message, time } });
      }
    }
    if (first) {
      const msg = f.system === 'git' ? 'spec source failed: keeping the last desired state, pruning nothing' : `pass failed: ${f.system} did not answer as needed; nothing decided, retrying at the next trigger`;
      this.c.deps.logger.error({ system: f.system, reason: f.reason, err: f.message }, msg);
    } else {
      this.c.deps.logger.debug({ system: f.system, reason: f.reason, err: f.message }, 'pass failed again');
    }
    this.failing = { reason: f.reason, system: f.system, since: this.failing?.since ?? this.c.deps.clock.now(), passes: (this.failing?.passes ?? 0) + 1 };
    this.c.deps.metrics?.setSourceHealthy(this.c.sourceId, false);
  }

  /** Ends a failure streak: one log line, and the pass error taken off the jobs that carry it. */
  private passRecovered(): void {
    const f = this.failing;
    if (!f) return;
    this.failing = undefined;
    this.c.deps.logger.info({ system: f.system, reason: f.reason, failedPasses: f.passes, forMs: this.c.deps.clock.now() - f.since }, `pass succeeded again after ${f.passes} failed`);
    if (f.system === 'git') return;
    for (const j of this.c.status.snapshot().jobs) {
      if (j.lastError?.reason !== f.reason) continue;
      this.c.status.update(j.key, { condition: { type: 'Ready', status: 'True', reason: 'Reconciled', message: `${f.system} answers again` }, lastError: null });
    }
  }

  /** Nomad's index went backwards (a restore, a rebuilt cluster): what was cached about it is forgotten. */
  nomadRestarted(): void {
    this.c.live.index = 0;
    this.c.watch.nomadRestarted();
    this.c.memory.nomadRestarted();
    this.lastItems = undefined;
  }

  private async passInner(req: PassRequest): Promise<PassSummary> {
    const log = this.c.deps.logger;
    // A forced key lasts until the write it allows (or the hold of that write when it fails again): a
    // forced full sync forces every recorded key once, never a standing '*' that would resubmit a
    // version Nomad reverted again and again.
    const passTick = this.c.status.tick();
    const forceAll = req.forced.has('*');
    for (const k of req.forced) if (k !== '*') this.c.memory.forced.add(k);
    const knownIndex = this.c.live.index;
    // While the live watch holds its blocking query at the index of the cache's last list, nothing moved
    // in Nomad since that list: the cache is taken as it is. A full pass, a forced sync and a confirmation
    // always list (and a pass that decides a prune lists before acting on it, below).
    const watched = !req.full && req.forced.size === 0 && req.confirmPrune.size === 0 && this.c.watch.current(this.c.live, this.c.deps.clock.now());
    const mark = this.c.watch.mark();
    // git and Nomad are read at the same time: a pass costs the slower of the two, not their sum. Both
    // are joined before anything else happens, so a failed list never leaves a refresh running into the
    // next pass; the refresh's outcome is recorded, then a failed read fails the pass.
    const [refreshed, loaded, listing] = await Promise.allSettled([
      this.c.desired.refresh({ full: req.full }),
      this.c.deps.state.load(),
      watched ? Promise.resolve(undefined) : listLive(this.c.deps.nomad, this.c.live, () => this.wantedKeys()),
    ]);
    if (refreshed.status === 'rejected') throw refreshed.reason;
    const refresh = refreshed.value;
    const now = this.c.status.nowIso();
    if (refresh.ok) {
      // The processed commit moves in runPass once the pass that used it succeeded.
      this.c.status.updateSource({ lastFetchedCommit: refresh.commit, lastFetchTime: now });
      if (refresh.forcePushed) log.warn({ commit: refresh.commit, healthy: this.c.desired.healthy }, 'spec branch was force-pushed: full re-render');
    } else {
      this.passFailed({ system: 'git', reason: refresh.error?.reason ?? 'GitFailed', message: `git: ${refresh.error?.message ?? 'unknown'}` });
    }
    if (loaded.status === 'rejected') throw loaded.reason;
    if (listing.status === 'rejected') throw listing.reason;
    const records = loaded.value;
    let listed = listing.value;
    if (!this.confirmationsRead) {
      const stored = this.c.deps.state.confirmations?.();
      if (stored) this.confirmations = new Map(stored);
      this.confirmationsRead = true;
    }
    const firstList = !this.c.live.loaded;
    if (listed) this.takeList(listed, knownIndex, mark);
    // What moved since the last pass, by this pass's list or the live watch's.
    const liveChanged = this.c.live.takeMoved();
    // Git was indexed before Nomad answered: on the first list, index again with the running jobs as holders.
    if (firstList && this.c.desired.known) for (const k of this.c.desired.reindex()) refresh.changedKeys.add(k);
    if (forceAll) for (const k of records.keys()) this.c.memory.forced.add(k);

    // Every look from here on sees what this pass read.
    let decideTick = this.c.status.tick();
    // Decide. After the first pass only keys whose inputs moved are decided again (an informer's
    // work): a changed spec, a moved live index, a new record, or a decision that waits on time.
    const lastInvalid = this.invalidNamespaces;
    // Derived from the entries alone: recomputed only when they moved.
    const entriesVersion = this.c.desired.known ? this.c.desired.version : -1;
    if (entriesVersion !== this.invalidVersion) {
      this.invalidNamespaces = keylessInvalidNamespaces(this.c.desired.known ? this.c.desired.entries() : []);
      this.invalidVersion = entriesVersion;
    }
    const entriesMoved = entriesVersion !== this.decidedVersion;
    this.decidedVersion = entriesVersion;
    const invalidMoved = lastInvalid.size !== this.invalidNamespaces.size || [...lastInvalid].some((ns) => !this.invalidNamespaces.has(ns));
    const opts = this.decideOptions();
    const canIncrement = refresh.ok && !refresh.full && this.c.desired.known && opts.sourceHealthy === this.lastHealthy && this.c.memory.forced.size === 0 && !invalidMoved;
    let round = this.decideRound(opts, canIncrement, liveChanged, refresh.changedKeys, records, entriesMoved);
    if (!listed && round.prunesDecided) {
      // A prune is never decided on a list the watch vouched for: list now, and decide again what moved.
      const relistMark = this.c.watch.mark();
      const relisted = await listLive(this.c.deps.nomad, this.c.live, () => this.wantedKeys());
      this.takeList(relisted, this.c.live.index, relistMark);
      const moved = this.c.live.takeMoved();
      decideTick = this.c.status.tick();
      const again = this.decideRound(opts, canIncrement, moved, new Set(), records, entriesMoved);
      for (const k of round.fresh) again.fresh.add(k);
      round = again;
      listed = relisted;
    }
    const { items, fresh, prunesDecided } = round;
    const { enqueue, actions } = round;
    this.lastHealthy = opts.sourceHealthy;
    // A forced key whose decision writes nothing has nothing left to force.
    for (const k of this.c.memory.forced) if (!this.lastItems?.get(k)?.write) this.c.memory.forced.delete(k);
    // Without a prune anywhere no confirmation covers anything and the guard refuses nothing: skip
    // their walks over every item (what they return then is known); the incremental walk above has
    // already counted and queued.
    const canPrune = refresh.ok && opts.sourceHealthy;
    let refused: PruneRefusal[] = [];
    if (prunesDecided && items) {
      this.confirmations = carryConfirmations(this.confirmations, req.confirmPrune, items, { canPrune });
      const guarded = applyPruneGuard(items, { source: this.c.sourceId, maxShare: this.c.deps.config.reconcile.prune.maxShare, confirmed: new Set(this.confirmations.keys()) });
      refused = guarded.refused;
      for (const item of guarded.items) {
        actions[item.action] = (actions[item.action] ?? 0) + 1;
        if (needsReconcile(item) || this.c.memory.following.has(item.key)) enqueue.push(item.key);
        else if (fresh.has(item.key) || item.reason === 'PruneGuard') this.recordQuiet(item);
      }
    } else {
      this.confirmations = canPrune ? new Map() : new Map(this.confirmations);
    }
    this.guardBlocked = new Set(refused.map((r) => r.namespace));
    await this.storeConfirmations();
    for (const r of refused) log.warn(r, 'prune guard: refusing to prune this share of a namespace without confirmation');

    this.recordKeylessInvalid();
    // Every key this pass decided and queued for nothing was looked at by it; a queued key's look is its reconcile.
    const queued = new Set(enqueue);
    for (const k of this.lastItems?.keys() ?? []) if (!queued.has(k)) this.c.status.observe(k, decideTick);
    for (const k of this.keylessInvalid) this.c.status.observe(k, decideTick);
    this.lastTicks = { pass: passTick, decided: decideTick };
    // A pass that found nothing to do is the steady state: keep it out of the info log (one line every poll).
    const quiet = enqueue.length === 0 && refresh.rendered === 0 && !refresh.full && refresh.ok;
    if (!listed) this.c.deps.metrics?.countPassWithoutList();
    log[quiet ? 'debug' : 'info']({ commit: refresh.commit, reasons: req.reasons, full: refresh.full, listed: !!listed, rendered: refresh.rendered, enqueue: enqueue.length, actions }, 'pass');
    return { ok: refresh.ok, commit: refresh.commit, sourceError: refresh.error?.message, enqueue, actions, refused, rendered: refresh.rendered, listed: !!listed };
  }

  /**
   * Takes a job list into the live cache (the keys it moved: `LiveCache.takeMoved`). A list below the index known
   * before it was asked for means Nomad's state went backwards (a snapshot restore, a cluster rebuilt empty
   * at the same address); a list that is merely older than one the live watch applied meanwhile is not
   * this, and the cache ignores it.
   */
  private takeList(listed: { stubs: JobListStub[]; index: number }, knownIndex: number, mark: number): void {
    if (listed.index < knownIndex) {
      this.c.deps.logger.warn({ index: listed.index, known: knownIndex }, "Nomad's index went backwards: forgetting cached jobs and namespaces");
      this.nomadRestarted();
    }
    this.c.live.replace(listed.stubs, listed.index);
    this.c.watch.listed(mark);
    for (const ns of this.c.live.namespaces()) this.c.memory.knownNamespaces.add(ns);
  }

  /**
   * Decides the keys whose inputs moved (`canIncrement` and kept decisions), else every key. With no prune
   * decided, `enqueue` and `actions` are final; with one, `items` is the whole view for the prune guard.
   */
  private decideRound(opts: DecideOptions, canIncrement: boolean, liveChanged: ReadonlySet<JobKey>, changedKeys: ReadonlySet<JobKey>, records: ReadonlyMap<JobKey, JobRecord>, entriesMoved: boolean): DecideRound {
    const incremental = canIncrement && this.lastItems !== undefined;
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
      for (const k of changedKeys) dirty.add(k);
      for (const it of last.values()) {
        const k = it.key;
        // An invalid spec pairs with its live job by spec path, which the changed keys do not name: look again
        // whenever the entries moved (there are few of them), so a spec that fails differently says so.
        if (dirty.has(k) || !SETTLED.has(it.action) || it.record !== records.get(k) || (it.invalid !== undefined && entriesMoved)) {
          dirty.add(k);
          continue;
        }
        actions[it.action] = (actions[it.action] ?? 0) + 1;
        if (needsReconcile(it) || this.c.memory.following.has(k)) enqueue.push(k);
        else if (it.reason === 'PruneGuard') this.recordQuiet(it);
      }
      for (const k of dirty) {
        last.delete(k);
        const pair = this.pairFor(k);
        if (!pair.desired && !pair.invalid && (!pair.live || !isManaged(pair.live)) && !ownedByAdoption(pair.live, pair.record, this.c.sourceId)) continue;
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
          if (needsReconcile(item) || this.c.memory.following.has(k)) enqueue.push(k);
          else this.recordQuiet(item);
        }
      }
    } else {
      const desired = this.c.desired.known ? this.c.desired.entries() : [];
      items = decide(desired, this.c.live.all(), records, opts);
      if (!this.c.desired.known) items = items.filter((i) => i.action !== 'prune' && i.action !== 'prune-wait');
      for (const it of items) fresh.add(it.key);
      this.lastItems = new Map(items.map((i) => [i.key, i]));
    }
    return { items, fresh, prunesDecided, enqueue, actions };
  }

  /** The shared state was re-read after an election: decide everything again, take its confirmations. */
  resume(): void {
    this.lastItems = undefined;
    this.confirmationsRead = false;
  }

  /** Keeps the confirmations in the shared state (only the leader writes; unchanged ones cost nothing). */
  private async storeConfirmations(): Promise<void> {
    const put = this.c.deps.state.putConfirmations;
    if (!put || (this.c.deps.leadership && !this.c.deps.leadership.isLeader())) return;
    try {
      await put.call(this.c.deps.state, this.confirmations);
    } catch (e) {
      // Kept in memory and written at the next pass.
      this.c.deps.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'prune confirmations could not be stored; retrying at the next pass');
    }
  }

  /**
   * Invalid specs that never named a job get a status keyed by their spec path (`es/broken/nomadgen.toml`:
   * the team is its first folder, so the key's namespace is the team); fixed ones are dropped.
   */
  private recordKeylessInvalid(): void {
    // Only these lines write keyless statuses, so unchanged entries give the same result: skip the walk.
    if (this.c.desired.version === this.keylessVersion) return;
    this.keylessVersion = this.c.desired.version;
    const seen = new Set<string>();
    for (const d of this.c.desired.entries()) {
      if (d.state !== 'invalid' || d.key) continue;
      const key = keylessKey(d.spec);
      seen.add(key);
      const diag = d.diagnostics.find((x) => x.severity === 'error');
      const message = diag ? `${diag.file ?? d.spec}:${diag.line ?? 0}:${diag.col ?? 0}: ${diag.message}` : 'spec is invalid';
      if (this.c.status.get(key)?.conditions.find((c) => c.type === 'Synced')?.message === message) continue;
      this.c.status.update(key, { phase: 'Invalid', fields: { spec: d.spec, source: this.c.sourceId }, condition: { type: 'Synced', status: 'False', reason: 'SpecInvalid', message }, event: { event: 'SpecInvalid', message } });
    }
    for (const key of this.keylessInvalid) if (!seen.has(key)) this.c.status.remove(key);
    this.keylessInvalid = seen;
  }

  /** Status for a key that needs no reconcile (no API call). */
  recordQuiet(item: PlanItem): void {
    const fields = {
      spec: item.spec,
      source: this.c.sourceId,
      mode: item.desired?.mode,
      desiredCommit: item.desired?.commit,
      desiredHash: item.desired?.hash,
      jobModifyIndex: item.live?.JobModifyIndex,
    };
    switch (item.action) {
      case 'unchanged': {
        const prev = this.c.status.get(item.key);
        if (item.reason === 'AlreadyStopped') {
          this.c.status.update(item.key, { phase: 'Pruned', fields, condition: { type: 'Synced', status: 'True', reason: item.reason, message: item.message } });
          return;
        }
        const phase = prev && (prev.phase === 'Healthy' || prev.phase === 'Degraded' || prev.phase === 'Progressing') ? prev.phase : 'Synced';
        if (prev?.phase !== phase || prev?.jobModifyIndex !== item.live?.JobModifyIndex) this.c.status.update(item.key, { phase, fields, condition: { type: 'Synced', status: 'True', reason: item.reason, message: item.message }, lastError: null });
        return;
      }
      case 'invalid':
      case 'leave-alone': {
        // Another source's job that no spec here names is not ours to report (it is that source's); our spec
        // colliding with it, or with an unmanaged job, is an error of ours.
        const foreign = item.reason === 'NotManaged' || (item.reason === 'OtherSource' && !item.desired);
        const phase = foreign ? undefined : item.reason === 'SpecInvalid' ? 'Invalid' : item.reason === 'AutoReverted' ? 'Degraded' : item.reason === 'UnmanagedJobExists' || item.reason === 'OtherSource' ? 'Error' : 'OutOfSync';
        if (!phase) return;
        const diag = item.invalid?.diagnostics.find((d) => d.severity === 'error');
        const message = diag ? `${diag.file ?? item.spec}:${diag.line ?? 0}:${diag.col ?? 0}: ${diag.message}` : item.message;
        const prev = this.c.status.get(item.key);
        const synced = prev?.conditions.find((c) => c.type === 'Synced');
        if (prev?.phase === phase && synced?.reason === item.reason && synced.message === message) return;
        this.c.status.update(item.key, { phase, fields, condition: { type: 'Synced', status: 'False', reason: item.reason, message }, event: { event: item.reason, message } });
        return;
      }
      default:
        this.c.status.update(item.key, { phase: 'OutOfSync', fields, condition: { type: 'Synced', status: 'False', reason: item.reason, message: item.message } });
    }
  }

  /** The inputs of one key from the caches (no I/O). */
  private pairFor(key: JobKey): Pair {
    const d = this.c.desired.known ? this.c.desired.get(key) : undefined;
    const live = this.c.live.get(key);
    const record = this.c.deps.state.get(key);
    let invalid = d?.state === 'invalid' ? d : undefined;
    const specPath = live?.Meta?.[META.spec];
    if (!d && specPath && live && specOfSource(live, this.c.sourceId)) {
      const bySpec = this.c.desired.atSpec(specPath);
      if (bySpec?.state === 'invalid') invalid = bySpec;
    }
    return { key, desired: d?.state === 'valid' ? d : undefined, invalid, live: live && (isManaged(live) || d || ownedByAdoption(live, record, this.c.sourceId)) ? live : undefined, record };
  }

  /** The decision for one key from the caches (no I/O). */
  decideKey(key: JobKey): PlanItem {
    let item = decidePair(this.pairFor(key), this.decideOptions());
    if (!this.c.desired.known && (item.action === 'prune' || item.action === 'prune-wait')) item = { ...item, action: 'leave-alone', write: false, reason: 'SourceUnknown', message: 'desired state not loaded yet' };
    if ((item.action === 'prune' || item.action === 'prune-wait') && this.guardBlocked.has(item.namespace)) {
      item = { ...item, action: 'leave-alone', write: false, reason: 'PruneGuard', message: `pruning in ${item.namespace} needs confirmation` };
    }
    return item;
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
    case 'adopt':
    case 'prune':
      return true;
    case 'prune-wait': // records the grace start and schedules the look after it
      return true;
    default:
      return false;
  }
}
