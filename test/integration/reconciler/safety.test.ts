import { INVALID_SPEC, shopAutoReverted, spec, startHarness, webFolderEmptied, type Harness } from './harness';

describe('reconciler: safety', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  it('an invalid spec leaves its running job untouched while the other specs of the same commit apply', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog'));
    h.repo.commitAndPush('two');
    await h.converge();
    const before = await h.nomad.readJob('web', 't-web-shop');
    h.repo.write('web/shop/nomadgen.toml', spec('shop').replace('memory = 128', 'memroy = 128'));
    h.repo.write('web/blog/nomadgen.toml', spec('blog', { memory: 256 }));
    h.repo.write('web/broken/nomadgen.toml', INVALID_SPEC);
    h.repo.commitAndPush('typo in shop, blog bigger, a broken new spec');
    await h.converge();
    const after = await h.nomad.readJob('web', 't-web-shop');
    expect(after?.JobModifyIndex).toBe(before?.JobModifyIndex);
    expect(after?.Stop).toBe(false);
    expect((await h.nomad.readJob('web', 't-web-blog'))?.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(256);
    const st = h.manager.status().jobs;
    const shop = st.find((j) => j.key === 'web/t-web-shop');
    expect(shop?.phase).toBe('Invalid');
    expect(shop?.conditions.find((c) => c.type === 'Synced')?.message).toMatch(/web\/shop\/nomadgen\.toml:\d+:\d+/);
    expect(st.find((j) => j.key === 'web/t-web-blog')?.phase).toBe('Healthy');
    expect(await h.nomad.readJob('web', 't-web-broken')).toBeUndefined();
  });

  it('the prune guard refuses to prune every job of a namespace until confirmed', async () => {
    h = await startHarness();
    await webFolderEmptied(h);
    expect((await h.nomad.readJob('web', 't-web-shop'))?.Stop).toBe(false);
    expect((await h.nomad.readJob('web', 't-web-blog'))?.Stop).toBe(false);
    expect(h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop')?.conditions.find((c) => c.type === 'Synced')?.reason).toBe('PruneGuard');
    await h.converge({ confirmPrune: new Set(['web']) });
    expect((await h.nomad.readJob('web', 't-web-shop'))?.Stop).toBe(true);
    expect((await h.nomad.readJob('web', 't-web-blog'))?.Stop).toBe(true);
    expect((await h.nomad.readJob('data', 't-data-cache'))?.Stop).toBe(false);
  });

  it('a force-push re-renders everything; a deleted branch keeps the last desired state and prunes nothing', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog'));
    const first = h.repo.commitAndPush('two');
    await h.converge();
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 192 }));
    h.repo.commitAndPush('shop 192');
    await h.converge();
    // rewrite history: back to the first commit, then a different change
    h.repo.resetHard(first);
    h.repo.write('web/blog/nomadgen.toml', spec('blog', { memory: 320 }));
    const rewritten = h.repo.commit('blog 320 on rewritten history');
    h.repo.push({ force: true });
    const summary = await h.manager.pass();
    expect(summary.commit).toBe(rewritten);
    expect(summary.rendered).toBe(2); // full re-render
    await h.converge();
    expect((await h.nomad.readJob('web', 't-web-blog'))?.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(320);
    expect((await h.nomad.readJob('web', 't-web-shop'))?.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(128);

    h.repo.deleteRemoteBranch();
    const broken = await h.manager.pass();
    expect(broken.ok).toBe(false);
    await h.converge();
    expect((await h.nomad.readJob('web', 't-web-shop'))?.Stop).toBe(false);
    expect((await h.nomad.readJob('web', 't-web-blog'))?.Stop).toBe(false);
    const source = h.manager.status().sources[0];
    expect(source.lastError?.reason).toBe('BranchNotFound');
    expect(source.healthy).toBe(false);
  });

  it('a failing version auto-reverted by Nomad is not resubmitted until a new commit', async () => {
    h = await startHarness();
    const reverted = await shopAutoReverted(h);
    expect(JSON.stringify(reverted?.TaskGroups[0].Tasks[0].Config)).toContain('shop:1.0.0');
    const st = h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop');
    expect(st?.phase).toBe('Degraded');
    expect(st?.history.map((e) => e.event)).toContain('AutoReverted');
    // more passes: no register, no fight
    h.sim.resetRequestCounts();
    for (let i = 0; i < 3; i++) await h.converge({ full: i === 1 });
    expect(Object.entries(h.sim.requestCounts('nomad')).filter(([r]) => r.startsWith('POST') || r.startsWith('PUT'))).toEqual([]);
    expect((await h.nomad.readJob('web', 't-web-shop'))?.JobModifyIndex).toBe(reverted?.JobModifyIndex);
    // a new commit is applied
    h.sim.clearFailImages();
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { image: 'registry.internal/acme/shop:1.2.0' }));
    h.repo.commitAndPush('fixed image');
    await h.converge();
    expect(JSON.stringify((await h.nomad.readJob('web', 't-web-shop'))?.TaskGroups[0].Tasks[0].Config)).toContain('shop:1.2.0');
    expect(h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop')?.phase).toBe('Healthy');
  });
});
