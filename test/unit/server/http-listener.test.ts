/**
 * The listener on a real socket (127.0.0.1:0), driven with raw HTTP so a test controls every byte the
 * client sends: a body is never read before the request is routed and authorised, bodies are limited,
 * slow clients time out, idle and surplus connections are closed.
 */
import * as net from 'node:net';
import type { OperatorStatus } from '../../../crd-schemas/status';
import { allowedHostsFrom, serveOperator } from '../../../lib/cli/operator-server';
import type { Listener, ListenLimits } from '../../../lib/server/http-listener';
import type { OperatorView } from '../../../lib/server/status-app';

class View implements OperatorView {
  readonly synced: Array<{ keys: string[]; all: boolean }> = [];
  status(): OperatorStatus {
    return { sources: [], jobs: [{ key: 'web/p-web-shop', namespace: 'web', jobId: 'p-web-shop', phase: 'Healthy', conditions: [], history: [] }] };
  }
  sync(request: { keys: string[]; all: boolean }): void { this.synced.push(request); }
}

/** A raw client connection: what it received so far, and promises for the first response bytes and the close. */
class RawClient {
  readonly socket: net.Socket;
  received = '';
  sent = 0;
  readonly connected: Promise<void>;
  readonly closed: Promise<void>;
  private waiters: Array<() => void> = [];

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.on('error', () => undefined); // a reset after the server closed is expected
    this.socket.on('data', (d: Buffer) => {
      this.received += d.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
  }

  write(data: string | Buffer): void {
    this.sent += Buffer.byteLength(data);
    this.socket.write(data);
  }

  /** Resolves once the received text matches `re` (or the connection closed). */
  async until(re: RegExp): Promise<string> {
    while (!re.test(this.received)) {
      const more = new Promise<void>((resolve) => this.waiters.push(resolve));
      const closed = await Promise.race([more.then(() => false), this.closed.then(() => true)]);
      if (closed) break;
    }
    return this.received;
  }

  get status(): number {
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(this.received)?.[1] ?? 0);
  }
}

describe('http listener', () => {
  let listener: Listener;
  let view: View;
  let host: string;
  let port: number;
  const start = async (limits: ListenLimits = {}, token?: string, allowedHosts?: string[]): Promise<void> => {
    view = new View();
    listener = await serveOperator(view, '127.0.0.1:0', { token, limits, allowedHosts });
    port = Number(new URL(listener.url).port);
    host = `127.0.0.1:${port}`;
  };
  afterEach(async () => { await listener?.close(); });

  it('refuses a huge body to an unknown route from its headers alone, and closes the connection', async () => {
    await start();
    const c = new RawClient(port);
    c.write(`POST /nope HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 800000000\r\n\r\n`);
    const head = await c.until(/\r\n\r\n/);
    expect(c.status).toBe(404);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(c.sent).toBeLessThan(200); // answered before a byte of the body was sent
    await c.closed;
  });

  it('refuses an unauthorised sync before its body, and never invites an Expect: 100-continue client to send it', async () => {
    await start({}, 's3cret');
    const c = new RawClient(port);
    c.write(`POST /api/v1/sync HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 800000000\r\n\r\n`);
    await c.until(/\r\n\r\n/);
    expect(c.status).toBe(401);
    expect(c.received).not.toContain('100 Continue');
    await c.closed;
    expect(view.synced).toEqual([]);
  });

  it('tells an authorised Expect: 100-continue client to send its body, then syncs', async () => {
    await start({}, 's3cret');
    const body = JSON.stringify({ jobs: ['p-web-shop'] });
    const c = new RawClient(port);
    c.write(`POST /api/v1/sync HTTP/1.1\r\nHost: ${host}\r\nAuthorization: bearer s3cret\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`);
    await c.until(/100 Continue\r\n\r\n/);
    c.write(body);
    await c.until(/"all": false/);
    expect(c.received).toMatch(/HTTP\/1\.1 202/);
    expect(view.synced).toEqual([{ keys: ['web/p-web-shop'], all: false }]);
    c.socket.destroy();
  });

  it('answers 413 to a declared body over the limit without reading it', async () => {
    await start();
    const c = new RawClient(port);
    c.write(`POST /api/v1/sync HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${64 * 1024 + 1}\r\n\r\n`);
    await c.until(/\r\n\r\n/);
    expect(c.status).toBe(413);
    await c.closed;
  });

  it('stops reading a chunked body at the limit and answers 413', async () => {
    await start();
    const c = new RawClient(port);
    c.write(`POST /api/v1/sync HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 5; i++) c.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`); // 80 KiB, never terminated
    await c.until(/\r\n\r\n/);
    expect(c.status).toBe(413);
    expect(c.received).toContain('at most 65536 bytes');
    await c.closed;
    expect(view.synced).toEqual([]);
  });

  it('times out a slow body and slow headers', async () => {
    await start({ requestTimeoutMs: 200, headersTimeoutMs: 200, timeoutCheckMs: 20 });
    const body = new RawClient(port);
    body.write(`POST /api/v1/sync HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"jobs":`);
    await body.closed;
    expect(body.status).toBe(408);
    const headers = new RawClient(port);
    headers.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n`);
    await headers.closed;
    expect(headers.status).toBe(408);
    expect(view.synced).toEqual([]);
  });

  it('closes an idle keep-alive connection', async () => {
    await start({ keepAliveTimeoutMs: 50 });
    const c = new RawClient(port);
    c.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await c.until(/ok\n$/);
    expect(c.status).toBe(200);
    await c.closed;
  }, 4000); // the default keep-alive (5 s) would outlast this

  it('closes connections past the cap and keeps serving the ones it has', async () => {
    await start({ maxConnections: 1 });
    const first = new RawClient(port);
    await first.connected;
    const second = new RawClient(port);
    await second.closed;
    expect(second.received).toBe('');
    first.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await first.until(/ok\n$/);
    expect(first.status).toBe(200);
    first.socket.destroy();
  });

  it('answers 400 to a request target that is not a path', async () => {
    await start();
    const c = new RawClient(port);
    c.write(`GET http://evil.example/ HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await c.until(/\r\n\r\n/);
    expect(c.status).toBe(400);
    c.socket.destroy();
  });

  it('answers to the bound address, localhost and the allowed hosts, and to nothing else', async () => {
    await start({}, undefined, allowedHostsFrom(['ops.example.com'], 'proxy.internal:8443'));
    const codes: Record<string, number> = {};
    for (const h of [host, `localhost:${port}`, 'ops.example.com', 'proxy.internal:8443', 'proxy.internal', `evil.example:${port}`]) {
      const c = new RawClient(port);
      c.write(`GET /api/v1/status HTTP/1.1\r\nHost: ${h}\r\nConnection: close\r\n\r\n`);
      await c.closed;
      codes[h] = c.status;
    }
    expect(codes).toEqual({ [host]: 200, [`localhost:${port}`]: 200, 'ops.example.com': 200, 'proxy.internal:8443': 200, 'proxy.internal': 421, [`evil.example:${port}`]: 421 });
  });

  it('reads allowed hosts from flags and the environment, and refuses a malformed one before listening', async () => {
    expect(allowedHostsFrom(['a.example,b.example', 'c.example:8080'], ' d.example, e.example f.example ')).toEqual(['a.example', 'b.example', 'c.example:8080', 'd.example', 'e.example', 'f.example']);
    expect(allowedHostsFrom(undefined, undefined)).toEqual([]);
    await expect(serveOperator(new View(), '127.0.0.1:0', { allowedHosts: ['https://ops.example.com/'] })).rejects.toThrow(/allowed host must look like/);
  });
});
