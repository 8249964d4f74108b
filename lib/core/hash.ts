/**
 * The stable hash of a desired job: the same spec, config and policy give the same hash on every machine
 * and every run, so a resync can tell "nothing changed" from the operator's own record alone.
 *
 * The hash is not written into the job: Nomad compares job meta as part of every task, so a key that
 * moves with every change would replace every allocation on each write. It lives in the state store next
 * to the `JobModifyIndex` of the operator's last write, and in the status.
 */
import * as crypto from 'node:crypto';
import type { Job } from './nomad/types';

/**
 * The hash scheme: records written under another scheme (or none) are not compared by hash; the live job
 * is verified against the desired one instead, so an upgrade that changes how jobs hash writes nothing.
 * Scheme 2: sha256 over the job without any bookkeeping meta (no commit, hash or modifications in Meta).
 */
export const HASH_SCHEME = 2;

/**
 * Hex of the first 16 bytes of sha256 over the JSON of `job`.
 *
 * The JSON is the engine's own `JSON.stringify`, in the job's property order. The generator fixes that
 * order: every object is built field by field in code order and every map a spec supplies is copied with
 * sorted keys, so the text depends only on what the job says, not on the order the spec file wrote its
 * keys in (a test holds the generator to this). A sorted-key serializer would add nothing and cost more
 * than the rest of the pipeline after TOML parsing.
 */
export function jobHash(job: Job): string {
  return sha256Hex(JSON.stringify(job)).slice(0, 32);
}

// One-shot crypto.hash (Node >= 20.12) skips the Hash object a createHash call allocates per job.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** Hex sha256 of the UTF-8 bytes of `text`. */
function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
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
