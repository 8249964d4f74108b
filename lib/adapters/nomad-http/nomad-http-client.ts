/**
 * NomadHttpClient: the NomadApi port over Nomad's HTTP API (axios, through HttpTransport). Reads are
 * retried; register and deregister are retried too because repeating them converges on the same state
 * (see HttpTransport). Blocking reads get a time budget of `wait` plus Nomad's jitter plus the normal
 * request budget, so a long poll is never mistaken for a hung server.
 */
import type {
  AllocListStub,
  Deployment,
  EventFrame,
  Evaluation,
  Job,
  JobDeregisterResponse,
  JobListStub,
  JobPlanResponse,
  JobRegisterResponse,
  JobSummary,
  JobTagResponse,
  Namespace,
  NodeListStub,
} from '../../core/nomad/types';
import type { AllocResourceUsage } from '../../core/nomad/alloc-stats';
import { ApiError, ForbiddenError, NotFoundError, TimeoutError, UnavailableError } from '../../ports/errors';
import type {
  BlockingOptions,
  DeregisterOptions,
  EventStreamFrame,
  EventStreamOptions,
  Indexed,
  JobVersions,
  ListAllocationsOptions,
  ListJobsOptions,
  NomadApi,
  NomadCapabilities,
  RegisterJobRequest,
  TagVersionOptions,
} from '../../ports/nomad-api';
import type { NomadConnection } from '../env-config';
import { parseGoDuration } from '../http/go-duration';
import { HttpTransport, type HttpTransportOptions, type QueryValue, type RequestSpec, type StreamResponse } from '../http/http-transport';
import { LineSplitter } from './ndjson';
import { capabilitiesOf, versionFromAgentSelf } from './version';

/** Construction options: where, who, and the transport's knobs. */
export interface NomadHttpClientOptions extends Omit<HttpTransportOptions, 'service' | 'tokenHeader' | 'indexHeader' | 'baseUrl' | 'token'> {
  address: string;
  token?: string;
  region?: string;
  /** Namespace for calls that do not name one (default `default`). */
  namespace?: string;
  /** An event stream that sends nothing (not even a heartbeat) for this long is broken (default 95s). */
  eventIdleTimeoutMs?: number;
}

/** Nomad's default (and maximum) blocking wait when `wait` is not given. */
const DEFAULT_BLOCKING_WAIT_MS = 300_000;

const seg = (s: string): string => encodeURIComponent(s);

/** The Nomad API over HTTP. */
export class NomadHttpClient implements NomadApi {
  readonly transport: HttpTransport;
  private readonly region?: string;
  private readonly namespace: string;
  private readonly eventIdleTimeoutMs: number;
  private readonly timeoutMs: number;
  private caps?: Promise<NomadCapabilities>;

