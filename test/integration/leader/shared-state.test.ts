/**
 * What a human told one leader is kept in the shared state: a prune confirmation given to the leader
 * still holds for the instance that takes over after it died.
 */
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { spec } from '../reconciler/harness';
import { LOCK_DELAY, RETRY, TTL, startHa, type HaHarness } from './ha-harness';

// Many passes with real git and loopback HTTP under a moving FakeClock: slow on a loaded machine, never wrong.
jest.setTimeout(180_000);

describe('high availability: shared state', () => {
  let h: HaHarness;
  afterEach(async () => {
    await h.close();
  });

  it('a prune confirmation given to a leader that then dies is honoured by its successor', async () => {
    h = await startHa({ prune: { ...defaultOperatorConfig({}).reconcile.prune, grace: '120s' } });
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog')).write('data/cache/nomadgen.toml', spec('cache'));
    h.repo.commitAndPush('three');
    const a = await h.start('a');
    await h.until(() => a.elector.isLeader(), 5000, 'a to lead');
    const b = await h.start('b');
    const job = (ns: string, id: string) => h.sim.cluster.record(ns, id)?.job;
    await h.until(() => ['web/t-web-shop', 'web/t-web-blog', 'data/t-data-cache'].every((k) => a.op.status().jobs.find((j) => j.key === k)?.phase === 'Healthy'), 90_000, 'three healthy');
    h.repo.rm('web/shop/nomadgen.toml').rm('web/blog/nomadgen.toml');
    h.repo.commitAndPush('web folder emptied');
    const reason = (key: string): string | undefined => a.op.status().jobs.find((j) => j.key === key)?.conditions.find((c) => c.type === 'Synced')?.reason;
    await h.until(() => reason('web/t-web-shop') === 'PruneGuard', 30_000, 'the guard to hold web');
    a.op.trigger({ full: false, confirmPrune: ['web'] });
    const stored = (): string | undefined => h.sim.consul.kv.get(`${h.config.reconcile.statePrefix}/confirmations`)?.Value?.toString('utf8');
    await h.until(() => stored()?.includes('web/t-web-shop') === true, 10_000, 'the confirmation to be stored');
    a.kill();
    await h.until(() => b.elector.isLeader(), 2 * TTL + LOCK_DELAY + RETRY + 2000, 'b to lead');
    expect(job('web', 't-web-shop')?.Stop).toBe(false);
    await h.until(() => job('web', 't-web-shop')?.Stop === true && job('web', 't-web-blog')?.Stop === true, 900_000, 'b to prune web under the confirmation'); // generous: without the confirmation the guard holds web for ever
    expect(job('data', 't-data-cache')?.Stop).toBe(false);
    expect(h.sim.registers.repeats()).toBe(0);
  });
});
