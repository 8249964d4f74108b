import type { AllocListStub, Deployment, DeploymentState } from '../../../lib/core/nomad/types';
import { rolloutProgress } from '../../../lib/core/rollout';

function alloc(version: number, client: string, healthy: boolean | null | undefined, desired = 'run'): AllocListStub {
  return { JobVersion: version, ClientStatus: client, DesiredStatus: desired, DeploymentStatus: healthy === undefined ? null : { Healthy: healthy, Timestamp: '', Canary: false, ModifyIndex: 1 } } as AllocListStub;
}

function deployment(version: number, groups: Record<string, Pick<DeploymentState, 'HealthyAllocs' | 'DesiredTotal'>>, status = 'running'): Deployment {
  return { JobVersion: version, Status: status, TaskGroups: groups } as unknown as Deployment;
}

describe('rolloutProgress', () => {
  const job = { Version: 3, TaskGroups: [{ Name: 'a', Count: 2 }, { Name: 'b', Count: 1 }] } as Parameters<typeof rolloutProgress>[0];

  it('sums the deployment of this version and counts the healthy running allocations of it', () => {
    const p = rolloutProgress(job, deployment(3, { a: { HealthyAllocs: 1, DesiredTotal: 2 }, b: { HealthyAllocs: 1, DesiredTotal: 1 } }), [
      alloc(3, 'running', true),
      alloc(3, 'running', null), // health pending
      alloc(3, 'running', undefined), // outside any deployment
      alloc(2, 'running', true), // the old version
      alloc(3, 'running', true, 'stop'),
      alloc(3, 'pending', true),
    ]);
    expect(p).toEqual({ deployment: { status: 'running', healthy: 2, desired: 3 }, allocations: { healthy: 2, desired: 3 } });
  });

  it('leaves out the deployment of another version', () => {
    expect(rolloutProgress(job, deployment(2, { a: { HealthyAllocs: 2, DesiredTotal: 2 } }, 'successful'), [])).toEqual({ allocations: { healthy: 0, desired: 3 } });
  });
});
