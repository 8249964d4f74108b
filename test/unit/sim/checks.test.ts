import type { AllocListStub, Deployment } from '../../../lib/core/nomad/types';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { http, serviceJob } from './http';

/**
 * Consul checks of Nomad services: registered critical (Consul's default when Nomad gives no initial
 * status), they take their result at their first run, one interval later, on the clock.
 */

interface Entry {
  Service: { ID: string };
  Checks: Array<{ CheckID: string; Status: string; Output: string; ServiceID: string }>;
}

type Obj = Record<string, unknown>;

describe('simulator: check runs', () => {
  let sim: Simulator;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock(Date.UTC(2026, 0, 1));
    sim = await Simulator.start({ clock, seed: 8 });
  });
  afterEach(async () => {
    expect(sim.errors).toEqual([]);
    await sim.stop();
  });

  /** Brings the clock to the simulator's time (settle() runs ahead of the clock), then `ms` further. */
  const after = async (ms: number) => clock.advance(sim.cluster.now() - clock.now() + ms);
  const serviceChecks = async (name: string) => (await http<Entry[]>('GET', `${sim.consulUrl}/v1/health/service/${name}`)).json.map((e) => e.Checks.filter((c) => c.ServiceID !== ''));
  const job = (check: Obj = {}, update: Obj = { MaxParallel: 1, MinHealthyTime: 5e9 }) =>
    serviceJob('web', {}, { Count: 1, Update: update, Services: [{ Name: 'web', PortLabel: 'http', Checks: [{ Name: 'alive', Type: 'http', Path: '/healthz', PortLabel: 'http', Interval: 10e9, Timeout: 2e9, ...check }] }] });

  test('a check is critical from registration until its first run one interval later, then passing', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job() });
    await clock.advance(10);
    await clock.advance(1000);
    expect(await serviceChecks('web')).toEqual([[expect.objectContaining({ Status: 'critical', Output: '' })]]);
    expect((await http<Entry[]>('GET', `${sim.consulUrl}/v1/health/service/web?passing`)).json).toEqual([]);
    await clock.advance(9_999);
    expect((await serviceChecks('web'))[0][0].Status).toBe('critical');
    await clock.advance(1);
    expect(await serviceChecks('web')).toEqual([[expect.objectContaining({ Status: 'passing', Output: 'HTTP /healthz: 200 OK' })]]);
    // The deployment's health counts from the passing check: MinHealthyTime (5s) later.
    expect((await http<Deployment>('GET', `${sim.nomadUrl}/v1/job/web/deployment`)).json.TaskGroups.web.HealthyAllocs).toBe(0);
    await clock.advance(5_000);
    expect((await http<Deployment>('GET', `${sim.nomadUrl}/v1/job/web/deployment`)).json).toMatchObject({ Status: 'successful' });
  });

  test('an initial status given by the job is the status until the first run; SuccessBeforePassing delays the pass', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job({ InitialStatus: 'warning', SuccessBeforePassing: 3 }) });
    await clock.advance(10);
    await clock.advance(1000);
    expect((await serviceChecks('web'))[0][0].Status).toBe('warning');
    await clock.advance(20_000);
    expect((await serviceChecks('web'))[0][0].Status).toBe('warning');
    await clock.advance(10_000);
    expect((await serviceChecks('web'))[0][0].Status).toBe('passing');
  });

  test('a check registered passing (InitialStatus) counts for deployment health from its registration', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job({ InitialStatus: 'passing', Interval: 60e9 }) });
    await clock.advance(10);
    await clock.advance(1000);
    expect((await serviceChecks('web'))[0][0]).toMatchObject({ Status: 'passing', Output: '' });
    await clock.advance(5_000);
    expect((await http<Deployment>('GET', `${sim.nomadUrl}/v1/job/web/deployment`)).json).toMatchObject({ Status: 'successful' });
  });

  test('a failing image stays critical; its first run reports the failure', async () => {
    sim.failImage('web:broken');
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', {}, { Count: 1, Update: { MaxParallel: 0 } }, 'ghcr.io/acme/web:broken') });
    await clock.advance(1010);
    expect((await serviceChecks('web'))[0][0]).toMatchObject({ Status: 'critical', Output: '' });
    await clock.advance(10_000);
    expect((await serviceChecks('web'))[0][0]).toMatchObject({ Status: 'critical', Output: 'HTTP check failed: connection refused' });
  });

  test('settle() reaches the healthy fixpoint: every check passing, the deployment successful', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', {}, { Count: 3, Update: { MaxParallel: 1, MinHealthyTime: 10e9 } }) });
    await sim.settle();
    const checks = (await serviceChecks('web')).flat();
    expect(checks).toHaveLength(3);
    expect(checks.every((c) => c.Status === 'passing')).toBe(true);
    expect((await http<Deployment>('GET', `${sim.nomadUrl}/v1/job/web/deployment`)).json.Status).toBe('successful');
  });

  test('an in-place update keeps a passing check passing; a changed check is a new check, critical until it runs', async () => {
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job() });
    await sim.settle();
    const before = (await serviceChecks('web'))[0][0];
    expect(before.Status).toBe('passing');
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: { ...job(), Meta: null, TaskGroups: (job().TaskGroups as Obj[]).map((g) => ({ ...g, Services: [{ ...(g.Services as Obj[])[0], Tags: ['v2'] }] })) } });
    await after(10);
    expect((await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/web/allocations`)).json[0].JobVersion).toBe(1);
    const kept = (await serviceChecks('web'))[0][0];
    expect(kept).toMatchObject({ CheckID: before.CheckID, Status: 'passing' });
    await sim.settle();
    const alloc = (await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/web/allocations`)).json[0];
    expect(alloc.JobVersion).toBe(1);
    await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job({ Path: '/ready' }) });
    await after(10);
    const changed = (await serviceChecks('web'))[0][0];
    expect(changed.CheckID).not.toBe(before.CheckID);
    expect(changed.Status).toBe('critical');
    expect((await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/web/allocations`)).json[0].ID).toBe(alloc.ID);
    await sim.settle();
    expect((await serviceChecks('web'))[0][0].Status).toBe('passing');
  });
});
