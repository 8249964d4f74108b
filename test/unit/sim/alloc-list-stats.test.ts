import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import type { AllocListStub } from '../../../lib/core/nomad/types';
import type { AllocResourceUsage } from '../../../lib/core/nomad/alloc-stats';
import { http, serviceJob } from './http';

describe('simulator: the allocation list filter, client stats and task incidents', () => {
  let sim: Simulator;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 13, namespaces: ['apps'], acl: true });
  });
  afterEach(async () => {
    await sim.stop();
  });

  const mgmt = (): Record<string, string> => ({ 'X-Nomad-Token': sim.managementToken });

  async function register(): Promise<void> {
    const managed = serviceJob('web', { Meta: { 'nomadguard.managed': 'true' } });
    expect((await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: managed }, mgmt())).status).toBe(200);
    expect((await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('plain') }, mgmt())).status).toBe(200);
    await sim.settle();
  }

  test('filter sees the full allocation with its job; a missing map key is not present, a missing field fails the list with 400', async () => {
    await register();
    const base = `${sim.nomadUrl}/v1/allocations?namespace=*&resources=true&filter=`;
    const guarded = await http<AllocListStub[]>('GET', base + encodeURIComponent('"nomadguard.managed" in Job.Meta and Job.Meta["nomadguard.managed"] == "true"'), undefined, mgmt());
    expect(guarded.status).toBe(200);
    expect(guarded.json.map((a) => a.JobID)).toEqual(['web', 'web']);
    expect(guarded.json[0].AllocatedResources).toBeDefined();
    expect(guarded.json[0]).not.toHaveProperty('Job');
    // The job `plain` has no Meta: a key of a map is "not present" to go-bexpr, which each operator answers.
    const unguarded = await http<AllocListStub[]>('GET', base + encodeURIComponent('Job.Meta["nomadguard.managed"] == "true"'), undefined, mgmt());
    expect(unguarded.status).toBe(200);
    expect(unguarded.json.map((a) => a.JobID)).toEqual(['web', 'web']);
    const none = await http<AllocListStub[]>('GET', base + encodeURIComponent('Job.Meta["no-such-key"] == "true"'), undefined, mgmt());
    expect(none.status).toBe(200);
    expect(none.json).toEqual([]);
    const notEqual = await http<AllocListStub[]>('GET', base + encodeURIComponent('Job.Meta["nomadguard.managed"] != "true"'), undefined, mgmt());
    expect(notEqual.json.map((a) => a.JobID)).toEqual(['plain', 'plain']);
    const matches = await http<AllocListStub[]>('GET', base + encodeURIComponent('Job.Meta["nomadguard.managed"] matches ".*" or Job.Meta["nomadguard.managed"] is empty'), undefined, mgmt());
    expect(matches.json.map((a) => a.JobID)).toEqual(['web', 'web', 'plain', 'plain']);
    // A field no allocation has fails the whole page (go-bexpr without WithUnknownValue).
    const missingField = await http('GET', base + encodeURIComponent('Job.NoSuchField == "true"'), undefined, mgmt());
    expect(missingField.status).toBe(400);
    expect(missingField.text).toMatch(/^failed to read result page: error finding value in datum/);
    const byStatus = await http<AllocListStub[]>('GET', base + encodeURIComponent('DesiredStatus == "run" and Namespace == "default"'), undefined, mgmt());
    expect(byStatus.json.map((a) => a.JobID)).toEqual(['plain', 'plain']);
  });

  test('stats: Nomad\'s AllocResourceUsage, moving with the clock, the same for the same seed and time; ACL read-job; 404 for an unknown ID', async () => {
    await register();
    const allocs = (await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/web/allocations?namespace=apps`, undefined, mgmt())).json;
    const url = `${sim.nomadUrl}/v1/client/allocation/${allocs[0].ID}/stats`;
    const first = await http<AllocResourceUsage>('GET', url, undefined, mgmt());
    expect(first.status).toBe(200);
    const task = first.json.Tasks!.app.ResourceUsage!;
    expect(Object.keys(first.json).sort()).toEqual(['ResourceUsage', 'Tasks', 'Timestamp']);
    expect(task.MemoryStats!.RSS).toBeGreaterThan(0);
    expect(task.MemoryStats!.RSS).toBeLessThanOrEqual(256 * 1024 * 1024);
    expect(task.MemoryStats!.MaxUsage).toBeGreaterThanOrEqual(task.MemoryStats!.RSS);
    expect(task.CpuStats!.TotalTicks).toBeGreaterThan(0);
    expect(task.CpuStats!.TotalTicks).toBeLessThanOrEqual(200);
    expect(first.json.ResourceUsage!.CpuStats!.TotalTicks).toBeCloseTo(task.CpuStats!.TotalTicks);
    expect(first.json.Timestamp).toBe(clock.now() * 1_000_000);
    expect((await http<AllocResourceUsage>('GET', url, undefined, mgmt())).json).toEqual(first.json);
    const samples = new Set<number>();
    for (let i = 0; i < 5; i++) {
      await clock.advance(10_000);
      samples.add((await http<AllocResourceUsage>('GET', url, undefined, mgmt())).json.Tasks!.app.ResourceUsage!.CpuStats!.TotalTicks);
    }
    expect(samples.size).toBeGreaterThan(1);
    const other = sim.createToken({ namespace: 'default', policy: 'read' });
    const denied = await http('GET', url, undefined, { 'X-Nomad-Token': other });
    expect(denied.status).toBe(403);
    expect(denied.text).toBe('Permission denied');
    const unknown = await http('GET', `${sim.nomadUrl}/v1/client/allocation/00000000-0000-0000-0000-000000000000/stats`, undefined, mgmt());
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('Unknown allocation "00000000-0000-0000-0000-000000000000"');
  });

  test('incidents: a restart, an OOM kill and a failure as the task runner reports them; services leave Consul', async () => {
    await register();
    const list = async (): Promise<AllocListStub[]> => (await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/web/allocations?namespace=apps`, undefined, mgmt())).json;
    const [a, b] = await list();
    expect((await http('POST', `${sim.nomadUrl}/_sim/alloc-incident`, { alloc: a.ID.slice(0, 8), kind: 'oom' })).status).toBe(200);
    expect((await http('POST', `${sim.nomadUrl}/_sim/alloc-incident`, { alloc: b.ID, kind: 'fail' })).status).toBe(200);
    expect((await http('POST', `${sim.nomadUrl}/_sim/alloc-incident`, { alloc: b.ID, kind: 'restart' })).status).toBe(400);
    expect((await http('POST', `${sim.nomadUrl}/_sim/alloc-incident`, { alloc: a.ID, kind: 'explode' })).status).toBe(400);
    const after = new Map((await list()).map((x) => [x.ID, x]));
    const oom = after.get(a.ID)!.TaskStates!.app;
    expect(oom).toMatchObject({ State: 'running', Restarts: 1, Failed: false });
    const terminated = oom.Events!.find((e) => e.Type === 'Terminated')!;
    expect(terminated).toMatchObject({ ExitCode: 137, DisplayMessage: 'Exit Code: 137, Exit Message: "OOM Killed"' });
    expect(terminated.Details).toMatchObject({ oom_killed: 'true' });
    expect(oom.Events!.map((e) => e.Type).slice(-3)).toEqual(['Terminated', 'Restarting', 'Started']);
    const failed = after.get(b.ID)!;
    expect(failed).toMatchObject({ ClientStatus: 'failed' });
    expect(failed.TaskStates!.app).toMatchObject({ State: 'dead', Failed: true });
    expect(failed.ModifyIndex).toBeGreaterThan(b.ModifyIndex);
    const instances = (await http<Array<{ Service: { ID: string } }>>('GET', `${sim.consulUrl}/v1/health/service/web`)).json;
    expect(instances.map((e) => e.Service.ID.includes(b.ID))).toEqual([false]);
    sim.allocIncident(a.ID, 'deregister');
    expect((await http<unknown[]>('GET', `${sim.consulUrl}/v1/health/service/web`)).json).toEqual([]);
  });
});
