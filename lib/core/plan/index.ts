/** Planning: pair desired with live, decide per job, guard prunes, filter diff noise, print changesets. */
export * from './types';
export { pairJobs, isChildJob, isManaged, type Pair } from './pair';
export { decide, decidePair, keylessInvalidNamespaces, type DecideOptions } from './decide';
export { applyPruneGuard, carryConfirmations, type PruneConfirmations, type PruneGuardOptions, type PruneRefusal } from './prune-guard';
export { filterDiffNoise, ignoreScaledCounts, diffChanges, NOISE_FIELDS, NOISE_META_KEYS } from './noise';
export { formatChangeset, diffLines, subjectOf, summarize, writes, hasChanges, type ChangeAction, type ChangeEntry, type ChangeSummary } from './changeset';
export { redactDiff, isSecretField, isRedacted, REDACTED, SECRET_WORDS } from './redact';
export { judgePlan, changeEntry, heldReason, needsPlanCall, scaledGroups, preservesCounts, type PlanVerdict } from './outcome';
export { mayBeReverted, revertedVersion, heldAsReverted } from './reverted';
