import { planReport } from '../../../controllers/plan-report';
import { spec, startHarness, type Harness } from './harness';

/** `plan` holds a version Nomad auto-reverted as the pass does, even before the pass noticed the revert. */
describe('plan: a version Nomad replaced after it failed', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  it('is listed as held (AutoReverted), not as an update to write', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/cart/nomadgen.toml', spec('cart'));
    h.repo.commitAndPush('shop and cart');
    await h.converge();
    h.sim.failImage(/shop:6\.6\.6/);
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { image: 'registry.internal/acme/shop:6.6.6' }));
    h.repo.commitAndPush('bad image');
    await h.manager.pass();
    await h.manager.drain(); // registers the bad version; the operator does not look again here
    for (let i = 0; i < 120; i++) {
      const live = await h.nomad.readJob('web', 't-web-shop');
      if (JSON.stringify(live?.TaskGroups[0].Tasks[0].Config).includes('shop:1.0.0')) break;
      await h.clock.advance(1000);
      await h.sim.settle();
    }
    expect(JSON.stringify((await h.nomad.readJob('web', 't-web-shop'))?.TaskGroups[0].Tasks[0].Config)).toContain('shop:1.0.0');

    const report = await planReport(h.deps);
    expect(report.entries.find((e) => e.subject === 'job/web/t-web-shop')).toMatchObject({ action: 'blocked', write: false, note: expect.stringMatching(/^AutoReverted: version \d+ failed and was replaced by version \d+/) });
    expect(report.changes).toBe(false);

    // The pass agrees: it holds the version and writes nothing.
    await h.converge();
    expect(JSON.stringify((await h.nomad.readJob('web', 't-web-shop'))?.TaskGroups[0].Tasks[0].Config)).toContain('shop:1.0.0');
    expect(h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop')?.phase).toBe('Degraded');
    expect((await planReport(h.deps)).changes).toBe(false);
  });
});
