/**
 * How far a job's rollout has come, in the numbers on-call reads: the deployment's healthy allocations
 * against its desired total, and the job's healthy allocations against the counts it asks for. Pure.
 */
import type { AllocListStub, Deployment, Job } from './nomad/types';

/** Healthy against desired allocations. */
export interface AllocCount {
  healthy: number;
  desired: number;
}

/** The rollout of one job version. */
export interface RolloutProgress {
  /** The deployment of this version (absent when it has none, e.g. a job without an update strategy). */
  deployment?: AllocCount & { status: string };
  /** Allocations of this version that run and are healthy, against the sum of the group counts. */
  allocations: AllocCount;
}

/**
 * The progress of `job`'s current version. A deployment counts only when it is of that version; its
 * numbers are the sums over its task groups of `HealthyAllocs` and `DesiredTotal` (nomad/structs/structs.go,
 * DeploymentState). An allocation is healthy when it is of that version, wanted (`DesiredStatus` run),
 * running, and its deployment health is not pending or false (one outside any deployment counts when it runs).
 */
export function rolloutProgress(job: Pick<Job, 'Version' | 'TaskGroups'>, deployment: Deployment | undefined | null, allocations: readonly AllocListStub[]): RolloutProgress {
  const version = job.Version ?? 0;
  const desired = (job.TaskGroups ?? []).reduce((n, g) => n + (g.Count ?? 1), 0);
  const healthy = allocations.filter(
    (a) => a.JobVersion === version && a.DesiredStatus === 'run' && a.ClientStatus === 'running' && (a.DeploymentStatus === null || a.DeploymentStatus === undefined || a.DeploymentStatus.Healthy === true),
  ).length;
  const out: RolloutProgress = { allocations: { healthy, desired } };
  if (deployment && deployment.JobVersion === version) {
    const groups = Object.values(deployment.TaskGroups ?? {});
    out.deployment = {
      status: String(deployment.Status),
      healthy: groups.reduce((n, g) => n + g.HealthyAllocs, 0),
      desired: groups.reduce((n, g) => n + g.DesiredTotal, 0),
    };
  }
  return out;
}
