import { canonicalizeJob, validateJob } from '../../../lib/sim/canonicalize';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import type { AllocListStub, Job } from '../../../lib/core/nomad/types';
import { http, serviceJob } from './http';

const ctx = { version: '1.10.3', region: 'global', namespace: 'default' };

describe('canonicalisation', () => {
  test('empty datacenters become ["*"] from 1.5; before that the job is invalid', () => {
    const job = { ID: 'x', TaskGroups: [{ Name: 'g', Tasks: [{ Name: 't', Driver: 'docker' }] }] };
    expect(canonicalizeJob(job, ctx).Datacenters).toEqual(['*']);
    const old = canonicalizeJob(job, { ...ctx, version: '1.4.3' });
    expect(old.Datacenters).toEqual([]);
    expect(validateJob(old, true)).toContain('Missing job datacenters');
  });

  test('vault policies are kept below 1.10 and dropped from 1.10; the vault constraint is implied on the group', () => {
    const job = { ID: 'x', TaskGroups: [{ Name: 'g', Tasks: [{ Name: 't', Driver: 'docker', Vault: { Policies: ['web'] } }] }] };
    const v19 = canonicalizeJob(job, { ...ctx, version: '1.9.7' });
    expect(v19.TaskGroups[0].Tasks[0].Vault).toMatchObject({ Policies: ['web'], Env: true, ChangeMode: 'restart', ChangeSignal: 'SIGHUP', Cluster: 'default' });
    const v110 = canonicalizeJob(job, ctx);
    expect(v110.TaskGroups[0].Tasks[0].Vault).not.toHaveProperty('Policies');
    expect(v110.TaskGroups[0].Constraints).toEqual([{ LTarget: '${attr.vault.version}', RTarget: '>= 0.6.1', Operand: 'semver' }]);
  });

  test('task services get the consul constraint on the task; bridge networks imply the CNI constraints; spreads weigh 50', () => {
    const job = {
      ID: 'x',
      Spreads: [{ Attribute: '${node.datacenter}' }],
      TaskGroups: [
        {
          Name: 'g',
          Networks: [{ Mode: 'bridge' }],
          Tasks: [{ Name: 't', Driver: 'docker', Services: [{ PortLabel: 'http' }], Templates: [{ DestPath: 'a', ChangeMode: 'signal' }] }],
        },
      ],
    };
    const c = canonicalizeJob(job, ctx);
    const task = c.TaskGroups[0].Tasks[0];
    expect(task.Constraints).toEqual([{ LTarget: '${attr.consul.version}', RTarget: '>= 1.8.0', Operand: 'semver' }]);
    expect(task.Services?.[0]).toMatchObject({ Name: 'x-g-t', TaskName: 't', Provider: 'consul' });
    expect(task.Templates?.[0]).toMatchObject({ ChangeSignal: 'SIGHUP', Splay: 5e9, Perms: '0644' });
    const group = c.TaskGroups[0].Constraints ?? [];
    expect(group.map((x) => x.LTarget)).toEqual([
      '${attr.os.signals}',
      '${attr.plugins.cni.version.bridge}',
      '${attr.plugins.cni.version.firewall}',
      '${attr.plugins.cni.version.host-local}',
      '${attr.plugins.cni.version.loopback}',
      '${attr.plugins.cni.version.portmap}',
    ]);
    expect(c.Spreads).toEqual([{ Attribute: '${node.datacenter}', Weight: 50, SpreadTarget: null }]);
    expect(c.TaskGroups[0].Networks).toEqual([{ Mode: 'bridge' }]);
  });

  test('a user constraint on the same target suppresses the implied one; batch defaults differ', () => {
    const job = {
      ID: 'b',
      Type: 'batch',
      TaskGroups: [{ Name: 'g', Constraints: [{ LTarget: '${attr.consul.version}', RTarget: '>= 1.20.0', Operand: 'semver' }], Services: [{ Name: 's' }], Tasks: [{ Name: 't', Driver: 'docker' }] }],
    };
    const c = canonicalizeJob(job, ctx);
    const g = c.TaskGroups[0];
    expect(g.Constraints).toEqual([{ LTarget: '${attr.consul.version}', RTarget: '>= 1.20.0', Operand: 'semver' }]);
    expect(g.Update).toBeNull();
    expect(g.Migrate).toBeNull();
    expect(g.RestartPolicy).toEqual({ Attempts: 3, Interval: 86400e9, Delay: 15e9, Mode: 'fail', RenderTemplates: false });
    expect(g.ReschedulePolicy).toEqual({ Attempts: 1, Interval: 86400e9, Delay: 5e9, DelayFunction: 'constant', MaxDelay: 0, Unlimited: false });
    expect(c.Update).toMatchObject({ Stagger: 0, MaxParallel: 0 });
  });

  test('job update is reduced to Stagger/MaxParallel and merged into groups', () => {
    const c = canonicalizeJob({ ID: 'x', Update: { MaxParallel: 2, AutoRevert: true, MinHealthyTime: 30e9 }, TaskGroups: [{ Name: 'g', Update: { Canary: 0, MinHealthyTime: 5e9 }, Tasks: [{ Name: 't', Driver: 'docker' }] }] }, ctx);
    expect(c.Update).toEqual({ Stagger: 30e9, MaxParallel: 2, HealthCheck: '', MinHealthyTime: 0, HealthyDeadline: 0, ProgressDeadline: 0, AutoRevert: false, AutoPromote: false, Canary: 0 });
    expect(c.TaskGroups[0].Update).toEqual({ Stagger: 30e9, MaxParallel: 2, HealthCheck: 'checks', MinHealthyTime: 5e9, HealthyDeadline: 300e9, ProgressDeadline: 600e9, AutoRevert: true, AutoPromote: false, Canary: 0 });
  });
});

