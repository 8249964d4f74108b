import type { Job } from '../../../lib/core/nomad/types';
import { INVALID_SPEC, shopAutoReverted, spec, startHarness, type Harness } from './harness';

/** What the status says about jobs as people read it: keys, versions, and whose jobs are listed. */
describe('status as it reads', () => {
  let h: Harness;
  beforeEach(async () => { h = await startHarness(); });
  afterEach(async () => { await h.close(); });

  const statusOf = (key: string) => h.manager.status().jobs.find((j) => j.key === key);

  it('an invalid spec that never named its job is keyed by its spec path, once', async () => {
    h.repo.write('es/broken/nomadgen.toml', 'name = \n').write('es/ok/nomadgen.toml', spec('ok'));
    h.repo.commitAndPush('one broken');
    await h.converge();
    const keys = h.manager.status().jobs.map((j) => j.key);
    expect(keys).toContain('es/broken/nomadgen.toml');
    expect(keys.filter((k) => k.includes('broken'))).toEqual(['es/broken/nomadgen.toml']);
    const broken = statusOf('es/broken/nomadgen.toml');
    expect(broken).toMatchObject({ namespace: 'es', phase: 'Invalid', spec: 'es/broken/nomadgen.toml' });
  });

  it('the job version is the one Nomad runs after a hand edit that detect-only reports', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { mode: 'detect-only' }));
    h.repo.commitAndPush('shop');
    await h.converge();
    for (let i = 0; i < 3; i++) {
      const job = (await h.nomad.readJob('web', 't-web-shop')) as Job;
      job.TaskGroups[0].Meta = { edit: String(i) };
      await h.nomad.registerJob({ namespace: 'web', Job: job });
    }
    await h.converge();
    const live = await h.nomad.readJob('web', 't-web-shop');
    expect(live?.Version).toBe(3);
    expect(statusOf('web/t-web-shop')).toMatchObject({ phase: 'OutOfSync', jobVersion: live?.Version });
  });

  it('the job version is the one Nomad runs after it reverted ours', async () => {
    const live = await shopAutoReverted(h);
    const st = statusOf('web/t-web-shop');
    expect(st?.phase).toBe('Degraded');
    expect(st?.jobVersion).toBe(live?.Version);
  });

  it('an invalid spec of one source does not claim the running job of another source with the same spec path', async () => {
    // Another source wrote ops/cron from its own ops/cron/nomadgen.toml.
    h.repo.write('ops/cron/nomadgen.toml', spec('cron', { count: 1 }));
    h.repo.commitAndPush('cron');
    await h.converge();
    const job = (await h.nomad.readJob('ops', 't-ops-cron')) as Job;
    job.Meta = { ...job.Meta, 'nomadguard.source': 'https://git.example/other-specs.git' };
    await h.nomad.registerJob({ namespace: 'ops', Job: job });
    await h.deps.state.delete('ops/t-ops-cron');
    // This source's spec at the same path is broken and names no job.
    h.repo.write('ops/cron/nomadgen.toml', INVALID_SPEC.replace('name = "broken"', 'name = '));
    h.repo.commitAndPush('broken cron');
    h.restart();
    await h.converge({ full: true });
    const keys = h.manager.status().jobs.map((j) => `${j.key} ${j.phase}`);
    expect(keys).toEqual(['ops/cron/nomadgen.toml Invalid']);
  });
});
