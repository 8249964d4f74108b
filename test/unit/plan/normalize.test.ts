import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Job, TaskGroup } from '../../../lib/core/nomad/types';
import { normalizeJob, SERVER_MANAGED_FIELDS, type NormalizeOptions } from '../../../lib/core/plan';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const read = (path: string): Job => JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as Job;
const LIVE = read('compare/nomad-job-read.json');
const DESIRED = read('compare/desired-web.json');

type Obj = Record<string, unknown>;
const S = 1e9;

/** A sparse job of `type` with one group of one task, `group` and `task` merged in. */
function sparse(type: string, group: Obj = {}, task: Obj = {}, job: Obj = {}): Job {
  return { ID: 'app', Type: type, TaskGroups: [{ Name: 'main', Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: 'x:1' }, ...task }], ...group } as TaskGroup], ...job } as Job;
}

const g0 = (j: Job): Obj => j.TaskGroups[0] as Obj;
const t0 = (j: Job): Obj => j.TaskGroups[0].Tasks[0] as Obj;

describe('normalizeJob: defaults of a sparse service job', () => {
  const n = normalizeJob(sparse('service'), { region: 'eu', serverVersion: '1.10.3' });

  it('fills the job fields (api/jobs.go Job.Canonicalize, regionForJob, node pool hook)', () => {
    expect(n).toMatchObject({ ID: 'app', Name: 'app', Namespace: 'default', Region: 'eu', Priority: 50, Type: 'service', AllAtOnce: false, Stop: false, Datacenters: ['*'], NodePool: 'default', Meta: null, Constraints: null, Affinities: null, Spreads: null });
    expect(n.Update).toEqual({ Stagger: 30 * S, MaxParallel: 1, HealthCheck: '', MinHealthyTime: 0, HealthyDeadline: 0, ProgressDeadline: 0, AutoRevert: false, AutoPromote: false, Canary: 0 });
  });

  it('fills the group policies (api/tasks.go TaskGroup.Canonicalize)', () => {
    expect(g0(n)).toMatchObject({
      Count: 1,
      Update: { Stagger: 30 * S, MaxParallel: 1, HealthCheck: 'checks', MinHealthyTime: 10 * S, HealthyDeadline: 300 * S, ProgressDeadline: 600 * S, AutoRevert: false, AutoPromote: false, Canary: 0 },
      Migrate: { MaxParallel: 1, HealthCheck: 'checks', MinHealthyTime: 10 * S, HealthyDeadline: 300 * S },
      RestartPolicy: { Attempts: 2, Interval: 1800 * S, Delay: 15 * S, Mode: 'fail', RenderTemplates: false },
      ReschedulePolicy: { Attempts: 0, Interval: 0, Delay: 30 * S, DelayFunction: 'exponential', MaxDelay: 3600 * S, Unlimited: true },
      EphemeralDisk: { Sticky: false, SizeMB: 300, Migrate: false },
      Constraints: null,
    });
  });

  it('fills the task (api/tasks.go Task.Canonicalize, structs.go Task.Canonicalize)', () => {
    expect(t0(n)).toMatchObject({
      User: '', Env: null, Meta: null, KillTimeout: 5 * S, Leader: false, ShutdownDelay: 0,
      Resources: { CPU: 100, Cores: 0, MemoryMB: 300, MemoryMaxMB: 0, DiskMB: 0 },
      LogConfig: { MaxFiles: 10, MaxFileSizeMB: 10, Disabled: false },
      RestartPolicy: { Attempts: 2, Interval: 1800 * S, Delay: 15 * S, Mode: 'fail', RenderTemplates: false },
      Identity: { Name: 'default', Audience: ['nomadproject.io'] },
    });
  });
});

