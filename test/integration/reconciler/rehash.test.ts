import { spec, startHarness, type Harness } from './harness';

describe('reconciler: a live job equal to the desired one apart from its hash meta', () => {
  let h: Harness;
  beforeEach(async () => { h = await startHarness(); });
  afterEach(async () => { await h.close(); });

  it('(as an older nomadguard computed the hash) costs one plan call, is not registered again, then passes cost one call', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    const commit = h.repo.commitAndPush('shop');
    await h.converge();
    const written = (await h.nomad.readJob('web', 't-web-shop'))!;
    const desiredHash = written.Meta!['nomadguard.hash'];

    // What an older release left behind: the same job under another hash, and its record of that write.
    const older = await h.nomad.registerJob({
      namespace: 'web',
      Job: { ...written, Meta: { ...written.Meta, 'nomadguard.hash': 'hash-of-an-older-release' } },
      EnforceIndex: true,
      JobModifyIndex: written.JobModifyIndex,
    });
    await h.deps.state.put('web/t-web-shop', { jobModifyIndex: older.JobModifyIndex, hash: 'hash-of-an-older-release', commit, spec: 'web/shop/nomadgen.toml' });
    await h.sim.settle();
    const before = (await h.nomad.readJob('web', 't-web-shop'))!;

    h.restart();
    h.sim.resetRequestCounts();
    await h.converge();
    const counts = h.sim.requestCounts('nomad');
    expect(Object.entries(counts).filter(([route]) => route.includes('plan'))).toEqual([['POST /v1/job/:id/plan', 1]]);
    expect(Object.keys(counts).filter((route) => !route.startsWith('GET') && !route.includes('plan'))).toEqual([]);
    const after = (await h.nomad.readJob('web', 't-web-shop'))!;
    expect([after.Version, after.JobModifyIndex]).toEqual([before.Version, before.JobModifyIndex]);
    expect(h.deps.state.get('web/t-web-shop')).toMatchObject({ hash: desiredHash, jobModifyIndex: before.JobModifyIndex });
    const st = h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop');
    expect([st?.phase, st?.lastError ?? null]).toEqual(['Synced', null]);

    h.sim.resetRequestCounts();
    const summary = await h.manager.pass();
    expect(summary.enqueue).toEqual([]);
    await h.manager.drain();
    expect(h.sim.requestCounts('nomad')).toEqual({ 'GET /v1/jobs': 1 });

    // A real change is still written.
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 256 }));
    h.repo.commitAndPush('shop: more memory');
    await h.converge();
    expect((await h.nomad.readJob('web', 't-web-shop'))!.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(256);
  });
});
