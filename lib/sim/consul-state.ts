/**
 * The simulated Consul's state store: the catalog (nodes mirrored from the Nomad nodes, services registered
 * by running allocations, with their checks, whose status changes when they run), the KV store with check-and-set and session locks, and
 * sessions with TTLs that expire on the injected clock (after 2×TTL, as Consul does) and release or delete
 * the keys they hold. One index advances on every write; a change feed wakes blocking queries.
 */
import type { Clock, TimerHandle } from '../runtime/clock';
import { ChangeFeed } from './blocking';
import type { CheckStatus, ServiceInstance, ServiceRegistry } from './cluster';
import { formatGoDuration, parseGoDuration } from './duration';
import { HttpError } from './http-server';
import type { SimNode } from './nodes';
import type { Prng } from './prng';

/** A registered service instance with its Raft indexes. */
export interface CatalogEntry {
  instance: ServiceInstance;
  createIndex: number;
  modifyIndex: number;
}

/** A KV entry. */
export interface KvEntry {
  Key: string;
  Flags: number;
  Value: Buffer | null;
  Session?: string;
  LockIndex: number;
  CreateIndex: number;
  ModifyIndex: number;
}

/** A session. */
export interface Session {
  ID: string;
  Name: string;
  Node: string;
  LockDelay: number;
  Behavior: 'release' | 'delete';
  TTL: string;
  NodeChecks: string[] | null;
  ServiceChecks: Array<{ ID: string; Namespace?: string }> | null;
  CreateIndex: number;
  ModifyIndex: number;
  ttlMs: number;
  timer?: TimerHandle;
}

/** The Consul state. */
export class ConsulState implements ServiceRegistry {
  index = 10;
  readonly feed = new ChangeFeed();
  readonly services = new Map<string, CatalogEntry>();
  private readonly byAlloc = new Map<string, string[]>();
  readonly kv = new Map<string, KvEntry>();
  private readonly tombstones = new Map<string, number>();
  private readonly lockDelays = new Map<string, number>();
  /** Acquires refused because the key was still in the lock-delay of an invalidated session (for tests). */
  lockDelayRefusals = 0;
  readonly sessions = new Map<string, Session>();
  readonly tables = new Map<string, number>([['services', 10], ['kvs', 10], ['sessions', 10], ['nodes', 10]]);

  constructor(readonly nodes: SimNode[], private readonly clock: Clock, private readonly prng: Prng, readonly agentNode: string) {}

  private bump(...tables: string[]): number {
    this.index++;
    for (const t of tables) this.tables.set(t, this.index);
    this.feed.notify();
    return this.index;
  }

  /** Index of tables. */
  tableIndex(...tables: string[]): number {
    return Math.max(...tables.map((t) => this.tables.get(t) ?? 1));
  }

  // ------------------------------------------------------------ catalog

  /** Registers (or replaces) an allocation's service instances. */
  registerAlloc(allocId: string, instances: ServiceInstance[]): void {
    const index = this.bump('services');
    const old = new Set(this.byAlloc.get(allocId) ?? []);
    for (const inst of instances) {
      const prev = this.services.get(inst.id);
      this.services.set(inst.id, { instance: inst, createIndex: prev?.createIndex ?? index, modifyIndex: index });
      old.delete(inst.id);
    }
    for (const id of old) this.services.delete(id);
    this.byAlloc.set(allocId, instances.map((i) => i.id));
  }

  /** Removes an allocation's service instances. */
  deregisterAlloc(allocId: string): void {
    const ids = this.byAlloc.get(allocId);
    if (!ids || ids.length === 0) return;
    for (const id of ids) this.services.delete(id);
    this.byAlloc.delete(allocId);
    this.bump('services');
  }

  /** A check ran: its status and output change; the instance's index advances, as the health index does. */
  updateCheck(checkId: string, status: CheckStatus, output: string): void {
    for (const [id, entry] of this.services) {
      const i = entry.instance.checks.findIndex((c) => c.id === checkId);
      if (i < 0) continue;
      const check = entry.instance.checks[i];
      if (check.status === status && check.output === output) return;
      const index = this.bump('services');
      const checks = entry.instance.checks.map((c, k) => (k === i ? { ...c, status, output } : c));
      this.services.set(id, { ...entry, instance: { ...entry.instance, checks }, modifyIndex: index });
      return;
    }
  }

