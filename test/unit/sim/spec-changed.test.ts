import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { specChanged } from '../../../lib/sim/cluster';
import { canonicalizeJob } from '../../../lib/sim/canonicalize';
import type { Job } from '../../../lib/core/nomad/types';
import { http, serviceJob } from './http';

const ctx = { version: '1.10.3', region: 'global', namespace: 'default' };
const canon = (extra: Record<string, unknown> = {}, group: Record<string, unknown> = {}): Job => canonicalizeJob(serviceJob('web', extra, group), ctx);

describe('simulator: SpecChanged compares as reflect.DeepEqual', () => {
  test("a map's key order does not count, at any depth", () => {
    expect(specChanged(canon({ Meta: { a: '1', b: '2' } }), canon({ Meta: { b: '2', a: '1' } }))).toBe(false);
    const config = (c: Record<string, unknown>): Record<string, unknown> => ({ Tasks: [{ Name: 'app', Driver: 'docker', Config: c }] });
    expect(specChanged(canon({}, config({ image: 'x', labels: { a: '1', b: '2' } })), canon({}, config({ labels: { b: '2', a: '1' }, image: 'x' })))).toBe(false);
    expect(specChanged(canon({ Meta: { a: '1' } }), canon({ Meta: { a: '2' } }))).toBe(true);
    expect(specChanged(canon({ Meta: { a: '1' } }), canon({ Meta: { a: '1', b: '' } }))).toBe(true);
  });

  test("a list's order counts; an empty list is not a missing one", () => {
    expect(specChanged(canon({ Datacenters: ['dc1', 'dc2'] }), canon({ Datacenters: ['dc2', 'dc1'] }))).toBe(true);
    const args = (a: unknown): Record<string, unknown> => ({ Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: 'x', args: a } }] });
    expect(specChanged(canon({}, args([])), canon({}, args(null)))).toBe(true);
    expect(specChanged(canon({}, args([])), canon({}, args([])))).toBe(false);
    const labels = (l: unknown): Record<string, unknown> => ({ Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: 'x', labels: l } }] });
    expect(specChanged(canon({}, labels({})), canon({}, labels(null)))).toBe(true);
  });

  test('the server fields do not count', () => {
    const a = canon();
    expect(specChanged(a, { ...a, Version: 4, Status: 'running', Stable: true, ModifyIndex: 9, JobModifyIndex: 9, CreateIndex: 2, SubmitTime: 5 })).toBe(false);
  });

  test('registering the same job with its meta in another order writes no version', async () => {
    const sim = await Simulator.start({ clock: new FakeClock(), seed: 3 });
    try {
      await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Meta: { team: 'a', tier: 'b' } }) });
      const again = await http<{ JobModifyIndex: number }>('POST', `${sim.nomadUrl}/v1/jobs`, { Job: serviceJob('web', { Meta: { tier: 'b', team: 'a' } }) });
      const job = (await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json;
      expect(job.Version).toBe(0);
      expect(again.json.JobModifyIndex).toBe(job.ModifyIndex);
    } finally {
      await sim.stop();
    }
  });
});
