/**
 * One simulated API on one loopback port: a small router over node:http that counts requests by route
 * pattern, applies injected faults before the handler runs, and turns thrown `HttpError`s into the plain-text
 * error bodies Nomad and Consul send.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../runtime/clock';
import type { FaultTable } from './faults';

/** An error answered as `status` with a plain-text `message` body. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers?: Record<string, string>) {
    super(message);
    this.name = 'HttpError';
  }
}

/** What a handler sees of a request. */
export interface SimRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Aborted when the client goes away or the server stops. */
  signal: AbortSignal;
  /** The raw body. */
  body(): Promise<Buffer>;
  /** The body parsed as JSON; 400 `Request body is empty` / the parse error text otherwise. */
  json(): Promise<unknown>;
  res: http.ServerResponse;
}

/** A handler's answer: JSON (`json`, or `raw` for pre-serialised JSON) or plain `text`, plus headers. */
export interface Reply {
  status?: number;
  json?: unknown;
  raw?: string | Buffer;
  text?: string;
  headers?: Record<string, string>;
}

/** A route handler; returns `'streamed'` when it wrote the response itself. */
export type Handler = (req: SimRequest) => Promise<Reply | 'streamed'> | Reply | 'streamed';

interface Route {
  methods: string[];
  pattern: string;
  segments: string[];
  handler: Handler;
  internal: boolean;
}

/** Takes over an HTTP upgrade request (websockets); the socket is the handler's from then on. */
export type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Options of an API server. */
export interface ApiServerOptions {
  api: 'nomad' | 'consul';
  clock: Clock;
  faults: FaultTable;
  host: string;
  port: number;
  /** Header prefix for leader headers: `X-Nomad` or `X-Consul`. */
  headerPrefix: string;
}

/** A router plus an HTTP server; routes under `/_sim/` are neither counted nor faulted. */
export class ApiServer {
  private readonly routes: Route[] = [];
  private readonly counts = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private readonly aborts = new Set<AbortController>();
  private parked: Array<() => void> = [];
  private server?: http.Server;
  private upgradeHandler?: UpgradeHandler;
  url = '';

  constructor(private readonly opts: ApiServerOptions) {}

  /** Adds a route; `pattern` segments `:name` match one path segment, a final `:name*` the rest of the path. */
  route(methods: string | string[], pattern: string, handler: Handler): void {
    const list = (Array.isArray(methods) ? methods : [methods]).map((m) => m.toUpperCase());
    this.routes.push({ methods: list, pattern, segments: pattern.split('/').filter(Boolean), handler, internal: pattern.startsWith('/_sim/') });
  }

  /** Hands websocket upgrades to `handler`; without one an upgrade request is refused (socket closed). */
  onUpgrade(handler: UpgradeHandler): void {
    this.upgradeHandler = handler;
  }

  /** Request counts keyed `"METHOD /pattern"`. */
  requestCounts(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Forgets the counts. */
  resetRequestCounts(): void {
    this.counts.clear();
  }

  /** Lets requests held by a partition fault proceed. */
  heal(): void {
    const parked = this.parked;
    this.parked = [];
    for (const resume of parked) resume();
  }

  /** Starts listening; resolves to the base URL. */
  async listen(): Promise<string> {
    const server = http.createServer((req, res) => {
      void this.dispatch(req, res);
    });
    server.keepAliveTimeout = 5000;
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.upgradeHandler) this.upgradeHandler(req, socket, head);
      else socket.destroy();
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.url = `http://${host}:${addr.port}`;
    return this.url;
  }

  /** The bound port. */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Stops: aborts pending requests, drops connections and closes the listener. */
  async close(): Promise<void> {
    for (const ac of this.aborts) ac.abort(new Error('server stopping'));
    this.parked = [];
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
      server.closeAllConnections();
    });
  }

  private find(method: string, path: string): { route?: Route; params: Record<string, string>; pathMatched: boolean } {
    const parts = path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts, path);
      if (!params) continue;
      pathMatched = true;
      if (route.methods.includes(method)) return { route, params, pathMatched };
    }
    return { params: {}, pathMatched };
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    const { route, params, pathMatched } = this.find(method, path);
    const key = route ? `${method} ${route.pattern}` : `${method} ${path}`;
    if (!route?.internal) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const ac = new AbortController();
    this.aborts.add(ac);
    res.on('close', () => {
      ac.abort(new Error('client closed'));
      this.aborts.delete(ac);
    });
    try {
      if (route && !route.internal) {
        const fired = this.opts.faults.match(this.opts.api, method, route.pattern);
        for (const f of fired) {
          if (f.kind === 'latency') {
            await this.opts.clock.sleep(f.ms, ac.signal);
          } else if (f.kind === 'drop') {
            req.socket.destroy();
            return;
          } else if (f.kind === 'partition') {
            await new Promise<void>((resolve) => this.parked.push(resolve));
            if (ac.signal.aborted) return;
          } else if (f.kind === 'leader') {
            send(res, { status: 500, text: 'No cluster leader', headers: { [`${this.opts.headerPrefix}-KnownLeader`]: 'false' } });
            return;
          } else {
            send(res, { status: f.status, text: f.body });
            return;
          }
        }
      }
      if (!route) {
        if (pathMatched) send(res, { status: 405, text: 'Invalid method' });
        else send(res, { status: 404, text: 'Invalid URL path: not found' });
        return;
      }
      let bodyCache: Promise<Buffer> | undefined;
      const body = (): Promise<Buffer> => (bodyCache ??= readBody(req));
      const simReq: SimRequest = {
        method,
        path,
        params,
        query: url.searchParams,
        headers: req.headers,
        signal: ac.signal,
        body,
        json: async () => {
          const buf = await body();
          if (buf.length === 0) throw new HttpError(400, 'Request body is empty');
          try {
            return JSON.parse(buf.toString('utf8')) as unknown;
          } catch (err) {
            throw new HttpError(400, (err as Error).message);
          }
        },
        res,
      };
      const reply = await route.handler(simReq);
      if (reply === 'streamed') return;
      send(res, reply);
    } catch (err) {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof HttpError) send(res, { status: err.status, text: err.message, headers: err.headers });
      else if (ac.signal.aborted) res.destroy();
      else send(res, { status: 500, text: err instanceof Error ? err.message : String(err) });
    } finally {
      this.aborts.delete(ac);
    }
  }
}

function matchSegments(pattern: string[], parts: string[], path: string): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i];
    if (seg.startsWith(':') && seg.endsWith('*')) {
      // The rest of the raw path, trailing slash included (`/v1/kv/app/` → `app/`).
      const prefix = `/${pattern.slice(0, i).join('/')}/`;
      params[seg.slice(1, -1)] = path.startsWith(prefix) ? safeDecode(path.slice(prefix.length)) : '';
      return params;
    }
    if (i >= parts.length) return undefined;
    if (seg.startsWith(':')) params[seg.slice(1)] = safeDecode(parts[i]);
    else if (seg !== parts[i]) return undefined;
  }
  return pattern.length === parts.length ? params : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Writes a reply: JSON with `Content-Type: application/json`, text as `text/plain`. */
export function send(res: http.ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let payload: string | Buffer;
  if (reply.raw !== undefined || reply.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = reply.raw ?? JSON.stringify(reply.json);
  } else {
    headers['Content-Type'] = 'text/plain; charset=utf-8';
    payload = reply.text ?? '';
  }
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status ?? 200, headers);
  res.end(payload);
}
