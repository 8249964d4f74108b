/**
 * Outcomes: what a pass does with a decision once Nomad's plan diff is known, and how `plan` reports
 * it. The pass and `plan` both call `judgePlan`, so `plan` never counts as a change what a pass would
 * not write (detect-only drift, a suspended spec, a count an autoscaler moved).
 */
import type { Job, JobDiff } from '../nomad/types';
import { subjectOf, type ChangeEntry } from './changeset';
import { filterDiffNoise, ignoreScaledCounts } from './noise';
import { META, type PlanItem } from './types';
import { LEGACY_META_KEYS, type CompareOptions } from './compare';
import { isSourceOf } from '../source-id';
import { redactDiff } from './redact';
import { adoptedCompareOptions } from './adopt';
import { formatDiagnostic } from '../diagnostics';

/** Names of the groups of `job` under an autoscaler (a `Scaling` block that is not disabled). */
export function scaledGroups(job: Job): Set<string> {
  return new Set((job.TaskGroups ?? []).filter((g) => g.Scaling && g.Scaling.Enabled !== false).map((g) => g.Name));
}

/** True when registering `job` over a live job (anything but a create) keeps the live counts (`PreserveCounts`). */
export function preservesCounts(job: Job, action: PlanItem['action']): boolean {
  return action !== 'create' && scaledGroups(job).size > 0;
}

/** True when the pass asks Nomad's plan endpoint about the item before writing (the index to enforce, the diff, the allocation impact). */
export function needsPlanCall(item: PlanItem): boolean {
  return (item.action === 'update' || item.action === 'drift' || item.action === 'verify' || item.action === 'adopt') && item.desired !== undefined;
}

/**
 * The options of `compareJobs` for a desired job on a server: its version and region (the defaults it
 * fills in), the namespace, and the groups under an autoscaler (their count is theirs).
 */
export function compareOptions(server: { version?: string; region?: string }, namespace: string, desired: Job, live?: Job, adopted = false): CompareOptions {
  const opts: CompareOptions = { ...(server.version ? { serverVersion: server.version } : {}), ...(server.region ? { region: server.region } : {}), namespace, ignoreCounts: scaledGroups(desired) };
  // Our own source as an older release wrote it (the repository URL with its credentials) is no difference:
  // verifying after the upgrade writes nothing; the Meta takes the new form at the job's next real change.
  const want = desired.Meta?.[META.source];
  const have = live?.Meta?.[META.source];
  if (want !== undefined && have !== undefined && have !== want && isSourceOf(have, want)) opts.ignoreMetaKeys = new Set([...LEGACY_META_KEYS, META.source]);
  return adopted ? adoptedCompareOptions(opts) : opts;
}

/**
 * True when the pass reads the live job and compares it with the desired one before deciding to write:
 * drift, verify, and an update of a job whose index moved since our record (someone else wrote, or the
 * record of our own last write was lost: the job may already be as desired).
 */
export function needsLiveRead(item: PlanItem): boolean {
  if (item.desired === undefined) return false;
  return item.action === 'drift' || item.action === 'verify' || item.action === 'adopt' || (item.action === 'update' && item.reason === 'SpecChangedAndModified');
}

/** The verdict on an item once Nomad's plan (and, for drift and verify, the comparison with the live job) is known. */
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
 * Judges an item that needed a plan call (`needsPlanCall`). Nomad's plan diff is not a complete comparison
 * (no Spread diff at any level, no task Lifecycle, no `Update.Stagger`: NOMAD-API.md §2), so it never
 * decides a write:
 * - an `update` (a new desired hash: git or policy changed) at the index we recorded is always written;
 * - `drift`, `verify` and an update of a job that moved since our record (`needsLiveRead`) are in sync
 *   exactly when `comparison` (the project's own normalised comparison of the desired and the live job,
 *   `compareJobs`) finds them equal; without one they are not in sync.
 * The plan's diff, noise filtered and without the counts of groups under an autoscaler, is what people see.
 */
export function judgePlan(item: PlanItem, rawDiff: JobDiff | null | undefined, comparison?: { equal: boolean }): PlanVerdict {
  const scaled = item.desired ? scaledGroups(item.desired.job) : new Set<string>();
  const diff = ignoreScaledCounts(filterDiffNoise(rawDiff), scaled);
  const inSync = (item.action !== 'update' || needsLiveRead(item)) && comparison?.equal === true;
  if (inSync) return { diff, outcome: 'in-sync' };
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
    case 'verify':
    case 'adopt': {
      if (!item.desired) return undefined;
      const outcome = verdict?.outcome ?? (item.write ? 'write' : 'held');
      const diff = redactDiff(verdict?.diff); // entries leave the core: `plan --json` prints them
      if (item.action === 'adopt') {
        if (outcome === 'in-sync') return { subject, action: 'adopt', write: false, note: `taken over at JobModifyIndex ${item.live?.JobModifyIndex ?? 0} without a write: only the nomadguard marker differs, the allocations keep running` };
        if (outcome === 'held') return held('adopt', diff ? { diff } : {});
        return { subject, action: 'adopt', write: true, ...(diff ? { diff } : {}), note: `taken over at JobModifyIndex ${item.live?.JobModifyIndex ?? 0} and written with the spec's changes` };
      }
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
