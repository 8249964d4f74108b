/**
 * The state store in Consul KV: one key per job, `<prefix>/jobs/<namespace>/<job>`, a JSON record, and the
 * prune confirmations in `<prefix>/confirmations`. One key per job keeps every value far below Consul's
 * 512 KiB limit; reading the whole state is still one call (a recursive GET under the prefix), done once
 * per process and again when the instance becomes the leader. Writes are check-and-set against the
 * ModifyIndex last seen: a lost CAS re-reads that key and writes again. Check-and-set alone does not make
 * two writers safe (each would overwrite the other's newer record); only the leader writes
 * (lib/ports/leadership.ts), and a follower keeps its copy equal to the leader's with `follow`.
 */
import type { JobKey, JobRecord } from '../../core/plan/types';
import type { StateStore } from './types';
import { parseRecord } from './types';

/** The slice of the Consul port the store needs (ConsulApi satisfies it). */
export interface KvPort {
  kvList(prefix: string, opts?: { index?: number; wait?: string; signal?: AbortSignal }): Promise<{ value: Array<{ Key: string; Value: string | null; ModifyIndex: number }>; index: number }>;
  kvGet(key: string): Promise<{ value: { Key: string; Value: string | null; ModifyIndex: number } | undefined; index: number }>;
  kvPut(key: string, value: string, opts?: { cas?: number }): Promise<boolean>;
  kvDelete(key: string, opts?: { cas?: number }): Promise<boolean>;
}

/** A `StateStore` in Consul KV under `prefix`. */
export class ConsulStateStore implements StateStore {
  private records = new Map<JobKey, JobRecord>();
  private indexes = new Map<JobKey, number>();
  private loaded = false;
  private readonly prefix: string;
  private readonly base: string;
  private readonly confirmKey: string;
  private confirmed: { map: ReadonlyMap<string, ReadonlySet<JobKey>>; text: string; index: number } = { map: new Map(), text: '{}', index: 0 };
  /** The index of the last full read (a follower blocks on it). */
  private listIndex = 0;

  constructor(private readonly kv: KvPort, prefix: string) {
    this.base = `${prefix.replace(/\/+$/, '')}/`;
    this.prefix = `${this.base}jobs/`;
    this.confirmKey = `${this.base}confirmations`;
  }

  async load(): Promise<ReadonlyMap<JobKey, JobRecord>> {
    if (this.loaded) return this.records;
    return this.reload();
  }

  async reload(): Promise<ReadonlyMap<JobKey, JobRecord>> {
    const listed = await this.kv.kvList(this.base);
    this.replaceAll(listed.value, listed.index);
    return this.records;
  }

  async follow(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const listed = await this.kv.kvList(this.base, { index: Math.max(1, this.listIndex), wait: '5m', signal });
      if (signal.aborted) return;
      // Unchanged (the wait ran out) costs no work; an index going backwards (a restored Consul) is a fresh read.
      if (listed.index === this.listIndex) continue;
      this.replaceAll(listed.value, listed.index);
    }
  }

  /** Replaces the in-memory copy with a full read of the prefix. */
  private replaceAll(entries: ReadonlyArray<{ Key: string; Value: string | null; ModifyIndex: number }>, index: number): void {
    const records = new Map<JobKey, JobRecord>();
    const indexes = new Map<JobKey, number>();
    let confirmed: typeof this.confirmed = { map: new Map(), text: '{}', index: 0 };
    for (const e of entries) {
      if (e.Key === this.confirmKey) {
        confirmed = { map: parseConfirmations(e.Value), text: e.Value ?? '{}', index: e.ModifyIndex };
        continue;
      }
      const key = this.keyOf(e.Key);
      const r = parseRecord(e.Value);
      if (key && r) {
        records.set(key, r);
        indexes.set(key, e.ModifyIndex);
      }
    }
    this.records = records;
    this.indexes = indexes;
    this.confirmed = confirmed;
    this.listIndex = index;
    this.loaded = true;
  }

  confirmations(): ReadonlyMap<string, ReadonlySet<JobKey>> {
    return this.confirmed.map;
  }

  async putConfirmations(confirmations: ReadonlyMap<string, ReadonlySet<JobKey>>): Promise<void> {
    const text = JSON.stringify(Object.fromEntries([...confirmations].sort(([a], [b]) => (a < b ? -1 : 1)).map(([ns, keys]) => [ns, [...keys].sort()])));
    if (text === this.confirmed.text) return;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.kv.kvPut(this.confirmKey, text, { cas: this.confirmed.index })) {
        const fresh = await this.kv.kvGet(this.confirmKey);
        this.confirmed = { map: confirmations, text, index: fresh.value?.ModifyIndex ?? 0 };
        return;
      }
      const current = await this.kv.kvGet(this.confirmKey);
      this.confirmed = { ...this.confirmed, index: current.value?.ModifyIndex ?? 0 };
    }
    throw new Error(`prune confirmations kept changing under ${this.confirmKey}`);
  }

  get(key: JobKey): JobRecord | undefined {
    return this.records.get(key);
  }

  snapshot(): ReadonlyMap<JobKey, JobRecord> {
    return this.records;
  }

  async put(key: JobKey, record: JobRecord): Promise<void> {
    this.records.set(key, record);
    const kvKey = this.kvKey(key);
    const body = JSON.stringify(record);
    for (let attempt = 0; attempt < 3; attempt++) {
      const cas = this.indexes.get(key) ?? 0;
      if (await this.kv.kvPut(kvKey, body, { cas })) {
        const fresh = await this.kv.kvGet(kvKey);
        if (fresh.value) this.indexes.set(key, fresh.value.ModifyIndex);
        return;
      }
      const current = await this.kv.kvGet(kvKey);
      if (current.value) this.indexes.set(key, current.value.ModifyIndex);
      else this.indexes.delete(key);
    }
    throw new Error(`state for ${key} kept changing under ${kvKey}`);
  }

  async delete(key: JobKey): Promise<void> {
    this.records.delete(key);
    this.indexes.delete(key);
    await this.kv.kvDelete(this.kvKey(key));
  }

  private kvKey(key: JobKey): string {
    const i = key.indexOf('/');
    return `${this.prefix}${encodeURIComponent(key.slice(0, i))}/${encodeURIComponent(key.slice(i + 1))}`;
  }

  private keyOf(kvKey: string): JobKey | undefined {
    if (!kvKey.startsWith(this.prefix)) return undefined;
    const parts = kvKey.slice(this.prefix.length).split('/');
    if (parts.length !== 2) return undefined;
    return `${decodeURIComponent(parts[0])}/${decodeURIComponent(parts[1])}`;
  }
}

/** Parses stored confirmations (`{"ns": ["ns/job", ...]}`); anything else is none. */
function parseConfirmations(text: string | null): Map<string, ReadonlySet<JobKey>> {
  const out = new Map<string, ReadonlySet<JobKey>>();
  if (!text) return out;
  try {
    const o = JSON.parse(text) as unknown;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return out;
    for (const [ns, keys] of Object.entries(o as Record<string, unknown>)) {
      if (Array.isArray(keys)) out.set(ns, new Set(keys.filter((k): k is string => typeof k === 'string')));
    }
  } catch {
    // not ours: no confirmations
  }
  return out;
}
