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
  /** Namespaces of the stubs; undefined when the stubs changed since it was computed. */
  private nsCache?: Set<string>;
  index = 0;
  /** True once a list succeeded. */
  loaded = false;

  get(key: JobKey): JobListStub | undefined {
    return this.stubs.get(key);
  }

  all(): JobListStub[] {
    return [...this.stubs.values()];
  }

  /** The namespaces of the cached stubs (the caller must not modify the set). */
  namespaces(): ReadonlySet<string> {
    if (!this.nsCache) {
      this.nsCache = new Set<string>();
      for (const s of this.stubs.values()) this.nsCache.add(s.Namespace ?? 'default');
    }
    return this.nsCache;
  }

  /** Replaces the content; returns the keys whose stub appeared, vanished or changed index/stop/meta hash. */
  replace(stubs: readonly JobListStub[], index: number): Set<JobKey> {
    // For speed: a no-op pass lists thousands of jobs that did not move. A stub whose ModifyIndex (which
    // moves with any change of the job, status included) is unchanged keeps the cached object, and when
    // no stub moved or vanished the cached map itself is kept: nothing is copied or re-allocated, and the
    // freshly parsed stubs die young instead of replacing long-lived ones.
    const old = this.stubs;
    const changed = new Set<JobKey>();
    let next: Map<JobKey, JobListStub> | undefined;
    let seen = 0;
    for (const s of stubs) {
      if (isChildJob(s)) continue;
      const k = jobKey(s.Namespace ?? 'default', s.ID);
      const prev = old.get(k);
      const keep = prev !== undefined && prev.ModifyIndex === s.ModifyIndex && prev.JobModifyIndex === s.JobModifyIndex && prev.Stop === s.Stop && prev.Meta?.['nomadguard.hash'] === s.Meta?.['nomadguard.hash'];
      if (prev !== undefined) seen++;
      if (!prev || prev.JobModifyIndex !== s.JobModifyIndex || prev.Stop !== s.Stop || prev.Meta?.['nomadguard.hash'] !== s.Meta?.['nomadguard.hash']) changed.add(k);
      if (next === undefined && !keep) {
        // The first moved stub: copy what was kept so far and continue into a new map.
        next = new Map<JobKey, JobListStub>();
        for (const t of stubs) {
          if (t === s) break;
          if (isChildJob(t)) continue;
          const tk = jobKey(t.Namespace ?? 'default', t.ID);
          next.set(tk, old.get(tk) ?? t);
        }
      }
      if (next !== undefined) next.set(k, keep ? (prev as JobListStub) : s);
    }
    if (next === undefined && seen !== old.size) {
      // Some cached keys vanished: rebuild from the kept stubs.
      next = new Map<JobKey, JobListStub>();
      for (const t of stubs) {
        if (isChildJob(t)) continue;
        const tk = jobKey(t.Namespace ?? 'default', t.ID);
        next.set(tk, old.get(tk) as JobListStub);
      }
    }
    if (next !== undefined) {
      for (const k of old.keys()) if (!next.has(k)) changed.add(k);
      this.stubs = next;
      this.nsCache = undefined;
    }
    this.index = index;
    this.loaded = true;
    return changed;
  }

  /** Sets or removes one key (after our own write or a re-read). */
  set(key: JobKey, stub: JobListStub | undefined): void {
    if (stub) this.stubs.set(key, stub);
    else this.stubs.delete(key);
    this.nsCache = undefined;
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
