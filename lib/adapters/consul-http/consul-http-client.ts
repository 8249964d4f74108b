/**
 * ConsulHttpClient: the ConsulApi port over Consul's HTTP API. KV values arrive base64-encoded and are
 * returned decoded; writes send raw bytes. Lost check-and-set, acquire and release answer `false`, as
 * Consul does. `cas=`/`release=` puts and session creation are retried only when the request provably
 * never reached Consul: repeating them after an ambiguous failure could report `false` for a write that
 * succeeded, or leak a second session.
 */
import type { CatalogService, CatalogServices, KvEntry, ServiceEntry, Session } from '../../core/consul/types';
import { NotFoundError } from '../../ports/errors';
import type {
  ConsulApi,
  ConsulBlockingOptions,
  ConsulIndexed,
  HealthServiceOptions,
  KvPutOptions,
  SessionCreateOptions,
} from '../../ports/consul-api';
import type { ConsulConnection } from '../env-config';
import { parseGoDuration } from '../http/go-duration';
import { HttpTransport, type HttpTransportOptions, type QueryValue } from '../http/http-transport';

/** Construction options. */
export interface ConsulHttpClientOptions extends Omit<HttpTransportOptions, 'service' | 'tokenHeader' | 'indexHeader' | 'baseUrl' | 'token'> {
  address: string;
  token?: string;
  /** Datacenter to query (default: the agent's). */
  datacenter?: string;
  /** Consul Enterprise namespace (`ns=`) of every request (CONSUL_NAMESPACE; default: the token's). */
  namespace?: string;
  /** Consul Enterprise admin partition (`partition=`) of every request (CONSUL_PARTITION). */
  partition?: string;
}

/** Consul's default blocking wait when `wait` is not given. */
const DEFAULT_BLOCKING_WAIT_MS = 300_000;

interface RawKv {
  Key: string;
  Flags?: number;
  Value?: string | null;
  Session?: string;
  LockIndex?: number;
  CreateIndex?: number;
  ModifyIndex?: number;
}

/** Decodes a wire KV entry (base64 Value). */
export function decodeKv(raw: RawKv): KvEntry {
  const entry: KvEntry = {
    Key: raw.Key,
    Flags: raw.Flags ?? 0,
    Value: raw.Value === null || raw.Value === undefined ? null : Buffer.from(raw.Value, 'base64').toString('utf8'),
    LockIndex: raw.LockIndex ?? 0,
    CreateIndex: raw.CreateIndex ?? 0,
    ModifyIndex: raw.ModifyIndex ?? 0,
  };
  if (raw.Session) entry.Session = raw.Session;
  return entry;
}

/** KV keys are paths: each segment is encoded, slashes kept. */
function keyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** The Consul API over HTTP. */
export class ConsulHttpClient implements ConsulApi {
  readonly transport: HttpTransport;
  private readonly dc?: string;
  private readonly ns?: string;
  private readonly partition?: string;
  private readonly timeoutMs: number;

