/**
 * When a job's status is worth a notification: on a transition into Degraded, Invalid, Stalled (an
 * auto-reverted deployment) or Error, and on the way back to Healthy from one of them (or to Synced
 * with no error, from Invalid or Error: a fix that leaves the live job as it was deploys nothing). A status written
 * again with the same meaning is no transition; each real transition is one notification, so a job that
 * fails, retries (Progressing) and fails again sends twice, and a job that stays Degraded sends once.
 */
import type { NotifyEvent } from '../../../crd-schemas/notifications';
import type { JobPhase, JobStatus } from '../../../crd-schemas/status';

/** The states a notification is sent on entering. */
export type AlertState = Exclude<NotifyEvent, 'Recovered'>;

/** What a status means here: an alert state, Healthy, or nothing notable (Progressing, Synced, ...). */
export type NotifyState = AlertState | 'Healthy' | undefined;

/** The state of one status. An auto-revert (a `Stalled` error with reason `AutoReverted`) reads as Stalled. */
export function notifyStateOf(s: Pick<JobStatus, 'phase' | 'lastError'>): NotifyState {
  if (s.phase === 'Healthy') return 'Healthy';
  if (s.lastError?.code === 'Stalled' && s.lastError.reason === 'AutoReverted') return 'Stalled';
  if (s.phase === 'Degraded' || s.phase === 'Invalid' || s.phase === 'Error') return s.phase;
  return undefined;
}

/** A transition to notify about. */
export interface Transition {
  event: NotifyEvent;
  /** The phase the job had before this status. */
  previousPhase?: JobPhase;
  /** For `Recovered`: the alert the job recovers from. */
  recoveredFrom?: AlertState;
}

interface Seen {
  state: NotifyState;
  phase: JobPhase;
  /** The last alert sent and not yet followed by a recovery. */
  alert?: AlertState;
}

/**
 * Remembers, per job, the last state seen and the last alert sent (one small entry per job), and tells
 * which status updates are transitions. An update observed as `baseline` only sets what was seen: the
 * state a restarted operator finds is not news.
 */
export class TransitionTracker {
  private readonly seen = new Map<string, Seen>();

  /** The transition `status` makes for `key`, if any, and remembers it. */
  observe(key: string, status: Pick<JobStatus, 'phase' | 'lastError'>, baseline = false): Transition | undefined {
    const state = notifyStateOf(status);
    const before = this.seen.get(key);
    const entry: Seen = { state, phase: status.phase, alert: before?.alert };
    this.seen.set(key, entry);
    if (baseline) {
      entry.alert = state === 'Healthy' ? undefined : state ?? before?.alert;
      return undefined;
    }
    // A spec fixed, or an error gone, while the live job was already right is Synced, never followed
    // to Healthy: that is the recovery from Invalid or Error.
    const settled = state === undefined && status.phase === 'Synced' && !status.lastError && (before?.alert === 'Invalid' || before?.alert === 'Error');
    if (settled) {
      entry.alert = undefined;
      return { event: 'Recovered', recoveredFrom: before.alert, previousPhase: before.phase };
    }
    if (state === undefined || state === before?.state) return undefined;
    const previousPhase = before?.phase;
    if (state === 'Healthy') {
      const from = before?.alert;
      entry.alert = undefined;
      return from ? { event: 'Recovered', recoveredFrom: from, ...(previousPhase ? { previousPhase } : {}) } : undefined;
    }
    entry.alert = state;
    return { event: state, ...(previousPhase ? { previousPhase } : {}) };
  }

  /** Forgets a job (it was removed from the status). */
  forget(key: string): void {
    this.seen.delete(key);
  }

  /** Jobs remembered. */
  get size(): number {
    return this.seen.size;
  }
}
