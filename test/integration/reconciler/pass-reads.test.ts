import type { Job } from '../../../lib/core/nomad/types';
import { spec, startHarness, type Harness } from './harness';

/** The pass reads git and Nomad at the same time; each side's failure keeps its own meaning. */
describe('a pass reading git and Nomad together', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a failed job list fails the pass only after the git refresh finished, whose commit is recorded', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 192 }));
    const moved = h.repo.commitAndPush('shop 192');
    h.sim.fault({ route: 'GET /v1/jobs', kind: 'error', status: 500, count: 1, api: 'nomad' });
    await expect(h.manager.pass()).rejects.toThrow();
    // The refresh was joined, not left running: the source status already names the new commit.
    const source = h.manager.status().sources[0];
    expect(source.lastFetchedCommit).toBe(moved);
    expect(h.manager.controller.desired.commit).toBe(moved);
    expect(h.manager.queue.len()).toBe(0);
    // The next pass (list healthy again) applies the change.
    await h.converge();
    expect((await h.nomad.readJob('web', 't-web-shop'))?.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(192);
  });

  it('a failed git poll next to a good job list prunes nothing and sets the source error', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog')).write('web/cart/nomadgen.toml', spec('cart'));
    h.repo.commitAndPush('three');
    await h.converge();
    // A managed job of this source without a spec: a pass with a healthy source prunes it.
    const shop = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    await h.nomad.registerJob({ namespace: 'web', Job: { ...shop, ID: 't-web-orphan', Name: 't-web-orphan' } });
    h.repo.deleteRemoteBranch();
    const summary = await h.manager.pass();
    expect(summary.ok).toBe(false);
    expect(summary.sourceError).toMatch(/not found|couldn't find remote ref/i);
    expect(summary.actions.prune ?? 0).toBe(0);
    expect(summary.actions['prune-wait'] ?? 0).toBe(0);
    await h.converge();
    expect((await h.nomad.readJob('web', 't-web-orphan'))?.Stop).toBe(false);
    const source = h.manager.status().sources[0];
    expect(source.healthy).toBe(false);
    expect(source.lastError?.reason).toBe('BranchNotFound');
    // With the branch back, the same orphan is pruned: the failed poll was what held it.
    h.repo.push();
    await h.converge();
    expect((await h.nomad.readJob('web', 't-web-orphan'))?.Stop).toBe(true);
    expect((await h.nomad.readJob('web', 't-web-shop'))?.Stop).toBe(false);
  });
});