describe('normalizeJob: rules', () => {
  const cases: Array<{ name: string; job: Job; opts?: NormalizeOptions; check: (n: Job) => void }> = [
    {
      name: 'batch groups: batch restart and reschedule, no update or migrate, job update all zero',
      job: sparse('batch'),
      check: (n) => {
        expect(g0(n)).toMatchObject({ Update: null, Migrate: null, RestartPolicy: { Attempts: 3, Interval: 24 * 3600 * S }, ReschedulePolicy: { Attempts: 1, Interval: 24 * 3600 * S, Delay: 5 * S, DelayFunction: 'constant', Unlimited: false } });
        expect(n.Update).toMatchObject({ Stagger: 0, MaxParallel: 0 });
      },
    },
    {
      name: 'system groups have no reschedule policy',
      job: sparse('system'),
      check: (n) => expect(g0(n).ReschedulePolicy).toBeNull(),
    },
    {
      name: 'the job update block is merged under the group one and kept at job level as stagger and max_parallel',
      job: sparse('service', { Update: { Canary: 1 } }, {}, { Update: { AutoRevert: true, MaxParallel: 2 } }),
      check: (n) => {
        expect(g0(n).Update).toMatchObject({ AutoRevert: true, MaxParallel: 2, Canary: 1, HealthCheck: 'checks' });
        expect(n.Update).toMatchObject({ Stagger: 30 * S, MaxParallel: 2, AutoRevert: false });
      },
    },
    {
      name: 'job reschedule and migrate go into the groups and are not kept at job level',
      job: sparse('service', {}, {}, { Reschedule: { Attempts: 5, Unlimited: false }, Migrate: { MaxParallel: 3 } }),
      check: (n) => {
        expect(g0(n).ReschedulePolicy).toMatchObject({ Attempts: 5, Unlimited: false, Delay: 30 * S });
        expect(g0(n).Migrate).toMatchObject({ MaxParallel: 3, HealthCheck: 'checks' });
        expect(n).not.toHaveProperty('Reschedule');
        expect(n).not.toHaveProperty('Migrate');
      },
    },
    {
      name: 'group restart fields merge over the defaults, task fields over the group',
      job: sparse('service', { RestartPolicy: { Attempts: 5 } }, { RestartPolicy: { Mode: 'delay' } }),
      check: (n) => {
        expect(g0(n).RestartPolicy).toMatchObject({ Attempts: 5, Mode: 'fail', Delay: 15 * S });
        expect(t0(n).RestartPolicy).toMatchObject({ Attempts: 5, Mode: 'delay' });
      },
    },
    {
      name: 'count comes from scaling.min; the policy gets its target and loses its server ID',
      job: sparse('service', { Scaling: { ID: 'x', CreateIndex: 3, ModifyIndex: 4, Min: 2, Max: 5 } }),
      opts: { namespace: 'apps' },
      check: (n) => {
        expect(g0(n).Count).toBe(2);
        expect(g0(n).Scaling).toEqual({ Min: 2, Max: 5, Enabled: true, Type: 'horizontal', Policy: null, Target: { Namespace: 'apps', Job: 'app', Group: 'main' } });
      },
    },
    {
      name: 'cores without cpu means cpu 0; disk is not carried',
      job: sparse('service', {}, { Resources: { Cores: 2, DiskMB: 500 } }),
      check: (n) => expect(t0(n).Resources).toMatchObject({ CPU: 0, Cores: 2, MemoryMB: 300, DiskMB: 0 }),
    },
    {
      name: 'service and check defaults, names interpolated, task name set on task services',
      job: sparse('service', {}, { Services: [{ Name: '${JOB}-${TASK}', PortLabel: 'http', Tags: [], Checks: [{ Type: 'http', Path: '/' }] }] }),
      check: (n) => {
        const s = (t0(n).Services as Obj[])[0];
        expect(s).toMatchObject({ Name: 'app-app', TaskName: 'app', AddressMode: 'auto', OnUpdate: 'require_healthy', Provider: 'consul', Cluster: 'default', Namespace: 'default', Tags: null, Meta: null });
        expect((s.Checks as Obj[])[0]).toMatchObject({ Name: 'service: "app-app" check', TaskName: 'app', OnUpdate: 'require_healthy', CheckRestart: null, Args: null, Header: null });
        expect(t0(n).Constraints).toEqual([{ LTarget: '${attr.consul.version}', RTarget: '>= 1.8.0', Operand: 'semver' }]);
        expect(g0(n).Constraints).toBeNull();
      },
    },
    {
      name: 'a group service gets the default name and puts the consul constraint on the group',
      job: sparse('service', { Services: [{ PortLabel: 'http', CheckRestart: { Limit: 3 }, Checks: [{ Type: 'tcp', CheckRestart: { Grace: 10 * S } }] }] }),
      check: (n) => {
        const s = (g0(n).Services as Obj[])[0];
        expect(s).toMatchObject({ Name: 'app-main', TaskName: '' });
        expect(s).not.toHaveProperty('CheckRestart');
        expect((s.Checks as Obj[])[0].CheckRestart).toEqual({ Limit: 3, Grace: 10 * S, IgnoreWarnings: false });
        expect(g0(n).Constraints).toEqual([{ LTarget: '${attr.consul.version}', RTarget: '>= 1.8.0', Operand: 'semver' }]);
      },
    },
    {
      name: 'a user constraint on the same attribute suppresses the implied one',
      job: sparse('service', { Constraints: [{ LTarget: '${attr.consul.version}', RTarget: '>= 1.9.0', Operand: 'semver' }], Services: [{ PortLabel: 'http' }] }),
      check: (n) => expect(g0(n).Constraints).toEqual([{ LTarget: '${attr.consul.version}', RTarget: '>= 1.9.0', Operand: 'semver' }]),
    },
    {
      name: 'nomad services: discovery constraints, namespace of the job',
      job: sparse('service', { Services: [{ PortLabel: 'http', Provider: 'nomad', Checks: [{ Type: 'http', Path: '/' }] }] }),
      opts: { namespace: 'apps' },
      check: (n) => {
        expect((g0(n).Services as Obj[])[0].Namespace).toBe('apps');
        expect(g0(n).Constraints).toEqual([
          { LTarget: '${attr.nomad.service_discovery}', RTarget: 'true', Operand: '=' },
          { LTarget: '${attr.nomad.version}', RTarget: '>= 1.4.0', Operand: 'semver' },
        ]);
      },
    },
    {
      name: 'vault: defaults, the implied constraint, signals',
      job: sparse('service', {}, { Vault: { Role: 'web', ChangeMode: 'signal', ChangeSignal: 'sigusr1', Policies: ['p'] }, KillSignal: 'SIGTERM' }),
      check: (n) => {
        expect(t0(n).Vault).toEqual({ Role: 'web', Namespace: '', Cluster: 'default', Env: true, DisableFile: false, ChangeMode: 'signal', ChangeSignal: 'SIGUSR1', AllowTokenExpiration: false });
        expect(g0(n).Constraints).toEqual([
          { LTarget: '${attr.vault.version}', RTarget: '>= 0.6.1', Operand: 'semver' },
          { LTarget: '${attr.os.signals}', RTarget: 'SIGTERM,SIGUSR1', Operand: 'set_contains' },
        ]);
      },
    },
    {
      name: 'vault policies are kept before 1.10',
      job: sparse('service', {}, { Vault: { Policies: ['p'] } }),
      opts: { serverVersion: '1.9.7' },
      check: (n) => expect(t0(n).Vault).toMatchObject({ Policies: ['p'] }),
    },
    {
      name: 'templates: defaults, signal upper-cased',
      job: sparse('service', {}, { Templates: [{ DestPath: 'local/a', EmbeddedTmpl: 'x', ChangeMode: 'signal' }] }),
      check: (n) => {
        expect((t0(n).Templates as Obj[])[0]).toMatchObject({ SourcePath: '', ChangeSignal: 'SIGHUP', Splay: 5 * S, Perms: '0644', LeftDelim: '{{', RightDelim: '}}', Envvars: false, Once: false, ErrMissingKey: false, VaultGrace: 0 });
        expect(g0(n).Constraints).toEqual([{ LTarget: '${attr.os.signals}', RTarget: 'SIGHUP', Operand: 'set_contains' }]);
      },
    },
    {
      name: 'bridge networking: host network default, five CNI constraints',
      job: sparse('service', { Networks: [{ Mode: 'bridge', DynamicPorts: [{ Label: 'http', To: 8080 }] }] }),
      check: (n) => {
        expect((g0(n).Networks as Obj[])[0]).toEqual({ Mode: 'bridge', DynamicPorts: [{ Label: 'http', To: 8080, HostNetwork: 'default' }], ReservedPorts: null });
        expect((g0(n).Constraints as Obj[]).map((c) => c.LTarget)).toEqual(['bridge', 'firewall', 'host-local', 'loopback', 'portmap'].map((p) => `\${attr.plugins.cni.version.${p}}`));
      },
    },
    {
      name: 'spread and affinity weights default to 50',
      job: sparse('service', { Spreads: [{ Attribute: '${node.datacenter}' }], Affinities: [{ LTarget: '${meta.rack}', RTarget: 'a', Operand: '=' }] }),
      check: (n) => {
        expect(g0(n).Spreads).toEqual([{ Attribute: '${node.datacenter}', Weight: 50, SpreadTarget: null }]);
        expect(g0(n).Affinities).toEqual([{ LTarget: '${meta.rack}', RTarget: 'a', Operand: '=', Weight: 50 }]);
      },
    },
    {
      name: 'an identity other than the default implies the 1.7 client constraint; the default one moves to Identity',
      job: sparse('service', {}, { Identities: [{ Name: 'default', Env: true }, { Name: 'aws', Audience: ['sts'] }] }),
      check: (n) => {
        expect(t0(n).Identity).toMatchObject({ Name: 'default', Env: true, Audience: ['nomadproject.io'] });
        expect(t0(n).Identities).toEqual([{ Name: 'aws', Audience: ['sts'], ChangeSignal: '' }]);
        expect(g0(n).Constraints).toEqual([{ LTarget: '${attr.nomad.version}', RTarget: '>= 1.7.0-a', Operand: 'semver' }]);
      },
    },
    {
      name: 'empty maps and lists are null',
      job: sparse('service', { Meta: {}, Constraints: [] }, { Env: {}, Config: {}, Meta: {} }, { Meta: {}, Spreads: [] }),
      check: (n) => {
        expect(n).toMatchObject({ Meta: null, Spreads: null });
        expect(g0(n)).toMatchObject({ Meta: null, Constraints: null });
        expect(t0(n)).toMatchObject({ Env: null, Config: null, Meta: null });
      },
    },
    {
      name: 'namespace: the request namespace wins over the job one; region keeps a named one',
      job: sparse('service', {}, {}, { Namespace: 'web', Region: 'us' }),
      opts: { namespace: 'es', region: 'eu' },
      check: (n) => expect(n).toMatchObject({ Namespace: 'es', Region: 'us' }),
    },
  ];

  it.each(cases)('$name', ({ job, opts, check }) => {
    const n = normalizeJob(job, opts ?? {});
    check(n);
    expect(normalizeJob(n, opts ?? {})).toEqual(n);
  });
});

