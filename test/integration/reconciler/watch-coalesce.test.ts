import type { Job } from '../../../lib/core/nomad/types';
import { flushPromises } from '../../../lib/runtime/clock';
import { spec, startHarness, type Harness } from './harness';

describe('reconciler: the live watch in a burst of writes', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  /** Lets the watch take what Nomad answered (loopback HTTP, no clock involved). */
  const settleIo = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) {
      await flushPromises();
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const lists = (): number => h.sim.requestCounts('nomad')['GET /v1/jobs'] ?? 0;

  it('lists once per gap while writes keep coming, and at once for a write after a quiet spell', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('one');
    await h.converge();
    const job = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    const gap = h.manager.controller.tuning.watchCoalesceMs;
    h.sim.resetRequestCounts();
    const watching = h.manager.watchLoop();
    await settleIo();
    expect(lists()).toBe(1); // the first list: everything is new to the watch
    await h.clock.advance(gap);
    await settleIo();
    expect(lists()).toBe(2); // held: nothing moved since

    // A burst: the first write wakes the held list; the next ones wait for the gap.
    for (let i = 0; i < 5; i++) {
      await h.nomad.registerJob({ namespace: 'web', Job: { ...job, Meta: { ...job.Meta, edit: String(i) } } });
      await settleIo();
    }
    expect(lists()).toBe(2);
    expect(h.manager.queue.len()).toBe(1); // the woken list saw the edited job
    await h.clock.advance(gap);
    await settleIo();
    expect(lists()).toBe(3); // one list takes the rest of the burst
    await h.clock.advance(gap);
    await settleIo();
    expect(lists()).toBe(4); // held again

    // After a quiet spell, a write is seen without waiting for any time to pass.
    await h.nomad.registerJob({ namespace: 'web', Job: { ...job, Meta: { ...job.Meta, edit: 'late' } } });
    await settleIo();
    expect(lists()).toBe(4);
    expect(h.manager.controller.live.get('web/t-web-shop')?.Meta?.edit).toBe('late');
    h.manager.stop();
    await watching;
  });
});
