/**
 * The state store in Consul KV: one key per job, `<prefix>/jobs/<namespace>/<job>`, a JSON record.
 * One key per job keeps every value far below Consul's 512 KiB limit; reading the whole state is still
 * one call (a recursive GET under the prefix), done once per process. Writes are check-and-set against
 * the ModifyIndex last seen, so two operators never silently overwrite each other: a lost CAS re-reads
 * that key and writes again.
 */
import type { JobKey, JobRecord } from '../../core/plan/types';
import type { StateStore } from './types';
import { parseRecord } from './types';

/** The slice of the Consul port the store needs (ConsulApi satisfies it). */
export interface KvPort {
  kvList(prefix: string): Promise<{ value: Array<{ Key: string; Value: string | null; ModifyIndex: number }>; index: number }>;
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

  constructor(private readonly kv: KvPort, prefix: string) {
    this.prefix = `${prefix.replace(/\/+$/, '')}/jobs/`;
  }

  async load(): Promise<ReadonlyMap<JobKey, JobRecord>> {
    if (this.loaded) return this.records;
    const { value } = await this.kv.kvList(this.prefix);
    for (const e of value) {
      const key = this.keyOf(e.Key);
      const r = parseRecord(e.Value);
      if (key && r) {
        this.records.set(key, r);
        this.indexes.set(key, e.ModifyIndex);
      }
    }
    this.loaded = true;
    return this.records;
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
