import { Simulator } from '../../../lib/sim';
import { flushPromises } from '../../../lib/runtime/clock';
import { startOperator, type Manager } from '../../../controllers/manager';
import { spec, shopAutoReverted, startHarness, type Harness } from './harness';

/** Writes the operator makes only once: a forced resubmission, a namespace creation, the creates after a cluster restart. */
describe('writes made once', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a forced sync resubmits an auto-reverted version once; failing again, it is held, not resubmitted in a loop', async () => {
    h = await startHarness();
    await shopAutoReverted(h);
    const registers = (): number => h?.sim.requestCounts('nomad')['POST /v1/jobs'] ?? 0;
    const before = registers();
    await h.converge({ forced: new Set(['*']) });
    expect(registers()).toBe(before + 1);
    expect(h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop')?.conditions.find((c) => c.type === 'Healthy')?.reason).toBe('AutoReverted');
    // The revert moved the job's index: the live watch queues the key again before any next pass.
    for (let i = 0; i < 20; i++) {
      h.manager.queue.add('web/t-web-shop');
      await h.manager.drain();
      await h.sim.settle();
      await h.clock.advance(1000);
    }
    expect(registers()).toBe(before + 1);
  });

  it('workers creating jobs in the same namespace create it once', async () => {
    h = await startHarness({ reconcile: { workers: 8 } });
    for (const ns of ['web', 'data', 'ops']) for (const name of ['a', 'b', 'c']) h.repo.write(`${ns}/${name}/nomadgen.toml`, spec(name, { count: 1 }));
    h.repo.commitAndPush('nine');
    const m = h.manager;
    await m.pass({ full: true, forced: new Set(), confirmPrune: new Set(), reasons: ['test'] });
    expect(m.queue.len()).toBe(9);
    // Eight workers take the nine creates at once, as the operator's workers do.
    const worker = async (): Promise<void> => {
      while (m.queue.len() > 0) {
        const key = await m.queue.get();
        if (key === undefined) return;
        await m.processKey(key);
      }
    };
    await Promise.all(Array.from({ length: 8 }, () => worker()));
    expect(m.status().jobs.filter((j) => j.phase === 'Progressing')).toHaveLength(9);
    const counts = h.sim.requestCounts('nomad');
    expect(counts['POST /v1/namespace/:name']).toBe(3);
  });

  it('Nomad restarted empty at the same address: the jobs and their namespaces are created again', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('data/cache/nomadgen.toml', spec('cache'));
    h.repo.commitAndPush('two');
    await h.converge();
    await h.converge();
    expect(h.manager.status().jobs.map((j) => j.phase)).toEqual(['Healthy', 'Healthy']);
    // A cluster rebuilt empty at the same addresses (the state in Consul KV rebuilt with it).
    const old = h.sim;
    const nomadPort = Number(new URL(old.nomadUrl).port);
    const consulPort = Number(new URL(old.consulUrl).port);
    await old.stop();
    const fresh = await Simulator.start({ clock: h.clock, seed: 4, nomadPort, consulPort });
    try {
      const sim = fresh;
      const manager = h.manager;
      // One pass may meet a connection the old cluster closed; the one after it lists the empty cluster.
      await manager.pass().catch(() => undefined);
      for (let i = 0; i < 60 && !(i > 0 && manager.idle()); i++) {
        if (i === 0) await manager.pass();
        await manager.drain();
        await sim.settle();
        await h.clock.advance(1000);
      }
      expect(await h.nomad.readJob('web', 't-web-shop')).toBeDefined();
      expect(await h.nomad.readJob('data', 't-data-cache')).toBeDefined();
      expect(manager.status().jobs.map((j) => [j.key, j.phase])).toEqual([
        ['data/t-data-cache', 'Healthy'],
        ['web/t-web-shop', 'Healthy'],
      ]);
    } finally {
      await fresh.stop(); // the harness stops the cluster it started
    }
  });

  it('the live watch seeing Nomad restarted empty has the jobs and their namespaces created again, without a pass', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('one');
    h.manager.stop();
    // No poll interval elapses in this test: only the live watch can notice.
    const deps = { ...h.deps, config: { ...h.deps.config, source: { ...h.deps.config.source, pollInterval: '24h' } } };
    const op = startOperator(deps, { cron: false, sighup: false });
    h.manager = op.manager as Manager;
    let sim = h.sim;
    const until = async (cond: () => Promise<boolean> | boolean, what: string): Promise<void> => {
      for (let i = 0; i < 1000; i++) {
        if (await cond()) return;
        await sim.settle();
        await h?.clock.advance(1000);
        await flushPromises();
        await new Promise((r) => setTimeout(r, 5)); // lets the loopback HTTP of the operator and the cluster run; the condition ends the wait
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    await until(() => op.status().jobs.find((j) => j.key === 'web/t-web-shop')?.phase === 'Healthy', 'Healthy');
    const nomadPort = Number(new URL(h.sim.nomadUrl).port);
    const consulPort = Number(new URL(h.sim.consulUrl).port);
    await h.sim.stop();
    sim = await Simulator.start({ clock: h.clock, seed: 4, nomadPort, consulPort });
    try {
      await until(async () => (await h?.nomad.readJob('web', 't-web-shop').catch(() => undefined)) !== undefined, 'the job created again');
      await until(() => op.status().jobs.find((j) => j.key === 'web/t-web-shop')?.phase === 'Healthy', 'Healthy again');
    } finally {
      await op.stop();
      await sim.stop(); // the harness stops the cluster it started
    }
  });
});
