import type { AllocListStub, Deployment } from '../../../lib/core/nomad/types';
import { assessHealth, healthGroups, inPrefix, nodePrefix, worseHealth, type HealthInput, type ServiceInstance } from '../../../lib/core/health';
import type { Job } from '../../../lib/core/nomad/types';

const alloc = (id: string, node: string, o: Partial<AllocListStub> = {}): AllocListStub => ({
  ID: id, EvalID: 'e', Name: `j.g[0]`, Namespace: 'es', NodeID: node, NodeName: node, JobID: 'j', JobType: 'service', JobVersion: 2, TaskGroup: 'g',
  DesiredStatus: 'run', DesiredDescription: '', ClientStatus: 'running', ClientDescription: '', TaskStates: null, DeploymentStatus: null, FollowupEvalID: '',
  CreateIndex: 1, ModifyIndex: 1, CreateTime: 0, ModifyTime: 0, ...o,
});
const deployment = (status: string, o: Partial<Deployment> = {}): Deployment => ({
  ID: 'd', Namespace: 'es', JobID: 'j', JobVersion: 2, JobModifyIndex: 1, JobSpecModifyIndex: 1, JobCreateIndex: 1, IsMultiregion: false, TaskGroups: {},
  Status: status, StatusDescription: '', CreateIndex: 1, ModifyIndex: 1, ...o,
});
const inst = (allocId: string, address: string, status = 'passing', service = 'web'): ServiceInstance => ({ Service: { ID: `_nomad-task-${allocId}-${service}-${service}-http`, Service: service, Address: address }, Checks: [{ Status: 'passing', Name: 'serfHealth' }, { Status: status, Name: `${service}-http` }] });

const base = (): HealthInput => ({
  jobVersion: 2,
  deployment: deployment('successful'),
  allocations: [alloc('a1', 'n1'), alloc('a2', 'n2')],
  groups: [{ name: 'g', count: 2, services: ['web'] }],
  instances: new Map([['web', [inst('a1', '2001:db8:1:0:1::100'), inst('a2', '2001:db8:2:0:1::100')]]]),
  nodePrefixes: new Map([['n1', '2001:db8:1:0:1::/80'], ['n2', '2001:db8:2:0:1::/80']]),
});

describe('assessHealth', () => {
  it.each<{ name: string; change: (i: HealthInput) => HealthInput; phase: string; reason: string; autoReverted?: boolean }>([
    { name: 'successful deployment and passing services at addresses inside the node /80', change: (i) => i, phase: 'Healthy', reason: 'Healthy' },
    { name: 'running deployment', change: (i) => ({ ...i, deployment: deployment('running') }), phase: 'Progressing', reason: 'DeploymentRunning' },
    { name: 'failed deployment', change: (i) => ({ ...i, deployment: deployment('failed', { StatusDescription: 'Failed due to unhealthy allocations' }) }), phase: 'Degraded', reason: 'DeploymentFailed', autoReverted: false },
    { name: 'failed and auto-reverted', change: (i) => ({ ...i, deployment: deployment('failed', { StatusDescription: 'Failed due to unhealthy allocations - rolling back to job version 1' }) }), phase: 'Degraded', reason: 'DeploymentFailed', autoReverted: true },
    { name: 'no deployment but all allocations run', change: (i) => ({ ...i, deployment: undefined }), phase: 'Healthy', reason: 'Healthy' },
    { name: 'an allocation still pending', change: (i) => ({ ...i, deployment: undefined, allocations: [alloc('a1', 'n1'), alloc('a2', 'n2', { ClientStatus: 'pending' })] }), phase: 'Progressing', reason: 'AllocationsPending' },
    { name: 'a failed allocation', change: (i) => ({ ...i, allocations: [alloc('a1', 'n1'), alloc('a2', 'n2', { ClientStatus: 'failed' })] }), phase: 'Degraded', reason: 'AllocationsFailed' },
    { name: 'old-version allocations are ignored', change: (i) => ({ ...i, allocations: [...i.allocations, alloc('old', 'n1', { JobVersion: 1, ClientStatus: 'failed' })] }), phase: 'Healthy', reason: 'Healthy' },
    { name: 'service not yet registered', change: (i) => ({ ...i, instances: new Map([['web', [inst('a1', '2001:db8:1:0:1::100')]]]) }), phase: 'Progressing', reason: 'ServiceNotRegistered' },
    { name: 'critical check after a successful deployment', change: (i) => ({ ...i, instances: new Map([['web', [inst('a1', '2001:db8:1:0:1::100'), inst('a2', '2001:db8:2:0:1::100', 'critical')]]]) }), phase: 'Degraded', reason: 'ServiceUnhealthy' },
    { name: 'address outside the node /80', change: (i) => ({ ...i, instances: new Map([['web', [inst('a1', '2001:db8:1:0:1::100'), inst('a2', '2001:db8:2:0:2::100')]]]) }), phase: 'Degraded', reason: 'AddressOutsideNodePrefix' },
    { name: 'an IPv4 address is outside any /80', change: (i) => ({ ...i, instances: new Map([['web', [inst('a1', '10.0.0.1'), inst('a2', '2001:db8:2:0:1::100')]]]) }), phase: 'Degraded', reason: 'AddressOutsideNodePrefix' },
    { name: 'fewer allocations placed than the group count', change: (i) => ({ ...i, deployment: undefined, allocations: [alloc('a1', 'n1')] }), phase: 'Progressing', reason: 'AllocationsPending' },
    { name: 'a newer version replaced ours', change: (i) => ({ ...i, deployment: deployment('successful', { JobVersion: 3 }) }), phase: 'Degraded', reason: 'NewerVersionLive' },
  ])('$name', ({ change, phase, reason, autoReverted }) => {
    const r = assessHealth(change(base()));
    expect(r.phase).toBe(phase);
    expect(r.reason).toBe(reason);
    if (autoReverted !== undefined) expect(r.autoReverted).toBe(autoReverted);
  });
});

