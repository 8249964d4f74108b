/**
 * The manager: runs the job-sync controller. A pass loop waits on the doorbell (poll interval, explicit
 * trigger, SIGHUP, cron full resync, start) and hands keys to the work queue; N workers take keys and
 * call `reconcile`; `computeResult` decides what happens to each key next. A live watch (a blocking
 * query on the job list) queues managed jobs whose index moved, so a manual edit is seen in seconds.
 */
import { computeResult, controllerError, isControllerError, type ControllerError, type ReconcileResult } from '../lib/core/reconcile-result';
import type { OperatorMetrics } from '../lib/metrics/operator-metrics';
import { RateLimitingQueue, defaultControllerRateLimiter } from '../lib/runtime/workqueue';
import { Doorbell, cronTrigger, parseDurationMs, pollTrigger, signalTrigger, type PassRequest, type TriggerHandle } from '../lib/runtime/triggers';
import type { OperatorStatus } from '../crd-schemas/status';
import { isManaged, type JobKey } from '../lib/core/plan';
import { JobSyncController, type PassSummary } from './job-sync/controller';
import { listLive } from './job-sync/live-cache';
import { onceOutcome, type OnceOutcome } from './once-report';
import { repoHasCredentials } from '../lib/core/source-id';
export { CONVERGED_PHASES } from './once-report';
import type { OperatorDeps } from './job-sync/types';
import type { ReadinessReport } from '../lib/server/readiness';
import { OperatorReadiness } from './readiness';
import { gatedDeps, LeaderRun } from './leadership';
import { followerStatus, StatusPublisher } from './status-publisher';
import { NotLeaderError } from '../lib/ports/leadership';

/** Runs passes and workers around one controller. */
export class Manager {
  readonly controller: JobSyncController;
  readonly queue: RateLimitingQueue;
  readonly bell = new Doorbell();
  /** Whether this instance may take work (standalone, or the leader with the shared state re-read). */
  readonly leader: LeaderRun;
  /** Under an election: the leader's job statuses go to the shared state, for the followers to serve. */
  readonly publisher?: StatusPublisher;
  private inFlight = 0;
  private readonly metrics?: OperatorMetrics;
  private readonly stopCtl = new AbortController();
  private idleWaiters: Array<() => void> = [];
  /** Notifications are live (not the baseline): after this instance's first successful pass as leader. */
  private notifying = false;

  constructor(readonly deps: OperatorDeps) {
    const lead = deps.leadership;
    // Writes need the lease and the shared state re-read since the election (`ready`), not the lock alone.
    this.controller = new JobSyncController(gatedDeps(deps, () => this.leader.ready()));
    if (lead) this.publisher = new StatusPublisher(this.controller.status, this.controller.deps.state, deps.clock, deps.logger, () => this.leader.ready());
    this.leader = new LeaderRun(lead, deps, {
      resumed: () => {
        this.controller.resume();
        this.publisher?.publishAll();
        // What a new leader finds is the baseline, as after a restart; the previous leader posted it.
        this.notifying = false;
        deps.notifier?.rebaseline();
        this.bell.ring('elected', { full: true });
      },
    }, deps.cluster ?? Object.keys(deps.config.clusters)[0] ?? '');
    this.metrics = deps.metrics;
    const notifier = deps.notifier;
    if (notifier) {
      // A follower posts nothing: what it sees is the baseline for the day it leads.
      this.controller.status.onChange = (key, s) => notifier.observe(key, s, this.teamOf(key, s.spec), !this.leader.ready());
      this.controller.status.onRemove = (key) => notifier.forget(key);
    }
    const t = this.controller.tuning;
    this.queue = new RateLimitingQueue(deps.clock, defaultControllerRateLimiter(deps.clock, { baseMs: t.backoffBaseMs, maxMs: t.backoffMaxMs }), {
      onDepth: (d) => this.metrics?.setQueueDepth('job', d),
    });
  }

