/**
 * Every job register the simulated Nomad accepted, counted per job and per submitted job (a digest of its
 * JSON with keys sorted), so a test or `GET /_sim/registers` can tell a second register of the same job
 * from a new version. Not part of Nomad: it is how the simulator is watched, like the request counts.
 */
import * as crypto from 'node:crypto';

/** The digest of a submitted job: its JSON with object keys sorted (12 hex). */
export function jobDigest(job: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(sortKeys(job))).digest('hex').slice(0, 12);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

/** Accepted registers, per `namespace/job`, per submitted-job digest. */
export class RegisterLog {
  private readonly counts = new Map<string, Map<string, number>>();

  /** Counts one accepted register of `job` in `namespace`. */
  record(namespace: string, job: { ID?: unknown }, submitted: unknown): void {
    const key = `${namespace}/${String(job.ID)}`;
    let byDigest = this.counts.get(key);
    if (!byDigest) this.counts.set(key, (byDigest = new Map()));
    const d = jobDigest(submitted);
    byDigest.set(d, (byDigest.get(d) ?? 0) + 1);
  }

  /** `{ "ns/job": { "<digest>": registers } }`. */
  snapshot(): Record<string, Record<string, number>> {
    return Object.fromEntries([...this.counts].map(([k, m]) => [k, Object.fromEntries(m)]));
  }

  /** The registers of a job's same submitted job beyond its first: 0 when no job was registered twice alike. */
  repeats(): number {
    let n = 0;
    for (const m of this.counts.values()) for (const c of m.values()) n += c - 1;
    return n;
  }

  /** Forgets every count. */
  clear(): void {
    this.counts.clear();
  }
}
