/**
 * NomadAllocClient: the NomadAllocApi port over Nomad's HTTP API and its exec websocket.
 *
 * - `allocationsByPrefix` asks `/v1/allocations?namespace=*&prefix=` for the longest even-length part of
 *   the prefix (Nomad's state store looks UUID prefixes up as hex bytes and refuses an odd length: go-memdb
 *   `UUIDFieldIndex`; its CLI trims the same way, command/helpers.go `sanitizeUUIDPrefix`) and keeps the
 *   allocations matching the whole prefix.
 * - `logs` reads `/v1/client/fs/logs/:alloc` (api/fs.go `AllocFS.Logs`): StreamFrames written back to back
 *   (`{"Offset","Data","File","FileEvent"}`, Data base64), decoded as they arrive, a frame split over chunks
 *   included; `{}` is a heartbeat. Text after the frames is an error the agent met mid-stream.
 * - `exec` opens `/v1/client/allocation/:alloc/exec` with `task`, `command` (a JSON array) and `tty` as
 *   api/allocations_exec.go does, the token in `X-Nomad-Token`, basic authentication and TLS as the HTTP
 *   client has them, and exchanges the JSON frames of plugins/drivers/execstreaming.go, sending a `{}`
 *   heartbeat every 10 seconds like Nomad's client. Nomad upgrades before it checks anything, so a refusal
 *   is a close frame whose reason is its error text: `Permission denied` becomes a ForbiddenError,
 *   `Unknown allocation` a NotFoundError, other close codes 1008 a BadRequestError.
 */
import WebSocket from 'ws';
import type { AllocListStub } from '../../core/nomad/types';
import { ApiError, BadRequestError, ForbiddenError, NotFoundError, UnavailableError } from '../../ports/errors';
import type { Indexed } from '../../ports/nomad-api';
import type { ExecOptions, ExecSession, LogEvent, LogStreamOptions, NomadAllocApi } from '../../ports/nomad-alloc';
import type { Clock, TimerHandle } from '../../runtime/clock';
import { SystemClock } from '../../runtime/clock';
import type { NomadConnection } from '../env-config';
import { BasicAuth } from '../http/basic-auth';
import { failureFromNetwork, failureFromResponse } from '../http/error-mapping';
import { parseGoDuration } from '../http/go-duration';
import { HttpTransport, type QueryValue, type TlsOptions } from '../http/http-transport';
import { JsonObjectSplitter } from './json-frames';

/** Options besides the connection. */
export interface NomadAllocClientOptions {
  clock?: Clock;
  /** Per-request budget for plain reads and the websocket handshake, ms (default 10 000). */
  timeoutMs?: number;
  /** Attempts for reads (default 3). */
  maxAttempts?: number;
}

/** How often the exec client sends a heartbeat (api/allocations_exec.go `heartbeatInterval`). */
export const EXEC_HEARTBEAT_MS = 10_000;

const seg = (s: string): string => encodeURIComponent(s);

/** The longest prefix of `prefix` whose hex digits (hyphens aside) are of even length. */
export function evenUuidPrefix(prefix: string): string {
  const digits = prefix.replace(/-/g, '').length;
  return digits % 2 === 0 ? prefix : prefix.slice(0, -1);
}

/** Allocation I/O over HTTP and a websocket. */
export class NomadAllocClient implements NomadAllocApi {
  readonly transport: HttpTransport;
  readonly clock: Clock;
  readonly #token?: string;
  readonly #authorization?: string;
  private readonly wsBase: string;
  private readonly tls?: TlsOptions;
  private readonly region?: string;
  private readonly namespace: string;
  private readonly timeoutMs: number;

  constructor(conn: NomadConnection, opts: NomadAllocClientOptions = {}) {
    this.clock = opts.clock ?? new SystemClock();
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.transport = new HttpTransport({
      service: 'nomad',
      baseUrl: conn.address,
      token: conn.token,
      basicAuth: conn.basicAuth,
      tls: conn.tls,
      tokenHeader: 'X-Nomad-Token',
      indexHeader: 'X-Nomad-Index',
      clock: this.clock,
      timeoutMs: this.timeoutMs,
      backoff: { maxAttempts: opts.maxAttempts ?? 3 },
    });
    this.#token = conn.token || undefined;
    const url = new URL(conn.address.replace(/\/+$/, ''));
    const auth = url.username ? new BasicAuth(decodeURIComponent(url.username), decodeURIComponent(url.password)) : conn.basicAuth;
    this.#authorization = auth?.header();
    url.username = '';
    url.password = '';
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    this.wsBase = url.toString().replace(/\/+$/, '');
    this.tls = conn.tls;
    this.region = conn.region || undefined;
    this.namespace = conn.namespace || 'default';
  }

  /** Closes pooled connections. */
  close(): void {
    this.transport.close();
  }

