/**
 * The state store in Consul KV: one key per job, `<prefix>/jobs/<namespace>/<job>`, a JSON record, the
 * prune confirmations in `<prefix>/confirmations`, and the leader's status of each job in
 * `<prefix>-status/<namespace>/<job>` (what followers serve; outside the prefix, so the records are read
 * without the larger statuses). One key per job keeps every value far below Consul's
 * 512 KiB limit; reading the whole state is still one call (a recursive GET under the prefix), done once
 * per process and again when the instance becomes the leader. Writes are check-and-set against the
 * ModifyIndex last seen: a lost CAS keeps the stored record (another writer's, newer) and fails the write,
 * never overwriting it. Check-and-set alone does not make two writers safe; only the leader writes
 * (lib/ports/leadership.ts), and a follower keeps its copy equal to the leader's with `follow`.
 */
import type { JobKey, JobRecord } from '../../core/plan/types';
import type { SharedJobStatus, StateStore } from './types';
import { parseRecord } from './types';

type KvList = ReadonlyArray<{ Key: string; Value: string | null; ModifyIndex: number }>;

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
  /** Published statuses by status key: the stored text without its time stamp (compared before a write), the index. */
  private published = new Map<string, { status: SharedJobStatus; same: string; index: number }>();
  private readonly statusPrefix: string;
  /** The index of the last full read (a follower blocks on it). */
  private listIndex = 0;
  /** The index of the last read of the statuses. */
  private statusIndex = 0;

  constructor(private readonly kv: KvPort, prefix: string) {
    this.base = `${prefix.replace(/\/+$/, '')}/`;
    this.prefix = `${this.base}jobs/`;
    this.confirmKey = `${this.base}confirmations`;
    this.statusPrefix = `${prefix.replace(/\/+$/, '')}-status/`;
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

  async follow(signal: AbortSignal, pause?: () => Promise<void>): Promise<void> {
    // Records and statuses are followed side by side; one failing ends both (the caller starts again).
    const both = new AbortController();
    const stop = (): void => both.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    const loop = async (prefix: string, apply: (entries: KvList, index: number) => void, seen: () => number): Promise<void> => {
      while (!both.signal.aborted) {
        const listed = await this.kv.kvList(prefix, { index: Math.max(1, seen()), wait: '5m', signal: both.signal });
        if (both.signal.aborted) return;
        // Unchanged (the wait ran out) costs no work; an index going backwards (a restored Consul) is a fresh read.
        if (listed.index === seen()) continue;
        apply(listed.value, listed.index);
        await pause?.();
      }
    };
    try {
      await Promise.all([
        loop(this.base, (e, i) => this.replaceAll(e, i), () => this.listIndex),
        loop(this.statusPrefix, (e, i) => this.replaceStatuses(e, i), () => this.statusIndex),
      ].map((p) => p.catch((e: unknown) => {
        both.abort(e);
        throw e;
      })));
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  /** Replaces the published statuses with a full read of their prefix. */
  private replaceStatuses(entries: KvList, index: number): void {
    const published = new Map<string, { status: SharedJobStatus; same: string; index: number }>();
    for (const e of entries) {
      const key = this.keyOf(e.Key, this.statusPrefix);
      const status = parseStatus(e.Value);
      if (key && status) published.set(key, { status, same: sameText(status), index: e.ModifyIndex });
    }
    this.published = published;
    this.statusIndex = index;
  }

  /** Replaces the in-memory copy with a full read of the prefix. */
  private replaceAll(entries: KvList, index: number): void {
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

  statuses(): ReadonlyMap<string, SharedJobStatus> {
    return new Map([...this.published].map(([k, v]) => [k, v.status]));
  }

  async putStatus(key: string, status: SharedJobStatus | undefined): Promise<void> {
    const kvKey = this.kvKey(key, this.statusPrefix);
    const prev = this.published.get(key);
    if (!status) {
      if (!prev) return;
      this.published.delete(key);
      await this.kv.kvDelete(kvKey);
      return;
    }
    const same = sameText(status);
    if (prev?.same === same) return;
    // Only the leader writes here; the index is kept so a restored or rewritten key is not overwritten unseen.
    if (!(await this.kv.kvPut(kvKey, JSON.stringify(status), { cas: prev?.index ?? 0 }))) {
      await this.kv.kvPut(kvKey, JSON.stringify(status));
    }
    const fresh = await this.kv.kvGet(kvKey);
    this.published.set(key, { status, same, index: fresh.value?.ModifyIndex ?? 0 });
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
    const kvKey = this.kvKey(key);
    const body = JSON.stringify(record);
    if (await this.kv.kvPut(kvKey, body, { cas: this.indexes.get(key) ?? 0 })) {
      this.records.set(key, record);
      const fresh = await this.kv.kvGet(kvKey);
      if (fresh.value) this.indexes.set(key, fresh.value.ModifyIndex);
      return;
    }
    // Lost: someone wrote the key since we read it. Under the lease nobody else writes, so this is another
    // writer's newer record (or our own identical one): keep what is stored, never overwrite it.
    const current = await this.kv.kvGet(kvKey);
    const stored = parseRecord(current.value?.Value);
    if (current.value) this.indexes.set(key, current.value.ModifyIndex);
    else this.indexes.delete(key);
    if (stored) this.records.set(key, stored);
    else this.records.delete(key);
    if (current.value?.Value === body) return;
    throw new Error(`state for ${key} was changed by another writer under ${kvKey}: kept as stored, to be decided again`);
  }

  async delete(key: JobKey): Promise<void> {
    this.records.delete(key);
    this.indexes.delete(key);
    await this.kv.kvDelete(this.kvKey(key));
  }

  private kvKey(key: JobKey, under = this.prefix): string {
    const i = key.indexOf('/');
    return `${under}${encodeURIComponent(key.slice(0, i))}/${encodeURIComponent(key.slice(i + 1))}`;
  }

  private keyOf(kvKey: string, under = this.prefix): JobKey | undefined {
    if (!kvKey.startsWith(under)) return undefined;
    const parts = kvKey.slice(under.length).split('/');
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

/** A published status, or undefined for anything else. */
function parseStatus(text: string | null): SharedJobStatus | undefined {
  if (!text) return undefined;
  try {
    const o = JSON.parse(text) as Partial<SharedJobStatus>;
    return typeof o === 'object' && o !== null && typeof o.key === 'string' && typeof o.phase === 'string' ? (o as SharedJobStatus) : undefined;
  } catch {
    return undefined;
  }
}

/** A status without its reconcile time: two statuses that differ only in it are not written again. */
function sameText(status: SharedJobStatus): string {
  const { lastReconciled: _t, ...rest } = status;
  return JSON.stringify(rest);
}
