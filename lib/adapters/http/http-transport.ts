/**
 * The HTTP plumbing under the Nomad and Consul clients: one axios instance per base URL, a time budget
 * for every attempt (enforced through the injected Clock), retries with capped exponential backoff and
 * full jitter, typed errors, and token hygiene.
 *
 * Retry policy (per request, `retry`):
 * - `idempotent`: reads, and writes whose repetition leaves the same state. Retried on 5xx (except Nomad's
 *   check-and-set and validation 500s), 429, network failures and timeouts. Job register and deregister are
 *   in this class on purpose: registering the same job twice stores one version (Nomad ignores an unchanged
 *   spec), stopping or purging twice ends in the same state, and with `EnforceIndex` a retry whose first
 *   attempt actually landed fails with a CasConflictError marked `afterRetry`, which tells the caller to
 *   re-read instead of assuming a concurrent writer.
 * - `unsent-only`: writes whose repetition would differ (Consul `cas=`/`release=` puts, session create).
 *   Retried only when the failure proves the request never reached the server (connection refused, DNS,
 *   unreachable) or the server said it applied nothing (503, no leader).
 *
 * Tokens and basic-auth credentials travel only in request headers. Nothing the transport throws or logs
 * contains a header, the query string, the token, the password, or axios's own error/config objects (which
 * do); the transport object itself keeps them in private fields that `util.inspect` and JSON do not show.
 */
import * as https from 'node:https';
import * as http from 'node:http';
import { isAscii } from 'node:buffer';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Readable } from 'node:stream';
import { SystemClock, type Clock } from '../../runtime/clock';
import type { ApiService } from '../../ports/errors';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { seededRandom, type RandomSource } from '../../runtime/random';
import { failureFromNetwork, failureFromResponse, failureFromTimeout, type MappedFailure } from './error-mapping';
import { redactSecrets, routeOf, safeBaseUrl } from './redact';
import { BasicAuth } from './basic-auth';

/** TLS material (PEM contents, not paths), the name to verify, and the verification switch. */
export interface TlsOptions {
  /** The CAs trusted instead of the system's: one PEM (bundle), or several (a CA path's certificates). */
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
  /**
   * The name sent as SNI and matched against the server certificate instead of the address's host
   * (NOMAD_TLS_SERVER_NAME, CONSUL_TLS_SERVER_NAME; Go's `tls.Config.ServerName`).
   */
  serverName?: string;
  /** False disables server certificate verification (NOMAD_SKIP_VERIFY). */
  verify?: boolean;
}

/** Structured logger (pino-compatible subset). Receives only redacted, query-free fields. */
export interface HttpLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** Reported before each retry's backoff sleep begins. */
export interface RetryEvent {
  service: ApiService;
  method: string;
  route: string;
  /** The attempt that just failed (1 = the first). */
  attempt: number;
  delayMs: number;
  status?: number;
  code?: string;
  kind: string;
}

/** Construction options of an HttpTransport. */
export interface HttpTransportOptions {
  service: ApiService;
  /** `http://127.0.0.1:4646`, `https://[2001:db8::10]:4646`; a trailing slash is ignored. */
  baseUrl: string;
  token?: string;
  tokenHeader: string;
  /**
   * HTTP basic authentication for every request. Credentials in the base URL (`https://user:pass@host`)
   * win over it, as in Nomad's client (`api/api.go`, `request.toHTTP`).
   */
  basicAuth?: BasicAuth;
  /** Response header carrying the blocking-query index. */
  indexHeader: string;
  tls?: TlsOptions;
  /** Per-attempt budget for non-blocking requests, ms (default 10 000). */
  timeoutMs?: number;
  backoff?: Partial<BackoffPolicy>;
  clock?: Clock;
  /** Random source for jitter; defaults to a generator seeded by `seed` (default 1). */
  random?: RandomSource;
  seed?: number;
  logger?: HttpLogger;
  onRetry?: (event: RetryEvent) => void;
}

/** Query values; undefined and false-y optional flags are dropped by the caller. */
export type QueryValue = string | number | boolean | undefined | ReadonlyArray<string>;

/** One logical request (the transport may send it several times). */
export interface RequestSpec {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Path under the base URL, starting with `/v1/`; path segments must already be encoded. */
  path: string;
  query?: Record<string, QueryValue>;
  /** JSON-encoded unless `rawBody`. */
  body?: unknown;
  /** Send `body` (string or bytes) as is. */
  rawBody?: boolean;
  retry: 'idempotent' | 'unsent-only';
  /** Overrides the transport's per-attempt budget. */
  timeoutMs?: number;
  /** Statuses returned to the caller instead of thrown (e.g. Consul's KV 404). */
  acceptStatus?: ReadonlyArray<number>;
  signal?: AbortSignal;
}

