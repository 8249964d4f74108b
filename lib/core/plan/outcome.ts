/**
 * Outcomes: what a pass does with a decision once Nomad's plan diff is known, and how `plan` reports
 * it. The pass and `plan` both call `judgePlan`, so `plan` never counts as a change what a pass would
 * not write (detect-only drift, a suspended spec, a count an autoscaler moved).
 */
import type { Job, JobDiff } from '../nomad/types';
import { subjectOf, type ChangeEntry } from './changeset';
import { filterDiffNoise, ignoreScaledCounts } from './noise';
import type { PlanItem } from './types';
import { redactDiff } from './redact';
import { formatDiagnostic } from '../diagnostics';

/** Names of the groups of `job` under an autoscaler (a `Scaling` block that is not disabled). */
export function scaledGroups(job: Job): Set<string> {
  return new Set((job.TaskGroups ?? []).filter((g) => g.Scaling && g.Scaling.Enabled !== false).map((g) => g.Name));
}

/** True when registering `job` over a live job (anything but a create) keeps the live counts (`PreserveCounts`). */
export function preservesCounts(job: Job, action: PlanItem['action']): boolean {
  return action !== 'create' && scaledGroups(job).size > 0;
}

/** True when the pass asks Nomad's plan endpoint about the item before deciding to write. */
export function needsPlanCall(item: PlanItem): boolean {
  return (item.action === 'update' || item.action === 'drift' || item.action === 'verify') && item.desired !== undefined;
}

/** The verdict on an item once Nomad's plan diff is known. */
export interface PlanVerdict {
  /** The diff as a human reads it: noise filtered, counts of scaled groups dropped. */
  diff: JobDiff;
  /**
   * `in-sync`: nothing differs (the pass only records the index); `held`: something differs but the item
   * is not written (detect-only, suspended); `write`: the pass registers the desired job.
   */
  outcome: 'in-sync' | 'held' | 'write';
}

/**
 * Judges an item that needed a plan call (`needsPlanCall`) from Nomad's raw plan diff: in sync when the
 * filtered diff is `None`. That holds for a new hash too: a job whose only difference is our own meta (a
 * hash computed by an older nomadguard, a spec change Nomad's defaults make moot) is not registered again,
 * because Nomad replaces every allocation of a job whose meta changes; the pass records the desired hash
 * at the live index instead, which `decide` then reads as in sync.
 */
export function judgePlan(item: PlanItem, rawDiff: JobDiff | null | undefined): PlanVerdict {
  const scaled = item.desired ? scaledGroups(item.desired.job) : new Set<string>();
  const diff = ignoreScaledCounts(filterDiffNoise(rawDiff), scaled);
  if (diff.Type === 'None') return { diff, outcome: 'in-sync' };
  return { diff, outcome: item.write ? 'write' : 'held' };
}

/** Why an item that would change the job is not written, as `plan` prints it. */
export function heldReason(item: PlanItem, now: number): string {
  if (item.reason === 'Suspended') return 'suspended';
  if (item.reason === 'DriftDetected') return 'drift (detect-only: not reverted)';
  if (item.reason === 'PruneGuard') return `prune refused by guard: needs --confirm-prune ${item.namespace}; ${item.message}`;
  if (item.action === 'prune-wait') return `prune after grace until ${new Date(now + (item.waitMs ?? 0)).toISOString()}`;
  return `${item.reason}: ${item.message}`;
}

/**
 * The changeset entry of one decision (after the prune guard), or undefined for jobs a plan does not
 * list (unmanaged, unnamed). Items that need a plan call take its `verdict`; without one they are listed
 * as `update` with no diff. `now` (clock ms) dates the end of a prune's grace period.
 */
export function changeEntry(item: PlanItem, now: number, verdict?: PlanVerdict): ChangeEntry | undefined {
  const subject = subjectOf(item.namespace, item.jobId);
  const held = (action: ChangeEntry['action'], extra: Partial<ChangeEntry> = {}): ChangeEntry => ({ subject, action, write: false, note: `not written: ${heldReason(item, now)}`, ...extra });
  switch (item.action) {
    case 'create':
      return item.write ? { subject, action: 'create', write: true } : held('create');
    case 'update':
    case 'drift':
    case 'verify': {
      if (!item.desired) return undefined;
      const outcome = verdict?.outcome ?? (item.write ? 'write' : 'held');
      const diff = redactDiff(verdict?.diff); // entries leave the core: `plan --json` prints them
      if (outcome === 'in-sync') return { subject, action: 'unchanged', write: false };
      if (outcome === 'held') return held('update', diff ? { diff } : {});
      return { subject, action: 'update', write: true, ...(diff ? { diff } : {}), ...(item.action === 'drift' ? { note: 'changed outside nomadguard' } : {}) };
    }
    case 'unchanged':
      return { subject, action: 'unchanged', write: false, ...(item.reason === 'AlreadyStopped' ? { note: 'stopped, spec removed' } : {}) };
    case 'prune':
      return { subject, action: 'delete', write: item.write };
    case 'prune-wait':
      return held('delete');
    case 'invalid':
    case 'leave-alone': {
      if (item.reason === 'NotManaged') return undefined;
      if (item.reason === 'PruneGuard') return held('delete');
      if (item.reason === 'SpecInvalid') {
        const diag = item.invalid?.diagnostics.find((x) => x.severity === 'error');
        return { subject, action: 'invalid', write: false, note: diag ? formatDiagnostic(diag) : item.message };
      }
      return { subject, action: 'blocked', write: false, note: `${item.reason}: ${item.message}` };
    }
  }
}