  constructor(opts: ConsulHttpClientOptions) {
    this.transport = new HttpTransport({ ...opts, service: 'consul', baseUrl: opts.address, tokenHeader: 'X-Consul-Token', indexHeader: 'X-Consul-Index' });
    this.dc = opts.datacenter || undefined;
    this.ns = opts.namespace || undefined;
    this.partition = opts.partition || undefined;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** A client for a connection read by env-config. */
  static fromConnection(conn: ConsulConnection, opts: Omit<ConsulHttpClientOptions, 'address' | 'token' | 'basicAuth' | 'tls' | 'namespace' | 'partition'> = {}): ConsulHttpClient {
    return new ConsulHttpClient({ ...opts, address: conn.address, token: conn.token, basicAuth: conn.basicAuth, tls: conn.tls, namespace: conn.namespace, partition: conn.partition });
  }

  /** Query parameters of every request: datacenter, namespace, partition (consul `api/api.go` `newRequest`). */
  private scope(): Record<string, QueryValue> {
    return { dc: this.dc, ns: this.ns, partition: this.partition };
  }

  /** Closes pooled connections. */
  close(): void {
    this.transport.close();
  }

  private blocking(opts: ConsulBlockingOptions | undefined): { query: Record<string, QueryValue>; timeoutMs?: number; signal?: AbortSignal } {
    if (!opts?.index || opts.index <= 0) return { query: this.scope(), signal: opts?.signal };
    const waitMs = opts.wait !== undefined ? parseGoDuration(opts.wait) : undefined;
    if (opts.wait !== undefined && waitMs === undefined) throw new TypeError(`invalid wait duration: ${opts.wait}`);
    const w = waitMs ?? DEFAULT_BLOCKING_WAIT_MS;
    return { query: { ...this.scope(), index: opts.index, wait: opts.wait }, timeoutMs: this.timeoutMs + w + Math.ceil(w / 16), signal: opts.signal };
  }

  private async read<T>(path: string, opts: ConsulBlockingOptions | undefined, extra: Record<string, QueryValue> = {}, acceptStatus?: number[]): Promise<{ data: T | undefined; index: number; status: number }> {
    const b = this.blocking(opts);
    const res = await this.transport.json<T>({ method: 'GET', path, query: { ...b.query, ...extra }, retry: 'idempotent', timeoutMs: b.timeoutMs, signal: b.signal, acceptStatus });
    return { data: res.status === 200 ? res.data : undefined, index: res.index ?? 0, status: res.status };
  }

  async catalogServices(opts?: ConsulBlockingOptions): Promise<ConsulIndexed<CatalogServices>> {
    const { data, index } = await this.read<CatalogServices>('/v1/catalog/services', opts);
    return { value: data ?? {}, index };
  }

  async catalogService(name: string, opts?: ConsulBlockingOptions): Promise<ConsulIndexed<CatalogService[]>> {
    const { data, index } = await this.read<CatalogService[]>(`/v1/catalog/service/${encodeURIComponent(name)}`, opts);
    return { value: data ?? [], index };
  }

  async healthService(name: string, opts: HealthServiceOptions = {}): Promise<ConsulIndexed<ServiceEntry[]>> {
    const { data, index } = await this.read<ServiceEntry[]>(`/v1/health/service/${encodeURIComponent(name)}`, opts, {
      passing: opts.passing ? 'true' : undefined,
      tag: opts.tags && opts.tags.length ? opts.tags : undefined,
      filter: opts.filter || undefined,
    });
    return { value: data ?? [], index };
  }

  async kvGet(key: string, opts?: ConsulBlockingOptions): Promise<ConsulIndexed<KvEntry | undefined>> {
    const { data, index } = await this.read<RawKv[]>(`/v1/kv/${keyPath(key)}`, opts, {}, [404]);
    const first = data?.[0];
    return { value: first ? decodeKv(first) : undefined, index };
  }

  async kvList(prefix: string, opts?: ConsulBlockingOptions): Promise<ConsulIndexed<KvEntry[]>> {
    const { data, index } = await this.read<RawKv[]>(`/v1/kv/${keyPath(prefix)}`, opts, { recurse: '' }, [404]);
    return { value: (data ?? []).map(decodeKv), index };
  }

  async kvKeys(prefix: string, opts: ConsulBlockingOptions & { separator?: string } = {}): Promise<ConsulIndexed<string[]>> {
    const { data, index } = await this.read<string[]>(`/v1/kv/${keyPath(prefix)}`, opts, { keys: '', separator: opts.separator }, [404]);
    return { value: data ?? [], index };
  }

  async kvPut(key: string, value: string | Uint8Array, opts: KvPutOptions = {}): Promise<boolean> {
    const set = [opts.cas !== undefined, opts.acquire !== undefined, opts.release !== undefined].filter(Boolean).length;
    if (set > 1) throw new TypeError('kvPut: at most one of cas, acquire, release');
    // A plain set and an acquire repeat to the same outcome; cas and release do not.
    const retry = opts.cas !== undefined || opts.release !== undefined ? 'unsent-only' : 'idempotent';
    const res = await this.transport.json<boolean>({
      method: 'PUT',
      path: `/v1/kv/${keyPath(key)}`,
      query: { ...this.scope(), cas: opts.cas, acquire: opts.acquire, release: opts.release, flags: opts.flags },
      body: typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value),
      rawBody: true,
      retry,
    });
    return res.data === true;
  }

  async kvDelete(key: string, opts: { recurse?: boolean; cas?: number } = {}): Promise<boolean> {
    if (opts.recurse && opts.cas !== undefined) throw new TypeError('kvDelete: recurse and cas conflict');
    const res = await this.transport.json<boolean>({
      method: 'DELETE',
      path: `/v1/kv/${keyPath(key)}`,
      query: { ...this.scope(), recurse: opts.recurse ? '' : undefined, cas: opts.cas },
      retry: opts.cas !== undefined ? 'unsent-only' : 'idempotent',
    });
    return res.data === true;
  }

  async sessionCreate(opts: SessionCreateOptions = {}): Promise<string> {
    const body: Record<string, unknown> = {};
    if (opts.name !== undefined) body.Name = opts.name;
    if (opts.ttl !== undefined) body.TTL = opts.ttl;
    if (opts.behavior !== undefined) body.Behavior = opts.behavior;
    if (opts.lockDelay !== undefined) body.LockDelay = opts.lockDelay;
    if (opts.node !== undefined) body.Node = opts.node;
    if (opts.nodeChecks !== undefined) {
      body.NodeChecks = opts.nodeChecks;
      body.Checks = opts.nodeChecks;
    }
    const res = await this.transport.json<{ ID: string }>({ method: 'PUT', path: '/v1/session/create', query: this.scope(), body, retry: 'unsent-only' });
    return res.data.ID;
  }

  async sessionRenew(id: string): Promise<Session> {
    const res = await this.transport.json<Session[] | null>({ method: 'PUT', path: `/v1/session/renew/${encodeURIComponent(id)}`, query: this.scope(), retry: 'idempotent' });
    const s = res.data?.[0];
    if (!s) throw new NotFoundError({ service: 'consul', method: 'PUT', route: '/v1/session/renew', status: 404, serverMessage: 'session not found' });
    return s;
  }

  async sessionDestroy(id: string): Promise<boolean> {
    const res = await this.transport.json<boolean>({ method: 'PUT', path: `/v1/session/destroy/${encodeURIComponent(id)}`, query: this.scope(), retry: 'idempotent' });
    return res.data === true;
  }

  async sessionInfo(id: string): Promise<Session | undefined> {
    const { data } = await this.read<Session[] | null>(`/v1/session/info/${encodeURIComponent(id)}`, undefined, {}, [404]);
    return data?.[0] ?? undefined;
  }
}
