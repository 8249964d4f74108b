/**
 * Reverted versions: a version nomadguard wrote that failed and that a newer version replaced (Nomad's
 * auto-revert, or a human). The pass holds such a version instead of resubmitting it in a loop; `plan`
 * reports the hold instead of a change.
 */
import type { Job } from '../nomad/types';
import { META, type JobRecord, type PlanItem } from './types';
import { compareJobs } from './compare';

/**
 * True when a write for the item may resubmit a version we wrote and Nomad replaced (the pass then reads the
 * job's versions): the live job moved past the version we recorded while git still wants that version.
 */
export function mayBeReverted(item: PlanItem, forced: boolean): boolean {
  return item.action === 'drift' && item.reason === 'ModifiedOutside' && item.live !== undefined && item.desired !== undefined && item.record?.hash === item.desired.hash && !forced;
}

/**
 * The version we wrote (by the record's JobModifyIndex, else the hash an older release kept in its Meta)
 * and the version that replaced it, when ours never became stable and was reverted: the first newer
 * version is a copy of an older one (what Nomad's auto-revert and `nomad job revert` register). A newer
 * version that is anything else (a hand edit, an autoscaler's count during our deployment) is no revert:
 * the caller compares it as drift. Undefined when ours was not reverted.
 */
export function revertedVersion(versions: readonly Job[], record: JobRecord): { ours: Job; newer: Job } | undefined {
  const ours = versions.find((v) => v.JobModifyIndex === record.jobModifyIndex) ?? versions.find((v) => v.Meta?.[META.hash] === record.hash);
  if (!ours || ours.Stable) return undefined;
  const v = ours.Version ?? 0;
  const newer = versions.filter((x) => (x.Version ?? 0) > v).sort((a, b) => (a.Version ?? 0) - (b.Version ?? 0))[0];
  if (!newer) return undefined;
  const copiesOlder = versions.some((x) => (x.Version ?? 0) < v && compareJobs(x, newer, { ignoreMetaKeys: NO_KEYS }).equal);
  return copiesOlder ? { ours, newer } : undefined;
}

/** Both sides are stored versions: every Meta key counts. */
const NO_KEYS: ReadonlySet<string> = new Set();

/** The item as the pass leaves it once it found its version reverted: held, as `decide` holds a recorded failed hash. */
export function heldAsReverted(item: PlanItem, reverted: { ours: Job; newer: Job }): PlanItem {
  const message = `version ${reverted.ours.Version} failed and was replaced by version ${reverted.newer.Version}; waiting for a new commit or a forced sync`;
  return { ...item, action: 'leave-alone', write: false, reason: 'AutoReverted', message };
}
