import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { http, untilReceived } from './http';

interface KvRow {
  Key: string;
  Value: string | null;
  Session?: string;
  LockIndex: number;
  ModifyIndex: number;
  Flags: number;
}

describe('simulator: Consul KV and sessions', () => {
  let sim: Simulator;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 3 });
  });
  afterEach(async () => {
    await sim.stop();
  });

  test('put, get (base64, index), cas create-only and cas on ModifyIndex', async () => {
    const missing = await http('GET', `${sim.consulUrl}/v1/kv/gitops/leader`);
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('');
    expect(Number(missing.headers.get('x-consul-index'))).toBeGreaterThan(0);
    expect((await http('PUT', `${sim.consulUrl}/v1/kv/gitops/leader?cas=0&flags=42`, 'one')).json).toBe(true);
    expect((await http('PUT', `${sim.consulUrl}/v1/kv/gitops/leader?cas=0`, 'two')).json).toBe(false);
    const got = await http<KvRow[]>('GET', `${sim.consulUrl}/v1/kv/gitops/leader`);
    expect(got.json[0]).toMatchObject({ Key: 'gitops/leader', Flags: 42, Value: Buffer.from('one').toString('base64'), LockIndex: 0 });
    expect(got.json[0].Session).toBeUndefined();
    expect(got.headers.get('x-consul-index')).toBe(String(got.json[0].ModifyIndex));
    const idx = got.json[0].ModifyIndex;
    expect((await http('PUT', `${sim.consulUrl}/v1/kv/gitops/leader?cas=${idx + 1}`, 'three')).json).toBe(false);
    expect((await http('PUT', `${sim.consulUrl}/v1/kv/gitops/leader?cas=${idx}`, 'three')).json).toBe(true);
    const raw = await http('GET', `${sim.consulUrl}/v1/kv/gitops/leader?raw`);
    expect(raw.text).toBe('three');
    expect((await http('PUT', `${sim.consulUrl}/v1/kv/gitops/leader?cas=1&acquire=x`, 'x')).status).toBe(400);
  });

  test('recurse, keys, delete with recurse and cas', async () => {
    await http('PUT', `${sim.consulUrl}/v1/kv/app/a`, '1');
    await http('PUT', `${sim.consulUrl}/v1/kv/app/b/c`, '2');
    await http('PUT', `${sim.consulUrl}/v1/kv/other`, '3');
    const rec = await http<KvRow[]>('GET', `${sim.consulUrl}/v1/kv/app/?recurse`);
    expect(rec.json.map((r) => r.Key)).toEqual(['app/a', 'app/b/c']);
    expect((await http<string[]>('GET', `${sim.consulUrl}/v1/kv/app/?keys&separator=/`)).json).toEqual(['app/a', 'app/b/']);
    const a = (await http<KvRow[]>('GET', `${sim.consulUrl}/v1/kv/app/a`)).json[0];
    expect((await http('DELETE', `${sim.consulUrl}/v1/kv/app/a?cas=${a.ModifyIndex + 5}`)).json).toBe(false);
    expect((await http('DELETE', `${sim.consulUrl}/v1/kv/app/a?cas=${a.ModifyIndex}`)).json).toBe(true);
    expect((await http('DELETE', `${sim.consulUrl}/v1/kv/app?recurse`)).json).toBe(true);
    expect((await http('GET', `${sim.consulUrl}/v1/kv/app/?recurse`)).status).toBe(404);
    expect((await http('GET', `${sim.consulUrl}/v1/kv/other`)).status).toBe(200);
  });

  test('acquire and release with sessions; lock index; unknown session is 500', async () => {
    const s1 = (await http<{ ID: string }>('PUT', `${sim.consulUrl}/v1/session/create`, { Name: 'op-1', TTL: '15s', Checks: [] })).json.ID;
    const s2 = (await http<{ ID: string }>('PUT', `${sim.consulUrl}/v1/session/create`, { Name: 'op-2', TTL: '15s', Checks: [] })).json.ID;
    expect((await http('PUT', `${sim.consulUrl}/v1/kv/lock?acquire=${s1}`, 'op-1')).json).toBe(true);
    expect((await http('PUT', `${sim.consulUrl}/v1/kv/lock?acquire=${s2}`, 'op-2')).json).toBe(false);
    expect((await http('PUT', `${sim.consulUrl}/v1/kv/lock?acquire=${s1}`, 'op-1')).json).toBe(true);
    let row = (await http<KvRow[]>('GET', `${sim.consulUrl}/v1/kv/lock`)).json[0];
    expect(row).toMatchObject({ Session: s1, LockIndex: 1 });
    expect((await http('PUT', `${sim.consulUrl}/v1/kv/lock?release=${s2}`, '')).json).toBe(false);
    expect((await http('PUT', `${sim.consulUrl}/v1/kv/lock?release=${s1}`, 'free')).json).toBe(true);
    row = (await http<KvRow[]>('GET', `${sim.consulUrl}/v1/kv/lock`)).json[0];
    expect(row.Session).toBeUndefined();
    expect(row.LockIndex).toBe(1);
    expect((await http('PUT', `${sim.consulUrl}/v1/kv/lock?acquire=${s2}`, 'op-2')).json).toBe(true);
    expect((await http<KvRow[]>('GET', `${sim.consulUrl}/v1/kv/lock`)).json[0].LockIndex).toBe(2);
    const bad = await http('PUT', `${sim.consulUrl}/v1/kv/lock?acquire=nope`, 'x');
    expect(bad.status).toBe(500);
    expect(bad.text).toBe('invalid session "nope"');
    const info = await http<Array<{ ID: string; TTL: string; LockDelay: number; Behavior: string; NodeChecks: unknown }>>('GET', `${sim.consulUrl}/v1/session/info/${s1}`);
    expect(info.json[0]).toMatchObject({ ID: s1, TTL: '15s', LockDelay: 15e9, Behavior: 'release', NodeChecks: null });
  });

  test('a TTL session not renewed expires after 2xTTL on the clock and releases its lock; renew keeps it', async () => {
    const sid = (await http<{ ID: string }>('PUT', `${sim.consulUrl}/v1/session/create`, { TTL: '10s', LockDelay: '0s' })).json.ID;
    const kept = (await http<{ ID: string }>('PUT', `${sim.consulUrl}/v1/session/create`, { TTL: '10s' })).json.ID;
    expect((await http('PUT', `${sim.consulUrl}/v1/kv/leader?acquire=${sid}`, 'me')).json).toBe(true);
    await clock.advance(15_000);
    expect((await http('PUT', `${sim.consulUrl}/v1/session/renew/${kept}`)).status).toBe(200);
    await clock.advance(6_000);
    expect((await http<unknown[]>('GET', `${sim.consulUrl}/v1/session/info/${sid}`)).json).toEqual([]);
    expect((await http<unknown[]>('GET', `${sim.consulUrl}/v1/session/info/${kept}`)).json).toHaveLength(1);
    const row = (await http<KvRow[]>('GET', `${sim.consulUrl}/v1/kv/leader`)).json[0];
    expect(row.Session).toBeUndefined();
    const renew = await http('PUT', `${sim.consulUrl}/v1/session/renew/${sid}`);
    expect(renew.status).toBe(404);
    expect(renew.text).toBe(`Session id '${sid}' not found`);
  });

  test('blocking KV read wakes on write', async () => {
    await http('PUT', `${sim.consulUrl}/v1/kv/k`, 'a');
    const first = await http('GET', `${sim.consulUrl}/v1/kv/k`);
    const index = Number(first.headers.get('x-consul-index'));
    const kvBefore = sim.requestCounts('consul')['GET /v1/kv/:key*'] ?? 0;
    const waiting = http<KvRow[]>('GET', `${sim.consulUrl}/v1/kv/k?index=${index}&wait=1m`);
    await untilReceived({ requestCounts: () => sim.requestCounts('consul') }, 'GET /v1/kv/:key*', kvBefore);
    await http('PUT', `${sim.consulUrl}/v1/kv/k`, 'b');
    const res = await waiting;
    expect(Buffer.from(String(res.json[0].Value), 'base64').toString()).toBe('b');
    expect(Number(res.headers.get('x-consul-index'))).toBeGreaterThan(index);
  });
});
