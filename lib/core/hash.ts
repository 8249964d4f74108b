/**
 * The stable hash of a desired job: the same job gives the same hash on every machine and every run, so a
 * resync can tell "nothing changed" from the job list alone.
 */
import { createHash } from 'node:crypto';
import type { Job } from './nomad/types';
import { META } from './plan/types';

/** Characters JSON.stringify would escape in a string (plus lone surrogates). */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const JSON_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON with object keys sorted at every level (arrays keep their order); `undefined` members are dropped. */
export function canonicalJson(value: unknown): string {
  return write(value);
}

function str(s: string): string {
  return JSON_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

function write(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return str(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    default:
      return 'null';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ',';
      s += write(v[i]);
    }
    return `${s}]`;
  }
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length > 1) keys.sort();
  let s = '{';
  let first = true;
  for (const k of keys) {
    const x = obj[k];
    if (x === undefined || typeof x === 'function') continue;
    if (!first) s += ',';
    first = false;
    s += `${str(k)}:${write(x)}`;
  }
  return `${s}}`;
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
