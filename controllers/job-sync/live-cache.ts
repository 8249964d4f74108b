/**
 * The live cache: the last job list Nomad gave (with Meta), by key. Filled by the pass's one list call
 * and by the live watch; corrected by the controller after its own writes. Reconciles read it instead
 * of calling Nomad, which is what makes a no-op pass cost one call.
 */
import type { Job, JobListStub } from '../../lib/core/nomad/types';
import { isChildJob, jobKey, type JobKey } from '../../lib/core/plan';
import type { NomadApi } from '../../lib/ports/nomad-api';

/** A stub built from a full job (for old servers and after our writes). */
export function stubOf(job: Job): JobListStub {
  return {
    ID: job.ID,
    ParentID: job.ParentID ?? '',
    Name: job.Name ?? job.ID,
    Namespace: job.Namespace ?? 'default',
    Datacenters: job.Datacenters ?? [],
    Type: job.Type ?? 'service',
    Priority: job.Priority ?? 50,
    Periodic: !!job.Periodic,
    ParameterizedJob: !!job.ParameterizedJob,
    Stop: job.Stop ?? false,
    Status: job.Status ?? 'pending',
    StatusDescription: job.StatusDescription ?? '',
    JobSummary: null,
    CreateIndex: job.CreateIndex ?? 0,
    ModifyIndex: job.ModifyIndex ?? 0,
    JobModifyIndex: job.JobModifyIndex ?? 0,
    SubmitTime: job.SubmitTime ?? 0,
    ...(job.Meta ? { Meta: { ...job.Meta } } : {}),
  };
}

/** Stubs by key, with the list index they came from. */
export class LiveCache {
  private stubs = new Map<JobKey, JobListStub>();
  index = 0;
  /** True once a list succeeded. */
  loaded = false;

  get(key: JobKey): JobListStub | undefined {
    return this.stubs.get(key);
  }

  all(): JobListStub[] {
    return [...this.stubs.values()];
  }

  namespaces(): Set<string> {
    return new Set([...this.stubs.values()].map((s) => s.Namespace ?? 'default'));
  }

  /** Replaces the content; returns the keys whose stub appeared, vanished or changed index/stop/meta hash. */
  replace(stubs: readonly JobListStub[], index: number): Set<JobKey> {
    const next = new Map<JobKey, JobListStub>();
    for (const s of stubs) if (!isChildJob(s)) next.set(jobKey(s.Namespace ?? 'default', s.ID), s);
    const changed = new Set<JobKey>();
    for (const [k, s] of next) {
      const old = this.stubs.get(k);
      if (!old || old.JobModifyIndex !== s.JobModifyIndex || old.Stop !== s.Stop || old.Meta?.['nomadguard.hash'] !== s.Meta?.['nomadguard.hash']) changed.add(k);
    }
    for (const k of this.stubs.keys()) if (!next.has(k)) changed.add(k);
    this.stubs = next;
    this.index = index;
    this.loaded = true;
    return changed;
  }

  /** Sets or removes one key (after our own write or a re-read). */
  set(key: JobKey, stub: JobListStub | undefined): void {
    if (stub) this.stubs.set(key, stub);
    else this.stubs.delete(key);
  }
}

/**
 * Lists every job with its Meta: one call on Nomad 1.5+. Older servers ignore `meta=true`, so the jobs
 * that matter (named by a spec or a record) are read one by one, re-using cached Meta while a job's
 * ModifyIndex has not moved.
 */
export async function listLive(nomad: NomadApi, cache: LiveCache, wanted: () => Set<JobKey>, opts: { index?: number; wait?: string; signal?: AbortSignal } = {}): Promise<{ stubs: JobListStub[]; index: number }> {
  const caps = await nomad.capabilities();
  const { items, index } = await nomad.listJobs({ namespace: '*', meta: true, index: opts.index, wait: opts.wait, signal: opts.signal });
  if (caps.jobListMeta) return { stubs: items, index };
  const keys = wanted();
  const out: JobListStub[] = [];
  for (const s of items) {
    const key = jobKey(s.Namespace ?? 'default', s.ID);
    if (s.Meta || isChildJob(s) || !keys.has(key)) {
      out.push(s);
      continue;
    }
    const cached = cache.get(key);
    if (cached && cached.ModifyIndex === s.ModifyIndex && cached.Meta) {
      out.push({ ...s, Meta: cached.Meta });
      continue;
    }
    const job = await nomad.readJob(s.Namespace ?? 'default', s.ID);
    out.push(job ? { ...s, ...(job.Meta ? { Meta: { ...job.Meta } } : {}) } : s);
  }
  return { stubs: out, index };
}