  constructor(opts: NomadHttpClientOptions) {
    this.transport = new HttpTransport({ ...opts, service: 'nomad', baseUrl: opts.address, tokenHeader: 'X-Nomad-Token', indexHeader: 'X-Nomad-Index' });
    this.region = opts.region || undefined;
    this.namespace = opts.namespace || 'default';
    this.eventIdleTimeoutMs = opts.eventIdleTimeoutMs ?? 95_000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** A client for a connection read by env-config, with transport knobs. */
  static fromConnection(conn: NomadConnection, opts: Omit<NomadHttpClientOptions, 'address' | 'token' | 'basicAuth' | 'region' | 'namespace' | 'tls'> = {}): NomadHttpClient {
    return new NomadHttpClient({ ...opts, address: conn.address, token: conn.token, basicAuth: conn.basicAuth, region: conn.region, namespace: conn.namespace, tls: conn.tls });
  }

  /** Closes pooled connections. */
  close(): void {
    this.transport.close();
  }

  private q(extra: Record<string, QueryValue> = {}, namespace?: string): Record<string, QueryValue> {
    return { region: this.region, namespace: namespace ?? this.namespace, ...extra };
  }

  private blocking(opts: BlockingOptions | undefined): { query: Record<string, QueryValue>; timeoutMs?: number } {
    if (!opts?.index || opts.index <= 0) return { query: {} };
    const waitMs = opts.wait !== undefined ? parseGoDuration(opts.wait) : undefined;
    if (opts.wait !== undefined && waitMs === undefined) throw new TypeError(`invalid wait duration: ${opts.wait}`);
    const w = waitMs ?? DEFAULT_BLOCKING_WAIT_MS;
    return { query: { index: opts.index, wait: opts.wait }, timeoutMs: this.timeoutMs + w + Math.ceil(w / 16) };
  }

  private async get<T>(path: string, query: Record<string, QueryValue>, extra: Partial<RequestSpec> = {}): Promise<{ data: T; index: number }> {
    const res = await this.transport.json<T>({ method: 'GET', path, query, retry: 'idempotent', ...extra });
    return { data: res.data, index: res.index ?? 0 };
  }

  async capabilities(): Promise<NomadCapabilities> {
    if (!this.caps) {
      this.caps = (async () => {
        const { data } = await this.get<unknown>('/v1/agent/self', { region: this.region });
        const found = versionFromAgentSelf(data);
        if (!found.version) throw new UnavailableError({ service: 'nomad', method: 'GET', route: '/v1/agent/self', status: 200, serverMessage: 'no version in agent self' });
        return capabilitiesOf(found.version, { region: found.region, datacenter: found.datacenter });
      })();
      this.caps.catch(() => {
        this.caps = undefined;
      });
    }
    return this.caps;
  }

  async listJobs(opts: ListJobsOptions = {}): Promise<Indexed<JobListStub[]>> {
    const base = this.q({ prefix: opts.prefix || undefined, meta: opts.meta ? 'true' : undefined, filter: opts.filter || undefined, per_page: opts.perPage }, opts.namespace);
    return this.pages<JobListStub>('/v1/jobs', base, opts);
  }

  async listAllocations(opts: ListAllocationsOptions = {}): Promise<Indexed<AllocListStub[]>> {
    const base = this.q({ prefix: opts.prefix || undefined, resources: opts.resources ? 'true' : undefined, filter: opts.filter || undefined, per_page: opts.perPage }, opts.namespace);
    return this.pages<AllocListStub>('/v1/allocations', base, opts);
  }

  async allocationStats(id: string, opts: { namespace?: string; task?: string } = {}): Promise<AllocResourceUsage> {
    const { data } = await this.get<AllocResourceUsage>(`/v1/client/allocation/${seg(id)}/stats`, this.q({ task: opts.task || undefined }, opts.namespace));
    return data;
  }

  /** A paginated list read to its last page (`X-Nomad-NextToken`); only the first page blocks. */
  private async pages<T>(route: string, base: Record<string, QueryValue>, opts: BlockingOptions): Promise<Indexed<T[]>> {
    const { query: blockingQuery, timeoutMs } = this.blocking(opts);
    let items: T[] = [];
    let index = 0;
    let nextToken: string | undefined;
    let first = true;
    const seen = new Set<string>();
    do {
      const query = { ...base, ...(first ? blockingQuery : {}), next_token: nextToken };
      const res = await this.transport.json<T[] | null>({ method: 'GET', path: route, query, retry: 'idempotent', timeoutMs: first ? timeoutMs : undefined, signal: opts.signal });
      if (first) index = res.index ?? 0;
      first = false;
      // One page (the usual case) is used as parsed; later pages are appended without spreading.
      const page = res.data ?? [];
      if (items.length === 0) items = page;
      else for (const s of page) items.push(s);
      nextToken = res.headers['x-nomad-nexttoken'] || undefined;
      if (nextToken !== undefined) {
        if (seen.has(nextToken)) throw new UnavailableError({ service: 'nomad', method: 'GET', route, status: res.status, serverMessage: 'pagination token repeated' });
        seen.add(nextToken);
      }
    } while (nextToken !== undefined);
    return { items, index };
  }

  async readJob(ns: string, id: string, opts?: BlockingOptions): Promise<Job | undefined> {
    const { query, timeoutMs } = this.blocking(opts);
    try {
      const { data } = await this.get<Job>(`/v1/job/${seg(id)}`, this.q(query, ns), { timeoutMs, signal: opts?.signal });
      return data;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async registerJob(req: RegisterJobRequest): Promise<JobRegisterResponse> {
    const { namespace, ...body } = req;
    const res = await this.transport.json<JobRegisterResponse>({ method: 'POST', path: '/v1/jobs', query: this.q({}, namespace), body, retry: 'idempotent' });
    return res.data;
  }

  async planJob(ns: string, job: Job, opts: { diff?: boolean } = {}): Promise<JobPlanResponse> {
    const res = await this.transport.json<JobPlanResponse>({
      method: 'POST',
      path: `/v1/job/${seg(job.ID ?? '')}/plan`,
      query: this.q({}, ns),
      body: { Job: job, Diff: opts.diff ?? true },
      retry: 'idempotent',
    });
    return res.data;
  }

  async deregisterJob(ns: string, id: string, opts: DeregisterOptions = {}): Promise<JobDeregisterResponse> {
    const res = await this.transport.json<JobDeregisterResponse>({
      method: 'DELETE',
      path: `/v1/job/${seg(id)}`,
      query: this.q({ purge: opts.purge ? 'true' : undefined }, ns),
      // A stop has no check-and-set: a copy sent again after a timeout could land after this operator lost
      // its leader lease. Only a request that never left is tried again; the reconcile queue retries the rest.
      retry: 'unsent-only',
    });
    return res.data;
  }

  async jobVersions(ns: string, id: string, opts: { diffs?: boolean } = {}): Promise<JobVersions> {
    const { data } = await this.get<{ Versions: Job[] | null; Diffs: unknown[] | null }>(`/v1/job/${seg(id)}/versions`, this.q({ diffs: opts.diffs ? 'true' : undefined }, ns));
    return { versions: data?.Versions ?? [], diffs: data?.Diffs ?? null };
  }

  async tagVersion(ns: string, id: string, name: string, opts: TagVersionOptions): Promise<JobTagResponse> {
    const res = await this.transport.json<JobTagResponse>({
      method: 'PUT',
      path: `/v1/job/${seg(id)}/versions/${seg(name)}/tag`,
      query: this.q({}, ns),
      body: { Version: opts.version, Description: opts.description ?? '' },
      retry: 'idempotent',
    });
    return res.data;
  }

  async untagVersion(ns: string, id: string, name: string): Promise<JobTagResponse> {
    // Not repeated after an ambiguous failure: a second untag of an applied one is refused.
    const res = await this.transport.json<JobTagResponse>({ method: 'DELETE', path: `/v1/job/${seg(id)}/versions/${seg(name)}/tag`, query: this.q({}, ns), retry: 'unsent-only' });
    return res.data;
  }

  async jobAllocations(ns: string, id: string, opts: BlockingOptions & { all?: boolean } = {}): Promise<Indexed<AllocListStub[]>> {
    const { query, timeoutMs } = this.blocking(opts);
    const { data, index } = await this.get<AllocListStub[] | null>(`/v1/job/${seg(id)}/allocations`, this.q({ ...query, all: opts.all ? 'true' : undefined }, ns), { timeoutMs, signal: opts.signal });
    return { items: data ?? [], index };
  }

  async jobDeployment(ns: string, id: string): Promise<Deployment | undefined> {
    try {
      const { data } = await this.get<Deployment | null>(`/v1/job/${seg(id)}/deployment`, this.q({}, ns));
      return data ?? undefined;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async jobSummary(ns: string, id: string): Promise<JobSummary> {
    const { data } = await this.get<JobSummary>(`/v1/job/${seg(id)}/summary`, this.q({}, ns));
    return data;
  }

  async deployment(id: string, opts: BlockingOptions & { namespace?: string } = {}): Promise<Indexed<Deployment>> {
    const { query, timeoutMs } = this.blocking(opts);
    const { data, index } = await this.get<Deployment>(`/v1/deployment/${seg(id)}`, this.q(query, opts.namespace), { timeoutMs, signal: opts.signal });
    return { items: data, index };
  }

  async evaluation(id: string, opts: { namespace?: string } = {}): Promise<Evaluation> {
    const { data } = await this.get<Evaluation>(`/v1/evaluation/${seg(id)}`, this.q({}, opts.namespace));
    return data;
  }

  async allocation(id: string, opts: { namespace?: string } = {}): Promise<Record<string, unknown>> {
    const { data } = await this.get<Record<string, unknown>>(`/v1/allocation/${seg(id)}`, this.q({}, opts.namespace));
    return data;
  }

  async namespaces(): Promise<Namespace[]> {
    const { data } = await this.get<Namespace[] | null>('/v1/namespaces', { region: this.region });
    return data ?? [];
  }

  async readNamespace(name: string): Promise<Namespace | undefined> {
    try {
      const { data } = await this.get<Namespace>(`/v1/namespace/${seg(name)}`, { region: this.region });
      return data;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async upsertNamespace(ns: Pick<Namespace, 'Name'> & Partial<Namespace>): Promise<void> {
    await this.transport.request({ method: 'POST', path: `/v1/namespace/${seg(ns.Name)}`, query: { region: this.region }, body: { Description: '', ...ns }, retry: 'idempotent' });
  }

  async nodes(opts: BlockingOptions & { prefix?: string } = {}): Promise<Indexed<NodeListStub[]>> {
    const { query, timeoutMs } = this.blocking(opts);
    const { data, index } = await this.get<NodeListStub[] | null>('/v1/nodes', { region: this.region, prefix: opts.prefix || undefined, ...query }, { timeoutMs, signal: opts.signal });
    return { items: data ?? [], index };
  }

  async readNode(id: string): Promise<(NodeListStub & { Meta?: Record<string, string> | null }) | undefined> {
    try {
      const { data } = await this.get<NodeListStub & { Meta?: Record<string, string> | null }>(`/v1/node/${seg(id)}`, { region: this.region });
      return data;
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  eventStream(opts: EventStreamOptions = {}): AsyncIterable<EventStreamFrame> {
    return { [Symbol.asyncIterator]: () => this.events(opts) };
  }

  private async *events(opts: EventStreamOptions): AsyncGenerator<EventStreamFrame> {
    const route = '/v1/event/stream';
    const query = this.q({ index: opts.index, topic: opts.topics && opts.topics.length ? opts.topics : undefined }, opts.namespace);
    if (opts.signal?.aborted) return;
    let res: StreamResponse;
    try {
      res = await this.transport.stream({ path: route, query, signal: opts.signal });
    } catch (err) {
      if (opts.signal?.aborted) return;
      throw err;
    }
    const clock = this.transport.clock;
    let idle = false;
    let timer = clock.setTimeout(onIdle, this.eventIdleTimeoutMs);
    function onIdle(): void {
      idle = true;
      res.abort();
    }
    const splitter = new LineSplitter();
    let received = 0;
    const parse = (line: string): EventStreamFrame | undefined => {
      let obj: EventFrame & { Error?: unknown };
      try {
        obj = JSON.parse(line) as EventFrame & { Error?: unknown };
      } catch {
        throw new UnavailableError({ service: 'nomad', method: 'GET', route, status: 200, serverMessage: `malformed event frame: ${this.transport.redact(line.slice(0, 200))}` });
      }
      if (typeof obj.Error === 'string') throw new UnavailableError({ service: 'nomad', method: 'GET', route, status: 200, serverMessage: this.transport.redact(obj.Error) });
      if (obj.Index === undefined && (obj.Events === undefined || obj.Events === null)) {
        opts.onHeartbeat?.();
        return undefined;
      }
      return { Index: obj.Index ?? 0, Events: obj.Events ?? [] };
    };
    try {
      for await (const chunk of res.stream) {
        clock.clearTimeout(timer);
        timer = clock.setTimeout(onIdle, this.eventIdleTimeoutMs);
        received += (chunk as Uint8Array).length;
        for (const line of splitter.push(chunk as Uint8Array)) {
          const frame = parse(line);
          if (frame) yield frame;
        }
      }
      for (const line of splitter.flush()) {
        const frame = parse(line);
        if (frame) yield frame;
      }
    } catch (err) {
      if (opts.signal?.aborted) return;
      if (idle) throw new TimeoutError({ service: 'nomad', method: 'GET', route, timeoutMs: this.eventIdleTimeoutMs, serverMessage: `no event or heartbeat within ${this.eventIdleTimeoutMs}ms` });
      if (err instanceof ApiError) throw err;
      const code = (err as { code?: string }).code;
      throw new UnavailableError({ service: 'nomad', method: 'GET', route, code: code ?? 'ESTREAM', serverMessage: 'event stream broken' });
    } finally {
      clock.clearTimeout(timer);
      res.abort();
    }
    if (opts.signal?.aborted) return;
    if (idle) throw new TimeoutError({ service: 'nomad', method: 'GET', route, timeoutMs: this.eventIdleTimeoutMs, serverMessage: `no event or heartbeat within ${this.eventIdleTimeoutMs}ms` });
    // Nomad has sent its 200 header before the Event.Stream RPC checks the token against the topics; a token
    // that may not read them ends the stream there, before its first byte (nomad/event_endpoint.go `stream`
    // answers ErrPermissionDenied, command/agent/event_endpoint.go `EventStream` can only close the hijacked
    // connection). A stream that delivered anything, even a heartbeat, was accepted and merely ended.
    if (received === 0) throw new ForbiddenError({ service: 'nomad', method: 'GET', route, status: 200, serverMessage: 'event stream closed before its first frame: Permission denied (the token may not read the requested topics)' });
    throw new UnavailableError({ service: 'nomad', method: 'GET', route, status: 200, serverMessage: 'event stream ended by the server' });
  }
}
