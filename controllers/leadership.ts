/**
 * The manager under an election. Without `deps.leadership` the operator is standalone and always works.
 * With it:
 *
 * - the controller sees the Nomad port and the state store through the write gate (lib/adapters/leader):
 *   every write asks the lease right before it is sent;
 * - a follower keeps its desired state and live cache warm (passes and the live watch run) and its copy
 *   of the shared records equal to the leader's (`StateStore.follow`, blocking reads), but queues and
 *   reconciles nothing;
 * - an instance that is elected re-reads the shared state (records, failed-version holds, absence timers,
 *   prune confirmations) before it may write (`ready()`), then decides every key again in a full pass.
 */
import { gateNomadWrites, gateStateWrites } from '../lib/adapters/leader/gate';
import type { LeaderRole, Leadership } from '../lib/ports/leadership';
import type { Clock } from '../lib/runtime/clock';
import type { OperatorDeps } from './job-sync/types';

/** The least time between two reads of the shared state by a follower (a busy leader writes often). */
const FOLLOW_PAUSE_MS = 1000;

/** `deps` as the controller must see them: under an election, Nomad and state writes need the lease. */
export function gatedDeps(deps: OperatorDeps, mayWrite?: () => boolean): OperatorDeps {
  const lead = deps.leadership;
  if (!lead) return deps;
  const may = mayWrite ?? ((): boolean => lead.isLeader());
  return { ...deps, nomad: gateNomadWrites(deps.nomad, may), state: gateStateWrites(deps.state, may) };
}

/** What the leader run needs from the manager. */
export interface LeaderHooks {
  /** The shared state was re-read after an election: forget kept decisions, decide everything again. */
  resumed(): void;
}

/** Follows one unit's leadership for its manager (see the file comment). */
export class LeaderRun {
  private ready_ = false;
  private followCtl?: AbortController;
  private unsubscribe?: () => void;
  private generation = 0;
  /** Aborts the pauses of the current election's re-read; replaced at each election. */
  private electedCtl?: AbortController;

  constructor(
    private readonly lead: Leadership | undefined,
    private readonly deps: Pick<OperatorDeps, 'state' | 'logger' | 'metrics'> & { clock: Clock },
    private readonly hooks: LeaderHooks,
    private readonly cluster = '',
  ) {}

  /** True when this instance may take work: standalone, or the leader once the shared state is re-read. */
  ready(): boolean {
    return !this.lead || (this.ready_ && this.lead.isLeader());
  }

  /** Moves at every election and loss: work begun in an earlier term is not this term's. */
  get term(): number {
    return this.generation;
  }

  /** The role reported in the status and the metric. */
  role(): LeaderRole {
    if (!this.lead) return 'standalone';
    return this.ready() ? 'leader' : 'follower';
  }

  /** Subscribes to the elector and starts following the shared state while a follower. */
  start(): void {
    const lead = this.lead;
    if (!lead || this.unsubscribe) return;
    this.unsubscribe = lead.subscribe((leading) => (leading ? void this.elected() : this.lost()));
    this.deps.metrics?.setLeader(this.cluster, false);
    if (lead.isLeader()) void this.elected();
    else this.follow();
  }

  /**
   * Stops following and ends a pending re-read of the shared state (no call and no timer of this run is
   * left); the elector itself is stopped by its owner.
   */
  stop(): void {
    this.generation++;
    this.electedCtl?.abort(new Error('stopped'));
    this.electedCtl = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.followCtl?.abort(new Error('stopped'));
    this.followCtl = undefined;
    this.ready_ = false;
  }

  private async elected(): Promise<void> {
    const gen = ++this.generation;
    this.followCtl?.abort(new Error('elected'));
    this.followCtl = undefined;
    this.electedCtl?.abort(new Error('elected again'));
    const ctl = new AbortController();
    this.electedCtl = ctl;
    // Resume exactly where the last leader stopped: its records, holds, absence timers and confirmations.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.state.reload?.();
        break;
      } catch (e) {
        if (gen !== this.generation) return;
        this.deps.logger.warn({ err: e instanceof Error ? e.message : String(e), attempt }, 'elected, but the shared state could not be read: not writing until it is');
        try {
          await this.deps.clock.sleep(Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)), ctl.signal);
        } catch {
          return;
        }
        if (gen !== this.generation) return;
      }
    }
    if (gen !== this.generation || !this.lead?.isLeader()) return;
    this.ready_ = true;
    this.deps.metrics?.setLeader(this.cluster, true);
    this.deps.logger.info('leading: the shared state is read, reconciling');
    this.hooks.resumed();
  }

  private lost(): void {
    this.generation++;
    this.electedCtl?.abort(new Error('lost'));
    this.electedCtl = undefined;
    this.ready_ = false;
    this.deps.metrics?.setLeader(this.cluster, false);
    this.follow();
  }

  /** While a follower: the records follow the leader's writes (one blocking read at a time). */
  private follow(): void {
    const follow = this.deps.state.follow?.bind(this.deps.state);
    if (!follow || this.followCtl) return;
    const ctl = new AbortController();
    this.followCtl = ctl;
    void (async () => {
      let failures = 0;
      while (!ctl.signal.aborted) {
        try {
          await follow(ctl.signal, () => this.deps.clock.sleep(FOLLOW_PAUSE_MS, ctl.signal));
        } catch (e) {
          if (ctl.signal.aborted) return;
          failures++;
          this.deps.logger[failures === 1 ? 'warn' : 'debug']({ err: e instanceof Error ? e.message : String(e) }, 'following the shared state failed; retrying');
          try {
            await this.deps.clock.sleep(Math.min(30_000, 1000 * 2 ** Math.min(failures, 5)), ctl.signal);
          } catch {
            return;
          }
        }
      }
    })();
  }
}
