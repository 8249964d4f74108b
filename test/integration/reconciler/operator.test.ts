import { startOperator } from '../../../controllers/manager';
import { Manager } from '../../../controllers/manager';
import type { Job } from '../../../lib/core/nomad/types';
import { flushPromises } from '../../../lib/runtime/clock';
import { spec, startHarness, type Harness } from './harness';

describe('reconciler: operator lifecycle', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  it('a restarted operator reads its records from Consul KV once: its first no-op pass costs one job list', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog'));
    h.repo.commitAndPush('two');
    await h.converge();
    const restarted = h.restart();
    h.sim.resetRequestCounts();
    const summary = await restarted.pass({ full: true, forced: new Set(), confirmPrune: new Set(), reasons: ['restart'] });
    expect(summary.enqueue).toEqual([]);
    expect(h.sim.requestCounts('nomad')).toEqual({ 'GET /v1/jobs': 1 }); // the client's capabilities are cached
    const consulCalls = Object.entries(h.sim.requestCounts('consul'));
    expect(consulCalls).toEqual([['GET /v1/kv/:key*', 1]]); // one recursive read
    expect(restarted.status().jobs.map((j) => j.phase)).toEqual(['Synced', 'Synced']);
  });

  it('on a Nomad older than 1.5 (no meta in job lists) reads managed jobs, then re-uses them while unchanged', async () => {
    h = await startHarness({ version: '1.4.3' });
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('one');
    await h.converge();
    expect(h.manager.status().jobs.map((j) => [j.key, j.phase])).toEqual([['web/t-web-shop', 'Healthy']]);
    h.sim.resetRequestCounts();
    const s = await h.manager.pass();
    expect(s.enqueue).toEqual([]);
    const counts = h.sim.requestCounts('nomad');
    expect(counts['GET /v1/jobs']).toBe(1);
    expect(counts['GET /v1/job/:id'] ?? 0).toBeLessThanOrEqual(1);
  });

  it('a team whose namespace the token may not read is reported as blocked; other teams apply', async () => {
    h = await startHarness({ aclNamespaces: ['web'] });
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('data/cache/nomadgen.toml', spec('cache'));
    h.repo.commitAndPush('two teams');
    await h.converge();
    const st = h.manager.status().jobs;
    expect(st.find((j) => j.key === 'web/t-web-shop')?.phase).toBe('Healthy');
    const cache = st.find((j) => j.key === 'data/t-data-cache');
    expect(cache?.phase).toBe('Error');
    expect(cache?.lastError?.reason).toBe('NamespaceBlocked');
    expect(cache?.lastError?.message).toBe('the token may not read namespace data: Permission denied');
  });

  it('the running operator sees a manual edit through the live watch and reverts it without a pass', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('one');
    h.manager.stop();
    const op = startOperator(h.deps, { cron: false, sighup: false });
    h.manager = op.manager as Manager;
    const until = async (cond: () => Promise<boolean> | boolean, what: string): Promise<void> => {
      for (let i = 0; i < 400; i++) {
        if (await cond()) return;
        await h.sim.settle();
        await h.clock.advance(100);
        await flushPromises();
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    await until(() => op.status().jobs.find((j) => j.key === 'web/t-web-shop')?.phase === 'Healthy', 'Healthy');
    const job = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    job.TaskGroups[0].Count = 3;
    await h.nomad.registerJob({ namespace: 'web', Job: job });
    // no poll interval elapses (15s): only the watch can notice
    await until(async () => (await h.nomad.readJob('web', 't-web-shop'))?.TaskGroups[0].Count === 2, 'the edit to be reverted');
    expect(op.status().jobs[0].history.map((e) => e.event)).toContain('DriftReverted');
    await op.stop();
  });
});