describe('normalizeJob: server versions', () => {
  it.each([
    { version: '1.4.3', datacenters: [], pool: '', identity: null },
    { version: '1.5.0', datacenters: ['*'], pool: '', identity: null },
    { version: '1.6.1', datacenters: ['*'], pool: 'default', identity: null },
    { version: '1.7.0', datacenters: ['*'], pool: 'default', identity: { Name: 'default', Audience: ['nomadproject.io'], ChangeSignal: '' } },
  ])('$version', ({ version, datacenters, pool, identity }) => {
    const n = normalizeJob(sparse('service'), { serverVersion: version });
    expect(n.Datacenters).toEqual(datacenters);
    expect(n.NodePool).toBe(pool);
    expect(t0(n).Identity).toEqual(identity);
  });
});

describe('normalizeJob: server-managed fields and idempotence', () => {
  it('leaves out every server-managed field of the sample', () => {
    const n = normalizeJob(LIVE, {}) as Obj;
    for (const k of SERVER_MANAGED_FIELDS) expect(n).not.toHaveProperty(k);
    expect(n.Stop).toBe(false);
  });

  it('does not modify its input', () => {
    const before = JSON.stringify(DESIRED);
    normalizeJob(DESIRED, {});
    expect(JSON.stringify(DESIRED)).toBe(before);
  });

  it.each([
    ['the sample as read', LIVE],
    ['the sample as submitted', DESIRED],
    ['a golden render', read('golden/es-cerebro.json')],
    ['a golden render with Vault policies', read('golden/web-tools.json')],
    ['a batch job', sparse('batch', {}, {}, { Update: { MaxParallel: 1 } })],
  ])('normalize(normalize(j)) equals normalize(j): %s', (_name, job) => {
    for (const serverVersion of ['1.6.0', '1.9.0', undefined]) {
      const once = normalizeJob(job, { serverVersion, region: 'eu' });
      expect(normalizeJob(once, { serverVersion, region: 'eu' })).toEqual(once);
    }
  });
});