describe('consul blocks', () => {
  test("a group's block takes the job's Consul namespace when it names none; no block stays none; the cluster is default", () => {
    const job = {
      ID: 'x',
      ConsulNamespace: 'platform',
      TaskGroups: [
        { Name: 'a', Consul: {}, Tasks: [{ Name: 't', Driver: 'docker', Consul: { Partition: 'p1' } }] },
        { Name: 'b', Consul: { Namespace: 'own', Cluster: 'default' }, Tasks: [{ Name: 't', Driver: 'docker' }] },
        { Name: 'c', Tasks: [{ Name: 't', Driver: 'docker' }] },
      ],
    };
    const c = canonicalizeJob(job, ctx);
    expect(c.ConsulNamespace).toBe('platform');
    expect(c.TaskGroups.map((g) => g.Consul)).toEqual([{ Namespace: 'platform', Cluster: 'default', Partition: '' }, { Namespace: 'own', Cluster: 'default', Partition: '' }, null]);
    expect(c.TaskGroups[0].Tasks[0].Consul).toEqual({ Namespace: '', Cluster: 'default', Partition: 'p1' });
    expect(c.TaskGroups[1].Tasks[0].Consul).toBeNull();
  });
});

describe('check restart', () => {
  const restartOf = (service: Record<string, unknown>, checks: Array<Record<string, unknown>>): unknown[] => {
    const job = { ID: 'x', TaskGroups: [{ Name: 'g', Services: [{ Name: 's', ...service, Checks: checks }], Tasks: [{ Name: 't', Driver: 'docker' }] }] };
    const svc = canonicalizeJob(job, ctx).TaskGroups[0].Services?.[0] as unknown as Record<string, unknown>;
    expect(svc).not.toHaveProperty('CheckRestart');
    return ((svc.Checks ?? []) as Array<Record<string, unknown>>).map((c) => c.CheckRestart);
  };

  test('a check with no check_restart of its own or of its service has none', () => {
    expect(restartOf({}, [{ Type: 'tcp' }])).toEqual([null]);
  });

  test("the service's check_restart is given to every check, the check's own winning where set", () => {
    const service = { CheckRestart: { Limit: 3, Grace: 10e9, IgnoreWarnings: false } };
    expect(restartOf(service, [{ Type: 'tcp' }, { Type: 'http', CheckRestart: { Limit: 5 } }, { Type: 'http', CheckRestart: { Limit: 0, Grace: 2e9, IgnoreWarnings: true } }])).toEqual([
      { Limit: 3, Grace: 10e9, IgnoreWarnings: false },
      { Limit: 5, Grace: 10e9, IgnoreWarnings: false },
      { Limit: 3, Grace: 2e9, IgnoreWarnings: true },
    ]);
  });

  test("a check's own check_restart alone is kept, its grace 1s when unset", () => {
    expect(restartOf({}, [{ Type: 'tcp', CheckRestart: { Limit: 2 } }])).toEqual([{ Limit: 2, Grace: 1e9, IgnoreWarnings: false }]);
    expect(restartOf({ CheckRestart: { IgnoreWarnings: true } }, [{ Type: 'tcp' }])).toEqual([{ Limit: 0, Grace: 1e9, IgnoreWarnings: true }]);
  });
});

describe('simulator determinism and register options', () => {
  test('the same seed gives the same IDs and placements', async () => {
    const run = async (): Promise<string[]> => {
      const sim = await Simulator.start({ clock: new FakeClock(), seed: 42 });
      try {
        const reg = await http<{ EvalID: string }>('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', {}, { Count: 3 }) });
        await sim.settle();
        const allocs = (await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/web/allocations`)).json;
        return [reg.json.EvalID, ...allocs.map((a) => `${a.ID}@${a.NodeName}`).sort()];
      } finally {
        await sim.stop();
      }
    };
    expect(await run()).toEqual(await run());
  });

  test('PreserveCounts keeps the running count', async () => {
    const sim = await Simulator.start({ clock: new FakeClock(), seed: 1 });
    try {
      await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', {}, { Count: 3 }) });
      await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Priority: 70 }, { Count: 1 }), PreserveCounts: true });
      const job = (await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json;
      expect(job.TaskGroups[0].Count).toBe(3);
      expect(job.Priority).toBe(70);
      const type = await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Type: 'batch' }) });
      expect(type.status).toBe(500);
      expect(type.text).toBe('cannot update job from type "service" to "batch"');
    } finally {
      await sim.stop();
    }
  });
});