  /** One pass, its keys queued. */
  async pass(req?: PassRequest): Promise<PassSummary> {
    const term = this.leader.term;
    const summary = await this.controller.runPass(req);
    // A follower's pass keeps its caches warm; only the leader queues work, and only from a pass of this
    // term (one begun before an election decided on the old leader's records; the election rings a new one).
    if (!this.leader.ready() || this.leader.term !== term) return summary;
    if (summary.ok && !this.notifying) {
      this.notifying = true;
      this.deps.notifier?.beginLive(summary.enqueue);
    }
    for (const k of summary.enqueue) this.queue.add(k);
    if (req) for (const k of req.forced) if (k !== '*') this.queue.add(k);
    return summary;
  }

  /** Reconciles one key and applies the outcome to the queue, the status and the metrics. */
  async processKey(key: JobKey): Promise<void> {
    if (!this.leader.ready()) {
      // A follower writes nothing: the key is dropped, and the full pass after an election decides it again.
      this.queue.forget(key);
      this.queue.done(key);
      this.notifyIdle();
      return;
    }
    this.inFlight++;
    let counted = true;
    const release = (): void => {
      if (!counted) return;
      counted = false;
      this.inFlight--;
    };
    try {
      await this.processKeyInner(key, release);
    } catch (e) {
      // Never lose the key nor the worker: log, retry the key with backoff.
      this.deps.logger.error({ key, err: e instanceof Error ? e.message : String(e) }, 'processing a key failed; retrying it');
      try {
        this.queue.addRateLimited(key);
      } catch {
        // the queue is shut down
      }
    } finally {
      release();
      this.queue.done(key);
      this.deps.notifier?.settled(key);
      this.notifyIdle();
    }
  }

  /** The team of a job's spec, when the desired state knows it. */
  private teamOf(key: JobKey, spec: string | undefined): string | undefined {
    const desired = this.controller.desired;
    return desired.get(key)?.team ?? (spec ? desired.atSpec(spec)?.team : undefined);
  }

  private async processKeyInner(key: JobKey, release: () => void): Promise<void> {
    const clock = this.deps.clock;
    const started = clock.now();
    // The look is numbered as it begins: one begun before a pass decided never counts as after it.
    const look = this.controller.status.tick();
    this.metrics?.setActiveWorkers('job', this.inFlight);
    let result: ReconcileResult | undefined;
    let error: ControllerError | undefined;
    try {
      result = await this.controller.reconcile(key);
    } catch (e) {
      error = isControllerError(e) ? e : controllerError('Transient', 'InternalError', e instanceof Error ? e.message : String(e));
    }
    if (error?.cause instanceof NotLeaderError) {
      // The lease ended during this reconcile: its write was not sent; the next leader decides the key again.
      this.queue.forget(key);
      this.deps.logger.info({ key, err: error.message }, 'not the leader any more: reconcile dropped');
      release();
      return;
    }
    const out = computeResult(result, error);
    switch (out.queue.type) {
      case 'forget':
        this.queue.forget(key);
        break;
      case 'forgetAndAddAfter':
        this.queue.forget(key);
        this.queue.addAfter(key, out.queue.ms);
        break;
      case 'addRateLimited':
        this.queue.addRateLimited(key);
        break;
    }
    if (error) {
      const status = this.controller.status;
      status.update(key, {
        ...(out.phase ? { phase: out.phase } : {}),
        condition: out.condition,
        lastError: { code: error.code, reason: error.reason, message: error.message, time: status.nowIso() },
        ...(out.event ? { event: { event: error.reason, message: error.message } } : {}),
      });
    }
    this.controller.status.observe(key, look);
    this.deps.logger[out.log]({ key, result: out.metric, ...(error ? { reason: error.reason, err: error.message, retries: this.queue.numRequeues(key) } : {}) }, 'reconciled');
    release();
    if (this.metrics) {
      this.metrics.observeReconcile('job', out.metric, (clock.now() - started) / 1000);
      this.metrics.setActiveWorkers('job', this.inFlight);
      // Counts kept by the status store: no sorted snapshot of every job after each reconcile.
      const status = this.controller.status;
      this.metrics.setPhaseCounts(status.phaseCounts());
      this.metrics.setSourceHealthy(this.controller.sourceId, status.source.healthy);
    }
  }