/** A successful (or accepted) response with its text body. */
export interface TextResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** Value of the index header, when present. */
  index?: number;
  attempts: number;
  /** An earlier attempt failed in a way the server may have applied. */
  afterAmbiguous: boolean;
}

/** A streaming response: the caller consumes and eventually destroys `stream`. */
export interface StreamResponse {
  status: number;
  stream: Readable;
  headers: Record<string, string>;
  /** Aborts the underlying request and detaches from the caller's signal; call it when done. */
  abort(): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** The largest receive buffer kept for the next response (a bigger one is dropped after use). */
const MAX_SPARE_BYTES = 32 << 20;

/** HTTP access to one API server with retries, time budgets and typed errors. */
export class HttpTransport {
  readonly service: ApiService;
  readonly clock: Clock;
  readonly #axios: AxiosInstance;
  readonly #token?: string;
  /** The `Authorization` header value, when basic authentication is configured. */
  readonly #authorization?: string;
  readonly #secrets: string[];
  private readonly tokenHeader: string;
  private readonly indexHeader: string;
  private readonly timeoutMs: number;
  private readonly policy: BackoffPolicy;
  private readonly random: RandomSource;
  private readonly logger?: HttpLogger;
  private readonly onRetry?: (e: RetryEvent) => void;
  /** Base URL without credentials, for messages. */
  readonly baseUrl: string;
  /** A receive buffer kept from the last response, reused by the next one that fits. */
  private spare?: Buffer;

