/** NomadHttpClient behaviours that need exact server control (a scripted HTTP server on loopback). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlockingQuery } from '../../../lib/adapters/http/blocking-index';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { ConsulHttpClient } from '../../../lib/adapters/consul-http/consul-http-client';
import { ForbiddenError, NotFoundError, TimeoutError, UnavailableError } from '../../../lib/ports/errors';
import type { EventStreamFrame } from '../../../lib/ports/nomad-api';
import { FakeClock } from '../../../lib/runtime/clock';
import { drop, reply, TinyServer, waitFor } from './tiny-server';

const fixtures = path.join(__dirname, '..', '..', 'contracts', 'samples');

describe('NomadHttpClient (scripted server)', () => {
  let server: TinyServer;
  let clock: FakeClock;
  let nomad: NomadHttpClient;
  beforeEach(async () => {
    server = await TinyServer.start();
    clock = new FakeClock();
    nomad = new NomadHttpClient({ address: server.url, clock, eventIdleTimeoutMs: 60_000, backoff: { maxAttempts: 1 } });
  });
  afterEach(async () => {
    nomad.close();
    await server.stop();
  });

  it('a deregister that was sent is never sent again: it has no check-and-set, and a late copy could outlive the leader lease', async () => {
    // The connection drops after the server read the request: it may have been applied.
    server.next(drop, reply(200, { EvalID: 'e1', JobModifyIndex: 9 }));
    const retrying = new NomadHttpClient({ address: server.url, backoff: { maxAttempts: 4, baseMs: 0, capMs: 0 } });
    try {
      await expect(retrying.deregisterJob('web', 'shop')).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      retrying.close();
    }
    expect(server.seen.filter((q) => q.method === 'DELETE')).toHaveLength(1);
  });

  it('follows X-Nomad-NextToken to the last page; only the first page blocks', async () => {
    server.next(
      reply(200, [{ ID: 'a' }, { ID: 'b' }], { 'X-Nomad-Index': '50', 'X-Nomad-NextToken': 'c' }),
      reply(200, [{ ID: 'c' }, { ID: 'd' }], { 'X-Nomad-Index': '50', 'X-Nomad-NextToken': 'e' }),
      reply(200, [{ ID: 'e' }], { 'X-Nomad-Index': '50' }),
    );
    const res = await nomad.listJobs({ namespace: '*', meta: true, perPage: 2, index: 10, wait: '1s' });
    expect(res.items.map((j) => j.ID)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(res.index).toBe(50);
    const urls = server.seen.map((s) => new URL(s.url, 'http://x'));
    expect(urls[0].searchParams.get('index')).toBe('10');
    expect(urls[0].searchParams.get('wait')).toBe('1s');
    expect(urls[0].searchParams.get('meta')).toBe('true');
    expect(urls[0].searchParams.get('namespace')).toBe('*');
    expect(urls[1].searchParams.get('next_token')).toBe('c');
    expect(urls[1].searchParams.get('index')).toBeNull();
    expect(urls[2].searchParams.get('next_token')).toBe('e');
  });

  it('lists allocations across namespaces with resources and a filter, page by page; reads client stats with 404 as NotFoundError', async () => {
    server.next(
      reply(200, [{ ID: 'a1' }], { 'X-Nomad-Index': '70', 'X-Nomad-NextToken': 'a2' }),
      reply(200, [{ ID: 'a2' }], { 'X-Nomad-Index': '70' }),
      reply(200, { ResourceUsage: null, Tasks: { app: { ResourceUsage: null, Timestamp: 1, Pids: null } }, Timestamp: 1 }),
      reply(404, 'Unknown allocation "zz"', { 'Content-Type': 'text/plain' }),
    );
    const res = await nomad.listAllocations({ namespace: '*', resources: true, filter: 'JobID == "web"' });
    expect(res).toEqual({ items: [{ ID: 'a1' }, { ID: 'a2' }], index: 70 });
    const urls = server.seen.map((s) => new URL(s.url, 'http://x'));
    expect(urls[0].pathname).toBe('/v1/allocations');
    expect(Object.fromEntries(urls[0].searchParams)).toEqual({ namespace: '*', resources: 'true', filter: 'JobID == "web"' });
    expect(urls[1].searchParams.get('next_token')).toBe('a2');
    const stats = await nomad.allocationStats('a1', { namespace: 'es' });
    expect(Object.keys(stats.Tasks ?? {})).toEqual(['app']);
    const statsUrl = new URL(server.seen[2].url, 'http://x');
    expect(statsUrl.pathname).toBe('/v1/client/allocation/a1/stats');
    expect(statsUrl.searchParams.get('namespace')).toBe('es');
    await expect(nomad.allocationStats('zz')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a blocking job list resets to index 0 when the server index goes backwards', async () => {
    server.next(
      reply(200, [{ ID: 'a' }], { 'X-Nomad-Index': '100' }),
      reply(200, [{ ID: 'a' }, { ID: 'b' }], { 'X-Nomad-Index': '120' }),
      reply(200, [{ ID: 'x' }], { 'X-Nomad-Index': '5' }), // snapshot restore: backwards
      reply(200, [{ ID: 'x' }, { ID: 'y' }], { 'X-Nomad-Index': '6' }),
    );
    const q = new BlockingQuery((index, signal) => nomad.listJobs({ index, wait: '30s', signal }).then((r) => ({ value: r.items.map((j) => j.ID), index: r.index })), clock);
    expect(await q.next()).toEqual({ value: ['a'], index: 100, reset: false });
    expect(await q.next()).toEqual({ value: ['a', 'b'], index: 120, reset: false });
    expect(await q.next()).toEqual({ value: ['x', 'y'], index: 6, reset: true });
    const sent = server.seen.map((s) => new URL(s.url, 'http://x').searchParams.get('index'));
    expect(sent).toEqual([null, '100', '120', null]);
  });

  it('reads capabilities once and caches them; an older server disables meta job lists', async () => {
    server.next(reply(200, { config: { Version: { Version: '1.4.3', VersionPrerelease: '' }, Region: 'global', Datacenter: 'dc1' } }));
    const [a, b] = await Promise.all([nomad.capabilities(), nomad.capabilities()]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ version: '1.4.3', jobListMeta: false, vaultPolicies: true, region: 'global' });
    await nomad.capabilities();
    expect(server.seen.filter((s) => s.url.startsWith('/v1/agent/self'))).toHaveLength(1);
  });

  it('streams event frames, reports heartbeats to onHeartbeat, and ends quietly on abort', async () => {
    const ndjson = fs.readFileSync(path.join(fixtures, 'nomad-event-stream.ndjson'), 'utf8');
    const lines = ndjson.split('\n').filter((l) => l.trim());
    server.next((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // Split mid-line to exercise reassembly.
      const cut = Math.floor(ndjson.length / 2);
      res.write(ndjson.slice(0, cut));
      setImmediate(() => res.write(ndjson.slice(cut)));
    });
    const ac = new AbortController();
    const frames: EventStreamFrame[] = [];
    let heartbeats = 0;
    const expectedFrames = lines.filter((l) => l.trim() !== '{}').length;
    for await (const frame of nomad.eventStream({ topics: ['Job:web', 'Deployment:web'], namespace: '*', index: 7, signal: ac.signal, onHeartbeat: () => heartbeats++ })) {
      frames.push(frame);
      if (frames.length === expectedFrames) ac.abort();
    }
    expect(heartbeats).toBe(lines.filter((l) => l.trim() === '{}').length);
    expect(heartbeats).toBeGreaterThan(0);
    expect(frames.map((f) => f.Index)).toEqual(lines.filter((l) => l.trim() !== '{}').map((l) => (JSON.parse(l) as { Index: number }).Index));
    expect(frames[0].Events.length).toBeGreaterThan(0);
    const url = new URL(server.seen[0].url, 'http://x');
    expect(url.pathname).toBe('/v1/event/stream');
    expect(url.searchParams.getAll('topic')).toEqual(['Job:web', 'Deployment:web']);
    expect(url.searchParams.get('index')).toBe('7');
  });

  it('fails a silent event stream with TimeoutError after the idle budget on the clock', async () => {
    server.next((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{}\n');
    });
    let heartbeats = 0;
    const run = (async () => {
      for await (const _frame of nomad.eventStream({ onHeartbeat: () => heartbeats++ })) {
        // no frames expected
      }
    })();
    const outcome = run.then(
      () => 'ended',
      (e: unknown) => e,
    );
    await waitFor(() => heartbeats === 1);
    await clock.advance(59_999);
    let settled = false;
    void outcome.then(() => (settled = true));
    await clock.advance(0);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(await outcome).toBeInstanceOf(TimeoutError);
  });

  it('reports a stream the server closes as UnavailableError (reconnect from the last index)', async () => {
    server.next((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"Index":3,"Events":[]}\n');
    });
    const frames: EventStreamFrame[] = [];
    const err = await (async () => {
      for await (const frame of nomad.eventStream({})) frames.push(frame);
    })().catch((e: unknown) => e);
    expect(frames).toEqual([{ Index: 3, Events: [] }]);
    expect(err).toBeInstanceOf(UnavailableError);
  });

  const drain = async (stream: AsyncIterable<EventStreamFrame>): Promise<{ frames: EventStreamFrame[]; err: unknown }> => {
    const frames: EventStreamFrame[] = [];
    const err = await (async () => {
      for await (const frame of stream) frames.push(frame);
    })().then(() => undefined, (e: unknown) => e);
    return { frames, err };
  };

  it('reports a stream that ends before its first byte as ForbiddenError: Nomad answers a token that may not read the topics with 200, then EOF', async () => {
    // As Nomad does (command/agent/event_endpoint.go): 200 without a length, the connection closed cleanly.
    server.next((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end();
    });
    const { frames, err } = await drain(nomad.eventStream({ topics: ['Job:web'], namespace: 'apps' }));
    expect(frames).toEqual([]);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as ForbiddenError).message).toMatch(/^nomad GET \/v1\/event\/stream: 200: .*Permission denied/);
    expect((err as ForbiddenError).transient).toBe(false);
  });

  it('a stream that ends after a heartbeat is not a permission failure', async () => {
    server.next((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}\n');
    });
    const { err } = await drain(nomad.eventStream({}));
    expect(err).toBeInstanceOf(UnavailableError);
  });

  it('a connection broken before the first byte stays UnavailableError', async () => {
    server.next((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      setImmediate(() => drop(_q, res));
    });
    const { err } = await drain(nomad.eventStream({}));
    expect(err).toBeInstanceOf(UnavailableError);
  });

  it('reconnecting streams on one long-lived signal do not pile up abort listeners', async () => {
    const ac = new AbortController();
    let added = 0;
    let removed = 0;
    const add = ac.signal.addEventListener.bind(ac.signal);
    const remove = ac.signal.removeEventListener.bind(ac.signal);
    ac.signal.addEventListener = ((...a: Parameters<AbortSignal['addEventListener']>) => {
      added++;
      add(...a);
    }) as AbortSignal['addEventListener'];
    ac.signal.removeEventListener = ((...a: Parameters<AbortSignal['removeEventListener']>) => {
      removed++;
      remove(...a);
    }) as AbortSignal['removeEventListener'];
    for (let i = 0; i < 5; i++) {
      server.next((_q, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(`{"Index":${i + 1},"Events":[]}\n`);
      });
      await (async () => {
        for await (const _f of nomad.eventStream({ signal: ac.signal })) {
          // drain
        }
      })().catch(() => undefined);
    }
    expect(added).toBeGreaterThan(0);
    expect(added - removed).toBe(0);
  });
});

describe('ConsulHttpClient decoding (scripted server)', () => {
  it('decodes base64 KV values and keeps the index of a missing key', async () => {
    const server = await TinyServer.start();
    const consul = new ConsulHttpClient({ address: server.url, clock: new FakeClock() });
    try {
      const body = fs.readFileSync(path.join(fixtures, 'consul-kv-read.json'), 'utf8');
      server.next(reply(200, JSON.parse(body) as unknown, { 'X-Consul-Index': '200' }), reply(404, '', { 'X-Consul-Index': '201' }));
      const got = await consul.kvGet('gitops/operator/leader');
      expect(got.index).toBe(200);
      expect(got.value?.Value).toBe('{"holder":"operator-0"}');
      expect(got.value?.Session).toMatch(/^[0-9a-f-]{36}$/);
      const missing = await consul.kvGet('gitops/none');
      expect(missing).toEqual({ value: undefined, index: 201 });
    } finally {
      consul.close();
      await server.stop();
    }
  });
});
