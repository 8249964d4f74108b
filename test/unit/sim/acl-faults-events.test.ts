import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import type { EventFrame, JobListStub } from '../../../lib/core/nomad/types';
import { http, serviceJob, untilReceived } from './http';

describe('simulator: ACLs', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await Simulator.start({ clock: new FakeClock(), acl: true, namespaces: ['apps', 'team-b'] });
  });
  afterEach(async () => {
    await sim.stop();
  });

  test('a namespace-bound token gets 403 Permission denied outside its namespace', async () => {
    const mgmt = { 'X-Nomad-Token': sim.managementToken };
    const apps = { 'X-Nomad-Token': sim.createToken({ namespace: 'apps' }) };
    const reader = { Authorization: `Bearer ${sim.createToken({ namespace: 'apps', policy: 'read' })}` };
    expect((await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=team-b`, { Job: serviceJob('b') }, mgmt)).status).toBe(200);
    expect((await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('a', { Namespace: 'apps' }) }, apps)).status).toBe(200);
    const denied = await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=default`, { Job: serviceJob('x') }, apps);
    expect(denied.status).toBe(403);
    expect(denied.text).toBe('Permission denied');
    expect((await http('GET', `${sim.nomadUrl}/v1/jobs?namespace=team-b`, undefined, apps)).status).toBe(403);
    expect((await http('GET', `${sim.nomadUrl}/v1/job/b?namespace=team-b`, undefined, apps)).status).toBe(403);
    const all = await http<JobListStub[]>('GET', `${sim.nomadUrl}/v1/jobs?namespace=*`, undefined, apps);
    expect(all.json.map((j) => j.ID)).toEqual(['a']);
    expect((await http<JobListStub[]>('GET', `${sim.nomadUrl}/v1/jobs?namespace=*`, undefined, mgmt)).json).toHaveLength(2);
    expect((await http('GET', `${sim.nomadUrl}/v1/jobs`)).status).toBe(403);
    expect((await http('GET', `${sim.nomadUrl}/v1/jobs`, undefined, { 'X-Nomad-Token': 'bogus' })).status).toBe(403);
    expect((await http('GET', `${sim.nomadUrl}/v1/job/a?namespace=apps`, undefined, reader)).status).toBe(200);
    expect((await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: serviceJob('r') }, reader)).status).toBe(403);
    expect((await http('POST', `${sim.nomadUrl}/v1/namespace/new`, { Name: 'new' }, apps)).status).toBe(403);
    expect((await http('POST', `${sim.nomadUrl}/v1/namespace/new`, { Name: 'new', Description: 'd' }, mgmt)).status).toBe(200);
    expect((await http('POST', `${sim.nomadUrl}/v1/namespace/new`, { Name: 'other' }, mgmt)).text).toBe('Namespace name does not match request path');
    const ns = await http<{ Name: string; Description: string }>('GET', `${sim.nomadUrl}/v1/namespace/new`, undefined, mgmt);
    expect(ns.json).toMatchObject({ Name: 'new', Description: 'd' });
    expect((await http('GET', `${sim.nomadUrl}/v1/namespace/none`, undefined, mgmt)).text).toBe('Namespace not found');
  });
});

