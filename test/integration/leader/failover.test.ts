/**
 * Two operator instances on one source: only the leader writes; a leader killed or partitioned in the
 * middle of a pass is replaced within TTL×2 + lock-delay + retry, no job is registered twice alike, and a
 * restarted instance resumes from the shared state (holds, prune grace, records).
 */
import type { Job } from '../../../lib/core/nomad/types';
import { spec } from '../reconciler/harness';
import { LOCK_DELAY, RETRY, TTL, startHa, type HaHarness, type HaInstance } from './ha-harness';

const TAKEOVER_BOUND = 2 * TTL + LOCK_DELAY + RETRY + 2000;

describe('high availability: two instances on one source', () => {
  let h: HaHarness;
  afterEach(async () => {
    await h.close();
  });

  const phase = (i: HaInstance, key: string): string | undefined => i.op.status().jobs.find((j) => j.key === key)?.phase;
  const image = (ns: string, id: string): string | undefined => {
    const job = h.sim.cluster.record(ns, id)?.job as Job | undefined;
    return job?.TaskGroups[0].Tasks[0].Config?.image as string | undefined;
  };

  it('the follower never writes: a commit the follower has not polled yet is not reverted by it, and nothing is registered twice', async () => {
    h = await startHa();
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { image: 'registry.internal/acme/shop:1.4.0' }));
    h.repo.commitAndPush('shop 1.4.0');
    const a = await h.start('a');
    await h.until(() => a.elector.isLeader(), 5000, 'a to lead');
    // b polls git once an hour: it learns of the next commit from Nomad's job list before it reads git.
    const b = await h.start('b', { pollInterval: '1h' });
    await h.until(() => phase(a, 'web/t-web-shop') === 'Healthy', 60_000, 'shop healthy');
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { image: 'registry.internal/acme/shop:2.0.0' }));
    h.repo.commitAndPush('shop 2.0.0');
    await h.until(async () => image('web', 't-web-shop') === 'registry.internal/acme/shop:2.0.0' && phase(a, 'web/t-web-shop') === 'Healthy', 60_000, 'shop 2.0.0 healthy');
    // Long enough for both to poll and watch many times over.
    await h.until(() => false, 30_000, 'time to pass').catch(() => undefined);
    expect(image('web', 't-web-shop')).toBe('registry.internal/acme/shop:2.0.0');
    expect(h.sim.registers.repeats()).toBe(0);
    expect(Object.values(h.sim.registers.snapshot()['web/t-web-shop'])).toEqual([1, 1]);
    expect(a.op.status().role).toBe('leader');
    expect(await a.metrics.registry.metrics()).toContain('nomadguard_leader{cluster="default"} 1');
    expect(await b.metrics.registry.metrics()).toContain('nomadguard_leader{cluster="default"} 0');
    expect(b.op.status().role).toBe('follower');
    expect(b.events).toEqual([]);
    // The follower serves what the leader published.
    const fromB = b.op.status();
    expect(fromB.jobs.map((j) => [j.key, j.phase, j.desiredHash])).toEqual(a.op.status().jobs.map((j) => [j.key, j.phase, j.desiredHash]));
    expect(fromB.sources[0].counts.Healthy).toBe(1);
  });

  it.each(['killed', 'partitioned'] as const)('a leader %s in the middle of a pass: the other leads within the bound, finishes the pass, and registers nothing twice', async (how) => {
    h = await startHa({ workers: 1 });
    // Every register takes a second of the clock, so the leader can be cut between two of them.
    h.sim.fault({ route: 'POST /v1/jobs', kind: 'latency', ms: 1000, api: 'nomad' });
    const a = await h.start('a');
    await h.until(() => a.elector.isLeader(), 5000, 'a to lead');
    const b = await h.start('b');
    await h.until(() => false, 3000, 'b to start').catch(() => undefined);
    const names = ['shop', 'blog', 'cart', 'mail', 'news', 'wiki'];
    for (const n of names) h.repo.write(`web/${n}/nomadgen.toml`, spec(n));
    h.repo.commitAndPush('six services');
    // The leader is cut off after its first registers, before the rest.
    await h.until(() => Object.keys(h.sim.registers.snapshot()).length >= 1, 30_000, 'the first register');
    if (how === 'killed') a.kill();
    else a.partition();
    const cutAt = h.clock.now();
    const registeredByA = Object.keys(h.sim.registers.snapshot()).length;
    expect(registeredByA).toBeLessThan(names.length);
    await h.until(() => b.elector.isLeader(), TAKEOVER_BOUND, 'b to lead');
    const aLost = a.events.find((e) => !e.leading)?.at as number;
    const bLed = b.events.find((e) => e.leading)?.at as number;
    expect(aLost).toBeLessThanOrEqual(cutAt + TTL / 2 + 250);
    expect(bLed - cutAt).toBeLessThanOrEqual(TAKEOVER_BOUND);
    expect(bLed - aLost).toBeGreaterThanOrEqual(TTL + LOCK_DELAY);
    await h.until(() => names.every((n) => phase(b, `web/t-web-${n}`) === 'Healthy' || phase(b, `web/t-web-${n}`) === 'Synced'), 90_000, 'b to converge');
    await h.until(() => false, 10_000, 'time to pass').catch(() => undefined);
    expect(Object.keys(h.sim.registers.snapshot()).sort()).toEqual(names.map((n) => `web/t-web-${n}`).sort());
    expect(h.sim.registers.repeats()).toBe(0);
    expect(a.elector.isLeader()).toBe(false);
  });
});
