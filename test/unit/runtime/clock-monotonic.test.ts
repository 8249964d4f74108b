import { FakeClock, SystemClock } from '../../../lib/runtime/clock';

describe('Clock.monotonic', () => {
  it('FakeClock: moves with advance, as now() does', async () => {
    const clock = new FakeClock(1_000);
    expect(clock.monotonic()).toBe(1_000);
    await clock.advance(250);
    expect(clock.monotonic()).toBe(clock.now());
  });

  it('SystemClock: never goes back', () => {
    const clock = new SystemClock();
    let last = clock.monotonic();
    for (let i = 0; i < 1000; i++) {
      const t = clock.monotonic();
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
    }
  });
});