  async allocationsByPrefix(prefix: string): Promise<AllocListStub[]> {
    const p = prefix.toLowerCase();
    const res = await this.transport.json<AllocListStub[] | null>({
      method: 'GET',
      path: '/v1/allocations',
      query: { region: this.region, namespace: '*', prefix: evenUuidPrefix(p) || undefined },
      retry: 'idempotent',
    });
    return (res.data ?? []).filter((a) => a.ID.startsWith(p));
  }

  async readAllocation(id: string, opts: { namespace?: string; index?: number; wait?: string; signal?: AbortSignal } = {}): Promise<Indexed<Record<string, unknown>>> {
    const blocking = opts.index !== undefined && opts.index > 0;
    const waitMs = blocking ? (parseGoDuration(opts.wait ?? '5m') ?? 300_000) : 0;
    const res = await this.transport.json<Record<string, unknown>>({
      method: 'GET',
      path: `/v1/allocation/${seg(id)}`,
      query: { region: this.region, namespace: opts.namespace ?? this.namespace, index: blocking ? opts.index : undefined, wait: blocking ? (opts.wait ?? '5m') : undefined },
      retry: 'idempotent',
      timeoutMs: blocking ? this.timeoutMs + waitMs + Math.ceil(waitMs / 16) : undefined,
      signal: opts.signal,
    });
    return { items: res.data, index: res.index ?? 0 };
  }

  logs(opts: LogStreamOptions): AsyncIterable<LogEvent> {
    return { [Symbol.asyncIterator]: () => this.logEvents(opts) };
  }

  private async *logEvents(opts: LogStreamOptions): AsyncGenerator<LogEvent> {
    const route = `/v1/client/fs/logs/${seg(opts.allocId)}`;
    const query: Record<string, QueryValue> = {
      region: this.region,
      namespace: opts.namespace ?? this.namespace,
      task: opts.task,
      type: opts.type,
      follow: opts.follow ? 'true' : 'false',
      origin: opts.origin ?? 'start',
      offset: String(opts.offset ?? 0),
    };
    if (opts.signal?.aborted) return;
    let res;
    try {
      res = await this.transport.stream({ path: route, query, signal: opts.signal });
    } catch (err) {
      if (opts.signal?.aborted) return;
      throw err;
    }
    const splitter = new JsonObjectSplitter();
    const decode = (text: string): LogEvent | undefined => {
      let f: { Offset?: number; Data?: string; File?: string; FileEvent?: string; Error?: unknown };
      try {
        f = JSON.parse(text) as typeof f;
      } catch {
        throw new UnavailableError({ service: 'nomad', method: 'GET', route: '/v1/client/fs/logs', status: 200, serverMessage: 'malformed log frame' });
      }
      if (f.FileEvent) return { kind: 'file-event', file: f.File ?? '', event: f.FileEvent };
      if (f.Data) return { kind: 'data', data: Buffer.from(f.Data, 'base64'), file: f.File ?? '', offset: f.Offset ?? 0 };
      // api/fs.go StreamFrame.IsHeartbeat: no data, no event, no file and no offset.
      if (!f.File && !f.Offset) return { kind: 'heartbeat' };
      return undefined;
    };
    try {
      for await (const chunk of res.stream) {
        for (const text of splitter.push(chunk as Uint8Array)) {
          const ev = decode(text);
          if (ev) yield ev;
        }
      }
    } catch (err) {
      if (opts.signal?.aborted) return;
      if (err instanceof ApiError) throw err;
      throw new UnavailableError({ service: 'nomad', method: 'GET', route: '/v1/client/fs/logs', code: (err as { code?: string }).code ?? 'ESTREAM', serverMessage: 'log stream broken' });
    } finally {
      res.abort();
    }
    // command/agent/fs_endpoint.go fsStreamImpl: an error after the first frame is written as text after the frames.
    if (splitter.stray) {
      const text = this.transport.redact(splitter.stray);
      const init = { service: 'nomad' as const, method: 'GET', route: '/v1/client/fs/logs', status: 200, serverMessage: text };
      throw /Permission denied$/.test(text) ? new ForbiddenError(init) : new UnavailableError(init);
    }
  }

