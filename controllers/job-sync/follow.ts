/**
 * Following a written version: reads the deployment, the allocations and the Consul services until the
 * version is Healthy or Degraded (`assessHealth`, per group), tags it with its commit at the first look,
 * and holds a version Nomad reverted so it is not resubmitted until the spec changes or a sync is forced.
 */
import { NotFoundError, ApiError } from '../../lib/ports/errors';
import { revertedVersion, splitKey, staleVersionTags, versionTag, type JobKey, type JobRecord, type PlanItem } from '../../lib/core/plan';
import { assessHealth, healthGroups, nodePrefix, type ServiceInstance } from '../../lib/core/health';
import { controllerError, type ReconcileResult } from '../../lib/core/reconcile-result';
import type { Job } from '../../lib/core/nomad/types';
import { rolloutProgress, type RolloutProgress } from '../../lib/core/rollout';
import { stubOf } from './live-cache';
import type { SyncContext } from './memory';

/** How many versions of a job keep their `git-<commit>` tag (Nomad never drops a tagged version). */
const KEPT_VERSION_TAGS = 5;

/** The health follow of written versions. */
export class HealthFollower {
  constructor(private readonly c: SyncContext) {}

  /** Follows the version we wrote until Healthy or Degraded. */
  async followHealth(key: JobKey, item: PlanItem): Promise<ReconcileResult> {
    const { namespace, jobId } = splitKey(key);
    const nomad = this.c.deps.nomad;
    const record = item.record;
    const job = await nomad.readJob(namespace, jobId);
    if (!job || !record) {
      this.c.memory.following.delete(key);
      return { kind: 'done' };
    }
    if (job.JobModifyIndex === record.jobModifyIndex) await this.tagVersion(key, job);
    if (job.JobModifyIndex !== record.jobModifyIndex) {
      this.c.live.set(key, stubOf(job));
      const reverted = await this.checkReverted(namespace, jobId, record);
      if (reverted) return this.holdReverted(key, record, reverted.message, reverted.liveVersion);
      this.c.memory.following.delete(key);
      return { kind: 'requeueAfter', ms: 0 }; // someone else wrote: decide again
    }
    const [deployment, allocs] = await Promise.all([nomad.jobDeployment(namespace, jobId), nomad.jobAllocations(namespace, jobId)]);
    const groups = healthGroups(job);
    const services = serviceNames(job);
    const instances = new Map<string, ServiceInstance[]>();
    if (this.c.deps.consul && services.length > 0) {
      for (const name of services) instances.set(name, (await this.c.deps.consul.healthService(name)).value as ServiceInstance[]);
      for (const n of new Set(allocs.items.map((a) => a.NodeID))) if (!this.c.memory.nodePrefixes.has(n)) await this.loadNodePrefix(n);
    }
    const health = assessHealth({
      jobVersion: job.Version ?? 0,
      deployment,
      allocations: allocs.items,
      groups: this.c.deps.consul ? groups : groups.map((g) => ({ ...g, services: [] })),
      instances,
      nodePrefixes: this.c.memory.nodePrefixes,
    });
    const d = item.desired;
    const rollout = rolloutProgress(job, deployment, allocs.items);
    const fields = { jobVersion: job.Version, jobModifyIndex: job.JobModifyIndex, appliedCommit: record.commit ?? d?.commit, rollout };
    const prev = this.c.status.get(key);
    if (health.phase === 'Progressing') {
      const started = this.c.memory.following.get(key) ?? this.c.deps.clock.now();
      if (this.c.deps.clock.now() - started < this.c.tuning.healthTimeoutMs) {
        if (prev?.phase !== 'Progressing' || prev.conditions.find((c) => c.type === 'Healthy')?.reason !== health.reason) {
          this.c.status.update(key, { phase: 'Progressing', fields, condition: { type: 'Healthy', status: 'Unknown', reason: health.reason, message: health.message } });
        } else if (!sameRollout(prev.rollout, rollout) || prev.jobVersion !== job.Version || prev.jobModifyIndex !== job.JobModifyIndex) {
          this.c.status.update(key, { fields });
        }
        return { kind: 'requeueAfter', ms: this.c.tuning.healthPollMs };
      }
      health.phase = 'Degraded';
      health.reason = 'HealthTimeout';
    }
    this.c.memory.following.delete(key);
    if (health.phase === 'Healthy') {
      this.c.status.update(key, { phase: 'Healthy', fields, condition: { type: 'Healthy', status: 'True', reason: health.reason, message: health.message }, event: { event: 'Healthy', message: health.message, jobVersion: job.Version }, lastError: null });
      return { kind: 'done' };
    }
    if (health.autoReverted) return this.holdReverted(key, record, health.message, (await nomad.readJob(namespace, jobId))?.Version);
    this.c.status.update(key, { phase: 'Degraded', fields, condition: { type: 'Healthy', status: 'False', reason: health.reason, message: health.message }, event: { event: health.reason, message: health.message, jobVersion: job.Version } });
    return { kind: 'done' };
  }