  /** Instances of a service name. */
  instances(name: string): CatalogEntry[] {
    return [...this.services.values()].filter((e) => e.instance.name === name).sort((a, b) => a.instance.node.Name.localeCompare(b.instance.node.Name) || a.instance.id.localeCompare(b.instance.id));
  }

  // ------------------------------------------------------------ KV

  /** The index a KV read of `key` reports (`recurse`: highest in the prefix, deletes included). */
  kvIndex(key: string, prefix: boolean): number {
    if (!prefix) return this.kv.get(key)?.ModifyIndex ?? this.tombstones.get(key) ?? this.tableIndex('kvs');
    let max = 0;
    for (const e of this.kv.values()) if (e.Key.startsWith(key)) max = Math.max(max, e.ModifyIndex);
    for (const [k, i] of this.tombstones) if (k.startsWith(key)) max = Math.max(max, i);
    return max || this.tableIndex('kvs');
  }

  /** `PUT /v1/kv/:key` semantics; returns the JSON result (`true`/`false`). */
  kvPut(key: string, value: Buffer, opts: { flags?: number; cas?: number; acquire?: string; release?: string }): boolean {
    const cur = this.kv.get(key);
    if (opts.cas !== undefined) {
      if (opts.cas === 0 && cur) return false;
      if (opts.cas !== 0 && (!cur || cur.ModifyIndex !== opts.cas)) return false;
    }
    let session = cur?.Session;
    let lockIndex = cur?.LockIndex ?? 0;
    if (opts.acquire !== undefined) {
      if (!this.sessions.has(opts.acquire)) throw new HttpError(500, `invalid session "${opts.acquire}"`);
      if (cur?.Session && cur.Session !== opts.acquire) return false;
      const delayUntil = this.lockDelays.get(key);
      if (!cur?.Session && delayUntil !== undefined && this.clock.now() < delayUntil) {
        this.lockDelayRefusals++;
        return false;
      }
      if (cur?.Session !== opts.acquire) lockIndex++;
      session = opts.acquire;
    }
    if (opts.release !== undefined) {
      if (!cur || cur.Session !== opts.release) return false;
      session = undefined;
    }
    const index = this.bump('kvs');
    this.kv.set(key, { Key: key, Flags: opts.flags ?? cur?.Flags ?? 0, Value: value.length ? value : null, Session: session, LockIndex: lockIndex, CreateIndex: cur?.CreateIndex ?? index, ModifyIndex: index });
    this.tombstones.delete(key);
    return true;
  }

  /** `DELETE /v1/kv/:key` semantics. */
  kvDelete(key: string, opts: { recurse?: boolean; cas?: number }): boolean {
    if (opts.cas !== undefined) {
      const cur = this.kv.get(key);
      if (!cur || cur.ModifyIndex !== opts.cas) return false;
    }
    const victims = opts.recurse ? [...this.kv.keys()].filter((k) => k.startsWith(key)) : this.kv.has(key) ? [key] : [];
    const index = this.bump('kvs');
    for (const k of victims) {
      this.kv.delete(k);
      this.tombstones.set(k, index);
    }
    return true;
  }

  /** Entries under a prefix, sorted by key. */
  kvList(prefix: string): KvEntry[] {
    return [...this.kv.values()].filter((e) => e.Key.startsWith(prefix)).sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
  }

  // ------------------------------------------------------------ sessions

