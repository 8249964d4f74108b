import type { Job } from '../../../lib/core/nomad/types';
import { flushPromises } from '../../../lib/runtime/clock';
import type { PassRequest } from '../../../lib/runtime/triggers';
import { OperatorMetrics } from '../../../lib/metrics/operator-metrics';
import { Manager } from '../../../controllers/manager';
import { spec, startHarness, type Harness } from './harness';

describe('reconciler: a pass while the live watch holds its query', () => {
  let h: Harness;
  let watching: Promise<void> | undefined;
  afterEach(async () => {
    h.manager.stop();
    await watching;
    watching = undefined;
    await h.close();
  });

  const nomadCalls = (): number => Object.values(h.sim.requestCounts('nomad')).reduce((a, b) => a + b, 0);
  const lists = (): number => h.sim.requestCounts('nomad')['GET /v1/jobs'] ?? 0;
  const held = (): boolean => h.manager.controller.watch.current(h.manager.controller.live, h.clock.now());
  const pass = (req: Partial<PassRequest> = {}) => h.manager.pass({ full: false, forced: new Set(), confirmPrune: new Set(), reasons: ['test'], ...req });

  /** Lets loopback HTTP answers arrive until `done` or `turns` turns passed (no clock involved). */
  const poll = async (done: () => boolean, turns = 40): Promise<boolean> => {
    for (let i = 0; i < turns && !done(); i++) {
      await flushPromises();
      await new Promise((r) => setImmediate(r));
      if (!done()) await new Promise((r) => setTimeout(r, 5));
    }
    return done();
  };
  const until = async (done: () => boolean, what: string): Promise<void> => {
    if (!(await poll(done, 400))) throw new Error(`timed out waiting for ${what}`);
  };
  const losses = (): number => h.manager.controller.watch.losses;

  /** Runs the watch until its query is held at the live cache's index (turning the clock past its coalescing gap). */
  const holdWatch = async (): Promise<void> => {
    watching ??= h.manager.watchLoop();
    for (let i = 0; i < 20 && !(await poll(held)); i++) await h.clock.advance(h.manager.controller.tuning.watchCoalesceMs);
    expect(held()).toBe(true);
  };

  let metrics: OperatorMetrics;
  /** Two services converged. */
  const twoServices = async (): Promise<void> => {
    h = await startHarness();
    metrics = new OperatorMetrics();
    h.deps = { ...h.deps, metrics };
    h.manager = new Manager(h.deps);
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog'));
    h.repo.commitAndPush('two');
    await h.converge();
    await h.converge();
  };

  it('makes no Nomad call at all for a no-op pass, and a full resync still lists', async () => {
    await twoServices();
    await holdWatch();
    h.sim.resetRequestCounts();
    for (let i = 0; i < 3; i++) {
      const s = await pass();
      expect(s.listed).toBe(false);
      expect(s.enqueue).toEqual([]);
    }
    expect(nomadCalls()).toBe(0);
    expect(await metrics.registry.getSingleMetricAsString('nomadguard_passes_without_list_total')).toMatch(/^nomadguard_passes_without_list_total 3$/m);

    const full = await pass({ full: true });
    expect(full.listed).toBe(true);
    expect(lists()).toBe(1);
  });

  it('sees a manual edit the watch woke for at the next pass, and lists after a write of its own', async () => {
    await twoServices();
    await holdWatch();
    const job = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    const group = job.TaskGroups?.[0];
    if (!group) throw new Error('no group');
    await h.nomad.registerJob({ namespace: 'web', Job: { ...job, TaskGroups: [{ ...group, Count: 5 }] } });
    await until(() => h.manager.controller.live.get('web/t-web-shop')?.JobModifyIndex !== job.JobModifyIndex, 'the watch to take the edit');
    await holdWatch();

    h.sim.resetRequestCounts();
    const s = await pass();
    expect(s.listed).toBe(false);
    expect(nomadCalls()).toBe(0);
    expect(s.enqueue).toEqual(['web/t-web-shop']); // decided again from what the watch brought: drift
    expect(s.actions.drift).toBe(1);

    // After our own write (the cache ahead of its list, the watch woken by it) a pass lists.
    await h.manager.drain();
    expect((await h.nomad.readJob('web', 't-web-shop'))?.TaskGroups?.[0]?.Count).toBe(2);
    expect(held()).toBe(false);
    h.sim.resetRequestCounts();
    const after = await pass();
    expect(after.listed).toBe(true);
    expect(lists()).toBeGreaterThanOrEqual(1);
  });

  it('lists when the watch has not answered yet or failed since', async () => {
    await twoServices();
    h.sim.fault({ route: 'GET /v1/jobs', kind: 'error', status: 500, count: 1 });
    watching = h.manager.watchLoop();
    await until(() => losses() === 1, 'the watch to fail');
    expect(held()).toBe(false);
    h.sim.resetRequestCounts();
    const s = await pass();
    expect(s.listed).toBe(true);
    expect(lists()).toBe(1);

    // Held, then failed: the next pass lists again.
    await h.clock.advance(2000);
    await holdWatch();
    h.sim.fault({ route: 'GET /v1/jobs', kind: 'error', status: 500, count: 1 });
    const job = (await h.nomad.readJob('web', 't-web-blog')) as Job;
    await h.nomad.registerJob({ namespace: 'web', Job: { ...job, Meta: { ...job.Meta, edit: '1' } } });
    await until(() => h.manager.controller.live.get('web/t-web-blog')?.Meta?.edit === '1', 'the watch to take the edit');
    await h.clock.advance(h.manager.controller.tuning.watchCoalesceMs);
    await until(() => losses() === 2, 'the watch to fail');
    expect(held()).toBe(false);
    h.sim.resetRequestCounts();
    expect((await pass()).listed).toBe(true);
    expect(lists()).toBe(1);

    // A stopped watch vouches for nothing.
    h.manager.stop();
    await watching;
    expect(held()).toBe(false);
  });

  it('lists before a prune it decided on the cache', async () => {
    await twoServices();
    await holdWatch();
    h.repo.rm('web/blog/nomadgen.toml');
    h.repo.commitAndPush('blog gone');
    h.sim.resetRequestCounts();
    const s = await pass();
    expect(s.listed).toBe(true);
    expect(lists()).toBe(1);
    expect(s.enqueue).toContain('web/t-web-blog');
  });
});