  /** True when nothing waits, is delayed or is being reconciled. */
  idle(): boolean {
    return this.queue.len() === 0 && this.queue.delayed() === 0 && this.queue.processingCount() === 0 && this.inFlight === 0;
  }

  /** Processes what is queued now, one key at a time, until the queue is empty (delayed keys excluded). */
  async drain(max = Infinity): Promise<number> {
    let n = 0;
    while (this.queue.len() > 0 && n < max) {
      const key = await this.queue.get();
      if (key === undefined) break;
      await this.processKey(key);
      n++;
    }
    return n;
  }

  /** Runs `n` workers until the queue shuts down. */
  async runWorkers(n: number): Promise<void> {
    const worker = async (): Promise<void> => {
      for (;;) {
        const key = await this.queue.get();
        if (key === undefined) return;
        await this.processKey(key);
      }
    };
    await Promise.all(Array.from({ length: n }, () => worker()));
  }

  /** Resolves when idle (or when stopped). */
  whenIdle(): Promise<void> {
    if (this.idle() || this.stopCtl.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    if (!this.idle()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Passes, one at a time, as the doorbell rings, until stopped. */
  async passLoop(): Promise<void> {
    for (;;) {
      const req = await this.bell.next();
      if (!req) return;
      try {
        await this.pass(req);
      } catch (e) {
        // The controller logged the failure once for its streak and recorded it in the status and metrics.
        this.deps.logger.debug({ err: e instanceof Error ? e.message : String(e) }, 'pass failed; retrying at the next trigger');
      }
    }
  }

  /**
   * Watches the job list with blocking queries; queues managed jobs whose index moved. The first list after
   * a start or a failure is answered at once; from then on, while a query is held at the live cache's index,
   * a pass needs no list (`LiveWatch`).
   */
  async watchLoop(): Promise<void> {
    const signal = this.stopCtl.signal;
    const live = this.controller.live;
    const watch = this.controller.watch;
    const waitMs = parseDurationMs(this.controller.tuning.watchWait);
    // Nomad answers a held query within its wait and a sixteenth of it (nomad/rpc.go, blockingRPC); a second more for the way back.
    const trustMs = waitMs + Math.ceil(waitMs / 16) + 1000;
    let failures = 0;
    /** When the last list that found a change started: the next one waits out the coalescing gap after it. */
    let movedListAt: number | undefined;
    try {
      while (!signal.aborted) {
        try {
          // A burst of writes (a cold start, a commit touching many specs) wakes the watch on every write;
          // each wake costs a whole job list, so lists after a change are spaced by the gap and a burst is
          // taken in a few lists. A change after a quiet spell is still seen at once: the held query wakes.
          if (movedListAt !== undefined) {
            const wait = movedListAt + this.controller.tuning.watchCoalesceMs - this.deps.clock.now();
            movedListAt = undefined;
            if (wait > 0) await this.deps.clock.sleep(wait, signal);
          }
          const listAt = this.deps.clock.now();
          const known = live.index;
          // Only an answered list shows the watch reaches Nomad: until one is, the query does not block
          // (without an index Nomad answers at once: nomad/rpc.go, blockingRPC's non-blocking path).
          const blocking = watch.connected && known > 0;
          if (blocking) watch.holding(known, listAt, trustMs);
          const { stubs, index } = await listLive(this.deps.nomad, live, () => new Set(this.deps.state.snapshot().keys()), blocking ? { index: known, wait: this.controller.tuning.watchWait, signal } : { signal });
          if (signal.aborted) return;
          // Below the index known when it was asked for, Nomad's own index went backwards (a restore): start
          // over. Below only a pass's newer list, it is an older list, which the cache ignores.
          if (index < known) {
            this.deps.logger.warn({ index, asked: known }, "Nomad's index went backwards: forgetting cached jobs and namespaces");
            this.controller.nomadRestarted();
          }
          if (index !== live.index) {
            movedListAt = listAt;
            const changed = live.replace(stubs, index);
            for (const key of changed) {
              const stub = live.get(key);
              if ((stub && isManaged(stub)) || this.controller.desired.get(key) || this.deps.state.get(key)) this.queue.add(key);
            }
          }
          watch.answered();
          if (failures > 0) this.deps.logger.info({ failures }, 'live watch works again');
          failures = 0;
        } catch (e) {
          watch.lost();
          if (signal.aborted) return;
          failures++;
          // Once per failure streak; the retries after it at debug.
          this.deps.logger[failures === 1 ? 'warn' : 'debug']({ err: e instanceof Error ? e.message : String(e), failures }, 'live watch failed; retrying');
          try {
            await this.deps.clock.sleep(Math.min(60_000, 1000 * 2 ** Math.min(failures, 6)), signal);
          } catch {
            return;
          }
        }
      }
    } finally {
      watch.lost();
    }
  }

  /** Stops everything: queue, doorbell, watch. */
  stop(): void {
    this.leader.stop();
    this.publisher?.stop();
    this.stopCtl.abort(new Error('stopped'));
    this.bell.close();
    this.queue.shutdown();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  get stopped(): AbortSignal {
    return this.stopCtl.signal;
  }

  /** A status snapshot. */
  status(): OperatorStatus {
    const role = this.leader.role();
    const own = { role, ...this.controller.status.snapshot() };
    // A follower decides nothing it could act on: it shows what the leader published.
    const shared = role === 'follower' ? this.deps.state.statuses?.() : undefined;
    return shared ? followerStatus(own, shared) : own;
  }
}

/** Handle of a running operator. */
export interface OperatorHandle {
  manager: Manager;
  /** Asks for a pass now (full resync by default); `forced` keys bypass backoff and the auto-revert hold. */
  trigger(opts?: { full?: boolean; forced?: string[]; confirmPrune?: string[]; reason?: string }): void;
  status(): OperatorStatus;
  /** The status API's resync: the given keys now (bypassing backoff and the auto-revert hold), or everything with a fresh fetch. */
  sync(request: { keys: string[]; all: boolean }): void;
  /** The status store's observation number (see `JobStatus.observedGeneration`): read before a sync is queued. */
  generation(): number;
  /** The checks of `/readyz`: the source read, Nomad and Consul answered. */
  readiness(): Promise<ReadinessReport>;
  /**
   * Stops cleanly: no new work, waits for reconciles in flight up to `timeoutMs` (default: no bound), then
   * gives the lease up: released at once when they finished, else left to the lock-delay so no successor
   * writes while one of ours may still land. Resolves whether or not they finished.
   */
  stop(opts?: { timeoutMs?: number }): Promise<void>;
  /** Resolves when the operator stopped. */
  done: Promise<void>;
}

/** Options of `startOperator`. */
export interface StartOptions {
  /** Watch Nomad's job list for manual changes (default true). */
  watch?: boolean;
  /** Ring a full pass on SIGHUP (default true). */
  sighup?: boolean;
  /** Use the config's cron full resync (default true). */
  cron?: boolean;
}

/** Resolves with true when `p` settles within `ms` on `clock`, false when the time ran out first. */
async function within(clock: OperatorDeps['clock'], p: Promise<unknown>, ms: number | undefined): Promise<boolean> {
  if (ms === undefined) {
    await p;
    return true;
  }
  let timer: ReturnType<OperatorDeps['clock']['setTimeout']> | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = clock.setTimeout(() => resolve(false), ms)));
  const finished = await Promise.race([p.then(() => true), timedOut]);
  if (timer) clock.clearTimeout(timer);
  return finished;
}

/** Starts the operator: a first full pass, then triggers, workers and the live watch. */
export function startOperator(deps: OperatorDeps, opts: StartOptions = {}): OperatorHandle {
  const manager = new Manager(deps);
  const readiness = new OperatorReadiness(manager);
  const triggers: TriggerHandle[] = [];
  triggers.push(pollTrigger(deps.clock, parseDurationMs(deps.config.source.pollInterval), manager.bell));
  if (opts.cron !== false && deps.config.source.fullResync) triggers.push(cronTrigger(deps.config.source.fullResync, manager.bell));
  if (opts.sighup !== false) triggers.push(signalTrigger('SIGHUP', manager.bell));
  manager.bell.ring('start', { full: true });
  manager.publisher?.start();
  manager.leader.start();
  deps.leadership?.start();
  const loops = [manager.passLoop(), manager.runWorkers(deps.config.reconcile.workers)];
  if (opts.watch !== false) loops.push(manager.watchLoop());
  // A loop that rejects is logged, never an unhandled rejection that takes the process down.
  const done = Promise.all(loops).then(
    () => undefined,
    (e: unknown) => deps.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'operator loop failed'),
  );
  if (repoHasCredentials(deps.source.repo)) {
    deps.logger.warn({ source: manager.controller.sourceId }, 'the spec repository URL carries credentials; they are kept out of job meta, status, metrics and logs, but belong in a git credential helper or an ssh key instead');
  }
  deps.logger.info({ source: manager.controller.sourceId, branch: deps.source.branch, workers: deps.config.reconcile.workers }, 'operator started');
  return {
    manager,
    trigger(t = {}) {
      manager.bell.ring(t.reason ?? 'trigger', { full: t.full ?? true, forced: t.forced, confirmPrune: t.confirmPrune });
    },
    status: () => manager.status(),
    sync({ keys, all }) {
      manager.bell.ring('sync', { full: all, forced: all ? ['*'] : keys });
      for (const k of keys) manager.queue.add(k);
    },
    generation: () => manager.controller.status.generation(),
    readiness: () => readiness.report(),
    async stop(o = {}) {
      for (const t of triggers) t.stop();
      manager.stop();
      const finished = await within(deps.clock, done, o.timeoutMs);
      if (!finished) deps.logger.warn({ timeoutMs: o.timeoutMs }, 'reconciles still in flight at the shutdown bound: the lock is left to its lock-delay');
      await deps.leadership?.stop({ release: finished });
      await deps.notifier?.stop();
      deps.logger.info('operator stopped');
    },
    done,
  };
}

/** Result of a single pass run to completion. */
export interface RunOnceResult {
  converged: boolean;
  /** converged (exit 0), failed (1), or timed out while still progressing (3). */
  outcome: OnceOutcome;
  status: OperatorStatus;
  summary: PassSummary;
  timedOut: boolean;
}

/**
 * One full pass, then reconciles until every job it wrote is Healthy or has failed (each key's follow
 * ends), nothing else is queued, or `timeoutMs` passes. Converged when the source is healthy and every
 * job is Synced, Healthy or Pruned. A pass that cannot read Nomad or the state store throws.
 */
export async function runOnce(deps: OperatorDeps, opts: { timeoutMs?: number; confirmPrune?: string[]; forced?: string[]; signal?: AbortSignal } = {}): Promise<RunOnceResult> {
  // A single pass for a gate: it takes no part in an election (and never waits for a lease), and it does
  // not write beside a leader of the same source and state.
  const holder = await deps.leadership?.heldBy?.();
  if (holder !== undefined) throw new Error(`an operator leads this source with this state (${holder}): a pass here would write beside it; give run --once its own --state-file or reconcile.statePrefix`);
  const manager = new Manager({ ...deps, leadership: undefined });
  const summary = await manager.pass({ full: true, forced: new Set(opts.forced ?? []), confirmPrune: new Set(opts.confirmPrune ?? []), reasons: ['once'] });
  const workers = manager.runWorkers(Math.max(1, deps.config.reconcile.workers));
  let timedOut = false;
  // This timer keeps the process alive while the deployments are followed; it is cleared once idle.
  const timeout = deps.clock.setTimeout(() => {
    timedOut = true;
    manager.stop();
  }, opts.timeoutMs ?? 10 * 60_000);
  const onAbort = (): void => manager.stop();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  await manager.whenIdle();
  deps.clock.clearTimeout(timeout);
  opts.signal?.removeEventListener('abort', onAbort);
  manager.stop();
  await workers;
  await deps.notifier?.stop();
  const status = manager.status();
  const outcome = onceOutcome(status, { passOk: summary.ok, timedOut: timedOut || opts.signal?.aborted === true });
  return { converged: outcome === 'converged', outcome, status, summary, timedOut };
}
