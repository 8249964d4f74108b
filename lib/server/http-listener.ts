/**
 * Serves a StatusApp on a real socket with node:http, converting between Node's request/response and
 * the web-standard Request/Response the app speaks.
 *
 * The body is handed to the app unread: it is read from the socket only when the app reads it (after
 * routing and authorisation), and an `Expect: 100-continue` client is told to send it only then. A
 * response given while the body is still unread closes the connection, so the rest is never read. Slow
 * headers and bodies time out, idle keep-alive connections are closed, and connections are capped.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StatusApp } from './status-app';

export interface Listener {
  /** e.g. http://127.0.0.1:4680 */
  url: string;
  /** The bound address (`port` is the one picked when 0 was asked for). */
  address: { host: string; port: number };
  close(): Promise<void>;
}

/** Socket limits of a listener; every field has a default. */
export interface ListenLimits {
  /** Time to receive a request's headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Time to receive a whole request, headers and body (default 30 s). */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this (default 5 s). */
  keepAliveTimeoutMs?: number;
  /** Connections open at once; more are closed on arrival (default 128). */
  maxConnections?: number;
  /** How often the timeouts above are checked (default 1 s; tests use less). */
  timeoutCheckMs?: number;
}

export const DEFAULT_LIMITS: Required<ListenLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 128,
  timeoutCheckMs: 1_000,
};

/** A lazy stream of the request body: nothing is read from the socket until the first pull. */
function lazyBody(req: IncomingMessage, onFirstRead: () => void): ReadableStream<Uint8Array> {
  let started = false;
  req.pause();
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (!started) {
          started = true;
          onFirstRead();
        }
        if (req.readableEnded) {
          controller.close();
          return undefined;
        }
        return new Promise<void>((resolve, reject) => {
          const done = (): void => {
            req.pause();
            req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
          };
          const onData = (chunk: Buffer): void => {
            done();
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            resolve();
          };
          const onEnd = (): void => {
            done();
            controller.close();
            resolve();
          };
          const onError = (err: Error): void => {
            done();
            reject(err);
          };
          const onClose = (): void => {
            if (req.complete) return;
            done();
            reject(new Error('the client closed the connection before sending its whole body'));
          };
          req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
          req.resume();
        });
      },
      cancel() {
        req.pause(); // the response closes the connection; nothing more is read
      },
    },
    { highWaterMark: 0 },
  );
}

/** The peer address of each request's connection, for the app's logs (a header could be forged). */
const remoteAddresses = new WeakMap<Request, string>();

/** The address the request came from, when it came through a listener. */
export function remoteAddressOf(request: Request): string | undefined {
  return remoteAddresses.get(request);
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

/** Listens on `host:port` (port 0 picks a free one) and resolves once the socket is bound. */
export async function listen(app: StatusApp, host = '127.0.0.1', port = 0, limits: ListenLimits = {}): Promise<Listener> {
  const l = { ...DEFAULT_LIMITS, ...limits };
  const base = `http://${host.includes(':') ? `[${host}]` : host}`;

  const handle = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void => {
    void (async () => {
      let response: Response;
      try {
        if (!req.url?.startsWith('/')) {
          response = new Response('the request target must be a path\n', { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' } });
        } else {
          const headers = new Headers();
          for (const [k, v] of Object.entries(req.headers)) {
            if (typeof v === 'string') headers.set(k, v);
            else if (Array.isArray(v)) headers.set(k, v.join(', '));
          }
          const body = req.method !== 'GET' && req.method !== 'HEAD' && hasBody(req) ? lazyBody(req, () => { if (expectsContinue) res.writeContinue(); }) : undefined;
          const request = new Request(`${base}${req.url}`, { method: req.method, headers, body, ...(body ? { duplex: 'half' } : {}) } as RequestInit);
          if (req.socket.remoteAddress) remoteAddresses.set(request, req.socket.remoteAddress);
          response = await app(request);
        }
      } catch {
        response = new Response('internal error\n', { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' } });
      }
      if (res.headersSent || res.destroyed) return;
      const out = Buffer.from(await response.arrayBuffer());
      const head: Record<string, string> = { ...Object.fromEntries(response.headers), 'content-length': String(out.byteLength) };
      if (!req.complete) head.connection = 'close'; // the body is not read: the connection cannot carry another request
      res.writeHead(response.status, head);
      res.end(out);
    })();
  };

  const server: Server = createServer({ connectionsCheckingInterval: l.timeoutCheckMs }, (req, res) => handle(req, res, false));
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => handle(req, res, true));
  server.requestTimeout = l.requestTimeoutMs;
  server.headersTimeout = Math.min(l.headersTimeoutMs, l.requestTimeoutMs);
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.maxConnections = l.maxConnections;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    address: { host: address.address, port: address.port },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
