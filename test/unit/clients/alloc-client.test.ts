/** NomadAllocClient against small real servers on loopback: the log frame decoder and the exec websocket's frames. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { EXEC_HEARTBEAT_MS, NomadAllocClient, evenUuidPrefix } from '../../../lib/adapters/nomad-http/alloc-client';
import { JsonObjectSplitter } from '../../../lib/adapters/nomad-http/json-frames';
import { ForbiddenError, NotFoundError } from '../../../lib/ports/errors';
import type { LogEvent } from '../../../lib/ports/nomad-alloc';
import { FakeClock } from '../../../lib/runtime/clock';

describe('JsonObjectSplitter', () => {
  it('splits frames written back to back, whatever the chunk boundaries, strings with braces included', () => {
    const frames = ['{"Offset":5,"Data":"aGVsbG8=","File":"alloc/logs/a.stdout.0"}', '{}', '{"File":"x","FileEvent":"file truncated"}', '{"Data":"e30=","File":"{\\"}"}'];
    const bytes = Buffer.from(frames.join(''));
    for (let size = 1; size <= bytes.length; size += 7) {
      const s = new JsonObjectSplitter();
      const out: string[] = [];
      for (let i = 0; i < bytes.length; i += size) out.push(...s.push(bytes.subarray(i, i + size)));
      expect(out).toEqual(frames);
      expect(s.pending).toBe(0);
    }
  });

  it('keeps an unfinished frame and ignores whitespace between frames', () => {
    const s = new JsonObjectSplitter();
    expect(s.push(Buffer.from('{}\n {"Data":"YQ'))).toEqual(['{}']);
    expect(s.pending).toBeGreaterThan(0);
    expect(s.push(Buffer.from('=="}'))).toEqual(['{"Data":"YQ=="}']);
  });
});

describe('evenUuidPrefix', () => {
  it('keeps an even number of hex digits, hyphens aside, as Nomad looks prefixes up', () => {
    expect(evenUuidPrefix('ab')).toBe('ab');
    expect(evenUuidPrefix('abc')).toBe('ab');
    expect(evenUuidPrefix('abcdef12-3')).toBe('abcdef12-');
    expect(evenUuidPrefix('abcdef12-34')).toBe('abcdef12-34');
  });
});

describe('NomadAllocClient', () => {
  let server: http.Server;
  let wss: WebSocketServer;
  let base: string;
  let onConnect: (ws: WebSocket, req: http.IncomingMessage) => void = () => undefined;
  let logBody: (res: http.ServerResponse, req: http.IncomingMessage) => void = (res) => res.end();

  beforeAll(async () => {
    server = http.createServer((req, res) => logBody(res, req));
    wss = new WebSocketServer({ server });
    wss.on('connection', (ws, req) => onConnect(ws, req));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    await new Promise((r) => server.close(r));
  });

  it('logs: decodes frames split across writes, reports heartbeats and file events, sends the query Nomad reads', async () => {
    let query: URLSearchParams | undefined;
    logBody = (res, req) => {
      query = new URL(req.url ?? '/', 'http://x').searchParams;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const body = `{"Offset":6,"Data":"${Buffer.from('héllo\n').toString('base64')}","File":"alloc/logs/app.stdout.0"}{}{"File":"alloc/logs/app.stdout.0","FileEvent":"file truncated"}`;
      res.write(body.slice(0, 17));
      setTimeout(() => res.end(body.slice(17)), 5);
    };
    const client = new NomadAllocClient({ address: base, token: 'secret-token' }, { clock: new FakeClock() });
    const events: LogEvent[] = [];
    for await (const ev of client.logs({ allocId: 'a1', task: 'app', type: 'stderr', follow: true, origin: 'end', offset: 240, namespace: 'es' })) events.push(ev);
    client.close();
    expect(Object.fromEntries(query!)).toMatchObject({ task: 'app', type: 'stderr', follow: 'true', origin: 'end', offset: '240', namespace: 'es' });
    expect(events).toEqual([
      { kind: 'data', data: Buffer.from('héllo\n'), file: 'alloc/logs/app.stdout.0', offset: 6 },
      { kind: 'heartbeat' },
      { kind: 'file-event', file: 'alloc/logs/app.stdout.0', event: 'file truncated' },
    ]);
  });

  it('exec: token header and query as Nomad\'s client sends them; stdin, resize, close and heartbeat frames; the exit code', async () => {
    const received: unknown[] = [];
    let seen: http.IncomingMessage | undefined;
    onConnect = (ws, req) => {
      seen = req;
      ws.send(JSON.stringify({ stdout: { data: Buffer.from('ready\n').toString('base64') } }));
      ws.on('message', (m: Buffer) => {
        const frame = JSON.parse(m.toString()) as { stdin?: { close?: boolean } };
        received.push(frame);
        if (frame.stdin?.close) {
          ws.send(JSON.stringify({ stderr: { data: Buffer.from('bye\n').toString('base64') } }));
          ws.send(JSON.stringify({ exited: true, result: { exit_code: 3 } }));
          ws.close();
        }
      });
    };
    const clock = new FakeClock();
    const client = new NomadAllocClient({ address: base, token: 'secret-token', namespace: 'es' }, { clock });
    let out = '';
    let err = '';
    const session = await client.exec({ allocId: 'a1', task: 'app', command: ['echo', 'a b'], tty: true, onStdout: (d) => (out += Buffer.from(d).toString()), onStderr: (d) => (err += Buffer.from(d).toString()) });
    session.resize({ width: 120, height: 40 });
    session.sendStdin(Buffer.from('hi'));
    await clock.advance(EXEC_HEARTBEAT_MS);
    session.closeStdin();
    expect(await session.exitCode).toBe(3);
    client.close();
    expect(seen!.headers['x-nomad-token']).toBe('secret-token');
    const q = new URL(seen!.url ?? '/', 'http://x').searchParams;
    expect(seen!.url).toMatch(/^\/v1\/client\/allocation\/a1\/exec\?/);
    expect(Object.fromEntries(q)).toMatchObject({ task: 'app', command: '["echo","a b"]', tty: 'true', namespace: 'es' });
    expect(received).toEqual([{ tty_size: { height: 40, width: 120 } }, { stdin: { data: Buffer.from('hi').toString('base64') } }, {}, { stdin: { close: true } }]);
    expect(out).toBe('ready\n');
    expect(err).toBe('bye\n');
  });

  it('exec: a close before the exit code carries Nomad\'s error text as a typed error', async () => {
    const client = new NomadAllocClient({ address: base }, { clock: new FakeClock() });
    onConnect = (ws) => ws.close(1011, 'Permission denied');
    const denied = await client.exec({ allocId: 'a1', task: 'app', command: ['id'], tty: false, onStdout: () => undefined, onStderr: () => undefined });
    await expect(denied.exitCode).rejects.toBeInstanceOf(ForbiddenError);
    onConnect = (ws) => ws.close(1008, 'Unknown allocation "a1"');
    const unknown = await client.exec({ allocId: 'a1', task: 'app', command: ['id'], tty: false, onStdout: () => undefined, onStderr: () => undefined });
    await expect(unknown.exitCode).rejects.toBeInstanceOf(NotFoundError);
    client.close();
  });
});

describe('NomadAllocClient: an error after the first frame', () => {
  it('is thrown with the text the agent wrote after the frames', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"Offset":2,"Data":"YQo=","File":"alloc/logs/app.stdout.0"}failed to list entries: open alloc/logs: no such file or directory');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = new NomadAllocClient({ address: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, { clock: new FakeClock() });
    const seen: LogEvent[] = [];
    try {
      await expect(
        (async () => {
          for await (const ev of client.logs({ allocId: 'a1', task: 'app', type: 'stdout' })) seen.push(ev);
        })(),
      ).rejects.toThrow('failed to list entries: open alloc/logs: no such file or directory');
    } finally {
      client.close();
      await new Promise((r) => server.close(r));
    }
    expect(seen).toHaveLength(1);
  });
});