describe('simulator: faults', () => {
  let sim: Simulator;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 5 });
  });
  afterEach(async () => {
    await sim.stop();
  });

  test('error for the next N calls of a route, then normal service; all counted', async () => {
    sim.fault({ route: 'POST /v1/jobs', kind: 'error', status: 503, body: 'rpc error: overloaded', count: 2 });
    const a = await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web') });
    const b = await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web') });
    const c = await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web') });
    expect([a.status, b.status, c.status]).toEqual([503, 503, 200]);
    expect(a.text).toBe('rpc error: overloaded');
    expect((await http('GET', `${sim.nomadUrl}/v1/jobs`)).status).toBe(200);
    expect(sim.requestCounts('nomad')).toEqual({ 'POST /v1/jobs': 3, 'GET /v1/jobs': 1 });
  });

  test('latency waits on the clock', async () => {
    sim.fault({ route: 'GET /v1/jobs', kind: 'latency', ms: 5000, count: 1 });
    let done = false;
    const listsBefore = sim.requestCounts()['GET /v1/jobs'] ?? 0;
    const slow = http('GET', `${sim.nomadUrl}/v1/jobs`).then((r) => {
      done = true;
      return r;
    });
    await untilReceived(sim, 'GET /v1/jobs', listsBefore);
    expect(done).toBe(false);
    await clock.advance(5000);
    expect((await slow).status).toBe(200);
  });

  test('drop destroys the connection; partition holds the request until healed; lost leader', async () => {
    sim.fault({ route: 'ALL', api: 'consul', kind: 'drop', count: 1 });
    await expect(http('GET', `${sim.consulUrl}/v1/kv/x`)).rejects.toThrow();
    expect((await http('GET', `${sim.consulUrl}/v1/kv/x`)).status).toBe(404);

    const post = await http<{ ids: number[] }>('POST', `${sim.nomadUrl}/_sim/faults`, { route: '/v1/job/:id', kind: 'partition' });
    expect(post.json.ids).toHaveLength(1);
    let answered = false;
    const readsBefore = sim.requestCounts()['GET /v1/job/:id'] ?? 0;
    const held = http('GET', `${sim.nomadUrl}/v1/job/web`).then((r) => {
      answered = true;
      return r;
    });
    await untilReceived(sim, 'GET /v1/job/:id', readsBefore);
    expect(answered).toBe(false);
    await http('DELETE', `${sim.nomadUrl}/_sim/faults`);
    expect((await held).status).toBe(404);

    sim.fault({ kind: 'leader', api: 'nomad', count: 1 });
    const lost = await http('GET', `${sim.nomadUrl}/v1/jobs`);
    expect(lost.status).toBe(500);
    expect(lost.text).toBe('No cluster leader');
    expect(lost.headers.get('x-nomad-knownleader')).toBe('false');
  });

  test('rate faults are deterministic under the seed', async () => {
    const pattern = async (s: Simulator): Promise<number[]> => {
      s.fault({ route: 'GET /v1/nodes', kind: 'error', rate: 0.5 });
      const out: number[] = [];
      for (let i = 0; i < 16; i++) out.push((await http('GET', `${s.nomadUrl}/v1/nodes`)).status);
      return out;
    };
    const other = await Simulator.start({ clock: new FakeClock(), seed: 5 });
    try {
      const p1 = await pattern(sim);
      const p2 = await pattern(other);
      expect(p1).toEqual(p2);
      expect(p1).toContain(500);
      expect(p1).toContain(200);
    } finally {
      await other.stop();
    }
  });

  test('fail-image over HTTP makes checks critical', async () => {
    await http('POST', `${sim.nomadUrl}/_sim/fail-image`, { pattern: 'web:bad' });
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', {}, { Count: 1 }, 'acme/web:bad') });
    await http('POST', `${sim.nomadUrl}/_sim/settle`);
    const h = await http<Array<{ Checks: Array<{ Status: string }> }>>('GET', `${sim.consulUrl}/v1/health/service/web`);
    expect(h.json[0].Checks[1].Status).toBe('critical');
  });
});

async function readFrames(url: string, until: (frames: EventFrame[]) => boolean, step: () => Promise<void>): Promise<EventFrame[]> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const frames: EventFrame[] = [];
  let buf = '';
  const decoder = new TextDecoder();
  let stepped = false;
  try {
    while (!until(frames)) {
      if (!stepped) {
        stepped = true;
        void step();
      }
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        frames.push(JSON.parse(buf.slice(0, nl)) as EventFrame);
        buf = buf.slice(nl + 1);
      }
    }
  } finally {
    ac.abort();
  }
  return frames;
}

describe('simulator: event stream', () => {
  let sim: Simulator;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 9 });
  });
  afterEach(async () => {
    await sim.stop();
  });

  test('NDJSON frames filtered by topic key, then a heartbeat on the clock', async () => {
    const frames = await readFrames(
      `${sim.nomadUrl}/v1/event/stream?topic=Job:web&topic=Deployment:web&topic=Allocation:web`,
      (f) => f.some((x) => x.Events === undefined),
      async () => {
        await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('api') });
        await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', {}, { Count: 1, Update: { MaxParallel: 1 } }) });
        await sim.settle();
        await clock.advance(30_000);
      },
    );
    const events = frames.flatMap((f) => f.Events ?? []);
    expect(events.every((e) => e.Key === 'web' || e.FilterKeys?.includes('web'))).toBe(true);
    expect(events.some((e) => e.Topic === 'Job' && e.Type === 'JobRegistered')).toBe(true);
    expect(events.some((e) => e.Topic === 'Allocation')).toBe(true);
    const deployment = events.filter((e) => e.Topic === 'Deployment').pop();
    expect((deployment?.Payload.Deployment as { Status: string }).Status).toBe('successful');
    for (const f of frames) if (f.Index !== undefined) expect(f.Events?.every((e) => e.Index === f.Index)).toBe(true);
    expect(frames[frames.length - 1]).toEqual({});
  });

  test('index replays buffered frames; namespace filters', async () => {
    await sim.stop();
    sim = await Simulator.start({ clock, seed: 9, namespaces: ['apps'] });
    await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: serviceJob('in-apps') });
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('in-default') });
    const frames = await readFrames(
      `${sim.nomadUrl}/v1/event/stream?index=1&namespace=apps&topic=Job`,
      (f) => f.some((x) => x.Events?.some((e) => e.Key === 'late')),
      async () => {
        await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: serviceJob('late') });
      },
    );
    const keys = frames.flatMap((f) => f.Events ?? []).map((e) => `${e.Namespace}/${e.Key}`);
    expect(keys).toEqual(['apps/in-apps', 'apps/late']);
  });

  test('bad topic is 400', async () => {
    const res = await http('GET', `${sim.nomadUrl}/v1/event/stream?topic=a:b:c`);
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/^Invalid topic query/);
  });
});