  /**
   * Marks the version as failed-and-reverted; the operator waits for a new commit or a forced sync. The
   * status shows `liveVersion`, the version Nomad runs now, when known.
   */
  async holdReverted(key: JobKey, record: JobRecord, message: string, liveVersion?: number): Promise<never> {
    await this.c.deps.state.put(key, { ...record, failedHash: record.hash });
    this.c.memory.following.delete(key);
    this.c.memory.forced.delete(key);
    this.c.deps.logger.warn({ key, hash: record.hash }, 'deployment failed and was reverted: not resubmitting until a new commit or a forced sync');
    this.c.status.update(key, { phase: 'Degraded', ...(liveVersion !== undefined ? { fields: { jobVersion: liveVersion } } : {}), condition: { type: 'Healthy', status: 'False', reason: 'AutoReverted', message }, event: { event: 'AutoReverted', message } });
    throw controllerError('Stalled', 'AutoReverted', message, { phase: 'Degraded', event: false });
  }

  /**
   * When the version we wrote (by its JobModifyIndex) failed and a newer version replaced it: a message and
   * the version Nomad runs now; else undefined.
   */
  async checkReverted(namespace: string, jobId: string, record: JobRecord): Promise<{ message: string; liveVersion?: number } | undefined> {
    let versions: Job[];
    try {
      versions = (await this.c.deps.nomad.jobVersions(namespace, jobId)).versions;
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
    const reverted = revertedVersion(versions, record);
    if (!reverted) return undefined;
    const deployment = await this.c.deps.nomad.jobDeployment(namespace, jobId);
    const desc = deployment?.StatusDescription ?? '';
    // Versions come newest first (nomad/state/state_store.go, jobVersionByID): the first is the job as it is now.
    return { message: `version ${reverted.ours.Version} failed and was replaced by version ${reverted.newer.Version}${desc ? ` (${desc})` : ''}`, liveVersion: versions[0]?.Version };
  }

  /** Tags the version we wrote with its commit (Nomad 1.9+): never blocks nor fails a write. */
  async tagVersion(key: JobKey, job: Job): Promise<void> {
    const want = this.c.memory.toTag.get(key);
    if (!want || want.jobModifyIndex !== job.JobModifyIndex) return;
    this.c.memory.toTag.delete(key);
    const nomad = this.c.deps.nomad;
    try {
      if (!(await nomad.capabilities()).versionTags) return;
      const { namespace, jobId } = splitKey(key);
      const subject = await this.c.deps.source.commitSubject(want.commit);
      const tag = versionTag(want.commit, want.spec, subject);
      try {
        await nomad.tagVersion(namespace, jobId, tag.name, { version: job.Version ?? 0, description: tag.description });
      } catch (e) {
        // A tag names one version: the same commit written again (a forced resubmission) moves it.
        if (!(e instanceof ApiError) || !/already exists on a different version/.test(e.serverMessage)) throw e;
        await nomad.untagVersion(namespace, jobId, tag.name);
        await nomad.tagVersion(namespace, jobId, tag.name, { version: job.Version ?? 0, description: tag.description });
      }
      // Nomad keeps every tagged version forever (`upsertJobVersion` never drops one): only the newest
      // few of ours stay tagged.
      const { versions } = await nomad.jobVersions(namespace, jobId);
      for (const name of staleVersionTags(versions, KEPT_VERSION_TAGS)) await nomad.untagVersion(namespace, jobId, name);
    } catch (e) {
      this.c.deps.logger.warn({ key, err: e instanceof Error ? e.message : String(e) }, 'could not tag the version with its commit');
    }
  }

  /** Reads a node once and remembers the IPv6 prefix routed to it. */
  async loadNodePrefix(id: string): Promise<void> {
    const node = await this.c.deps.nomad.readNode(id);
    const prefix = node ? nodePrefix(node) : undefined;
    if (prefix) this.c.memory.nodePrefixes.set(id, prefix);
  }
}

/** True when two rollouts show the same numbers. */
function sameRollout(a: RolloutProgress | undefined, b: RolloutProgress): boolean {
  const d = (r?: RolloutProgress['deployment']): string => (r ? `${r.status}:${r.healthy}/${r.desired}` : '-');
  return a !== undefined && d(a.deployment) === d(b.deployment) && a.allocations.healthy === b.allocations.healthy && a.allocations.desired === b.allocations.desired;
}

/** Names of the Consul services a job declares (group and task level). */
export function serviceNames(job: Job): string[] {
  return [...new Set(healthGroups(job).flatMap((g) => g.services))].sort();
}
