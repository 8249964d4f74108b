/**
 * An instance killed in the middle of applying a commit, then started again: it waits for the dead
 * session's lock to pass, re-reads the shared state and converges without registering any job twice
 * alike, without restarting a prune grace, and without resubmitting a version Nomad auto-reverted.
 */
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { spec } from '../reconciler/harness';
import { LOCK_DELAY, RETRY, TTL, startHa, type HaHarness, type HaInstance } from './ha-harness';

const TAKEOVER_BOUND = 2 * TTL + LOCK_DELAY + RETRY + 2000;
const GRACE_MS = 90_000;

describe('high availability: kill and restart', () => {
  let h: HaHarness;
  afterEach(async () => {
    await h.close();
  });

  const phase = (i: HaInstance, key: string): string | undefined => i.op.status().jobs.find((j) => j.key === key)?.phase;
  const settled = (i: HaInstance, key: string): boolean => ['Healthy', 'Synced'].includes(phase(i, key) ?? '');
  const stored = (key: string): Record<string, unknown> | undefined => {
    const v = h.sim.consul.kv.get(`${h.config.reconcile.statePrefix}/jobs/${key}`)?.Value;
    return v ? (JSON.parse(v.toString('utf8')) as Record<string, unknown>) : undefined;
  };
  const image = (ns: string, id: string): unknown => h.sim.cluster.record(ns, id)?.job.TaskGroups[0].Tasks[0].Config?.image;

  it('killed mid-apply, restarted: converges with no second register, and the prune grace runs from before the crash', async () => {
    h = await startHa({ workers: 1, prune: { ...defaultOperatorConfig({}).reconcile.prune, grace: '90s' } });
    const names = ['shop', 'blog', 'cart', 'mail'];
    for (const n of names) h.repo.write(`web/${n}/nomadgen.toml`, spec(n));
    h.repo.commitAndPush('four services');
    const a = await h.start('a');
    await h.until(() => names.every((n) => settled(a, `web/t-web-${n}`)), 90_000, 'four services');
    h.sim.fault({ route: 'POST /v1/jobs', kind: 'latency', ms: 1000, api: 'nomad' });
    h.repo.rm('web/cart/nomadgen.toml');
    for (const n of ['shop', 'blog', 'mail']) h.repo.write(`web/${n}/nomadgen.toml`, spec(n, { image: `registry.internal/acme/${n}:2.0.0` }));
    h.repo.commitAndPush('cart removed, three updated');
    const updated = (): number => ['shop', 'blog', 'mail'].filter((n) => image('web', `t-web-${n}`) === `registry.internal/acme/${n}:2.0.0`).length;
    await h.until(() => stored('web/t-web-cart')?.absentSince !== undefined && updated() >= 1, 60_000, 'the grace to start and a first update');
    a.kill();
    const absentSince = stored('web/t-web-cart')?.absentSince as number;
    expect(updated()).toBeLessThan(3);

    const restarted = await h.start('a-restarted');
    await h.until(() => restarted.elector.isLeader(), TAKEOVER_BOUND, 'the restarted instance to lead');
    // Until the grace that began before the crash ends, cart keeps running.
    await h.until(() => h.clock.now() >= absentSince + GRACE_MS - 1000, GRACE_MS, 'the grace to nearly end');
    expect(h.sim.cluster.record('web', 't-web-cart')?.job.Stop).toBe(false);
    expect(updated()).toBe(3);
    await h.until(() => h.sim.cluster.record('web', 't-web-cart')?.job.Stop === true, 30_000, 'cart to be pruned');
    expect(h.clock.now()).toBeGreaterThanOrEqual(absentSince + GRACE_MS);
    await h.until(() => ['shop', 'blog', 'mail'].every((n) => settled(restarted, `web/t-web-${n}`)), 60_000, 'the updates to be healthy');
    expect(h.sim.registers.repeats()).toBe(0);
  });

  it('a version Nomad auto-reverted stays held across a failover: the new leader does not resubmit it', async () => {
    h = await startHa();
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    const a = await h.start('a');
    await h.until(() => settled(a, 'web/t-web-shop'), 60_000, 'shop');
    const b = await h.start('b');
    h.sim.failImage(/shop:6\.6\.6/);
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { image: 'registry.internal/acme/shop:6.6.6' }));
    h.repo.commitAndPush('bad image');
    await h.until(() => stored('web/t-web-shop')?.failedHash !== undefined, 120_000, 'the failed version to be held');
    a.kill();
    await h.until(() => b.elector.isLeader(), TAKEOVER_BOUND, 'b to lead');
    await h.until(() => false, 30_000, 'time to pass').catch(() => undefined);
    expect(h.sim.registers.repeats()).toBe(0);
    expect(image('web', 't-web-shop')).toBe('registry.internal/acme/shop:1.0.0');
    expect(phase(b, 'web/t-web-shop')).toBe('Degraded');
  });
});
