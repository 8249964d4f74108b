/**
 * What the job-sync controller remembers between reconciles, besides the desired state, the live cache
 * and the status. Each piece has one writer and one rule that ends it:
 *
 * | what | set by | ended by |
 * |---|---|---|
 * | `forced` | the pass (a sync request) | the write it allows, its hold, or a decision that writes nothing |
 * | `following` | a register | the follow's verdict (Healthy, Degraded, held), a prune, someone else's write |
 * | `reportedDrift` | held drift (detect-only, suspended) | a write or a comparison found in sync |
 * | `pendingRecords` | a write's record the state store refused | the record landing (retried first at every reconcile of the key) |
 * | `toTag` | a register | the tag, at the first health look of that version |
 * | `knownNamespaces`, `namespaceCreates` | a listed job or a created namespace | `nomadRestarted` (Nomad's index went backwards) |
 * | `nodePrefixes` | a node read during a health look | `nomadRestarted` |
 */
import type { JobKey, JobRecord } from '../../lib/core/plan';
import type { OperatorDeps, OperatorTuning } from './types';
import type { DesiredState } from './desired-state';
import type { LiveCache } from './live-cache';
import type { LiveWatch } from './live-watch';
import type { StatusStore } from './status-store';

/** The per-key memory the reconciles share (see the table above). */
export class SyncMemory {
  /** Keys whose sync was forced: resubmits an auto-reverted version once. */
  readonly forced = new Set<JobKey>();
  /** Keys whose written version is being followed: when the follow started. */
  readonly following = new Map<JobKey, number>();
  /** Detect-only drift already reported at this JobModifyIndex (no plan call again). */
  readonly reportedDrift = new Map<JobKey, number>();
  /** Records of writes to Nomad the state store has not taken yet (retried at the key's next reconcile). */
  readonly pendingRecords = new Map<JobKey, JobRecord>();
  /** Versions written and not yet tagged with their commit (tagged at the first health look). */
  readonly toTag = new Map<JobKey, { jobModifyIndex: number; commit: string; spec: string }>();
  /** Namespaces known to exist. */
  knownNamespaces = new Set<string>(['default']);
  /** Namespace creations in flight: every worker creating in the same namespace shares one. */
  readonly namespaceCreates = new Map<string, Promise<void>>();
  /** Node ID -> the IPv6 /80 routed to it. */
  readonly nodePrefixes = new Map<string, string>();

  /** Nomad's state went backwards (a restore, a rebuilt cluster): what was learnt from it is forgotten. */
  nomadRestarted(): void {
    this.knownNamespaces = new Set<string>(['default']);
    this.namespaceCreates.clear();
    this.nodePrefixes.clear();
  }
}

/** What every part of the controller works on: the ports, the three views and the memory. */
export interface SyncContext {
  readonly deps: OperatorDeps;
  readonly desired: DesiredState;
  readonly live: LiveCache;
  /** The live watch's hold on the job list: while current, a pass needs no list. */
  readonly watch: LiveWatch;
  readonly status: StatusStore;
  readonly memory: SyncMemory;
  readonly sourceId: string;
  readonly tuning: OperatorTuning;
}
