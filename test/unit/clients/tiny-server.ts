/** A scriptable HTTP server on 127.0.0.1:0 for transport tests (each request is answered by the next handler). */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Handler = (req: SeenRequest, res: http.ServerResponse) => void;

export class TinyServer {
  readonly seen: SeenRequest[] = [];
  private readonly handlers: Handler[] = [];
  private fallback: Handler = (_q, r) => {
    r.statusCode = 599;
    r.end('no handler');
  };
  private readonly sockets = new Set<import('node:net').Socket>();
  private constructor(private readonly server: http.Server, readonly url: string) {}

  static async start(host = '127.0.0.1'): Promise<TinyServer> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const port = (server.address() as AddressInfo).port;
    const t = new TinyServer(server, `http://${host.includes(':') ? `[${host}]` : host}:${port}`);
    server.on('connection', (s) => {
      t.sockets.add(s);
      s.on('close', () => t.sockets.delete(s));
    });
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        t.seen.push(seen);
        (t.handlers.shift() ?? t.fallback)(seen, res);
      });
    });
    return t;
  }

  /** Queues handlers for the next requests, in order. */
  next(...handlers: Handler[]): this {
    this.handlers.push(...handlers);
    return this;
  }

  /** Answers every request not otherwise scripted. */
  otherwise(h: Handler): this {
    this.fallback = h;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const reply = (status: number, body: unknown, headers: Record<string, string> = {}): Handler => (_q, r) => {
  r.statusCode = status;
  for (const [k, v] of Object.entries(headers)) r.setHeader(k, v);
  r.setHeader('Content-Type', typeof body === 'string' ? 'text/plain' : 'application/json');
  r.end(typeof body === 'string' ? body : JSON.stringify(body));
};

export const drop: Handler = (_q, r) => {
  r.socket?.destroy();
};

/** Never answers (a partition). */
export const hang: Handler = () => undefined;

/** Polls `cond` (real time, short steps) until true; fails after `ms`. */
export async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const start = process.hrtime.bigint();
  while (!cond()) {
    if (Number(process.hrtime.bigint() - start) / 1e6 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}
