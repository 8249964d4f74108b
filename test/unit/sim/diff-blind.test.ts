import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import type { JobPlanResponse } from '../../../lib/core/nomad/types';
import { http, serviceJob } from './http';

/**
 * The plan diff sees only what nomad/structs/diff.go diffs: spreads, task lifecycle, group `Update.Stagger`
 * and the pointer durations other than `ShutdownDelay` are invisible; a group or task that differs only
 * there is `Edited` with nothing in it, and a job that differs only in job spreads is `None`.
 */
describe('simulator: the plan diff is as blind as Nomad\'s', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await Simulator.start({ clock: new FakeClock(), seed: 3 });
  });
  afterEach(async () => {
    await sim.stop();
  });

  const spread = (pct: number) => [{ Attribute: '${node.datacenter}', Weight: 100, SpreadTarget: [{ Value: 'dc1', Percent: pct }, { Value: 'dc2', Percent: 100 - pct }] }];
  const withTask = (extra: Record<string, unknown>): Record<string, unknown> => {
    const job = serviceJob('web');
    const group = (job.TaskGroups as Array<Record<string, unknown>>)[0];
    const task = (group.Tasks as Array<Record<string, unknown>>)[0];
    return { ...job, TaskGroups: [{ ...group, Tasks: [{ ...task, ...extra }] }] };
  };

  async function planAfter(stored: Record<string, unknown>, submitted: Record<string, unknown>): Promise<JobPlanResponse> {
    expect((await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: stored })).status).toBe(200);
    const plan = await http<JobPlanResponse>('POST', `${sim.nomadUrl}/v1/job/web/plan`, { Job: submitted, Diff: true });
    expect(plan.status).toBe(200);
    return plan.json;
  }

  test('a job-level spread change alone: Diff.Type None', async () => {
    const plan = await planAfter(serviceJob('web', { Spreads: spread(50) }), serviceJob('web', { Spreads: spread(70) }));
    expect(plan.Diff?.Type).toBe('None');
    expect(plan.Diff?.Objects).toBeNull();
    expect(plan.Diff?.TaskGroups?.[0]).toMatchObject({ Type: 'None', Fields: null, Objects: null });
  });

  test('a group-level spread change alone: the group is Edited with no Fields or Objects', async () => {
    const plan = await planAfter(serviceJob('web', {}, { Spreads: spread(50) }), serviceJob('web', {}, { Spreads: spread(70) }));
    expect(plan.Diff?.Type).toBe('Edited');
    expect(plan.Diff?.Objects).toBeNull();
    const g = plan.Diff?.TaskGroups?.[0];
    expect(g).toMatchObject({ Type: 'Edited', Name: 'web', Fields: null, Objects: null });
    expect(g?.Tasks?.[0].Type).toBe('None');
  });

  test('a task lifecycle change alone: the task and its group are Edited with nothing in them', async () => {
    const plan = await planAfter(withTask({}), withTask({ Lifecycle: { Hook: 'prestart', Sidecar: true } }));
    expect(plan.Diff?.Type).toBe('Edited');
    const g = plan.Diff?.TaskGroups?.[0];
    expect(g).toMatchObject({ Type: 'Edited', Fields: null, Objects: null });
    expect(g?.Tasks?.[0]).toMatchObject({ Type: 'Edited', Name: 'app', Fields: null, Objects: null });
  });

  test('a group update stagger change alone: the group is Edited with no Update object', async () => {
    const plan = await planAfter(serviceJob('web', {}, { Update: { Stagger: 30e9 } }), serviceJob('web', {}, { Update: { Stagger: 45e9 } }));
    expect(plan.Diff?.Type).toBe('Edited');
    expect(plan.Diff?.TaskGroups?.[0]).toMatchObject({ Type: 'Edited', Fields: null, Objects: null });
  });

  test('group MaxClientDisconnect and task RestartPolicy are not diffed; ShutdownDelay is', async () => {
    const submitted = withTask({ RestartPolicy: { Attempts: 9 } });
    (submitted.TaskGroups as Array<Record<string, unknown>>)[0].MaxClientDisconnect = 60e9;
    const blind = await planAfter(serviceJob('web'), submitted);
    const g = blind.Diff?.TaskGroups?.[0];
    expect(g).toMatchObject({ Type: 'Edited', Fields: null, Objects: null });
    expect(g?.Tasks?.[0]).toMatchObject({ Type: 'Edited', Fields: null, Objects: null });
    const seen = await http<JobPlanResponse>('POST', `${sim.nomadUrl}/v1/job/web/plan`, { Job: serviceJob('web', {}, { ShutdownDelay: 5e9 }), Diff: true });
    expect(seen.json.Diff?.TaskGroups?.[0].Fields).toEqual([{ Type: 'Added', Name: 'ShutdownDelay', Old: '', New: '5000000000', Annotations: null }]);
  });

  test('task annotations follow from the task diff, as scheduler/annotate.go has them', async () => {
    const lifecycle = await planAfter(withTask({}), withTask({ Lifecycle: { Hook: 'prestart', Sidecar: true } }));
    expect(lifecycle.Diff?.TaskGroups?.[0].Tasks?.[0].Annotations).toEqual(['forces in-place update']);
    const kill = await http<JobPlanResponse>('POST', `${sim.nomadUrl}/v1/job/web/plan`, { Job: withTask({ KillTimeout: 9e9 }), Diff: true });
    expect(kill.json.Diff?.TaskGroups?.[0].Tasks?.[0].Annotations).toEqual(['forces in-place update']);
    const env = await http<JobPlanResponse>('POST', `${sim.nomadUrl}/v1/job/web/plan`, { Job: withTask({ Env: { A: '1' } }), Diff: true });
    expect(env.json.Diff?.TaskGroups?.[0].Tasks?.[0].Annotations).toEqual(['forces create/destroy update']);
  });

  test('an added group\'s Count is annotated on a plan; version diffs carry no annotations', async () => {
    const job = serviceJob('web');
    const group = (job.TaskGroups as Array<Record<string, unknown>>)[0];
    const two = { ...job, TaskGroups: [group, { ...group, Name: 'extra' }] };
    const plan = await planAfter(job, two);
    const added = plan.Diff?.TaskGroups?.find((g) => g.Name === 'extra');
    expect(added?.Type).toBe('Added');
    expect(added?.Fields?.find((f) => f.Name === 'Count')?.Annotations).toEqual(['forces create']);
    expect(added?.Tasks?.[0].Annotations).toEqual(['forces create']);
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', {}, { Count: 3 }) });
    const v = await http<{ Diffs: JobPlanResponse['Diff'][] }>('GET', `${sim.nomadUrl}/v1/job/web/versions?diffs=true`);
    expect(v.json.Diffs[0]?.TaskGroups?.[0].Fields).toEqual([{ Type: 'Edited', Name: 'Count', Old: '2', New: '3', Annotations: null }]);
  });

  test('versions?diffs=true is just as blind', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Spreads: spread(50) }) });
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Spreads: spread(60) }) });
    const v = await http<{ Versions: Array<{ Version: number }>; Diffs: Array<{ Type: string }> }>('GET', `${sim.nomadUrl}/v1/job/web/versions?diffs=true`);
    expect(v.json.Versions.map((x) => x.Version)).toEqual([1, 0]);
    expect(v.json.Diffs[0].Type).toBe('None');
  });
});
