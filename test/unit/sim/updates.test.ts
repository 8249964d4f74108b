import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import type { AllocListStub, Deployment, JobPlanResponse } from '../../../lib/core/nomad/types';
import { http, serviceJob } from './http';

/**
 * Allocation updates as Nomad's scheduler makes them (scheduler/reconciler, scheduler/util.go): count
 * changes, in-place against destructive updates, and the update strategy's limit.
 */

type Obj = Record<string, unknown>;

/** The platform's job shape: 4 eligible nodes (test tier), distinct hosts, spread over dc1/dc2, max_parallel 1. */
function platformJob(count: number, meta: Record<string, string> = {}): Obj {
  return serviceJob(
    'web',
    { Meta: { contact: 'team@example.com', ...meta }, Constraints: [{ LTarget: '${meta.tier}', RTarget: 'test', Operand: '=' }] },
    {
      Count: count,
      Constraints: [{ Operand: 'distinct_hosts', RTarget: 'true' }],
      Spreads: [{ Attribute: '${node.datacenter}', Weight: 100, SpreadTarget: [{ Value: 'dc1', Percent: 50 }, { Value: 'dc2', Percent: 50 }] }],
      Update: { MaxParallel: 1, MinHealthyTime: 10e9, HealthyDeadline: 300e9, ProgressDeadline: 600e9, AutoRevert: true },
    },
  );
}

describe('simulator: count changes', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await Simulator.start({ clock: new FakeClock(Date.UTC(2026, 0, 1)), seed: 5 });
  });
  afterEach(async () => {
    expect(sim.errors).toEqual([]);
    await sim.stop();
  });

  const register = async (job: Obj) => expect((await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job })).status).toBe(200);
  const live = async () => (await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/web/allocations`)).json.filter((a) => a.DesiredStatus === 'run').sort((a, b) => a.Name.localeCompare(b.Name));
  const deployment = async () => (await http<Deployment>('GET', `${sim.nomadUrl}/v1/job/web/deployment`)).json;

  test('count 2 -> 4 updates the two survivors in place (same IDs, new version), places [2] and [3], and the deployment succeeds', async () => {
    await register(platformJob(2));
    await sim.settle();
    const before = await live();
    expect(before.map((a) => a.Name)).toEqual(['web.web[0]', 'web.web[1]']);
    await register(platformJob(4));
    await sim.settle();
    const after = await live();
    expect(after.map((a) => [a.Name, a.JobVersion])).toEqual([['web.web[0]', 1], ['web.web[1]', 1], ['web.web[2]', 1], ['web.web[3]', 1]]);
    expect(after.slice(0, 2).map((a) => a.ID)).toEqual(before.map((a) => a.ID));
    expect(after.every((a) => a.ClientStatus === 'running' && a.DeploymentStatus?.Healthy === true)).toBe(true);
    const d = await deployment();
    expect(d).toMatchObject({ JobVersion: 1, Status: 'successful' });
    expect(d.TaskGroups.web).toMatchObject({ DesiredTotal: 4, PlacedAllocs: 4, HealthyAllocs: 4 });
  });

  test('a count-only change updates every survivor in place at once, whatever max_parallel', async () => {
    await register(platformJob(3));
    await sim.settle();
    const before = await live();
    await register(platformJob(4));
    await sim.settle();
    const after = await live();
    expect(after.filter((a) => before.some((b) => b.ID === a.ID)).map((a) => a.JobVersion)).toEqual([1, 1, 1]);
    const evals = (await http<Array<{ ID: string; TriggeredBy: string }>>('GET', `${sim.nomadUrl}/v1/job/web/evaluations`)).json;
    const register1 = evals.filter((e) => e.TriggeredBy === 'job-register');
    // The register evaluation of version 1 updated all three survivors, not one per max_parallel.
    const byEval = new Map<string, number>();
    for (const a of after) byEval.set(a.EvalID, (byEval.get(a.EvalID) ?? 0) + 1);
    expect(register1.some((e) => (byEval.get(e.ID) ?? 0) >= 3)).toBe(true);
    expect((await deployment()).Status).toBe('successful');
  });

  test('count 2 -> 4 with a destructive change on exactly as many eligible distinct hosts completes: each replacement takes the node it frees', async () => {
    await register(platformJob(2, { rev: '1' }));
    await sim.settle();
    const before = await live();
    await register(platformJob(4, { rev: '2' }));
    await sim.settle();
    const after = await live();
    expect(after).toHaveLength(4);
    expect(after.every((a) => a.JobVersion === 1 && a.ClientStatus === 'running')).toBe(true);
    expect(after.some((a) => before.some((b) => b.ID === a.ID))).toBe(false);
    expect(new Set(after.map((a) => a.NodeID)).size).toBe(4);
    const d = await deployment();
    expect(d).toMatchObject({ JobVersion: 1, Status: 'successful', StatusDescription: 'Deployment completed successfully' });
    expect(d.TaskGroups.web).toMatchObject({ DesiredTotal: 4, HealthyAllocs: 4 });
  });

  test('placements count against max_parallel: count 2 -> 4 with a destructive change places 2 and replaces none yet', async () => {
    await register(platformJob(2, { rev: '1' }));
    await sim.settle();
    const plan = (await http<JobPlanResponse>('POST', `${sim.nomadUrl}/v1/job/web/plan`, { Job: platformJob(4, { rev: '2' }), Diff: false })).json;
    expect(plan.Annotations?.DesiredTGUpdates?.web).toMatchObject({ Place: 2, DestructiveUpdate: 0, Ignore: 2, InPlaceUpdate: 0, Stop: 0 });
  });

  test('a scale-down stops the highest name indexes and updates the rest in place', async () => {
    await register(platformJob(4));
    await sim.settle();
    const before = await live();
    await register(platformJob(2));
    await sim.settle();
    const after = await live();
    expect(after.map((a) => [a.Name, a.JobVersion])).toEqual([['web.web[0]', 1], ['web.web[1]', 1]]);
    expect(after.map((a) => a.ID)).toEqual(before.slice(0, 2).map((a) => a.ID));
    const all = (await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/web/allocations`)).json;
    expect(all.filter((a) => a.DesiredStatus === 'stop').map((a) => a.Name).sort()).toEqual(['web.web[2]', 'web.web[3]']);
    expect((await deployment()).Status).toBe('successful');
  });
});

