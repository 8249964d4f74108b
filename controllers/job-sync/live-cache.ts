/**
 * The live cache: the last job list Nomad gave (with Meta), by key. Filled by the pass's one list call
 * and by the live watch; corrected by the controller after its own writes, which a list fetched before
 * them does not undo. Reconciles read it instead
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

/** The newest Nomad index a cached stub is known at (its job's last write, or any change of it). */
function knownAt(stub: JobListStub): number {
  return Math.max(stub.JobModifyIndex ?? 0, stub.ModifyIndex ?? 0);
}

/**
 * Stubs by key, with the list index they came from.
 *
 * Newer knowledge is never replaced by older: a job list older than one already applied is ignored,
 * and a stub the operator set after its own write (or a re-read) is kept over a list taken before that
 * write, as is a job it purged. A list at or after that index is authoritative again, so a job deleted
 * and re-created by someone else (a higher CreateIndex, a higher list index) is taken as it comes.
 * Setting `index` to 0 starts over: the next list is taken whole (the live watch does it when Nomad's
 * index goes backwards, as after a cluster restore).
 */
export class LiveCache {
  private stubs = new Map<JobKey, JobListStub>();
  /** Keys the operator purged, with the index of the purge: a list older than that still shows them. */
  private gone = new Map<JobKey, number>();
  /** Namespaces of the stubs; undefined when the stubs changed since it was computed. */
  private nsCache?: Set<string>;
  index = 0;
  /** True once a list succeeded. */
  loaded = false;
  /**
   * The newest Nomad index the operator's own writes and re-reads put into the cache (a job that vanished
   * from a read: past `index`). Above `index`, the cache holds more than the list it came from: Nomad's
   * index moved since that list.
   */
  private setAt = 0;
  /** Keys a list (the pass's or the live watch's) moved since the pass last took them. */
  private movedSince = new Set<JobKey>();

  /**
   * The keys any list moved since the last call (see `replace`): what the pass decides again, whichever
   * list — its own or the live watch's — brought the change.
   */
  takeMoved(): Set<JobKey> {
    const moved = this.movedSince;
    this.movedSince = new Set<JobKey>();
    return moved;
  }

  /** True when nothing was set since the last list that is newer than that list (see `setAt`). */
  asListed(): boolean {
    return this.loaded && this.setAt <= this.index;
  }

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

  /**
   * Replaces the content with a job list taken at `index`; returns the keys whose stub appeared,
   * vanished or changed index/stop/meta hash. A list older than the last one applied changes nothing;
   * a cached stub known at an index above `index` (our own write) is kept, present in the list or not.
   */
  replace(stubs: readonly JobListStub[], index: number): Set<JobKey> {
    const changed = new Set<JobKey>();
    const startOver = this.index === 0;
    if (!startOver && index < this.index) return changed; // a list older than one already applied
    if (startOver) {
      this.gone.clear();
      this.setAt = 0;
    }
    // For speed: a no-op pass lists thousands of jobs that did not move. A stub whose ModifyIndex (which
    // moves with any change of the job, status included) is unchanged keeps the cached object, and when
    // no stub moved or vanished the cached map itself is kept: nothing is copied or re-allocated, and the
    // freshly parsed stubs die young instead of replacing long-lived ones.
    const old = this.stubs;
    const gone = this.gone;
    /** The entry to cache for a listed stub: the cached one when unchanged or newer, none when we purged it after the list. */
    const pick = (s: JobListStub, prev: JobListStub | undefined, k: JobKey): JobListStub | undefined => {
      if (prev === undefined) return !startOver && gone.size > 0 && (gone.get(k) ?? -1) > index ? undefined : s;
      if (prev.ModifyIndex === s.ModifyIndex && prev.JobModifyIndex === s.JobModifyIndex && prev.Stop === s.Stop && prev.Meta?.['nomadguard.hash'] === s.Meta?.['nomadguard.hash']) return prev;
      if (startOver) return s;
      if (knownAt(prev) > index) return prev; // set after our own write, which this list predates
      const sameJob = s.CreateIndex === prev.CreateIndex;
      if ((sameJob && s.JobModifyIndex < prev.JobModifyIndex) || (!sameJob && prev.CreateIndex > 0 && s.CreateIndex < prev.CreateIndex)) return prev; // an older version of the job
      return s;
    };
    let next: Map<JobKey, JobListStub> | undefined;
    let seen = 0;
    for (const s of stubs) {
      if (isChildJob(s)) continue;
      const k = jobKey(s.Namespace ?? 'default', s.ID);
      const prev = old.get(k);
      const e = pick(s, prev, k);
      if (prev !== undefined) seen++;
      if (e !== undefined && e !== prev && (!prev || prev.JobModifyIndex !== e.JobModifyIndex || prev.Stop !== e.Stop || prev.Meta?.['nomadguard.hash'] !== e.Meta?.['nomadguard.hash'])) changed.add(k);
      if (next === undefined && e !== prev) {
        // The first moved stub: copy what was kept so far and continue into a new map.
        next = new Map<JobKey, JobListStub>();
        for (const t of stubs) {
          if (t === s) break;
          if (isChildJob(t)) continue;
          const tk = jobKey(t.Namespace ?? 'default', t.ID);
          const te = pick(t, old.get(tk), tk);
          if (te !== undefined) next.set(tk, te);
        }
      }
      if (next !== undefined && e !== undefined) next.set(k, e);
    }
    if (seen !== old.size) {
      // Some cached keys are not listed: gone, unless the operator wrote them after this list was taken.
      if (next === undefined) {
        next = new Map<JobKey, JobListStub>();
        for (const t of stubs) {
          if (isChildJob(t)) continue;
          const tk = jobKey(t.Namespace ?? 'default', t.ID);
          const te = pick(t, old.get(tk), tk);
          if (te !== undefined) next.set(tk, te);
        }
      }
      if (!startOver) for (const [k, prev] of old) if (!next.has(k) && knownAt(prev) > index) next.set(k, prev);
    }
    if (next !== undefined) {
      for (const k of old.keys()) if (!next.has(k)) changed.add(k);
      this.stubs = next;
      this.nsCache = undefined;
    }
    if (gone.size > 0) for (const [k, at] of gone) if (at <= index) gone.delete(k);
    for (const k of changed) this.movedSince.add(k);
    this.index = index;
    this.loaded = true;
    return changed;
  }

  /**
   * Sets or removes one key (after our own write or a re-read). `goneAt`: the index at which the
   * operator purged the job, so a list taken before it does not bring the job back.
   */
  set(key: JobKey, stub: JobListStub | undefined, goneAt?: number): void {
    if (stub) {
      this.stubs.set(key, stub);
      this.gone.delete(key);
      this.setAt = Math.max(this.setAt, knownAt(stub));
    } else {
      const had = this.stubs.delete(key);
      if (goneAt !== undefined && goneAt > 0) {
        this.gone.set(key, goneAt);
        this.setAt = Math.max(this.setAt, goneAt);
      } else if (had) {
        // Without the index of its removal, a job gone since the list means Nomad moved past the list.
        this.setAt = Math.max(this.setAt, this.index + 1);
      }
    }
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
