/**
 * The stable hash of a desired job: the same job gives the same hash on every machine and every run, so a
 * resync can tell "nothing changed" from the job list alone.
 */
import * as crypto from 'node:crypto';
import type { Job } from './nomad/types';
import { META } from './plan/types';

/** JSON with object keys sorted at every level (arrays keep their order); `undefined` members are dropped. */
export function canonicalJson(value: unknown): string {
  return write(value);
}

// The hash runs once per spec render, so the serializer is written for speed: it is the largest cost
// after TOML parsing. Keys repeat across jobs (Name, Tasks, Services...), so their `"key":` text is cached;
// the cache is bounded because user maps (Meta, Env) bring arbitrary keys.
const KEY_CACHE_LIMIT = 4096;
const keyText = new Map<string, string>();

function keyOf(k: string): string {
  let t = keyText.get(k);
  if (t === undefined) {
    if (keyText.size >= KEY_CACHE_LIMIT) keyText.clear();
    keyText.set(k, (t = `${str(k)}:`));
  }
  return t;
}

/** A JSON string literal; the plain-character check is a loop because it is cheaper than a regex on short strings. */
function str(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // '"' (34), '\\' (92), control characters and surrogates (which may be lone) need JSON.stringify's escaping.
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

// The generator builds every object of a kind with the same keys in the same order, so the sorted order of
// a key list is remembered and reused when the same list comes again (compared key by key, which is cheap:
// property names are interned strings). Shapes are looked up by their first key and count; bounded as above.
interface Shape {
  keys: readonly string[];
  sorted: string[];
}
const SHAPE_LIMIT = 1024;
const shapes = new Map<string, Shape[]>();
let shapeCount = 0;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The object's own enumerable keys in code-unit order. */
function sortedKeys(obj: object): readonly string[] {
  const keys = Object.keys(obj);
  if (keys.length < 2) return keys;
  let known = shapes.get(keys[0]);
  if (known) for (const shape of known) if (sameKeys(shape.keys, keys)) return shape.sorted;
  const sorted = [...keys].sort();
  if (shapeCount >= SHAPE_LIMIT) {
    shapes.clear();
    shapeCount = 0;
    known = undefined;
  }
  if (!known) shapes.set(keys[0], (known = []));
  known.push({ keys, sorted });
  shapeCount++;
  return sorted;
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
  let s = '{';
  let first = true;
  for (const k of sortedKeys(obj)) {
    const x = obj[k];
    if (x === undefined || typeof x === 'function') continue;
    if (!first) s += ',';
    first = false;
    s += keyOf(k) + write(x);
  }
  return `${s}}`;
}

/** Hex of the first 16 bytes of sha256 over the canonical JSON of `job` without the commit and hash Meta. */
export function jobHash(job: Job): string {
  const meta = { ...(job.Meta ?? {}) };
  delete meta[META.commit];
  delete meta[META.hash];
  const text = canonicalJson({ ...job, Meta: meta });
  return sha256Hex(text).slice(0, 32);
}

// One-shot crypto.hash (Node >= 20.12) skips the Hash object a createHash call allocates per job.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** Hex sha256 of the UTF-8 bytes of `text`. */
function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
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