/** A two-allocation job (one per datacenter) without an update strategy; `edit` changes the copy registered second. */
function baseJob(edit: (job: Obj, group: Obj, task: Obj) => void = () => undefined): Obj {
  const job = serviceJob(
    'web',
    { Meta: { owner: 'job', team: 'a' } },
    {
      Update: { MaxParallel: 0 },
      Meta: { tier: 'group' },
      Spreads: [{ Attribute: '${node.datacenter}', Weight: 100, SpreadTarget: [{ Value: 'dc1', Percent: 50 }, { Value: 'dc2', Percent: 50 }] }],
      Constraints: [{ Operand: 'distinct_hosts', RTarget: 'true' }],
    },
  );
  const group = (job.TaskGroups as Obj[])[0];
  const task = (group.Tasks as Obj[])[0];
  task.Meta = { owner: 'task' };
  edit(job, group, task);
  return job;
}

/** Scheduler/util.go `tasksUpdated` and `genericAllocUpdateFn`: which change keeps allocations, which replaces them. */
describe('simulator: destructive against in-place updates', () => {
  const cases: Array<[string, 'in place' | 'destructive', (job: Obj, group: Obj, task: Obj) => void]> = [
    ['KillTimeout', 'in place', (_j, _g, t) => (t.KillTimeout = 30e9)],
    ['KillSignal', 'in place', (_j, _g, t) => (t.KillSignal = 'SIGINT')],
    ['ShutdownDelay', 'in place', (_j, _g, t) => (t.ShutdownDelay = 5e9)],
    ['LogConfig sizes', 'in place', (_j, _g, t) => (t.LogConfig = { MaxFiles: 3, MaxFileSizeMB: 20 })],
    ['Leader', 'in place', (_j, _g, t) => (t.Leader = true)],
    ['Lifecycle', 'in place', (_j, _g, t) => (t.Lifecycle = { Hook: 'prestart', Sidecar: true })],
    ['a job meta key shadowed by the task', 'in place', (j) => (j.Meta = { owner: 'someone else', team: 'a' })],
    ['a group meta key shadowed by the task', 'in place', (_j, g) => (g.Meta = { tier: 'group', owner: 'group' })],
    ['service tags', 'in place', (_j, g) => ((g.Services as Obj[])[0].Tags = ['v2'])],
    ['LogConfig.Disabled', 'destructive', (_j, _g, t) => (t.LogConfig = { Disabled: true })],
    ['restart.render_templates', 'destructive', (_j, g) => (g.RestartPolicy = { RenderTemplates: true })],
    ['the group Consul namespace', 'destructive', (_j, g) => (g.Consul = { Namespace: 'platform' })],
    ['the job Consul namespace of a group with no consul block', 'in place', (j) => (j.ConsulNamespace = 'platform')],
    ['a consul block taking the job Consul namespace', 'destructive', (j, g) => ((j.ConsulNamespace = 'platform'), (g.Consul = {}))],
    ['a job meta key no group or task shadows', 'destructive', (j) => (j.Meta = { owner: 'job', team: 'b' })],
    ['the nomadguard marker added to job meta', 'destructive', (j) => (j.Meta = { owner: 'job', team: 'a', 'nomadguard.managed': 'true' })],
    ['a new group meta key', 'destructive', (_j, g) => (g.Meta = { tier: 'group', extra: 'x' })],
    ['the task image', 'destructive', (_j, _g, t) => ((t.Config as Obj).image = 'ghcr.io/acme/web:2.0.0')],
    ['a node pool the nodes are not in', 'destructive', (j) => (j.NodePool = 'gpu')],
  ];

  test.each(cases)('%s: %s', async (_name, expected, edit) => {
    const sim = await Simulator.start({ clock: new FakeClock(Date.UTC(2026, 0, 1)), seed: 9 });
    try {
      expect((await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: baseJob() })).status).toBe(200);
      await sim.settle();
      const before = (await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/web/allocations`)).json;
      expect(before).toHaveLength(2);
      expect((await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: baseJob(edit) })).status).toBe(200);
      await sim.settle();
      const after = (await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/web/allocations`)).json;
      const kept = before.map((b) => after.find((a) => a.ID === b.ID));
      const inPlace = kept.every((a) => a?.DesiredStatus === 'run' && a.JobVersion === 1);
      expect(inPlace ? 'in place' : 'destructive').toBe(expected);
      if (expected === 'destructive') expect(kept.every((a) => a?.JobVersion === 0)).toBe(true);
      expect(sim.errors).toEqual([]);
    } finally {
      await sim.stop();
    }
  });

  test('an allocation on a node no longer in the job datacenters is replaced; the other is updated in place', async () => {
    const sim = await Simulator.start({ clock: new FakeClock(Date.UTC(2026, 0, 1)), seed: 9 });
    try {
      await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: baseJob() });
      await sim.settle();
      const before = (await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/web/allocations`)).json;
      const dcOf = (a: AllocListStub) => sim.nodes.find((n) => n.ID === a.NodeID)?.Datacenter;
      expect(before.map(dcOf).sort()).toEqual(['dc1', 'dc2']);
      await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: baseJob((j, g) => ((j.Datacenters = ['dc1']), (g.Spreads = null))) });
      await sim.settle();
      const after = (await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/web/allocations`)).json;
      const inDc1 = before.find((a) => dcOf(a) === 'dc1') as AllocListStub;
      const inDc2 = before.find((a) => dcOf(a) === 'dc2') as AllocListStub;
      expect(after.find((a) => a.ID === inDc1.ID)).toMatchObject({ DesiredStatus: 'run', JobVersion: 1 });
      expect(after.find((a) => a.ID === inDc2.ID)).toMatchObject({ DesiredStatus: 'stop' });
      const running = after.filter((a) => a.DesiredStatus === 'run');
      expect(running.map(dcOf)).toEqual(['dc1', 'dc1']);
      expect(running.find((a) => a.ID !== inDc1.ID)?.Name).toBe(inDc2.Name);
      expect(sim.errors).toEqual([]);
    } finally {
      await sim.stop();
    }
  });
});
