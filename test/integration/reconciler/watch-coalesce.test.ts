import type { Job } from '../../../lib/core/nomad/types';
import { spec, startHarness, type Harness } from './harness';
import { until } from '../../helpers/until';

describe('reconciler: the live watch in a burst of writes', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  const lists = (): number => h.sim.requestCounts('nomad')['GET /v1/jobs'] ?? 0;
  const edit = (): string | undefined => h.manager.controller.live.get('web/t-web-shop')?.Meta?.edit;

  it('lists once per gap while writes keep coming, and at once for a write after a quiet spell', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('one');
    await h.converge();
    const job = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    const gap = h.manager.controller.tuning.watchCoalesceMs;
    const watch = h.manager.controller.watch;
    h.sim.resetRequestCounts();
    const watching = h.manager.watchLoop();
    await until(() => watch.connected, 'the first list answered');
    expect(lists()).toBe(1); // the first list: everything is new to the watch
    await h.clock.advance(gap);
    await until(() => lists() === 2, 'the held list');

    // A burst: the first write wakes the held list; the next ones wait for the gap.
    for (let i = 0; i < 5; i++) {
      await h.nomad.registerJob({ namespace: 'web', Job: { ...job, Meta: { ...job.Meta, edit: String(i) } } });
      if (i === 0) await until(() => edit() === '0', 'the woken list');
    }
    expect(lists()).toBe(2);
    expect(h.manager.queue.len()).toBe(1); // the woken list saw the edited job
    await h.clock.advance(gap);
    await until(() => edit() === '4', 'the list after the gap');
    expect(lists()).toBe(3); // one list takes the rest of the burst
    await h.clock.advance(gap);
    await until(() => lists() === 4, 'the held list again'); // held again

    // After a quiet spell, a write is seen without waiting for any time to pass.
    await h.nomad.registerJob({ namespace: 'web', Job: { ...job, Meta: { ...job.Meta, edit: 'late' } } });
    await until(() => edit() === 'late', 'the late write seen');
    expect(lists()).toBe(4);
    h.manager.stop();
    await watching;
  });
});
