/**
 * Reverted versions: a version nomadguard wrote that failed and that a newer version replaced (Nomad's
 * auto-revert, or a human). The pass holds such a version instead of resubmitting it in a loop; `plan`
 * reports the hold instead of a change.
 */
import type { Job } from '../nomad/types';
import { META, type JobRecord, type PlanItem } from './types';

/**
 * True when a write for the item may resubmit a version we wrote and Nomad replaced (the pass then reads the
 * job's versions): the live job moved past the version we recorded while git still wants that version.
 */
export function mayBeReverted(item: PlanItem, forced: boolean): boolean {
  return item.action === 'drift' && item.reason === 'ModifiedOutside' && item.live !== undefined && item.desired !== undefined && item.record?.hash === item.desired.hash && !forced;
}

/**
 * The version we wrote (by the record's JobModifyIndex, else its hash) and the first newer version,
 * when ours never became stable and was replaced; undefined otherwise.
 */
export function revertedVersion(versions: readonly Job[], record: JobRecord): { ours: Job; newer: Job } | undefined {
  const ours = versions.find((v) => v.JobModifyIndex === record.jobModifyIndex) ?? versions.find((v) => v.Meta?.[META.hash] === record.hash);
  if (!ours || ours.Stable) return undefined;
  const newer = versions.filter((v) => (v.Version ?? 0) > (ours.Version ?? 0));
  return newer.length === 0 ? undefined : { ours, newer: newer[0] };
}

/** The item as the pass leaves it once it found its version reverted: held, as `decide` holds a recorded failed hash. */
export function heldAsReverted(item: PlanItem, reverted: { ours: Job; newer: Job }): PlanItem {
  const message = `version ${reverted.ours.Version} failed and was replaced by version ${reverted.newer.Version}; waiting for a new commit or a forced sync`;
  return { ...item, action: 'leave-alone', write: false, reason: 'AutoReverted', message };
}
