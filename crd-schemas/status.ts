/**
 * The reconcile status: what the operator reports per job and per spec source.
 *
 * A job's `phase` is the one-word answer ("is it what git says, and does it work?"); `conditions` carry
 * the reasons with the time they last changed, Kubernetes-style; `history` is a short, bounded log of
 * what the operator did to the job. Times are RFC 3339 strings.
 */
import { z } from 'zod';

/** Every phase a managed job can be in, from the operator's point of view. */
export const JOB_PHASES = [
  'Synced', // live job matches the desired job; health not (yet) known
  'OutOfSync', // live differs from desired and nothing was written (detect-only, suspended or not yet applied)
  'Progressing', // registered; evaluation/deployment still running
  'Healthy', // deployment succeeded and every service passes in Consul at an address inside its node's /80
  'Degraded', // deployment failed, or services are not healthy
  'Invalid', // the spec does not load or validate; the live job is left as it is
  'Suspended', // the spec or its team is suspended: reported, never written
  'Pruned', // the spec is gone and the job was stopped (or purged)
  'Error', // the operator could not do its work (API error, forbidden, conflict exhausted)
] as const;
export const JobPhaseSchema = z.enum(JOB_PHASES);
export type JobPhase = z.infer<typeof JobPhaseSchema>;

export const ConditionStatusSchema = z.enum(['True', 'False', 'Unknown']);

/** One observed aspect of a job; `lastTransitionTime` changes only when `status` does. */
export const ConditionSchema = z.object({
  type: z.string().describe('e.g. Synced, Healthy, Ready, Stalled, Blocked'),
  status: ConditionStatusSchema,
  reason: z.string().describe('CamelCase, stable, e.g. DeploymentFailed'),
  message: z.string(),
  lastTransitionTime: z.string(),
});
export type Condition = z.infer<typeof ConditionSchema>;

export const ErrorCodeSchema = z.enum(['Stalled', 'Waiting', 'Transient', 'Terminal', 'Invalid', 'Conflict']);

/** The last error recorded for a job or a source. */
export const LastErrorSchema = z.object({
  code: ErrorCodeSchema.optional(),
  reason: z.string(),
  message: z.string(),
  time: z.string(),
});
export type LastError = z.infer<typeof LastErrorSchema>;

/** Something the operator did or saw, kept in a bounded list (newest last). */
export const HistoryEntrySchema = z.object({
  time: z.string(),
  event: z.string().describe('e.g. Created, Updated, DriftReverted, DriftDetected, Pruned, DeploymentFailed'),
  message: z.string(),
  commit: z.string().optional(),
  jobVersion: z.number().int().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** How many history entries a job keeps. */
export const HISTORY_LIMIT = 20;

/** Healthy against desired allocations. */
const AllocCountSchema = z.object({ healthy: z.number().int(), desired: z.number().int() });

/** How far the rollout of the job's current version has come (while it is followed, and where it ended). */
export const RolloutSchema = z.object({
  deployment: AllocCountSchema.extend({ status: z.string() }).optional().describe('the deployment of the current version: its healthy and desired allocations'),
  allocations: AllocCountSchema.describe('allocations of the current version that run healthy, against the group counts'),
});
export type Rollout = z.infer<typeof RolloutSchema>;

/** The status of one managed (or to-be-managed) job. */
export const JobStatusSchema = z.object({
  key: z.string().describe('namespace/job'),
  cluster: z.string().optional().describe('the configured cluster the job runs on, when the operator serves several'),
  namespace: z.string(),
  jobId: z.string(),
  spec: z.string().optional().describe('spec path in the repository'),
  source: z.string().optional(),
  phase: JobPhaseSchema,
  mode: z.enum(['self-heal', 'detect-only']).optional(),
  conditions: z.array(ConditionSchema),
  desiredCommit: z.string().optional().describe('commit that last changed the spec'),
  appliedCommit: z.string().optional().describe('commit of the spec the live job was written from'),
  desiredHash: z.string().optional(),
  jobVersion: z.number().int().optional(),
  jobModifyIndex: z.number().int().optional(),
  lastDiff: z.array(z.string()).optional().describe('changeset lines of the last diff, noise filtered'),
  allocImpact: z.array(z.string()).optional().describe('what the last write did to allocations, per group (from Nomad\'s plan)'),
  modifications: z.array(z.string()).optional().describe('the policy modifier rules that changed the desired job'),
  lastError: LastErrorSchema.optional(),
  lastReconciled: z.string().optional(),
  rollout: RolloutSchema.optional(),
  observedGeneration: z.number().int().optional().describe('the observation number of the newest look at the job: a pass deciding it, or a reconcile of it begun (see SyncResponse.generation)'),
  history: z.array(HistoryEntrySchema).max(HISTORY_LIMIT),
});
export type JobStatus = z.infer<typeof JobStatusSchema>;

/** The status of one spec source (a git repository and branch). */
export const SourceStatusSchema = z.object({
  name: z.string(),
  cluster: z.string().optional().describe('the configured cluster this source is reconciled against, when the operator serves several'),
  repo: z.string(),
  branch: z.string(),
  lastFetchedCommit: z.string().optional(),
  lastProcessedCommit: z.string().optional(),
  lastFetchTime: z.string().optional(),
  healthy: z.boolean().describe('false while the checkout is unusable; nothing is pruned then'),
  lastError: LastErrorSchema.optional(),
  passGeneration: z.number().int().optional().describe('the observation number at which the last successful pass began'),
  observedGeneration: z.number().int().optional().describe('the observation number at which the last successful pass decided: every job it did not queue was looked at then'),
  counts: z.record(JobPhaseSchema, z.number().int()),
});
export type SourceStatus = z.infer<typeof SourceStatusSchema>;

/** What `nomadguard status` and the dashboard read. */
export const OperatorStatusSchema = z.object({
  /** `leader` or `follower` under an election (only the leader writes), else `standalone`. */
  role: z.enum(['leader', 'follower', 'standalone']).optional(),
  sources: z.array(SourceStatusSchema),
  jobs: z.array(JobStatusSchema),
});
export type OperatorStatus = z.infer<typeof OperatorStatusSchema>;

/** Returns `conditions` with `next` set; keeps the old transition time when the status did not change. */
export function setCondition(conditions: readonly Condition[], next: Omit<Condition, 'lastTransitionTime'>, now: string): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now;
  const updated: Condition = { ...next, lastTransitionTime };
  return old ? conditions.map((c) => (c.type === next.type ? updated : c)) : [...conditions, updated];
}

/** Returns `history` with `entry` appended, dropping the oldest beyond `limit`. */
export function appendHistory(history: readonly HistoryEntry[], entry: HistoryEntry, limit = HISTORY_LIMIT): HistoryEntry[] {
  const next = [...history, entry];
  return next.length > limit ? next.slice(next.length - limit) : next;
}

/** Counts jobs by phase, with every phase present (zero when none). */
export function countPhases(jobs: ReadonlyArray<{ phase: JobPhase }>): Record<JobPhase, number> {
  const counts = Object.fromEntries(JOB_PHASES.map((p) => [p, 0])) as Record<JobPhase, number>;
  for (const j of jobs) counts[j.phase]++;
  return counts;
}