  async exec(opts: ExecOptions): Promise<ExecSession> {
    const route = '/v1/client/allocation/exec';
    const query = new URLSearchParams();
    if (this.region) query.set('region', this.region);
    query.set('namespace', opts.namespace ?? this.namespace);
    query.set('task', opts.task);
    query.set('command', JSON.stringify(opts.command));
    query.set('tty', String(opts.tty));
    const url = `${this.wsBase}/v1/client/allocation/${seg(opts.allocId)}/exec?${query.toString()}`;
    const headers: Record<string, string> = {};
    if (this.#token) headers['X-Nomad-Token'] = this.#token;
    if (this.#authorization) headers.Authorization = this.#authorization;
    const ws = new WebSocket(url, {
      headers,
      handshakeTimeout: this.timeoutMs,
      followRedirects: false,
      ca: this.tls?.ca,
      cert: this.tls?.cert,
      key: this.tls?.key,
      rejectUnauthorized: this.tls?.verify !== false,
      ...(this.tls?.serverName ? { servername: this.tls.serverName } : {}),
    });
    const ctx = { service: 'nomad' as const, method: 'GET', route };
    const redact = (t: string): string => this.transport.redact(t);

    const clock = this.clock;
    const send = (obj: unknown): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj));
    };
    let beat: TimerHandle | undefined;
    // Listeners go on before the handshake completes: frames sent with the upgrade response arrive at once.
    let code: number | undefined;
    let settle: { resolve(code: number): void; reject(err: unknown): void } | undefined;
    let outcome: { code?: number; error?: unknown } | undefined;
    const finish = (o: { code?: number; error?: unknown }): void => {
      if (outcome) return;
      outcome = o;
      if (beat) clock.clearTimeout(beat);
      if (settle) {
        if (o.error !== undefined) settle.reject(o.error);
        else settle.resolve(o.code ?? 0);
      }
    };
    ws.on('message', (raw: Buffer) => {
      let frame: { stdout?: { data?: string }; stderr?: { data?: string }; exited?: boolean; result?: { exit_code?: number } };
      try {
        frame = JSON.parse(raw.toString('utf8')) as typeof frame;
      } catch {
        return;
      }
      if (frame.stdout?.data) opts.onStdout(Buffer.from(frame.stdout.data, 'base64'));
      else if (frame.stderr?.data) opts.onStderr(Buffer.from(frame.stderr.data, 'base64'));
      else if (frame.exited && frame.result) {
        code = frame.result.exit_code ?? 0;
        finish({ code });
      }
    });
    ws.on('close', (closeCode: number, reasonBuf: Buffer) => {
      if (code === undefined) finish({ error: closeError(closeCode, redact(reasonBuf.toString('utf8'))) });
    });

    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        ws.terminate();
        reject(opts.signal?.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
      };
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      ws.once('open', () => {
        opts.signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      ws.once('unexpected-response', (_req, res) => {
        opts.signal?.removeEventListener('abort', onAbort);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(failureFromResponse(ctx, res.statusCode ?? 0, redact(Buffer.concat(chunks).toString('utf8'))).error));
        res.on('error', () => reject(failureFromResponse(ctx, res.statusCode ?? 0, '').error));
        ws.terminate();
      });
      ws.on('error', (err: Error & { code?: string }) => {
        opts.signal?.removeEventListener('abort', onAbort);
        const error = failureFromNetwork(ctx, err.code, redact(err.message)).error;
        finish({ error });
        reject(error);
      });
    });

    if (!outcome) {
      beat = clock.setTimeout(function heartbeat() {
        send({});
        beat = clock.setTimeout(heartbeat, EXEC_HEARTBEAT_MS);
      }, EXEC_HEARTBEAT_MS);
    }
    const exitCode = new Promise<number>((resolve, reject) => {
      settle = { resolve, reject };
      if (outcome) {
        if (outcome.error !== undefined) reject(outcome.error);
        else resolve(outcome.code ?? 0);
        return;
      }
      const onAbort = (): void => {
        finish({ error: opts.signal?.reason instanceof Error ? opts.signal.reason : new Error('aborted') });
        ws.terminate();
      };
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener('abort', onAbort, { once: true });
      ws.once('close', () => opts.signal?.removeEventListener('abort', onAbort));
    });
    exitCode.catch(() => undefined);
    return {
      sendStdin: (data) => send({ stdin: { data: Buffer.from(data).toString('base64') } }),
      closeStdin: () => send({ stdin: { close: true } }),
      resize: (size) => send({ tty_size: { height: size.height, width: size.width } }),
      exitCode,
      close: () => {
        if (beat) clock.clearTimeout(beat);
        if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000);
      },
    };
  }
}

/** The typed error for a session Nomad closed before an exit code (command/agent/alloc_endpoint.go `toWsCode`). */
function closeError(code: number, reason: string): ApiError {
  const init = { service: 'nomad' as const, method: 'GET', route: '/v1/client/allocation/exec', serverMessage: reason || `websocket closed (${code}) before the exit code` };
  if (/Permission denied$|ACL token not found$/.test(reason)) return new ForbiddenError({ ...init, status: 403 });
  if (reason.startsWith('Unknown allocation')) return new NotFoundError({ ...init, status: 404 });
  if (code === 1008) return new BadRequestError({ ...init, status: 400 });
  return new UnavailableError({ ...init, code: `WS${code}` });
}
