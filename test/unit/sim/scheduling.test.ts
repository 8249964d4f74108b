import * as ipaddr from 'ipaddr.js';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import type { AllocListStub, Deployment, Evaluation, Job, JobPlanResponse, JobSummary } from '../../../lib/core/nomad/types';
import { http, serviceJob } from './http';

interface HealthEntry {
  Node: { Node: string; Datacenter: string };
  Service: { ID: string; Service: string; Tags: string[]; Address: string; Port: number; Meta: Record<string, string> };
  Checks: Array<{ CheckID: string; Status: string; ServiceID: string }>;
}

describe('simulator: scheduling, deployments, Consul registration', () => {
  let sim: Simulator;
  let clock: FakeClock;
  const nodeOf = (id: string) => sim.nodes.find((n) => n.ID === id);
  beforeEach(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 11 });
  });
  afterEach(async () => {
    expect(sim.errors).toEqual([]);
    await sim.stop();
  });

  const register = async (job: Record<string, unknown>) => {
    const res = await http<{ EvalID: string }>('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job });
    expect(res.status).toBe(200);
    return res.json.EvalID;
  };
  const allocs = async (id: string) => (await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/${id}/allocations?resources=true`)).json;

  test('spreads 4 allocations 2+2 over two datacenters on distinct hosts; they run after the start delay', async () => {
    const job = serviceJob(
      'spread',
      { Spreads: [{ Attribute: '${node.datacenter}', Weight: 100, SpreadTarget: [{ Value: 'dc1', Percent: 50 }, { Value: 'dc2', Percent: 50 }] }] },
      { Count: 4, Constraints: [{ Operand: 'distinct_hosts', RTarget: 'true' }] },
    );
    const evalId = await register(job);
    const pending = await http<Evaluation>('GET', `${sim.nomadUrl}/v1/evaluation/${evalId}`);
    expect(pending.json.Status).toBe('pending');
    await clock.advance(10);
    const ev = await http<Evaluation>('GET', `${sim.nomadUrl}/v1/evaluation/${evalId}`);
    expect(ev.json.Status).toBe('complete');
    let list = await allocs('spread');
    expect(list).toHaveLength(4);
    expect(list.every((a) => a.ClientStatus === 'pending')).toBe(true);
    const dcs = list.map((a) => nodeOf(a.NodeID)?.Datacenter);
    expect(dcs.filter((d) => d === 'dc1')).toHaveLength(2);
    expect(dcs.filter((d) => d === 'dc2')).toHaveLength(2);
    expect(new Set(list.map((a) => a.NodeID)).size).toBe(4);
    await clock.advance(1000);
    list = await allocs('spread');
    expect(list.every((a) => a.ClientStatus === 'running')).toBe(true);
    expect(list[0].TaskStates?.app.Events?.map((e) => e.Type)).toEqual(['Received', 'Task Setup', 'Driver', 'Started']);
    const job2 = await http<Job>('GET', `${sim.nomadUrl}/v1/job/spread`);
    expect(job2.json.Status).toBe('running');
  });

  test('an impossible constraint fails placement with FailedTGAllocs and a blocked eval', async () => {
    const evalId = await register(serviceJob('nowhere', {}, { Constraints: [{ LTarget: '${meta.tier}', RTarget: 'mars', Operand: '=' }] }));
    await sim.settle();
    const ev = (await http<Evaluation>('GET', `${sim.nomadUrl}/v1/evaluation/${evalId}`)).json;
    expect(ev.Status).toBe('complete');
    const metric = ev.FailedTGAllocs?.web;
    expect(metric).toBeDefined();
    expect(metric?.NodesEvaluated).toBe(sim.nodes.length);
    expect(metric?.NodesFiltered).toBe(sim.nodes.length);
    expect(metric?.ConstraintFiltered).toEqual({ '${meta.tier} = mars': sim.nodes.length });
    expect(metric?.CoalescedFailures).toBe(1);
    expect(ev.BlockedEval).toMatch(/^[0-9a-f-]{36}$/);
    const blocked = (await http<Evaluation>('GET', `${sim.nomadUrl}/v1/evaluation/${ev.BlockedEval}`)).json;
    expect(blocked).toMatchObject({ Status: 'blocked', PreviousEval: evalId, TriggeredBy: 'queued-allocs' });
    const summary = (await http<JobSummary>('GET', `${sim.nomadUrl}/v1/job/nowhere/summary`)).json;
    expect(summary.Summary.web.Queued).toBe(2);
    expect((await http<Job>('GET', `${sim.nomadUrl}/v1/job/nowhere`)).json.Status).toBe('pending');

    const big = await register(serviceJob('huge', {}, { Count: 1, Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: 'x' }, Resources: { CPU: 100, MemoryMB: 9000 } }] }));
    await sim.settle();
    const ev2 = (await http<Evaluation>('GET', `${sim.nomadUrl}/v1/evaluation/${big}`)).json;
    expect(ev2.FailedTGAllocs?.web.NodesExhausted).toBe(sim.nodes.length);
    expect(ev2.FailedTGAllocs?.web.DimensionExhausted).toEqual({ memory: sim.nodes.length });
  });

  test('tier and role constraints place only on matching nodes', async () => {
    await register(serviceJob('prod', {}, { Count: 3, Constraints: [{ LTarget: '${meta.tier}', RTarget: 'production', Operand: '=' }, { LTarget: '${meta.role}', RTarget: 'nomad', Operand: '=' }] }));
    await sim.settle();
    const list = await allocs('prod');
    expect(list).toHaveLength(3);
    for (const a of list) expect(nodeOf(a.NodeID)?.Meta).toMatchObject({ tier: 'production', role: 'nomad' });
  });

  test('a successful deployment marks the version stable', async () => {
    await register(serviceJob('web', {}, { Update: { MaxParallel: 1, MinHealthyTime: 5e9, AutoRevert: true } }));
    await sim.settle();
    const d = (await http<Deployment>('GET', `${sim.nomadUrl}/v1/job/web/deployment`)).json;
    expect(d).toMatchObject({ Status: 'successful', StatusDescription: 'Deployment completed successfully', JobVersion: 0 });
    expect(d.TaskGroups.web).toMatchObject({ DesiredTotal: 2, PlacedAllocs: 2, HealthyAllocs: 2, UnhealthyAllocs: 0, AutoRevert: true });
    const job = (await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json;
    expect(job).toMatchObject({ Stable: true, Status: 'running', Version: 0 });
    const list = await allocs('web');
    expect(list.every((a) => a.DeploymentStatus?.Healthy === true)).toBe(true);
  });

  test('health follows the first check run (one 10s interval) and then MinHealthyTime on the clock', async () => {
    await register(serviceJob('slow', {}, { Update: { MaxParallel: 2, MinHealthyTime: 20e9 } }));
    await clock.advance(10);
    await clock.advance(1000);
    let d = (await http<Deployment>('GET', `${sim.nomadUrl}/v1/job/slow/deployment`)).json;
    expect(d.Status).toBe('running');
    expect(d.TaskGroups.web.HealthyAllocs).toBe(0);
    await clock.advance(20_000);
    d = (await http<Deployment>('GET', `${sim.nomadUrl}/v1/job/slow/deployment`)).json;
    expect(d.TaskGroups.web.HealthyAllocs).toBe(0);
    await clock.advance(10_000);
    d = (await http<Deployment>('GET', `${sim.nomadUrl}/v1/job/slow/deployment`)).json;
    expect(d.Status).toBe('successful');
  });

  test('a failed deployment auto-reverts to the last stable version', async () => {
    const good = 'ghcr.io/acme/web:1.0.0';
    const bad = 'ghcr.io/acme/web:broken';
    sim.failImage('web:broken');
    const update = { Update: { MaxParallel: 1, MinHealthyTime: 5e9, HealthyDeadline: 60e9, AutoRevert: true } };
    await register(serviceJob('web', {}, update, good));
    await sim.settle();
    expect((await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json.Stable).toBe(true);
    await register(serviceJob('web', {}, update, bad));
    await sim.settle();
    const deployments = (await http<Deployment[]>('GET', `${sim.nomadUrl}/v1/job/web/deployments`)).json;
    expect(deployments.map((d) => [d.JobVersion, d.Status])).toEqual([[2, 'successful'], [1, 'failed'], [0, 'successful']]);
    expect(deployments[1].StatusDescription).toBe('Failed due to unhealthy allocations - rolling back to job version 0');
    const job = (await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json;
    expect(job.Version).toBe(2);
    expect(job.Stable).toBe(true);
    expect(job.TaskGroups[0].Tasks[0].Config?.image).toBe(good);
    const versions = (await http<{ Versions: Job[] }>('GET', `${sim.nomadUrl}/v1/job/web/versions`)).json.Versions;
    expect(versions.map((v) => [v.Version, v.Stable])).toEqual([[2, true], [1, false], [0, true]]);
    const live = (await allocs('web')).filter((a) => a.ClientStatus === 'running');
    expect(live).toHaveLength(2);
    expect(live.every((a) => a.JobVersion === 2)).toBe(true);
  });

  test('without a stable version the failed deployment says so and nothing is reverted', async () => {
    sim.failImage(/broken$/);
    await register(serviceJob('web', {}, { Update: { MaxParallel: 1, AutoRevert: true } }, 'acme/web:broken'));
    await sim.settle();
    const d = (await http<Deployment>('GET', `${sim.nomadUrl}/v1/job/web/deployment`)).json;
    expect(d.Status).toBe('failed');
    expect(d.StatusDescription).toBe('Failed due to unhealthy allocations - no stable job version to auto revert to');
    expect((await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json.Version).toBe(0);
  });

  test('running allocations register their group services in Consul at the host address and port (address_mode auto)', async () => {
    sim.failImage('bad');
    await register(serviceJob('web', {}, { Count: 3 }));
    await register(serviceJob('sick', {}, { Count: 1 }, 'acme/bad:1'));
    await sim.settle();
    const services = await http<Record<string, string[]>>('GET', `${sim.consulUrl}/v1/catalog/services`);
    expect(services.json).toMatchObject({ consul: [], web: ['traefik.enable=true'], sick: ['traefik.enable=true'] });
    const health = (await http<HealthEntry[]>('GET', `${sim.consulUrl}/v1/health/service/web`)).json;
    expect(health).toHaveLength(3);
    const list = await allocs('web');
    for (const h of health) {
      const alloc = list.find((a) => h.Service.ID.startsWith(`_nomad-task-${a.ID}-group-web-web-http`));
      expect(alloc).toBeDefined();
      const node = nodeOf(String(alloc?.NodeID));
      expect(h.Service.Address).toBe(node?.Address);
      expect(ipaddr.IPv6.parse(h.Service.Address).match(ipaddr.IPv6.parseCIDR(String(node?.Prefix)))).toBe(false);
      expect(h.Node.Node).toBe(node?.Name);
      expect(h.Service.Meta['external-source']).toBe('nomad');
      expect(h.Service.Tags).toEqual(['traefik.enable=true']);
      expect(h.Service.Port).toBeGreaterThanOrEqual(20000);
      expect(h.Checks.map((c) => c.Status)).toEqual(['passing', 'passing']);
      const shared = (alloc?.AllocatedResources as { Shared: { Networks: Array<{ IP: string; DynamicPorts: Array<{ Value: number }> }> } }).Shared;
      expect(shared.Networks[0].IP).toBe(h.Service.Address);
      expect(shared.Networks[0].DynamicPorts[0].Value).toBe(h.Service.Port);
    }
    const filtered = await http<Record<string, string[]>>('GET', `${sim.consulUrl}/v1/catalog/services?filter=${encodeURIComponent('ServiceName == "web" and ServiceMeta["external-source"] == "nomad"')}`);
    expect(filtered.json).toEqual({ web: ['traefik.enable=true'] });
    const sick = (await http<HealthEntry[]>('GET', `${sim.consulUrl}/v1/health/service/sick`)).json;
    expect(sick[0].Checks[1].Status).toBe('critical');
    expect((await http<HealthEntry[]>('GET', `${sim.consulUrl}/v1/health/service/sick?passing`)).json).toEqual([]);
    expect((await http<HealthEntry[]>('GET', `${sim.consulUrl}/v1/health/service/web?passing=true`)).json).toHaveLength(3);
    await http('DELETE', `${sim.nomadUrl}/v1/job/web`);
    await sim.settle();
    expect((await http<HealthEntry[]>('GET', `${sim.consulUrl}/v1/health/service/web`)).json).toEqual([]);
  });

  test('plan: no change is None; an image change is a contextual Config edit with destructive updates limited by max_parallel', async () => {
    const job = serviceJob('web', {}, { Count: 3 });
    const newPlan = (await http<JobPlanResponse>('POST', `${sim.nomadUrl}/v1/job/web/plan`, { Job: job, Diff: true })).json;
    expect(newPlan.Diff?.Type).toBe('Added');
    expect(newPlan.JobModifyIndex).toBe(0);
    expect(newPlan.Annotations?.DesiredTGUpdates?.web.Place).toBe(3);
    await register(job);
    await sim.settle();
    const stored = (await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json;
    const same = (await http<JobPlanResponse>('POST', `${sim.nomadUrl}/v1/job/web/plan`, { Job: job, Diff: true })).json;
    expect(same.Diff?.Type).toBe('None');
    expect(same.Diff?.TaskGroups?.[0]).toMatchObject({ Type: 'None', Name: 'web', Updates: { ignore: 3 } });
    expect(same.JobModifyIndex).toBe(stored.JobModifyIndex);
    const changed = serviceJob('web', {}, { Count: 3 }, 'ghcr.io/acme/web:1.5.0');
    const plan = (await http<JobPlanResponse>('POST', `${sim.nomadUrl}/v1/job/web/plan`, { Job: changed, Diff: true })).json;
    expect(plan.Diff?.Type).toBe('Edited');
    const tg = plan.Diff?.TaskGroups?.[0];
    expect(tg?.Updates).toEqual({ 'create/destroy update': 1, ignore: 2 });
    const task = tg?.Tasks?.[0];
    expect(task?.Annotations).toEqual(['forces create/destroy update']);
    expect(task?.Objects).toEqual([
      {
        Type: 'Edited',
        Name: 'Config',
        Fields: [
          { Type: 'Edited', Name: 'image', Old: 'ghcr.io/acme/web:1.0.0', New: 'ghcr.io/acme/web:1.5.0', Annotations: null },
          { Type: 'None', Name: 'ports[0]', Old: 'http', New: 'http', Annotations: null },
        ],
        Objects: null,
      },
    ]);
    expect(plan.Annotations?.DesiredTGUpdates?.web).toMatchObject({ Ignore: 2, DestructiveUpdate: 1, Place: 0 });
    const impossible = serviceJob('web', {}, { Count: 3, Constraints: [{ LTarget: '${meta.tier}', RTarget: 'mars', Operand: '=' }] });
    const failPlan = (await http<JobPlanResponse>('POST', `${sim.nomadUrl}/v1/job/web/plan`, { Job: impossible, Diff: true })).json;
    expect(failPlan.FailedTGAllocs?.web.ConstraintFiltered).toEqual({ '${meta.tier} = mars': sim.nodes.length });
    const count = serviceJob('web', { Meta: { owner: 'x' } }, { Count: 4 });
    const countPlan = (await http<JobPlanResponse>('POST', `${sim.nomadUrl}/v1/job/web/plan`, { Job: count, Diff: true })).json;
    expect(countPlan.Diff?.Fields).toEqual([{ Type: 'Added', Name: 'Meta[owner]', Old: '', New: 'x', Annotations: null }]);
    expect(countPlan.Diff?.TaskGroups?.[0].Fields).toEqual([{ Type: 'Edited', Name: 'Count', Old: '3', New: '4', Annotations: ['forces create'] }]);
    expect((await http('POST', `${sim.nomadUrl}/v1/job/other/plan`, { Job: job })).text).toBe('Job ID does not match');
  });

  test('plan: a resource change is one field inside the Resources object, not also a map entry of the task', async () => {
    await register(serviceJob('web'));
    await sim.settle();
    const bigger = serviceJob('web');
    ((bigger.TaskGroups as Array<{ Tasks: Array<{ Resources: Record<string, number> }> }>)[0].Tasks[0].Resources).MemoryMB = 512;
    const plan = (await http<JobPlanResponse>('POST', `${sim.nomadUrl}/v1/job/web/plan`, { Job: bigger, Diff: true })).json;
    const task = plan.Diff?.TaskGroups?.[0].Tasks?.[0];
    expect(task?.Fields).toBeNull();
    const resources = task?.Objects?.find((o) => o.Name === 'Resources');
    expect(resources?.Type).toBe('Edited');
    expect(resources?.Fields?.filter((f) => f.Type !== 'None')).toEqual([{ Type: 'Edited', Name: 'MemoryMB', Old: '256', New: '512', Annotations: null }]);
  });
});

describe('simulator: blocked evaluations', () => {
  test('a blocked evaluation places its allocations once capacity frees', async () => {
    const sim = await Simulator.start({ clock: new FakeClock(), seed: 2, datacenters: ['dc1'], nodesPerTier: 1 });
    try {
      // No update strategy: no deployment whose progress deadline settle() would run out first.
      const big = (id: string, count: number) => serviceJob(id, {}, { Count: count, Update: { MaxParallel: 0 }, Networks: null, Services: null, Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: 'x' }, Resources: { CPU: 100, MemoryMB: 6000 } }] });
      await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: big('hog', sim.nodes.length) });
      await sim.settle();
      const evalId = (await http<{ EvalID: string }>('POST', `${sim.nomadUrl}/v1/jobs`, { Job: big('late', 1) })).json.EvalID;
      await sim.settle();
      const ev = (await http<Evaluation>('GET', `${sim.nomadUrl}/v1/evaluation/${evalId}`)).json;
      expect(ev.FailedTGAllocs?.web.DimensionExhausted).toEqual({ memory: sim.nodes.length });
      expect((await http<Evaluation>('GET', `${sim.nomadUrl}/v1/evaluation/${ev.BlockedEval}`)).json.Status).toBe('blocked');
      await http('DELETE', `${sim.nomadUrl}/v1/job/hog`);
      await sim.settle();
      expect((await http<Evaluation>('GET', `${sim.nomadUrl}/v1/evaluation/${ev.BlockedEval}`)).json.Status).toBe('complete');
      const allocs = (await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/late/allocations`)).json;
      expect(allocs.map((a) => a.ClientStatus)).toEqual(['running']);
      expect(sim.errors).toEqual([]);
    } finally {
      await sim.stop();
    }
  });
});