  /** `PUT /v1/session/create`. */
  createSession(body: Record<string, unknown>): string {
    let ttlMs = 0;
    let ttl = '';
    if (typeof body.TTL === 'string' && body.TTL) {
      const ms = parseGoDuration(body.TTL);
      if (ms === undefined) throw new HttpError(400, `Request decode failed: time: invalid duration "${body.TTL}"`);
      if (ms !== 0 && (ms < 10_000 || ms > 86_400_000)) throw new HttpError(500, `Invalid Session TTL '${ms * 1e6}', must be between [10s=10s, 24h0m0s=24h0m0s]`);
      ttlMs = ms;
      ttl = ms ? formatGoDuration(ms) : '';
    }
    let lockDelayNs = 15e9;
    if (typeof body.LockDelay === 'string') lockDelayNs = (parseGoDuration(body.LockDelay) ?? 15000) * 1e6;
    else if (typeof body.LockDelay === 'number') lockDelayNs = body.LockDelay < 1000 ? body.LockDelay * 1e9 : body.LockDelay;
    lockDelayNs = Math.min(lockDelayNs, 60e9);
    const behavior = body.Behavior === 'delete' ? 'delete' : 'release';
    const checks = Array.isArray(body.NodeChecks) ? (body.NodeChecks as string[]) : Array.isArray(body.Checks) ? (body.Checks as string[]) : ['serfHealth'];
    const index = this.bump('sessions');
    const s: Session = {
      ID: this.prng.uuid(),
      Name: typeof body.Name === 'string' ? body.Name : '',
      Node: typeof body.Node === 'string' && body.Node ? body.Node : this.agentNode,
      LockDelay: lockDelayNs,
      Behavior: behavior,
      TTL: ttl,
      NodeChecks: checks.length ? checks : null,
      ServiceChecks: Array.isArray(body.ServiceChecks) && body.ServiceChecks.length ? (body.ServiceChecks as Session['ServiceChecks']) : null,
      CreateIndex: index,
      ModifyIndex: index,
      ttlMs,
    };
    this.sessions.set(s.ID, s);
    this.armTtl(s);
    return s.ID;
  }

  private armTtl(s: Session): void {
    if (s.timer) this.clock.clearTimeout(s.timer);
    if (!s.ttlMs) return;
    s.timer = this.clock.setTimeout(() => this.destroySession(s.ID), s.ttlMs * 2);
  }

  /** `PUT /v1/session/renew/:id`; undefined when unknown. */
  renewSession(id: string): Session | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    this.armTtl(s);
    return s;
  }

  /** Invalidates a session: held keys are released (or deleted) and get the lock delay. */
  destroySession(id: string): void {
    const s = this.sessions.get(id);
    if (!s) return;
    if (s.timer) this.clock.clearTimeout(s.timer);
    this.sessions.delete(id);
    const index = this.bump('sessions');
    let touched = false;
    for (const e of [...this.kv.values()]) {
      if (e.Session !== id) continue;
      touched = true;
      if (s.LockDelay > 0) this.lockDelays.set(e.Key, this.clock.now() + s.LockDelay / 1e6);
      if (s.Behavior === 'delete') {
        this.kv.delete(e.Key);
        this.tombstones.set(e.Key, index);
      } else {
        this.kv.set(e.Key, { ...e, Session: undefined, ModifyIndex: index });
      }
    }
    if (touched) this.tables.set('kvs', index);
  }

  /** Stops the TTL timers. */
  stop(): void {
    for (const s of this.sessions.values()) if (s.timer) this.clock.clearTimeout(s.timer);
  }
}

/** A session on the wire. */
export function renderSession(s: Session): Record<string, unknown> {
  return { ID: s.ID, Name: s.Name, Node: s.Node, LockDelay: s.LockDelay, Behavior: s.Behavior, TTL: s.TTL, NodeChecks: s.NodeChecks, ServiceChecks: s.ServiceChecks, CreateIndex: s.CreateIndex, ModifyIndex: s.ModifyIndex };
}

/** A KV entry on the wire (`Value` base64 or null; `Session` omitted when unheld). */
export function renderKv(e: KvEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { LockIndex: e.LockIndex, Key: e.Key, Flags: e.Flags, Value: e.Value ? e.Value.toString('base64') : null };
  if (e.Session) out.Session = e.Session;
  out.CreateIndex = e.CreateIndex;
  out.ModifyIndex = e.ModifyIndex;
  return out;
}
