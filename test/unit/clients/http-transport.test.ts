import * as util from 'node:util';
import { HttpTransport, type HttpLogger, type RetryEvent } from '../../../lib/adapters/http/http-transport';
import { backoffCeiling } from '../../../lib/adapters/http/backoff';
import { CasConflictError, ForbiddenError, TimeoutError, UnavailableError, type ApiError } from '../../../lib/ports/errors';
import { FakeClock } from '../../../lib/runtime/clock';
import { drop, hang, reply, TinyServer, waitFor } from './tiny-server';

const TOKEN = 'c0ffee00-dead-beef-cafe-000000000001';

describe('HttpTransport', () => {
  let server: TinyServer;
  let clock: FakeClock;
  let retries: RetryEvent[];
  let logs: string[];
  let t: HttpTransport;
  const logger: HttpLogger = {
    debug: (o, m) => logs.push(JSON.stringify({ ...o, m })),
    warn: (o, m) => logs.push(JSON.stringify({ ...o, m })),
  };

  beforeEach(async () => {
    server = await TinyServer.start();
    clock = new FakeClock();
    retries = [];
    logs = [];
    t = new HttpTransport({
      service: 'nomad',
      baseUrl: server.url,
      token: TOKEN,
      tokenHeader: 'X-Nomad-Token',
      indexHeader: 'X-Nomad-Index',
      clock,
      seed: 3,
      timeoutMs: 5000,
      backoff: { baseMs: 100, capMs: 1000, maxAttempts: 3 },
      logger,
      onRetry: (e) => retries.push(e),
    });
  });
  afterEach(async () => {
    t.close();
    await server.stop();
  });

  /** Advances the fake clock through each backoff as the transport announces it. */
  async function driveRetries(p: Promise<unknown>, expected: number): Promise<void> {
    p.catch(() => undefined); // handled here; the test inspects the outcome itself
    for (let i = 0; i < expected; i++) {
      await waitFor(() => retries.length > i);
      await clock.advance(retries[i].delayMs);
    }
    await p.then(
      () => undefined,
      () => undefined,
    );
  }

  it('sends the token header, parses JSON and the index header', async () => {
    server.next(reply(200, [{ ID: 'a' }], { 'X-Nomad-Index': '42' }));
    const res = await t.json<Array<{ ID: string }>>({ method: 'GET', path: '/v1/jobs', query: { namespace: '*', prefix: undefined }, retry: 'idempotent' });
    expect(res.data).toEqual([{ ID: 'a' }]);
    expect(res.index).toBe(42);
    expect(server.seen[0].headers['x-nomad-token']).toBe(TOKEN);
    expect(server.seen[0].url).toBe('/v1/jobs?namespace=*');
  });

  it('retries 5xx with capped exponential backoff on the clock, then succeeds', async () => {
    server.next(reply(503, 'busy'), reply(500, 'No cluster leader'), reply(200, { ok: true }));
    const p = t.json<{ ok: boolean }>({ method: 'GET', path: '/v1/job/web', retry: 'idempotent' });
    await driveRetries(p, 2);
    const res = await p;
    expect(res.data).toEqual({ ok: true });
    expect(res.attempts).toBe(3);
    expect(server.seen).toHaveLength(3);
    expect(retries.map((r) => [r.attempt, r.status])).toEqual([[1, 503], [2, 500]]);
    retries.forEach((r, i) => {
      expect(r.delayMs).toBeGreaterThanOrEqual(0);
      expect(r.delayMs).toBeLessThan(backoffCeiling(i, { baseMs: 100, capMs: 1000 }));
    });
  });

  it('does not sleep for real: a backoff waits until the clock moves', async () => {
    server.next(reply(502, ''), reply(200, {}));
    const p = t.json({ method: 'GET', path: '/v1/x', retry: 'idempotent' });
    await waitFor(() => retries.length === 1);
    let settled = false;
    void p.then(() => (settled = true));
    // Enough real time for a request to complete if one were sent.
    await new Promise((r) => setTimeout(r, 50));
    expect(server.seen).toHaveLength(1);
    await clock.advance(retries[0].delayMs);
    await p;
    expect(settled).toBe(true);
    expect(server.seen).toHaveLength(2);
  });

  it('gives up after maxAttempts with UnavailableError', async () => {
    server.otherwise(reply(500, 'boom'));
    const p = t.json({ method: 'GET', path: '/v1/x', retry: 'idempotent' });
    await driveRetries(p, 2);
    const err = (await p.catch((e: unknown) => e)) as UnavailableError;
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.attempts).toBe(3);
    expect(err.status).toBe(500);
    expect(server.seen).toHaveLength(3);
  });

  it('retries dropped connections for idempotent requests', async () => {
    server.next(drop, reply(200, { ok: 1 }));
    const p = t.json({ method: 'GET', path: '/v1/x', retry: 'idempotent' });
    await driveRetries(p, 1);
    expect((await p).data).toEqual({ ok: 1 });
    expect(retries[0].code).toBe('ECONNRESET');
  });

  it('does not retry an unsent-only write after an ambiguous drop', async () => {
    server.next(drop, reply(200, true));
    const err = await t.json({ method: 'PUT', path: '/v1/kv/k', query: { cas: 3 }, body: 'v', rawBody: true, retry: 'unsent-only' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(server.seen).toHaveLength(1);
    expect(retries).toHaveLength(0);
  });

  it('retries an unsent-only write when the connection was refused', async () => {
    const port = new URL(server.url).port;
    await server.stop();
    const t2 = new HttpTransport({ service: 'consul', baseUrl: `http://127.0.0.1:${port}`, tokenHeader: 'X-Consul-Token', indexHeader: 'X-Consul-Index', clock, backoff: { baseMs: 10, capMs: 10, maxAttempts: 2 }, onRetry: (e) => retries.push(e) });
    const p = t2.json({ method: 'PUT', path: '/v1/session/create', body: {}, retry: 'unsent-only' });
    await driveRetries(p, 1);
    const err = (await p.catch((e: unknown) => e)) as UnavailableError;
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.attempts).toBe(2);
    server = await TinyServer.start();
  });

  it('times out a partitioned request through the clock (TimeoutError after retries)', async () => {
    server.otherwise(hang);
    const p = t.json({ method: 'GET', path: '/v1/jobs', retry: 'idempotent', timeoutMs: 2000 });
    const errP = p.catch((e: unknown) => e);
    for (let i = 0; i < 3; i++) {
      await waitFor(() => server.seen.length > i);
      await clock.advance(2000);
      if (i < 2) {
        await waitFor(() => retries.length > i);
        await clock.advance(retries[i].delayMs);
      }
    }
    const err = (await errP) as TimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.timeoutMs).toBe(2000);
    expect(err.attempts).toBe(3);
    expect(err.message).toBe('nomad GET /v1/jobs: no response: no response within 2000ms');
  });

  it('marks a CAS conflict that follows an ambiguous failure', async () => {
    server.next(reply(500, 'rpc error: EOF'), reply(500, 'Enforcing job modify index 7: job exists with conflicting job modify index: 9'));
    const p = t.json({ method: 'POST', path: '/v1/jobs', body: { Job: {} }, retry: 'idempotent' });
    await driveRetries(p, 1);
    const err = (await p.catch((e: unknown) => e)) as CasConflictError;
    expect(err).toBeInstanceOf(CasConflictError);
    expect(err.afterRetry).toBe(true);
    expect(err.sentIndex).toBe(7);
    expect(err.currentIndex).toBe(9);
  });

  it('a caller abort rejects with the abort reason and stops retrying', async () => {
    server.otherwise(hang);
    const ac = new AbortController();
    const p = t.json({ method: 'GET', path: '/v1/x', retry: 'idempotent', signal: ac.signal });
    await waitFor(() => server.seen.length === 1);
    ac.abort(new Error('shutdown'));
    await expect(p).rejects.toThrow('shutdown');
    expect(retries).toHaveLength(0);
  });

  it('never leaks the token: not in messages, enumerable properties, inspect output, or logs', async () => {
    server.next(reply(403, `Permission denied: token ${TOKEN} lacks capability`), reply(500, `weird ${TOKEN}`), reply(500, `weird ${TOKEN}`), reply(500, `weird ${TOKEN}`));
    const e1 = (await t.json({ method: 'GET', path: `/v1/jobs`, query: { token: 'x' }, retry: 'idempotent' }).catch((e: unknown) => e)) as ApiError;
    expect(e1).toBeInstanceOf(ForbiddenError);
    expect(e1.serverMessage).toBe('Permission denied: token <redacted> lacks capability');
    const p = t.json({ method: 'POST', path: '/v1/jobs', body: { Job: { ID: 'x' } }, retry: 'idempotent' });
    await driveRetries(p, 2);
    const e2 = (await p.catch((e: unknown) => e)) as ApiError;
    for (const e of [e1, e2]) {
      expect(e.message).not.toContain(TOKEN);
      expect(JSON.stringify(e)).not.toContain(TOKEN);
      expect(util.inspect(e, { depth: 10, showHidden: true })).not.toContain(TOKEN);
      expect(String(e.stack)).not.toContain(TOKEN);
      expect(Object.values(e).map(String).join(' ')).not.toContain(TOKEN);
      expect(e.route).not.toContain('?');
    }
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(TOKEN);
    expect(server.seen.every((s) => s.headers['x-nomad-token'] === TOKEN)).toBe(true);
  });
});
