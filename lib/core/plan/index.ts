/** Planning: pair desired with live, decide per job, guard prunes, filter diff noise, print changesets. */
export * from './types';
export { pairJobs, isChildJob, isManaged, specOfSource, type Pair } from './pair';
export { decide, decidePair, keylessInvalidNamespaces, type DecideOptions } from './decide';
export { applyPruneGuard, carryConfirmations, type PruneConfirmations, type PruneGuardOptions, type PruneRefusal } from './prune-guard';
export { filterDiffNoise, ignoreScaledCounts, diffChanges, NOISE_FIELDS, NOISE_META_KEYS } from './noise';
export { formatChangeset, diffLines, subjectOf, summarize, writes, hasChanges, type ChangeAction, type ChangeEntry, type ChangeSummary } from './changeset';
export { redactDiff, isSecretField, isRedacted, hasUrlCredentials, stripUrlCredentials, REDACTED, SECRET_WORDS } from './redact';
export { judgePlan, changeEntry, compareOptions, heldReason, needsPlanCall, needsLiveRead, scaledGroups, preservesCounts, type PlanVerdict } from './outcome';
export { mayBeReverted, revertedVersion, heldAsReverted } from './reverted';
export { allocImpact, comparisonLines, staleVersionTags, versionTag, type ChangeLike } from './impact';
export { normalizeJob, SERVER_MANAGED_FIELDS, type NormalizeOptions } from './normalize';
export { compareJobs, isSecretKey, isSecretArgs, LEGACY_META_KEYS, SECRET_KEY_WORDS, type CompareOptions, type FieldChange, type JobComparison } from './compare';
export { adoptScope, adoptionEnabled, adoptedCompareOptions, carriesMarker, ownedByAdoption, withoutMarker, writesAdopted, MARKER_META_KEYS, type AdoptScope } from './adopt';
