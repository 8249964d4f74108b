/**
 * The stable hash of a desired job: the same job gives the same hash on every machine and every run, so a
 * resync can tell "nothing changed" from the job list alone.
 */
import { createHash } from 'node:crypto';
import type { Job } from './nomad/types';
import { META } from './plan/types';

/** JSON with object keys sorted at every level (arrays keep their order); `undefined` members are dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** Hex of the first 16 bytes of sha256 over the canonical JSON of `job` without the commit and hash Meta. */
export function jobHash(job: Job): string {
  const meta = { ...(job.Meta ?? {}) };
  delete meta[META.commit];
  delete meta[META.hash];
  const text = canonicalJson({ ...job, Meta: meta });
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** A copy of `job` whose Meta carries its hash (`nomadguard.hash`), keeping Meta keys sorted. */
export function withHash(job: Job): Job {
  const hash = jobHash(job);
  return { ...job, Meta: sortRecord({ ...(job.Meta ?? {}), [META.hash]: hash }) };
}

/** A copy of a string map with its keys in sorted order. */
export function sortRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(record).sort()) out[k] = record[k];
  return out;
}
