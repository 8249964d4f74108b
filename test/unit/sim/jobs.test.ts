import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import type { Job, JobListStub } from '../../../lib/core/nomad/types';
import { http, serviceJob, untilReceived } from './http';

describe('simulator: jobs API', () => {
  let sim: Simulator;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 7, namespaces: ['apps'] });
  });
  afterEach(async () => {
    await sim.stop();
  });

  test('agent self reports the version; nodes and namespaces are listed', async () => {
    const self = await http<{ config: { Version: { Version: string } } }>('GET', `${sim.nomadUrl}/v1/agent/self`);
    expect(self.json.config.Version.Version).toBe('1.10.3');
    const nodes = await http<Array<{ Datacenter: string; NodePool: string }>>('GET', `${sim.nomadUrl}/v1/nodes`);
    expect(nodes.status).toBe(200);
    expect(new Set(nodes.json.map((n) => n.Datacenter))).toEqual(new Set(['dc1', 'dc2']));
    expect(Number(nodes.headers.get('x-nomad-index'))).toBeGreaterThan(0);
    const ns = await http<Array<{ Name: string }>>('GET', `${sim.nomadUrl}/v1/namespaces`);
    expect(ns.json.map((n) => n.Name)).toEqual(['apps', 'default']);
  });

  test('register, read (canonical defaults), identical re-register keeps the version', async () => {
    const reg = await http<{ EvalID: string; JobModifyIndex: number; Index: number }>('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web') });
    expect(reg.status).toBe(200);
    expect(reg.json.EvalID).toMatch(/^[0-9a-f-]{36}$/);
    expect(reg.headers.get('x-nomad-index')).toBe(String(reg.json.Index));
    const read = await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`);
    const job = read.json;
    expect(read.headers.get('x-nomad-index')).toBe(String(job.ModifyIndex));
    expect(job).toMatchObject({ Name: 'web', Namespace: 'default', Region: 'global', Priority: 50, NodePool: 'default', Version: 0, Status: 'pending', Meta: null, Constraints: null });
    expect(job.Update).toEqual({ Stagger: 30e9, MaxParallel: 1, HealthCheck: '', MinHealthyTime: 0, HealthyDeadline: 0, ProgressDeadline: 0, AutoRevert: false, AutoPromote: false, Canary: 0 });
    const g = job.TaskGroups[0];
    expect(g.Update).toMatchObject({ MaxParallel: 1, HealthCheck: 'checks', MinHealthyTime: 10e9, HealthyDeadline: 300e9, ProgressDeadline: 600e9 });
    expect(g.Migrate).toEqual({ MaxParallel: 1, HealthCheck: 'checks', MinHealthyTime: 10e9, HealthyDeadline: 300e9 });
    expect(g.RestartPolicy).toEqual({ Attempts: 2, Interval: 1800e9, Delay: 15e9, Mode: 'fail', RenderTemplates: false });
    expect(g.ReschedulePolicy).toMatchObject({ Delay: 30e9, DelayFunction: 'exponential', MaxDelay: 3600e9, Unlimited: true });
    expect(g.EphemeralDisk).toEqual({ Sticky: false, SizeMB: 300, Migrate: false });
    expect(g.Constraints).toContainEqual({ LTarget: '${attr.consul.version}', RTarget: '>= 1.8.0', Operand: 'semver' });
    expect(g.Services?.[0]).toMatchObject({ AddressMode: 'auto', OnUpdate: 'require_healthy', Provider: 'consul', Cluster: 'default', Namespace: 'default', CanaryTags: null });
    expect(g.Services?.[0].Checks?.[0]).toMatchObject({ Name: 'service: "web" check', OnUpdate: 'require_healthy', CheckRestart: null });
    const t = g.Tasks[0];
    expect(t).toMatchObject({ KillTimeout: 5e9, LogConfig: { MaxFiles: 10, MaxFileSizeMB: 10, Disabled: false }, Env: null, Meta: null });
    expect(t.Resources).toMatchObject({ CPU: 200, MemoryMB: 256, Cores: 0, MemoryMaxMB: 0 });

    const again = await http<{ EvalID: string; JobModifyIndex: number }>('PUT', `${sim.nomadUrl}/v1/job/web`, { Job: serviceJob('web') });
    expect(again.status).toBe(200);
    expect(again.json.EvalID).not.toBe(reg.json.EvalID);
    const reread = await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`);
    expect(reread.json.Version).toBe(0);
    expect(reread.json.JobModifyIndex).toBe(job.JobModifyIndex);

    const changed = await http<{ JobModifyIndex: number }>('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Meta: { a: 'b' } }) });
    const third = await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`);
    expect(third.json.Version).toBe(1);
    expect(third.json.JobModifyIndex).toBe(changed.json.JobModifyIndex);
  });

  test('EnforceIndex conflicts answer 500 with Nomad texts', async () => {
    const first = await http<{ JobModifyIndex: number }>('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web'), EnforceIndex: true, JobModifyIndex: 0 });
    expect(first.status).toBe(200);
    const exists = await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web'), EnforceIndex: true, JobModifyIndex: 0 });
    expect(exists.status).toBe(500);
    expect(exists.text).toBe('Enforcing job modify index 0: job already exists');
    const wrong = await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web'), EnforceIndex: true, JobModifyIndex: 3 });
    expect(wrong.text).toBe(`Enforcing job modify index 3: job exists with conflicting job modify index: ${first.json.JobModifyIndex}`);
    const missing = await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('other'), EnforceIndex: true, JobModifyIndex: 5 });
    expect(missing.status).toBe(500);
    expect(missing.text).toBe('Enforcing job modify index 5: job does not exist');
    const right = await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Priority: 60 }), EnforceIndex: true, JobModifyIndex: first.json.JobModifyIndex });
    expect(right.status).toBe(200);
  });

  test('400s and the unknown-namespace multierror', async () => {
    expect((await http('POST', `${sim.nomadUrl}/v1/jobs`, '')).text).toBe('Request body is empty');
    expect((await http('POST', `${sim.nomadUrl}/v1/jobs`, {})).text).toBe('Job must be specified');
    expect((await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: { Name: 'x' } })).text).toBe("Job ID hasn't been provided");
    expect((await http('POST', `${sim.nomadUrl}/v1/job/other`, { Job: serviceJob('web') })).text).toBe('Job ID does not match name');
    const bad = await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=nope`, { Job: serviceJob('web') });
    expect(bad.status).toBe(500);
    expect(bad.text).toBe('1 error occurred:\n\t* job "web" is in nonexistent namespace "nope"\n\n');
    expect((await http('GET', `${sim.nomadUrl}/v1/job/missing`)).text).toBe('job not found');
    expect((await http('PATCH', `${sim.nomadUrl}/v1/jobs`)).status).toBe(405);
    expect((await http('GET', `${sim.nomadUrl}/v1/jobs?index=abc`)).text).toBe('Invalid index');
  });

  test('list: namespaces, prefix, meta, filter, pagination', async () => {
    for (const id of ['a1', 'a2', 'b1']) await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob(id, { Meta: { 'nomadguard.managed': id === 'b1' ? 'false' : 'true' } }) });
    await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: serviceJob('a3') });
    const def = await http<JobListStub[]>('GET', `${sim.nomadUrl}/v1/jobs`);
    expect(def.json.map((j) => j.ID)).toEqual(['a1', 'a2', 'b1']);
    expect(def.json[0].Meta).toBeUndefined();
    const all = await http<JobListStub[]>('GET', `${sim.nomadUrl}/v1/jobs?namespace=*&meta=true`);
    expect(all.json.map((j) => `${j.Namespace}/${j.ID}`)).toEqual(['apps/a3', 'default/a1', 'default/a2', 'default/b1']);
    expect(all.json[1].Meta).toEqual({ 'nomadguard.managed': 'true' });
    const pre = await http<JobListStub[]>('GET', `${sim.nomadUrl}/v1/jobs?namespace=*&prefix=a`);
    expect(pre.json.map((j) => j.ID)).toEqual(['a3', 'a1', 'a2']);
    const filtered = await http<JobListStub[]>('GET', `${sim.nomadUrl}/v1/jobs?namespace=*&meta=true&filter=${encodeURIComponent('Meta["nomadguard.managed"] == "true"')}`);
    expect(filtered.json.map((j) => j.ID)).toEqual(['a1', 'a2']);
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await http<JobListStub[]>('GET', `${sim.nomadUrl}/v1/jobs?namespace=*&per_page=3${token ? `&next_token=${encodeURIComponent(token)}` : ''}`);
      seen.push(...page.json.map((j) => j.ID));
      token = page.headers.get('x-nomad-nexttoken') ?? '';
      pages++;
    } while (token);
    expect(pages).toBe(2);
    expect(seen).toEqual(['a3', 'a1', 'a2', 'b1']);
  });

  test('meta=true is ignored before 1.5.0', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Meta: { x: 'y' } }) });
    sim.setVersion('1.4.0');
    const list = await http<JobListStub[]>('GET', `${sim.nomadUrl}/v1/jobs?meta=true`);
    expect(list.json[0].Meta).toBeUndefined();
    const self = await http<{ config: { Version: { Version: string } } }>('GET', `${sim.nomadUrl}/v1/agent/self`);
    expect(self.json.config.Version.Version).toBe('1.4.0');
  });

  test('stop then purge', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web') });
    await sim.settle();
    const stop = await http<{ EvalID: string }>('DELETE', `${sim.nomadUrl}/v1/job/web`);
    expect(stop.json.EvalID).not.toBe('');
    await sim.settle();
    const job = await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`);
    expect(job.json).toMatchObject({ Stop: true, Version: 1, Status: 'dead' });
    await http('DELETE', `${sim.nomadUrl}/v1/job/web?purge=true`);
    expect((await http('GET', `${sim.nomadUrl}/v1/job/web`)).status).toBe(404);
    const unknown = await http<{ EvalID: string; JobModifyIndex: number }>('DELETE', `${sim.nomadUrl}/v1/job/nothing`);
    expect(unknown.status).toBe(200);
    expect(unknown.json).toMatchObject({ EvalID: '', JobModifyIndex: 0 });
  });

  test('blocking queries on /v1/jobs and /v1/job/:id return on change or after wait', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web') });
    await sim.settle();
    const list = await http('GET', `${sim.nomadUrl}/v1/jobs`);
    const index = Number(list.headers.get('x-nomad-index'));
    const listsBefore = sim.requestCounts()['GET /v1/jobs'] ?? 0;
    const blocked = http<JobListStub[]>('GET', `${sim.nomadUrl}/v1/jobs?index=${index}&wait=5m`);
    let done = false;
    void blocked.then(() => (done = true));
    await untilReceived(sim, 'GET /v1/jobs', listsBefore);
    expect(done).toBe(false);
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('api') });
    const res = await blocked;
    expect(Number(res.headers.get('x-nomad-index'))).toBeGreaterThan(index);
    expect(res.json.map((j) => j.ID)).toEqual(['api', 'web']);

    await sim.settle();
    const job = await http<Job>('GET', `${sim.nomadUrl}/v1/job/api`);
    const jobIndex = Number(job.headers.get('x-nomad-index'));
    const readsBefore = sim.requestCounts()['GET /v1/job/:id'] ?? 0;
    const waitJob = http<Job>('GET', `${sim.nomadUrl}/v1/job/api?index=${jobIndex}&wait=30s`);
    await untilReceived(sim, 'GET /v1/job/:id', readsBefore);
    await clock.advance(30_000);
    const timedOut = await waitJob;
    expect(timedOut.status).toBe(200);
    expect(Number(timedOut.headers.get('x-nomad-index'))).toBe(jobIndex);
  });

  test('/_sim/requests counts by route pattern and resets', async () => {
    await http('GET', `${sim.nomadUrl}/v1/jobs`);
    await http('GET', `${sim.nomadUrl}/v1/jobs`);
    await http('GET', `${sim.nomadUrl}/v1/job/x`);
    await http('GET', `${sim.consulUrl}/v1/kv/a`);
    const counts = await http<Record<string, number>>('GET', `${sim.nomadUrl}/_sim/requests`);
    expect(counts.json).toEqual({ 'GET /v1/jobs': 2, 'GET /v1/job/:id': 1 });
    expect((await http<Record<string, number>>('GET', `${sim.consulUrl}/_sim/requests`)).json).toEqual({ 'GET /v1/kv/:key*': 1 });
    expect(sim.requestCounts()['GET /v1/jobs']).toBe(2);
    await http('DELETE', `${sim.nomadUrl}/_sim/requests`);
    expect((await http('GET', `${sim.nomadUrl}/_sim/requests`)).json).toEqual({});
  });
});

test('a missing job answers 404 with the jobs index, so a client can block on its creation; no NodePool before 1.6', async () => {
  const sim = await Simulator.start({ clock: new FakeClock(), version: '1.5.6' });
  try {
    const missing = await http('GET', `${sim.nomadUrl}/v1/job/later`);
    expect(missing.status).toBe(404);
    const index = Number(missing.headers.get('x-nomad-index'));
    expect(index).toBeGreaterThan(0);
    const readsBefore = sim.requestCounts()['GET /v1/job/:id'] ?? 0;
    const waiting = http<Job>('GET', `${sim.nomadUrl}/v1/job/later?index=${index}`);
    await untilReceived(sim, 'GET /v1/job/:id', readsBefore);
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('later') });
    const created = await waiting;
    expect(created.status).toBe(200);
    expect(created.json.ID).toBe('later');
    expect(created.json).not.toHaveProperty('NodePool');
  } finally {
    await sim.stop();
  }
});
