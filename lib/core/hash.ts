/**
 * The stable hash of a desired job: the same spec, config and policy give the same hash on every machine
 * and every run, so a resync can tell "nothing changed" from the job list alone.
 */
import * as crypto from 'node:crypto';
import type { Job } from './nomad/types';
import { META } from './plan/types';

/**
 * Hex of the first 16 bytes of sha256 over the JSON of `job` without its commit and hash Meta.
 *
 * The JSON is the engine's own `JSON.stringify`, in the job's property order. The generator fixes that
 * order: every object is built field by field in code order and every map a spec supplies is copied with
 * sorted keys, so the text depends only on what the job says, not on the order the spec file wrote its
 * keys in (a test holds the generator to this). A sorted-key serializer would add nothing and cost more
 * than the rest of the pipeline after TOML parsing.
 */
export function jobHash(job: Job): string {
  return job.Meta ? hashWith(job, hashedMeta(job.Meta)) : sha256Hex(JSON.stringify(job)).slice(0, 32);
}

/** The hash of `job` with `meta` (already without commit and hash) as its Meta. */
function hashWith(job: Job, meta: Record<string, string>): string {
  // One engine call over a shallow copy is cheaper than serializing the top level key by key.
  return sha256Hex(JSON.stringify({ ...job, Meta: meta })).slice(0, 32);
}

/** Meta without the keys that say where the job came from rather than what it is. */
function hashedMeta(meta: Readonly<Record<string, string>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const k of Object.keys(meta)) if (k !== META.commit && k !== META.hash) kept[k] = meta[k];
  return kept;
}

// One-shot crypto.hash (Node >= 20.12) skips the Hash object a createHash call allocates per job.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** Hex sha256 of the UTF-8 bytes of `text`. */
function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
}

/** A copy of `job` whose Meta carries its hash (`nomadguard.hash`), keeping Meta keys sorted. */
export function withHash(job: Job): Job {
  return stampHash({ ...job });
}

/** Puts the job's hash into its Meta (`nomadguard.hash`, Meta keys kept sorted), in place, for a job the caller owns; returns it. */
export function stampHash(job: Job): Job {
  // Meta is sorted before hashing, so the hash is the one jobHash computes from the finished job.
  const meta = sortRecord(job.Meta ?? {});
  const hash = hashWith(job, hashedMeta(meta));
  const stamped: Record<string, string> = {};
  let placed = false;
  for (const k of Object.keys(meta)) {
    if (!placed && k > META.hash) {
      stamped[META.hash] = hash;
      placed = true;
    }
    if (k !== META.hash) stamped[k] = meta[k];
  }
  if (!placed) stamped[META.hash] = hash;
  job.Meta = stamped;
  return job;
}

/** A copy of a string map with its keys in sorted order. */
export function sortRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  const keys = Object.keys(record);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1] < keys[i];
  if (!sorted) keys.sort();
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = record[k];
  return out;
}
