import { FakeClock } from '../../../lib/runtime/clock';
import { Doorbell, cronTrigger, parseDurationMs, pollTrigger } from '../../../lib/runtime/triggers';

describe('Doorbell', () => {
  it('merges rings that arrive before the pass starts', async () => {
    const bell = new Doorbell();
    bell.ring('poll');
    bell.ring('trigger', { full: true, forced: ['es/a'] });
    bell.ring('watch', { forced: ['es/b'], confirmPrune: ['es'] });
    const r = await bell.next();
    expect(r?.full).toBe(true);
    expect([...(r?.forced ?? [])]).toEqual(['es/a', 'es/b']);
    expect([...(r?.confirmPrune ?? [])]).toEqual(['es']);
    expect(r?.reasons).toEqual(['poll', 'trigger', 'watch']);
  });

  it('wakes a waiting pass loop and ends it on close', async () => {
    const bell = new Doorbell();
    const waiting = bell.next();
    bell.ring('start', { full: true });
    expect((await waiting)?.reasons).toEqual(['start']);
    const last = bell.next();
    bell.close();
    expect(await last).toBeUndefined();
    bell.ring('late');
    expect(await bell.next()).toBeUndefined();
  });
});

describe('pollTrigger', () => {
  it('rings once per interval on the injected clock and stops', async () => {
    const clock = new FakeClock(0);
    const bell = new Doorbell();
    const t = pollTrigger(clock, 15_000, bell);
    await clock.advance(14_999);
    let got = false;
    void bell.next().then(() => { got = true; });
    await clock.advance(0);
    expect(got).toBe(false);
    await clock.advance(1);
    expect(got).toBe(true);
    t.stop();
    expect(clock.pending()).toBe(0);
  });
});

describe('cronTrigger and durations', () => {
  it('rejects an invalid cron expression', () => {
    expect(() => cronTrigger('not cron', new Doorbell())).toThrow(/invalid cron/);
    cronTrigger('*/10 * * * *', new Doorbell()).stop();
  });

  it.each([['15s', 15_000], ['5m', 300_000], ['1h30m', 5_400_000], ['250ms', 250]])('parses %s', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it('rejects garbage durations', () => {
    expect(() => parseDurationMs('15 seconds')).toThrow(/invalid duration/);
  });
});
