import { spec, startHarness, type Harness } from './harness';

describe('reconciler: specs created, updated and deleted by commits', () => {
  let h: Harness;
  beforeEach(async () => { h = await startHarness(); });
  afterEach(async () => { await h.close(); });

  it('creates jobs (and their namespaces), follows them to Healthy, then a no-op pass makes exactly one Nomad call', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('data/cache/nomadgen.toml', spec('cache', { count: 1 }));
    const c1 = h.repo.commitAndPush('two services');
    await h.converge();
    const status = h.manager.status();
    expect(status.jobs.map((j) => [j.key, j.phase])).toEqual([['data/t-data-cache', 'Healthy'], ['web/t-web-shop', 'Healthy']]);
    const job = await h.nomad.readJob('web', 't-web-shop');
    expect(job?.Meta?.['nomadguard.managed']).toBe('true');
    expect(job?.Meta).not.toHaveProperty(['nomadguard.commit']);
    expect(h.deps.state.get('web/t-web-shop')?.commit).toBe(c1);
    expect(status.jobs[1]).toMatchObject({ desiredCommit: c1, appliedCommit: c1 });
    expect(status.jobs[1].history.map((e) => e.event)).toEqual(['Created', 'Healthy']);

    h.sim.resetRequestCounts();
    const summary = await h.manager.pass();
    expect(summary.enqueue).toEqual([]);
    await h.manager.drain();
    const counts = h.sim.requestCounts('nomad');
    expect(counts).toEqual({ 'GET /v1/jobs': 1 });
  });

  it('updates a job when its spec changes, and only that job', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog'));
    h.repo.commitAndPush('two');
    await h.converge();
    const blogBefore = await h.nomad.readJob('web', 't-web-blog');
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { image: 'registry.internal/acme/shop:1.1.0' }));
    const c2 = h.repo.commitAndPush('shop 1.1.0');
    await h.converge();
    const shop = await h.nomad.readJob('web', 't-web-shop');
    expect(JSON.stringify(shop?.TaskGroups[0].Tasks[0].Config)).toContain('shop:1.1.0');
    expect(h.deps.state.get('web/t-web-shop')?.commit).toBe(c2);
    const blogAfter = await h.nomad.readJob('web', 't-web-blog');
    expect(blogAfter?.JobModifyIndex).toBe(blogBefore?.JobModifyIndex);
    const st = h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop');
    expect(st?.phase).toBe('Healthy');
    expect(st?.lastDiff?.some((l) => l.includes('shop:1.1.0'))).toBe(true);
  });

  it('stops a job whose spec was deleted (after the grace period)', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog'));
    h.repo.commitAndPush('two');
    await h.converge();
    h.repo.rm('web/blog/nomadgen.toml');
    h.repo.commitAndPush('remove blog');
    await h.converge();
    const blog = await h.nomad.readJob('web', 't-web-blog');
    expect(blog?.Stop).toBe(true);
    expect(h.manager.status().jobs.find((j) => j.key === 'web/t-web-blog')?.phase).toBe('Pruned');
    expect((await h.nomad.readJob('web', 't-web-shop'))?.Stop).toBe(false);
  });
});
