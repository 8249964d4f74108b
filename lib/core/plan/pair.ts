/**
 * Pairing: desired jobs and live jobs aligned by key, with `undefined` on the missing side.
 * Pure; no decisions here.
 */
import type { JobListStub } from '../nomad/types';
import { isSourceOf } from '../source-id';
import { jobKey, META, type Desired, type DesiredInvalid, type DesiredValid, type JobKey, type JobRecord } from './types';

/** One key's view of desired, live and recorded state. */
export interface Pair {
  key: JobKey;
  desired?: DesiredValid;
  /** An invalid spec that claims this key (by its job ID, or by being the spec path the live job came from). */
  invalid?: DesiredInvalid;
  live?: JobListStub;
  record?: JobRecord;
}

/** True when `stub` is a dispatched or periodic child (never touched, never listed). */
export function isChildJob(stub: Pick<JobListStub, 'ParentID'>): boolean {
  return typeof stub.ParentID === 'string' && stub.ParentID !== '';
}

/**
 * True when the live job's `nomadguard.spec` names a spec of `source` (any source when none is given): a
 * managed job of another source names a path in that source's repository.
 */
export function specOfSource(stub: Pick<JobListStub, 'Meta'>, source: string | undefined): boolean {
  return source === undefined || isSourceOf(stub.Meta?.[META.source], source);
}

/** True when the live job carries nomadguard's marker. */
export function isManaged(stub: Pick<JobListStub, 'Meta'>): boolean {
  return stub.Meta?.[META.managed] === 'true';
}

/**
 * Aligns desired entries, live stubs and records by `namespace/job`. Child jobs are dropped. An invalid
 * spec pairs with a live job when it names the same key or when the live job's `nomadguard.spec` is that
 * spec's path and, when `source` is given, the job is that source's (another source's job only shares a
 * path of another repository). Pairs come sorted by key.
 */
export function pairJobs(desired: readonly Desired[], live: readonly JobListStub[], records: ReadonlyMap<JobKey, JobRecord> = new Map(), source?: string): Pair[] {
  const pairs = new Map<JobKey, Pair>();
  const at = (key: JobKey): Pair => {
    let p = pairs.get(key);
    if (!p) {
      p = { key };
      pairs.set(key, p);
    }
    return p;
  };
  const invalidBySpec = new Map<string, DesiredInvalid>();
  for (const d of desired) {
    if (d.state === 'valid') at(d.key).desired = d;
    else {
      invalidBySpec.set(d.spec, d);
      if (d.key) at(d.key).invalid = d;
    }
  }
  for (const stub of live) {
    if (isChildJob(stub)) continue;
    const key = jobKey(stub.Namespace ?? 'default', stub.ID);
    const p = pairs.get(key);
    // An unrelated, unmanaged job is not ours to list; one we adopted (its record says so) is.
    if (!p && !isManaged(stub) && records.get(key)?.adopted !== true) continue;
    const pair = p ?? at(key);
    pair.live = stub;
    const specPath = stub.Meta?.[META.spec];
    if (!pair.invalid && specPath && invalidBySpec.has(specPath) && !pair.desired && specOfSource(stub, source)) pair.invalid = invalidBySpec.get(specPath);
  }
  for (const [key, record] of records) {
    const p = pairs.get(key);
    if (p) p.record = record;
  }
  return [...pairs.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
