import type { Job } from '../../../lib/core/nomad/types';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { Manager } from '../../../controllers/manager';
import { spec, startHarness, type Harness } from './harness';

async function editByHand(h: Harness, ns: string, id: string, change: (j: Job) => void): Promise<number> {
  const job = (await h.nomad.readJob(ns, id)) as Job;
  change(job);
  const r = await h.nomad.registerJob({ namespace: ns, Job: job });
  return r.JobModifyIndex;
}

describe('reconciler: manual changes', () => {
  let h: Harness;
  beforeEach(async () => { h = await startHarness(); });
  afterEach(async () => { await h.close(); });

  it('reverts a manual edit in self-heal mode, with the field diff in the status', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    await editByHand(h, 'web', 't-web-shop', (j) => { j.TaskGroups[0].Count = 3; });
    await h.converge();
    const job = await h.nomad.readJob('web', 't-web-shop');
    expect(job?.TaskGroups[0].Count).toBe(2);
    const st = h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop');
    expect(st?.history.map((e) => e.event)).toContain('DriftReverted');
    expect(st?.lastDiff?.join('\n')).toMatch(/Count: "3" => "2"/);
    expect(st?.phase).toBe('Healthy');
  });

  it('only reports a manual edit in detect-only mode, and does not plan again at the same index', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { mode: 'detect-only' }));
    h.repo.commitAndPush('shop');
    await h.converge();
    const edited = await editByHand(h, 'web', 't-web-shop', (j) => { j.TaskGroups[0].Count = 3; });
    await h.converge();
    const job = await h.nomad.readJob('web', 't-web-shop');
    expect(job?.TaskGroups[0].Count).toBe(3);
    expect(job?.JobModifyIndex).toBe(edited);
    const st = h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop');
    expect(st?.phase).toBe('OutOfSync');
    expect(st?.history.map((e) => e.event)).toContain('DriftDetected');
    expect(st?.lastDiff?.join('\n')).toMatch(/Count/);
    h.sim.resetRequestCounts();
    await h.converge();
    expect(Object.keys(h.sim.requestCounts('nomad')).filter((r) => r.includes('plan'))).toEqual([]);
  });

  it('a manual edit made between plan and register loses nothing: the register conflicts, is retried through the queue, and wins', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    let plans = 0;
    let raced = false;
    const racing = new (class extends NomadHttpClient {
      override async planJob(ns: string, job: Job, opts?: { diff?: boolean }) {
        const r = await super.planJob(ns, job, opts);
        plans++;
        if (!raced) {
          raced = true;
          await editByHand(h, 'web', 't-web-shop', (j) => { j.TaskGroups[0].Count = 4; });
        }
        return r;
      }
    })({ address: h.sim.nomadUrl, backoff: { maxAttempts: 1 } });
    h.deps = { ...h.deps, nomad: racing };
    const old = h.manager;
    h.manager = new Manager(h.deps);
    old.stop();
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 256 }));
    h.repo.commitAndPush('more memory');
    await h.converge({ full: true });
    const job = await h.nomad.readJob('web', 't-web-shop');
    expect(job?.TaskGroups[0].Count).toBe(2);
    expect(job?.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(256);
    expect(plans).toBeGreaterThanOrEqual(2);
    const st = h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop');
    expect(st?.phase).toBe('Healthy');
    racing.close();
  });

  it('keeps the live count of a group under an autoscaler, also when the spec changes (PreserveCounts)', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { scaling: { min: 1, max: 4 } }));
    h.repo.commitAndPush('scaled shop');
    await h.converge();
    await editByHand(h, 'web', 't-web-shop', (j) => { j.TaskGroups[0].Count = 3; }); // the autoscaler
    h.sim.resetRequestCounts();
    await h.converge();
    expect((await h.nomad.readJob('web', 't-web-shop'))?.TaskGroups[0].Count).toBe(3);
    expect(Object.keys(h.sim.requestCounts('nomad')).filter((r) => !r.startsWith('GET') && !r.includes('plan'))).toEqual([]);
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { scaling: { min: 1, max: 4 }, memory: 256 }));
    h.repo.commitAndPush('more memory');
    await h.converge();
    const job = await h.nomad.readJob('web', 't-web-shop');
    expect(job?.TaskGroups[0].Count).toBe(3);
    expect(job?.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(256);
  });

  it('leaves unmanaged jobs alone, including one that has the ID a spec wants', async () => {
    const unmanaged = (id: string): Job => ({ ID: id, Name: id, Namespace: 'default', Type: 'service', Datacenters: ['dc1'], TaskGroups: [{ Name: 'g', Count: 1, Tasks: [{ Name: 't', Driver: 'docker', Config: { image: 'registry.internal/x/y:1' }, Resources: { CPU: 100, MemoryMB: 64 } }] }] });
    await h.nomad.upsertNamespace({ Name: 'web' });
    const other = await h.nomad.registerJob({ namespace: 'default', Job: unmanaged('legacy-app') });
    const clash = await h.nomad.registerJob({ namespace: 'web', Job: { ...unmanaged('t-web-shop'), Namespace: 'web' } });
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog'));
    h.repo.commitAndPush('specs');
    await h.converge();
    expect((await h.nomad.readJob('default', 'legacy-app'))?.JobModifyIndex).toBe(other.JobModifyIndex);
    const shop = await h.nomad.readJob('web', 't-web-shop');
    expect(shop?.JobModifyIndex).toBe(clash.JobModifyIndex);
    expect(shop?.Meta?.['nomadguard.managed']).toBeUndefined();
    const statuses = h.manager.status().jobs;
    expect(statuses.find((j) => j.key === 'web/t-web-shop')).toMatchObject({ phase: 'Error', conditions: [expect.objectContaining({ reason: 'UnmanagedJobExists' })] });
    expect(statuses.find((j) => j.key === 'default/legacy-app')).toBeUndefined();
    expect(statuses.find((j) => j.key === 'web/t-web-blog')?.phase).toBe('Healthy');
  });
});