describe('prefixes', () => {
  it('takes a node /80 from its meta, or around its address', () => {
    expect(nodePrefix({ Address: '2001:db8:1::5', Meta: { ipv6_prefix: '2001:db8:1:0:5::/80' } })).toBe('2001:db8:1:0:5::/80');
    expect(nodePrefix({ Address: '2001:db8:1:0:7::1' })).toBe('2001:db8:1:0:7::/80');
    expect(nodePrefix({ Address: '10.0.0.1' })).toBeUndefined();
  });

  it('matches addresses inside a prefix only', () => {
    expect(inPrefix('2001:db8:1:0:5::abcd', '2001:db8:1:0:5::/80')).toBe(true);
    expect(inPrefix('2001:db8:1:0:6::abcd', '2001:db8:1:0:5::/80')).toBe(false);
    expect(inPrefix('not an address', '2001:db8:1:0:5::/80')).toBe(false);
  });

  it('worseHealth orders the phases', () => {
    expect(worseHealth('Healthy', 'Degraded')).toBe('Degraded');
    expect(worseHealth('Progressing', 'Healthy')).toBe('Progressing');
  });
});

/** Two groups: `api` (2 allocations, service `api`) and `worker` (1 allocation, service `worker`). */
const twoGroups = (): HealthInput => ({
  jobVersion: 2,
  deployment: deployment('successful'),
  allocations: [alloc('api1', 'n1', { TaskGroup: 'api' }), alloc('api2', 'n2', { TaskGroup: 'api' }), alloc('wrk1', 'n1', { TaskGroup: 'worker' })],
  groups: [{ name: 'api', count: 2, services: ['api'] }, { name: 'worker', count: 1, services: ['worker'] }],
  instances: new Map([
    ['api', [inst('api1', '2001:db8:1:0:1::100', 'passing', 'api'), inst('api2', '2001:db8:2:0:1::100', 'passing', 'api')]],
    ['worker', [inst('wrk1', '2001:db8:1:0:1::101', 'passing', 'worker')]],
  ]),
  nodePrefixes: new Map([['n1', '2001:db8:1:0:1::/80'], ['n2', '2001:db8:2:0:1::/80']]),
});

describe('assessHealth: each service is expected on the allocations of the group declaring it', () => {
  it.each<{ name: string; change: (i: HealthInput) => HealthInput; phase: string; reason: string; message?: RegExp }>([
    { name: 'two groups, each service registered for its own group\'s allocations', change: (i) => i, phase: 'Healthy', reason: 'Healthy', message: /3 allocation\(s\) running, 2 service\(s\) passing/ },
    {
      name: 'one group declares no service',
      change: (i) => ({ ...i, groups: [i.groups[0], { name: 'worker', count: 1, services: [] }], instances: new Map([['api', i.instances.get('api') ?? []]]) }),
      phase: 'Healthy',
      reason: 'Healthy',
    },
    {
      name: 'a group scaled to zero, its service registered nowhere',
      change: (i) => ({ ...i, allocations: i.allocations.filter((a) => a.TaskGroup === 'api'), groups: [i.groups[0], { name: 'worker', count: 0, services: ['worker'] }], instances: new Map([['api', i.instances.get('api') ?? []]]) }),
      phase: 'Healthy',
      reason: 'Healthy',
    },
    {
      name: 'every group scaled to zero, no deployment',
      change: (i) => ({ ...i, deployment: undefined, allocations: [], groups: i.groups.map((g) => ({ ...g, count: 0 })), instances: new Map() }),
      phase: 'Healthy',
      reason: 'Healthy',
    },
    {
      name: 'a service missing for an allocation of its own group',
      change: (i) => ({ ...i, instances: new Map([...i.instances, ['worker', []]]) }),
      phase: 'Progressing',
      reason: 'ServiceNotRegistered',
      message: /service worker of allocation wrk1/,
    },
    {
      name: 'a group still short of its count',
      change: (i) => ({ ...i, deployment: undefined, allocations: i.allocations.filter((a) => a.ID !== 'api2') }),
      phase: 'Progressing',
      reason: 'AllocationsPending',
      message: /1 of 2 allocation\(s\) of group api running/,
    },
    {
      name: 'a critical check on the other group\'s service',
      change: (i) => ({ ...i, instances: new Map([...i.instances, ['worker', [inst('wrk1', '2001:db8:1:0:1::101', 'critical', 'worker')]]]) }),
      phase: 'Degraded',
      reason: 'ServiceUnhealthy',
    },
  ])('$name', ({ change, phase, reason, message }) => {
    const r = assessHealth(change(twoGroups()));
    expect(r.reason).toBe(reason);
    expect(r.phase).toBe(phase);
    if (message) expect(r.message).toMatch(message);
  });
});

describe('healthGroups', () => {
  it('lists every group with its count and the Consul services declared at group and task level', () => {
    const job = {
      TaskGroups: [
        { Name: 'api', Count: 2, Services: [{ Name: 'api-admin' }], Tasks: [{ Name: 'api', Services: [{ Name: 'api' }, { Name: 'api-nomad', Provider: 'nomad' }] }] },
        { Name: 'worker', Count: 0, Tasks: [{ Name: 'worker', Services: null }] },
        { Name: 'default-count', Tasks: [] },
      ],
    } as unknown as Job;
    expect(healthGroups(job)).toEqual([
      { name: 'api', count: 2, services: ['api', 'api-admin'] },
      { name: 'worker', count: 0, services: [] },
      { name: 'default-count', count: 1, services: [] },
    ]);
  });
});
