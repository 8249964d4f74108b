import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import type { EventFrame, Job, JobListStub, JobPlanResponse } from '../../../lib/core/nomad/types';
import { http, serviceJob, untilReceived } from './http';

type RegisterReply = { EvalID: string; EvalCreateIndex: number; JobModifyIndex: number; Index: number };
type Eval = { ID: string; Type: string; CreateIndex: number };

/** Reads the stream until `count` lines arrived or it ends; returns the status, the lines and whether it ended. */
async function readStream(url: string, count: number, headers: Record<string, string> = {}): Promise<{ status: number; frames: EventFrame[]; ended: boolean }> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal, headers });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const frames: EventFrame[] = [];
  let buf = '';
  let ended = false;
  try {
    while (frames.length < count) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
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
  return { status: res.status, frames, ended };
}

describe('simulator: API details as in Nomad\'s source', () => {
  let sim: Simulator;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 11, namespaces: ['apps'] });
  });
  afterEach(async () => {
    await sim.stop();
  });

  test('a new version and its evaluation are one write: JobModifyIndex == EvalCreateIndex == Index', async () => {
    const first = await http<RegisterReply>('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web') });
    expect(first.json.EvalCreateIndex).toBe(first.json.JobModifyIndex);
    expect(first.json.Index).toBe(first.json.JobModifyIndex);
    const ev = await http<Eval>('GET', `${sim.nomadUrl}/v1/evaluation/${first.json.EvalID}`);
    expect(ev.json.CreateIndex).toBe(first.json.Index);
    const second = await http<RegisterReply>('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Priority: 70 }) });
    expect([second.json.EvalCreateIndex, second.json.Index]).toEqual([second.json.JobModifyIndex, second.json.JobModifyIndex]);
    const same = await http<RegisterReply>('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Priority: 70 }) });
    const job = (await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json;
    expect(same.json.JobModifyIndex).toBe(job.ModifyIndex);
    expect(same.json.EvalCreateIndex).toBe(same.json.Index);
    expect(same.json.Index).toBeGreaterThan(second.json.Index);
  });

  test('PreserveCounts applies after SpecChanged: a count-only change writes a new version with the old count', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web') });
    await sim.settle();
    const reg = await http<RegisterReply>('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', {}, { Count: 5 }), PreserveCounts: true });
    const job = (await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json;
    expect(job.Version).toBe(1);
    expect(job.JobModifyIndex).toBe(reg.json.JobModifyIndex);
    expect(job.TaskGroups[0].Count).toBe(2);
  });

  test('a blocking query with wait of zero or less waits Nomad\'s default, not zero', async () => {
    const index = Number((await http('GET', `${sim.nomadUrl}/v1/jobs`)).headers.get('x-nomad-index'));
    for (const wait of ['0s', '-5s']) {
      const before = sim.requestCounts()['GET /v1/jobs'] ?? 0;
      let done = false;
      const pending = http('GET', `${sim.nomadUrl}/v1/jobs?index=${index}&wait=${wait}`).then((r) => {
        done = true;
        return r;
      });
      await untilReceived(sim, 'GET /v1/jobs', before);
      await clock.advance(299_000);
      await new Promise((r) => setImmediate(r));
      expect(done).toBe(false);
      await clock.advance(1_000);
      const res = await pending;
      expect(res.status).toBe(200);
    }
  });

  test('meta and purge are Go bools: odd spellings work, anything else is a 500 with Nomad\'s text', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Meta: { team: 'a' } }) });
    const t = await http<JobListStub[]>('GET', `${sim.nomadUrl}/v1/jobs?meta=T`);
    expect(t.json[0].Meta).toEqual({ team: 'a' });
    const bad = await http('GET', `${sim.nomadUrl}/v1/jobs?meta=yes`);
    expect([bad.status, bad.text]).toEqual([500, 'Failed to parse value of "meta" (yes) as a bool: strconv.ParseBool: parsing "yes": invalid syntax']);
    expect((await http('GET', `${sim.nomadUrl}/v1/jobs?meta=`)).status).toBe(200);
    const badPurge = await http('DELETE', `${sim.nomadUrl}/v1/job/web?purge=on`);
    expect([badPurge.status, badPurge.text]).toEqual([500, 'Failed to parse value of "purge" (on) as a bool: strconv.ParseBool: parsing "on": invalid syntax']);
    expect((await http('DELETE', `${sim.nomadUrl}/v1/job/web?purge=`)).status).toBe(200);
    expect((await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json.Stop).toBe(true);
    expect((await http('DELETE', `${sim.nomadUrl}/v1/job/web?purge=TRUE`)).status).toBe(200);
    expect((await http('GET', `${sim.nomadUrl}/v1/job/web`)).status).toBe(404);
  });

  test('filter on /v1/jobs sees the job, not its stub', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web') });
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('api', { Region: 'eu' }) });
    const res = await http<JobListStub[]>('GET', `${sim.nomadUrl}/v1/jobs?filter=${encodeURIComponent('Region == "global"')}`);
    expect(res.status).toBe(200);
    expect(res.json.map((j) => j.ID)).toEqual(['web']);
  });

  test('a plan that changes the job type succeeds; the register refuses it', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web') });
    const plan = await http<JobPlanResponse>('POST', `${sim.nomadUrl}/v1/job/web/plan`, { Job: serviceJob('web', { Type: 'batch' }), Diff: true });
    expect(plan.status).toBe(200);
    expect(plan.json.Diff?.Fields).toContainEqual({ Type: 'Edited', Name: 'Type', Old: 'service', New: 'batch', Annotations: null });
    const reg = await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Type: 'batch' }) });
    expect([reg.status, reg.text]).toEqual([500, 'cannot update job from type "service" to "batch"']);
  });

  test('every stop writes a new version, even of a stopped job; its evaluation is a service one in the same write', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Type: 'batch' }, { Update: null }) });
    const first = await http<RegisterReply>('DELETE', `${sim.nomadUrl}/v1/job/web`);
    const second = await http<RegisterReply>('DELETE', `${sim.nomadUrl}/v1/job/web`);
    expect([second.json.EvalCreateIndex, second.json.Index]).toEqual([second.json.JobModifyIndex, second.json.JobModifyIndex]);
    expect(second.json.JobModifyIndex).toBeGreaterThan(first.json.JobModifyIndex);
    const job = (await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json;
    expect([job.Version, job.Stop, job.JobModifyIndex]).toEqual([2, true, second.json.JobModifyIndex]);
    const ev = await http<Eval>('GET', `${sim.nomadUrl}/v1/evaluation/${second.json.EvalID}`);
    expect(ev.json.Type).toBe('service');
    const unknown = await http<RegisterReply>('DELETE', `${sim.nomadUrl}/v1/job/nope`);
    expect(unknown.json).toMatchObject({ EvalID: '', EvalCreateIndex: 0, JobModifyIndex: 0, Index: 0 });
  });

  test('revert: the agent\'s 400s, then Nomad\'s texts in its order', async () => {
    const revert = (body: unknown, id = 'web') => http('POST', `${sim.nomadUrl}/v1/job/${id}/revert`, body);
    expect((await revert({ JobVersion: 0 })).text).toBe('JobID must be specified');
    expect((await revert({ JobID: 'other', JobVersion: 0 })).text).toBe('Job ID does not match');
    const none = await revert({ JobID: 'nope', JobVersion: 0 }, 'nope');
    expect([none.status, none.text]).toEqual([500, 'job "nope" not found']);
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web') });
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Priority: 70 }) });
    expect((await revert({ JobID: 'web', JobVersion: 1, EnforcePriorVersion: 7 })).text).toBe("can't revert to current version");
    expect((await revert({ JobID: 'web', JobVersion: 5, EnforcePriorVersion: 7 })).text).toBe('job "web" in namespace "default" at version 5 not found');
    expect((await revert({ JobID: 'web', JobVersion: 0, EnforcePriorVersion: 7 })).text).toBe('Current job has version 1; enforcing version 7');
    const ok = await http<RegisterReply>('POST', `${sim.nomadUrl}/v1/job/web/revert`, { JobID: 'web', JobVersion: 0, EnforcePriorVersion: 1 });
    expect(ok.status).toBe(200);
    const job = (await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json;
    expect([job.Version, job.Priority, job.JobModifyIndex]).toEqual([2, 50, ok.json.JobModifyIndex]);
  });
});

