import { BlockingIndex, BlockingQuery } from '../../../lib/adapters/http/blocking-index';
import { FakeClock } from '../../../lib/runtime/clock';

describe('BlockingIndex', () => {
  it('starts at 0, follows increases and reports change', () => {
    const t = new BlockingIndex();
    expect(t.value).toBe(0);
    expect(t.observe(10)).toEqual({ changed: true, reset: false, next: 10 });
    expect(t.observe(10)).toEqual({ changed: false, reset: false, next: 10 });
    expect(t.observe(12)).toEqual({ changed: true, reset: false, next: 12 });
  });

  it('resets to 0 when the server index goes backwards', () => {
    const t = new BlockingIndex();
    t.observe(100);
    expect(t.observe(7)).toEqual({ changed: true, reset: true, next: 0 });
    expect(t.value).toBe(0);
    expect(t.observe(7)).toEqual({ changed: true, reset: false, next: 7 });
  });

  it('never blocks with index 0 after a read that returned index 0', () => {
    const t = new BlockingIndex();
    expect(t.observe(0).next).toBe(1);
  });
});

describe('BlockingQuery', () => {
  it('returns the first value at once, then only on change, re-reading at 0 after a backwards index', async () => {
    const script = [
      { value: 'a', index: 5 },
      { value: 'a', index: 5 }, // wait elapsed, no change
      { value: 'b', index: 9 },
      { value: 'x', index: 3 }, // backwards: discarded
      { value: 'c', index: 4 },
    ];
    const sent: number[] = [];
    const q = new BlockingQuery<string>(async (index) => {
      sent.push(index);
      const next = script.shift();
      if (!next) throw new Error('script exhausted');
      return next;
    }, new FakeClock());
    expect(await q.next()).toEqual({ value: 'a', index: 5, reset: false });
    expect(await q.next()).toEqual({ value: 'b', index: 9, reset: false });
    expect(await q.next()).toEqual({ value: 'c', index: 4, reset: true });
    expect(sent).toEqual([0, 5, 5, 9, 0]);
    expect(q.index).toBe(4);
  });

  it('spaces requests by minIntervalMs on the clock', async () => {
    const clock = new FakeClock();
    let n = 0;
    const q = new BlockingQuery<number>(async () => ({ value: n, index: ++n }), clock, 1000);
    await q.next();
    let done = false;
    const p = q.next().then((r) => {
      done = true;
      return r;
    });
    await clock.advance(999);
    expect(done).toBe(false);
    await clock.advance(1);
    await expect(p).resolves.toEqual({ value: 1, index: 2, reset: false });
  });
});
