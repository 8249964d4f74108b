import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import type { EventFrame, Job, JobPlanResponse, JobTagResponse } from '../../../lib/core/nomad/types';
import { http, serviceJob } from './http';

type Versions = { Versions: Job[] };

describe('simulator: version tags (Nomad 1.9+)', () => {
  let sim: Simulator;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock(Date.parse('2026-01-02T03:04:05Z'));
    sim = await Simulator.start({ clock, seed: 4 });
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web') });
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Meta: { v: '1' } }) });
    await sim.settle();
  });
  afterEach(async () => {
    await sim.stop();
  });

  const tagUrl = (name: string): string => `${sim.nomadUrl}/v1/job/web/versions/${name}/tag`;

  test('tagging an older version stores the tag on it and answers Name, Description, TaggedTime, Index', async () => {
    const before = await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`);
    const res = await http<JobTagResponse>('PUT', tagUrl('golden'), { Version: 0, Description: 'known good' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ Name: 'golden', Description: 'known good', TaggedTime: clock.now() * 1e6 });
    expect(res.json.Index).toBeGreaterThan(before.json.ModifyIndex ?? 0);
    const v = await http<Versions>('GET', `${sim.nomadUrl}/v1/job/web/versions`);
    expect(v.json.Versions.map((x) => [x.Version, x.VersionTag?.Name ?? null])).toEqual([[1, null], [0, 'golden']]);
    expect(v.json.Versions[1].VersionTag).toEqual({ Name: 'golden', Description: 'known good', TaggedTime: clock.now() * 1e6 });
    const after = await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`);
    expect(after.json.VersionTag).toBeNull();
    expect(after.json.ModifyIndex).toBe(before.json.ModifyIndex);
  });

  test('tagging the latest version rewrites ModifyIndex only; no evaluation, no allocation change, no list index move', async () => {
    const job = (await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json;
    const list = await http('GET', `${sim.nomadUrl}/v1/jobs`);
    const evals = (await http<unknown[]>('GET', `${sim.nomadUrl}/v1/job/web/evaluations`)).json.length;
    const allocs = await http<Array<{ ModifyIndex: number }>>('GET', `${sim.nomadUrl}/v1/job/web/allocations`);
    const res = await http<JobTagResponse>('POST', tagUrl('v1'), { Version: 1 });
    expect(res.status).toBe(200);
    const read = await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`);
    expect(read.json.VersionTag).toMatchObject({ Name: 'v1', Description: '' });
    expect(read.json.ModifyIndex).toBe(res.json.Index);
    expect(read.headers.get('x-nomad-index')).toBe(String(res.json.Index));
    expect(read.json.JobModifyIndex).toBe(job.JobModifyIndex);
    expect(read.json.Version).toBe(1);
    const list2 = await http<Array<{ ModifyIndex: number }>>('GET', `${sim.nomadUrl}/v1/jobs`);
    expect(list2.headers.get('x-nomad-index')).toBe(list.headers.get('x-nomad-index'));
    expect(list2.json[0].ModifyIndex).toBe(res.json.Index);
    expect((await http<unknown[]>('GET', `${sim.nomadUrl}/v1/job/web/evaluations`)).json).toHaveLength(evals);
    expect((await http<Array<{ ModifyIndex: number }>>('GET', `${sim.nomadUrl}/v1/job/web/allocations`)).json).toEqual(allocs.json);
  });

  test('re-registering the tagged latest spec makes a new version with in-place updates; the plan diff is None', async () => {
    await http('PUT', tagUrl('v1'), { Version: 1 });
    const plan = await http<JobPlanResponse>('POST', `${sim.nomadUrl}/v1/job/web/plan`, { Job: serviceJob('web', { Meta: { v: '1' } }), Diff: true });
    expect(plan.json.Diff?.Type).toBe('None');
    expect(plan.json.Annotations?.DesiredTGUpdates?.web).toMatchObject({ InPlaceUpdate: 2, DestructiveUpdate: 0, Place: 0 });
    const reg = await http<{ JobModifyIndex: number }>('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Meta: { v: '1' } }) });
    const read = await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`);
    expect(read.json.Version).toBe(2);
    expect(read.json.JobModifyIndex).toBe(reg.json.JobModifyIndex);
    expect(read.json.VersionTag).toBeNull();
    const v = await http<Versions>('GET', `${sim.nomadUrl}/v1/job/web/versions`);
    expect(v.json.Versions.map((x) => x.VersionTag?.Name ?? null)).toEqual([null, 'v1', null]);
  });

  test('a stop copies the current job, its tag included (fsm.go handleJobDeregister)', async () => {
    await http('PUT', tagUrl('v1'), { Version: 1 });
    await http('DELETE', `${sim.nomadUrl}/v1/job/web`);
    const v = await http<Versions>('GET', `${sim.nomadUrl}/v1/job/web/versions`);
    expect(v.json.Versions.map((x) => [x.Version, x.Stop, x.VersionTag?.Name ?? null])).toEqual([[2, true, 'v1'], [1, false, 'v1'], [0, false, null]]);
  });

  test('error texts: tag on another version, unknown version, unknown tag on untag', async () => {
    await http('PUT', tagUrl('golden'), { Version: 0 });
    const dup = await http('PUT', tagUrl('golden'), { Version: 1 });
    expect([dup.status, dup.text]).toEqual([500, 'tag "golden" already exists on a different version of job "web"']);
    const same = await http<JobTagResponse>('PUT', tagUrl('golden'), { Version: 0, Description: 'updated' });
    expect(same.status).toBe(200);
    const missing = await http('PUT', tagUrl('x'), { Version: 9 });
    expect([missing.status, missing.text]).toEqual([500, 'job "web" version 9 not found']);
    const noJob = await http('PUT', `${sim.nomadUrl}/v1/job/nope/versions/x/tag`, { Version: 0 });
    expect([noJob.status, noJob.text]).toEqual([500, 'job "nope" version 0 not found']);
    const unset = await http<JobTagResponse>('DELETE', tagUrl('golden'));
    expect(unset.status).toBe(200);
    expect(unset.json).toMatchObject({ Name: '', Description: '', TaggedTime: 0 });
    expect((await http<Versions>('GET', `${sim.nomadUrl}/v1/job/web/versions`)).json.Versions.every((x) => x.VersionTag === null)).toBe(true);
    const again = await http('DELETE', tagUrl('golden'));
    expect([again.status, again.text]).toEqual([500, 'tag "golden" not found on job "web"']);
  });

  test('a long description is stored by the tag; a register carrying it fails validation', async () => {
    const long = 'd'.repeat(1001);
    expect((await http('PUT', tagUrl('long'), { Version: 1, Description: long })).status).toBe(200);
    const job = (await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json;
    const reg = await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job });
    expect(reg.status).toBe(500);
    expect(reg.text).toBe('1 error occurred:\n\t* Tagged version description must be under 1000 characters, currently 1001\n\n');
  });

  test('tagging publishes no event', async () => {
    const res = await http<JobTagResponse>('PUT', tagUrl('v1'), { Version: 1 });
    const ac = new AbortController();
    const stream = await fetch(`${sim.nomadUrl}/v1/event/stream?index=${res.json.Index}`, { signal: ac.signal });
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const first = JSON.parse(new TextDecoder().decode((await reader.read()).value).split('\n')[0]) as EventFrame;
    ac.abort();
    expect(first.Index).toBeLessThan(res.json.Index);
  });

  test('ACL submit-job; below 1.9.0 the route does not exist', async () => {
    sim.setVersion('1.8.4');
    const old = await http('PUT', tagUrl('v1'), { Version: 1 });
    expect(old.status).toBe(404);
    sim.setVersion('1.9.0');
    expect((await http('PUT', tagUrl('v1'), { Version: 1 })).status).toBe(200);
  });
});

describe('simulator: version tags with ACLs', () => {
  test('a read token is refused with 403 Permission denied', async () => {
    const sim = await Simulator.start({ clock: new FakeClock(), acl: true, namespaces: ['apps'] });
    try {
      const mgmt = { 'X-Nomad-Token': sim.managementToken };
      await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: serviceJob('web') }, mgmt);
      const reader = { 'X-Nomad-Token': sim.createToken({ namespace: 'apps', policy: 'read' }) };
      const writer = { 'X-Nomad-Token': sim.createToken({ namespace: 'apps', policy: 'write' }) };
      const denied = await http('PUT', `${sim.nomadUrl}/v1/job/web/versions/v0/tag?namespace=apps`, { Version: 0 }, reader);
      expect([denied.status, denied.text]).toEqual([403, 'Permission denied']);
      expect((await http('PUT', `${sim.nomadUrl}/v1/job/web/versions/v0/tag?namespace=apps`, { Version: 0 }, writer)).status).toBe(200);
      expect((await http('DELETE', `${sim.nomadUrl}/v1/job/web/versions/v0/tag?namespace=apps`, undefined, reader)).status).toBe(403);
    } finally {
      await sim.stop();
    }
  });
});