  constructor(opts: HttpTransportOptions) {
    this.service = opts.service;
    this.clock = opts.clock ?? new SystemClock();
    this.#token = opts.token || undefined;
    this.tokenHeader = opts.tokenHeader;
    this.indexHeader = opts.indexHeader.toLowerCase();
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.policy = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.random = opts.random ?? seededRandom(opts.seed ?? 1);
    this.logger = opts.logger;
    this.onRetry = opts.onRetry;
    const { url: base, auth: urlAuth } = withoutCredentials(opts.baseUrl.replace(/\/+$/, ''));
    this.baseUrl = safeBaseUrl(base);
    const auth = urlAuth ?? opts.basicAuth;
    this.#authorization = auth?.header();
    this.#secrets = [...(this.#token ? [this.#token] : []), ...(auth?.secrets() ?? [])];
    const isHttps = /^https:/i.test(base);
    const agentOpts = { keepAlive: true };
    this.#axios = axios.create({
      baseURL: base,
      // Time budgets are enforced with the Clock; axios' own timer would ignore a FakeClock.
      timeout: 0,
      proxy: false,
      maxRedirects: 0,
      validateStatus: () => true,
      transformResponse: [(d: unknown) => d],
      httpAgent: isHttps ? undefined : new http.Agent(agentOpts),
      httpsAgent: isHttps
        ? new https.Agent({
            ...agentOpts,
            ca: opts.tls?.ca,
            cert: opts.tls?.cert,
            key: opts.tls?.key,
            rejectUnauthorized: opts.tls?.verify !== false,
            ...(opts.tls?.serverName ? { servername: opts.tls.serverName } : {}),
          })
        : undefined,
    });
  }

  /** Secrets to scrub from any text leaving the transport. */
  private secrets(): string[] {
    return this.#secrets;
  }

  /** Redacts this transport's secrets from `text`. */
  redact(text: string): string {
    return redactSecrets(text, this.secrets());
  }

  private headers(spec: RequestSpec): Record<string, string> {
    const h: Record<string, string> = { Accept: 'application/json' };
    if (this.#token) h[this.tokenHeader] = this.#token;
    if (this.#authorization) h.Authorization = this.#authorization;
    if (spec.body !== undefined) h['Content-Type'] = spec.rawBody ? 'application/octet-stream' : 'application/json';
    return h;
  }

  private static encodeQuery(query: Record<string, QueryValue> | undefined): string {
    if (!query) return '';
    const parts: string[] = [];
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      const values = Array.isArray(v) ? v : [v];
      for (const one of values) parts.push(one === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(String(one))}`);
    }
    return parts.length ? `?${parts.join('&')}` : '';
  }

  private headerMap(res: AxiosResponse): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers ?? {})) if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v);
    return out;
  }

  /** Sends the request (retrying per its policy) and returns the text body; throws a typed ApiError. */
  async request(spec: RequestSpec): Promise<TextResponse> {
    const route = routeOf(spec.path);
    const url = spec.path + HttpTransport.encodeQuery(spec.query);
    const budget = spec.timeoutMs ?? this.timeoutMs;
    let afterAmbiguous = false;
    for (let attempt = 1; ; attempt++) {
      const ctx = { service: this.service, method: spec.method, route, attempts: attempt, afterAmbiguous };
      const started = this.clock.now();
      let failure: MappedFailure;
      const outcome = await this.attempt(spec, url, budget);
      if (outcome.kind === 'response') {
        const { res } = outcome;
        const body = typeof res.data === 'string' ? res.data : res.data === undefined || res.data === null ? '' : Buffer.isBuffer(res.data) ? res.data.toString('utf8') : String(res.data);
        const headers = this.headerMap(res);
        this.logger?.debug({ service: this.service, method: spec.method, route, status: res.status, attempt, ms: this.clock.now() - started }, 'http response');
        if ((res.status >= 200 && res.status < 300) || spec.acceptStatus?.includes(res.status)) {
          const raw = headers[this.indexHeader];
          const index = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
          return { status: res.status, body, headers, index, attempts: attempt, afterAmbiguous };
        }
        failure = failureFromResponse(ctx, res.status, this.redact(body));
      } else if (outcome.kind === 'timeout') {
        failure = failureFromTimeout(ctx, budget);
      } else if (outcome.kind === 'aborted') {
        throw outcome.reason;
      } else {
        failure = failureFromNetwork(ctx, outcome.code, this.redact(outcome.message).replace(/\?\S*/g, ''));
      }
      const allowed = spec.retry === 'idempotent' ? failure.retryable : failure.retryable && !failure.ambiguous;
      if (!allowed || attempt >= this.policy.maxAttempts) {
        this.logger?.warn(this.describe(failure, attempt), 'http request failed');
        throw failure.error;
      }
      afterAmbiguous = afterAmbiguous || failure.ambiguous;
      const delayMs = backoffDelay(attempt - 1, this.policy, this.random);
      const event: RetryEvent = { service: this.service, method: spec.method, route, attempt, delayMs, kind: failure.error.kind, status: failure.error.status, code: failure.error.code };
      this.logger?.warn({ ...event }, 'http request retrying');
      this.onRetry?.(event);
      await this.clock.sleep(delayMs, spec.signal);
    }
  }

  private describe(failure: MappedFailure, attempt: number): Record<string, unknown> {
    const e = failure.error;
    return { service: this.service, method: e.method, route: e.route, status: e.status, code: e.code, kind: e.kind, attempt, message: e.message };
  }

  /** One attempt under a Clock-enforced budget. Never throws. */
  private async attempt(
    spec: RequestSpec,
    url: string,
    budget: number,
    stream = false,
  ): Promise<
    | { kind: 'response'; res: AxiosResponse; abort: () => void }
    | { kind: 'timeout' }
    | { kind: 'aborted'; reason: unknown }
    | { kind: 'network'; code?: string; message: string }
  > {
    const ac = new AbortController();
    let timedOut = false;
    const timer = this.clock.setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, budget);
    const onCallerAbort = (): void => ac.abort();
    if (spec.signal?.aborted) {
      this.clock.clearTimeout(timer);
      return { kind: 'aborted', reason: spec.signal.reason };
    }
    spec.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      const data = spec.body === undefined ? undefined : spec.rawBody ? spec.body : JSON.stringify(spec.body);
      const res = await this.#axios.request({
        method: spec.method,
        url,
        data,
        headers: this.headers(spec),
        signal: ac.signal,
        responseType: 'stream',
        decompress: true,
      });
      // A whole body is read inside the attempt, so its budget and the caller's signal cover it too.
      if (!stream) res.data = await this.readBody(res.data as Readable, Number(res.headers['content-length']));
      if (timedOut) return { kind: 'timeout' };
      return { kind: 'response', res, abort: () => ac.abort() };
    } catch (err) {
      if (spec.signal?.aborted) return { kind: 'aborted', reason: spec.signal.reason };
      if (timedOut) return { kind: 'timeout' };
      const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
      const code = typeof e.code === 'string' && e.code !== 'ERR_NETWORK' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : typeof e.code === 'string' ? e.code : undefined;
      return { kind: 'network', code, message: typeof e.message === 'string' ? e.message : 'network error' };
    } finally {
      this.clock.clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /**
   * Opens a streaming GET (the event stream). The budget covers only the wait for response headers; the
   * caller owns liveness afterwards. Non-2xx answers are read and thrown as typed errors. Retries follow
   * the `idempotent` policy until headers arrive.
   */
  async stream(spec: Omit<RequestSpec, 'retry' | 'method' | 'body' | 'rawBody'>): Promise<StreamResponse> {
    const route = routeOf(spec.path);
    const url = spec.path + HttpTransport.encodeQuery(spec.query);
    const budget = spec.timeoutMs ?? this.timeoutMs;
    const full: RequestSpec = { ...spec, method: 'GET', retry: 'idempotent' };
    for (let attempt = 1; ; attempt++) {
      const ctx = { service: this.service, method: 'GET', route, attempts: attempt };
      // The caller's signal ends the stream later too, so link it beyond the attempt.
      const outcome = await this.attempt(full, url, budget, true);
      let failure: MappedFailure;
      if (outcome.kind === 'response') {
        const res = outcome.res;
        const body = res.data as Readable;
        if (res.status >= 200 && res.status < 300) {
          const signal = spec.signal;
          const stop = (): void => {
            signal?.removeEventListener('abort', stop);
            outcome.abort();
            body.destroy();
          };
          if (signal?.aborted) stop();
          else signal?.addEventListener('abort', stop, { once: true });
          return { status: res.status, stream: body, headers: this.headerMap(res), abort: stop };
        }
        const text = await readAll(body);
        failure = failureFromResponse(ctx, res.status, this.redact(text));
      } else if (outcome.kind === 'timeout') {
        failure = failureFromTimeout(ctx, budget);
      } else if (outcome.kind === 'aborted') {
        throw outcome.reason;
      } else {
        failure = failureFromNetwork(ctx, outcome.code, this.redact(outcome.message).replace(/\?\S*/g, ''));
      }
      if (!failure.retryable || attempt >= this.policy.maxAttempts) {
        this.logger?.warn(this.describe(failure, attempt), 'http stream failed');
        throw failure.error;
      }
      const delayMs = backoffDelay(attempt - 1, this.policy, this.random);
      const event: RetryEvent = { service: this.service, method: 'GET', route, attempt, delayMs, kind: failure.error.kind, status: failure.error.status, code: failure.error.code };
      this.logger?.warn({ ...event }, 'http stream retrying');
      this.onRetry?.(event);
      await this.clock.sleep(delayMs, spec.signal);
    }
  }

  /**
   * A body as text. Chunks are copied once into a receive buffer kept between responses (a large job list
   * every pass then allocates no fresh buffer for its bytes), and an all-ASCII body, which JSON from
   * Nomad and Consul nearly always is, is decoded without UTF-8 validation.
   */
  private async readBody(body: Readable, length: number): Promise<string> {
    let buf = this.spare !== undefined && this.spare.length >= (length || 0) ? this.spare : Buffer.allocUnsafe(Math.max(length || 0, 64 << 10));
    this.spare = undefined;
    let n = 0;
    for await (const c of body) {
      const chunk = Buffer.isBuffer(c) ? c : Buffer.from(String(c));
      if (n + chunk.length > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, n + chunk.length));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      chunk.copy(buf, n);
      n += chunk.length;
    }
    const bytes = buf.subarray(0, n);
    let text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    // Another response may have returned its buffer meanwhile: keep the larger one.
    const kept = this.spare as Buffer | undefined;
    if (buf.length <= MAX_SPARE_BYTES && (kept === undefined || kept.length < buf.length)) this.spare = buf;
    return text;
  }

  /** Closes pooled keep-alive connections; the transport stays usable (new connections are opened). */
  close(): void {
    const d = this.#axios.defaults;
    (d.httpAgent as http.Agent | undefined)?.destroy();
    (d.httpsAgent as https.Agent | undefined)?.destroy();
  }

  /** Sends and parses a JSON response (`null` bodies become `null`; empty bodies `undefined`). */
  async json<T>(spec: RequestSpec): Promise<TextResponse & { data: T }> {
    const res = await this.request(spec);
    return { ...res, data: this.parse<T>(res, spec) };
  }

  private parse<T>(res: TextResponse, spec: RequestSpec): T {
    if (res.body.trim() === '') return undefined as T;
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw failureFromResponse({ service: this.service, method: spec.method, route: routeOf(spec.path), attempts: res.attempts }, 502, `invalid JSON in response: ${this.redact(res.body.slice(0, 200))}`).error;
    }
  }
}

/**
 * A base URL without its `user:pass@` part, and that part as basic authentication (percent-decoded, as
 * Go's `url.User` gives it).
 */
function withoutCredentials(url: string): { url: string; auth?: BasicAuth } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@(.*)$/i.exec(url);
  if (!m) return { url };
  const at = m[2].indexOf(':');
  const decode = (v: string): string => {
    try {
      return decodeURIComponent(v);
    } catch {
      return v;
    }
  };
  const auth = at < 0 ? new BasicAuth(decode(m[2]), '') : new BasicAuth(decode(m[2].slice(0, at)), decode(m[2].slice(at + 1)));
  return { url: `${m[1]}${m[3]}`, auth };
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  } catch {
    // A broken error body still yields what arrived.
  }
  return Buffer.concat(chunks).toString('utf8');
}