describe('simulator: event stream subscriptions as in Nomad\'s source', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await Simulator.start({ clock: new FakeClock(), seed: 13, namespaces: ['apps'] });
  });
  afterEach(async () => {
    await sim.stop();
  });

  test('namespace=* covers the namespaces that existed at subscription', async () => {
    const before = sim.requestCounts()['GET /v1/event/stream'] ?? 0;
    const reading = readStream(`${sim.nomadUrl}/v1/event/stream?namespace=*&topic=Job`, 1);
    await untilReceived(sim, 'GET /v1/event/stream', before);
    await http('POST', `${sim.nomadUrl}/v1/namespace/late`, { Name: 'late' });
    await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=late`, { Job: serviceJob('early-bird') });
    await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: serviceJob('web') });
    const { frames } = await reading;
    expect(frames.flatMap((f) => f.Events ?? []).map((e) => `${e.Namespace}/${e.Key}`)).toEqual(['apps/web']);
  });

  test('topic keys: a lone * takes all, a * among keys matches nothing, a repeated key repeats the event', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web') });
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('api') });
    const keys = async (q: string): Promise<string[][]> => {
      const { frames } = await readStream(`${sim.nomadUrl}/v1/event/stream?${q}`, 1);
      return frames.slice(0, 1).map((f) => (f.Events ?? []).map((e) => e.Key));
    };
    expect(await keys('topic=Job')).toEqual([['web']]);
    expect(await keys('topic=Job:*&topic=Job:api')).toEqual([['api']]);
    expect(await keys('topic=Job:web&topic=Job:web')).toEqual([['web', 'web']]);
  });
});

describe('simulator: event stream as in Nomad\'s source', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await Simulator.start({ clock: new FakeClock(), seed: 12, acl: true, namespaces: ['apps', 'team-b'] });
    const mgmt = { 'X-Nomad-Token': sim.managementToken };
    await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: serviceJob('web') }, mgmt);
    await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: serviceJob('api') }, mgmt);
  });
  afterEach(async () => {
    await sim.stop();
  });

  test('index=0 (or none) replays the buffer from its oldest frame; a job and its evaluation are one frame', async () => {
    const token = { 'X-Nomad-Token': sim.createToken({ namespace: 'apps', policy: 'read' }) };
    for (const q of ['index=0&', '']) {
      const res = await readStream(`${sim.nomadUrl}/v1/event/stream?${q}namespace=apps&topic=Job&topic=Evaluation`, 2, token);
      expect(res.status).toBe(200);
      expect(res.frames.map((f) => f.Events?.map((e) => `${e.Topic}:${e.Key.length > 10 ? 'eval' : e.Key}`))).toEqual([
        ['Job:web', 'Evaluation:eval'],
        ['Job:api', 'Evaluation:eval'],
      ]);
    }
  });

  test('an index past the newest frame gets the newest frame again', async () => {
    const mgmt = { 'X-Nomad-Token': sim.managementToken };
    const last = Number((await http('GET', `${sim.nomadUrl}/v1/jobs?namespace=apps`, undefined, mgmt)).headers.get('x-nomad-index'));
    const res = await readStream(`${sim.nomadUrl}/v1/event/stream?index=${last + 100}&namespace=apps`, 1, mgmt);
    expect(res.frames[0].Index).toBe(last);
  });

  test('an ACL failure is a 200 and then the end of the stream', async () => {
    const apps = { 'X-Nomad-Token': sim.createToken({ namespace: 'apps', policy: 'read' }) };
    for (const [url, headers] of [
      ['namespace=team-b&topic=Job', apps],
      ['namespace=apps', apps],
      ['namespace=*&topic=Job', apps],
      ['namespace=apps&topic=Job', { 'X-Nomad-Token': 'bogus' }],
      ['namespace=apps&topic=NodePool', apps],
    ] as const) {
      const res = await readStream(`${sim.nomadUrl}/v1/event/stream?${url}`, 1, headers);
      expect([res.status, res.frames, res.ended]).toEqual([200, [], true]);
    }
    const every = { 'X-Nomad-Token': sim.createToken({ namespace: ['apps', 'team-b', 'default'], policy: 'read' }) };
    const ok = await readStream(`${sim.nomadUrl}/v1/event/stream?namespace=*&topic=Job`, 1, every);
    expect(ok.frames.length).toBeGreaterThan(0);
  });

  test('index and topic errors are 400s with the agent\'s texts', async () => {
    const mgmt = { 'X-Nomad-Token': sim.managementToken };
    const idx = await http('GET', `${sim.nomadUrl}/v1/event/stream?index=x1`, undefined, mgmt);
    expect([idx.status, idx.text]).toEqual([400, 'Unable to parse index: strconv.Atoi: parsing "x1": invalid syntax']);
    const topic = await http('GET', `${sim.nomadUrl}/v1/event/stream?topic=Job:a:b`, undefined, mgmt);
    expect([topic.status, topic.text]).toEqual([400, 'Invalid topic query: error parsing topics: Invalid key value pair for topic, topic: Job:a:b']);
  });
});

describe('simulator: listing every namespace with ACLs', () => {
  test('no valid token, or one allowed nowhere, is 403; one allowed only in a missing namespace lists nothing', async () => {
    const sim = await Simulator.start({ clock: new FakeClock(), acl: true, namespaces: ['apps'] });
    try {
      const mgmt = { 'X-Nomad-Token': sim.managementToken };
      await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: serviceJob('web') }, mgmt);
      for (const path of ['/v1/jobs', '/v1/allocations', '/v1/evaluations', '/v1/deployments']) {
        const bogus = await http('GET', `${sim.nomadUrl}${path}?namespace=*`, undefined, { 'X-Nomad-Token': 'bogus' });
        expect([bogus.status, bogus.text]).toEqual([403, 'Permission denied']);
        expect((await http('GET', `${sim.nomadUrl}${path}?namespace=*`)).status).toBe(403);
      }
      const nowhere = { 'X-Nomad-Token': sim.createToken({ namespace: [] }) };
      expect((await http('GET', `${sim.nomadUrl}/v1/jobs?namespace=*`, undefined, nowhere)).status).toBe(403);
      const ghost = { 'X-Nomad-Token': sim.createToken({ namespace: 'ghost', policy: 'read' }) };
      const empty = await http<JobListStub[]>('GET', `${sim.nomadUrl}/v1/jobs?namespace=*`, undefined, ghost);
      expect([empty.status, empty.json]).toEqual([200, []]);
    } finally {
      await sim.stop();
    }
  });

  test('the submitting token\'s accessor is part of the spec: the same spec from another token is a new version', async () => {
    const sim = await Simulator.start({ clock: new FakeClock(), acl: true, namespaces: ['apps'] });
    try {
      const a = { 'X-Nomad-Token': sim.createToken({ namespace: 'apps' }) };
      const b = { 'X-Nomad-Token': sim.createToken({ namespace: 'apps' }) };
      await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: serviceJob('web') }, a);
      await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: serviceJob('web') }, a);
      expect((await http<Job>('GET', `${sim.nomadUrl}/v1/job/web?namespace=apps`, undefined, a)).json.Version).toBe(0);
      await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: serviceJob('web') }, b);
      expect((await http<Job>('GET', `${sim.nomadUrl}/v1/job/web?namespace=apps`, undefined, a)).json.Version).toBe(1);
      await sim.settle();
      // A plan's job carries no accessor, so with ACLs on the same spec plans as in-place updates (diff None).
      const plan = await http<JobPlanResponse>('POST', `${sim.nomadUrl}/v1/job/web/plan?namespace=apps`, { Job: serviceJob('web'), Diff: true }, b);
      expect(plan.json.Diff?.Type).toBe('None');
      expect(plan.json.Annotations?.DesiredTGUpdates?.web).toMatchObject({ InPlaceUpdate: 2, Ignore: 0 });
      const forced = await http<RegisterReply>('POST', `${sim.nomadUrl}/v1/job/web/evaluate?namespace=apps`, {}, a);
      expect(forced.json.EvalID).toMatch(/^[0-9a-f-]{36}$/);
      expect((await http<Job>('GET', `${sim.nomadUrl}/v1/job/web?namespace=apps`, undefined, a)).json.Version).toBe(1);
    } finally {
      await sim.stop();
    }
  });
});
