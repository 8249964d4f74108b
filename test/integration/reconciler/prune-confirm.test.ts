import { webFolderEmptied, spec, startHarness, type Harness } from './harness';

/** A prune confirmation lasts until the prunes it confirmed are done, not one pass. */
describe('reconciler: confirmed prunes', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  async function webEmptied(o: Parameters<typeof startHarness>[0] = {}): Promise<void> {
    h = await startHarness(o);
    await webFolderEmptied(h);
    expect(h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop')?.conditions.find((c) => c.type === 'Synced')?.reason).toBe('PruneGuard');
  }

  const stopped = async (ns: string, id: string): Promise<boolean | undefined> => (await h.nomad.readJob(ns, id))?.Stop;

  it('a delete that fails once is retried under the same confirmation, across later passes', async () => {
    await webEmptied();
    h.sim.fault({ route: 'DELETE /v1/job/:id', kind: 'error', status: 500, count: 1, api: 'nomad' });
    await h.manager.pass({ full: false, forced: new Set(), confirmPrune: new Set(['web']), reasons: ['trigger'] });
    await h.manager.drain();
    expect([await stopped('web', 't-web-blog'), await stopped('web', 't-web-shop')].sort()).toEqual([false, true]);
    // The next poll carries no confirmation; the failed delete is retried after its backoff.
    await h.converge();
    expect(await stopped('web', 't-web-shop')).toBe(true);
    expect(await stopped('web', 't-web-blog')).toBe(true);
    expect(await stopped('data', 't-data-cache')).toBe(false);
  });

  it('lasts through the prune grace period, and ends once its prunes are done', async () => {
    await webEmptied({ reconcile: { prune: { enabled: true, grace: '60s', maxShare: 1, purge: false } } });
    await h.manager.pass({ full: false, forced: new Set(), confirmPrune: new Set(['web']), reasons: ['trigger'] });
    await h.manager.drain();
    expect(await stopped('web', 't-web-shop')).toBe(false);
    // Polls during the grace period carry no confirmation.
    for (let i = 0; i < 3; i++) {
      await h.clock.advance(15_000);
      await h.converge();
    }
    await h.clock.advance(20_000);
    await h.converge();
    expect(await stopped('web', 't-web-shop')).toBe(true);
    expect(await stopped('web', 't-web-blog')).toBe(true);

    // Done, so it ends: the same jobs back and removed again are refused until confirmed again.
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog'));
    h.repo.commitAndPush('web back');
    await h.converge();
    expect(await stopped('web', 't-web-shop')).toBe(false);
    h.repo.rm('web/shop/nomadgen.toml').rm('web/blog/nomadgen.toml');
    h.repo.commitAndPush('web folder emptied again');
    await h.converge();
    await h.clock.advance(61_000);
    await h.converge();
    expect(await stopped('web', 't-web-shop')).toBe(false);
    expect(h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop')?.conditions.find((c) => c.type === 'Synced')?.reason).toBe('PruneGuard');
  });
});
