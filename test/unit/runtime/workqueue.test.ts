import { FakeClock } from '../../../lib/runtime/clock';
import {
  DelayingQueue,
  RateLimitingQueue,
  WorkQueue,
  exponentialRateLimiter,
  maxOfRateLimiter,
  tokenBucketRateLimiter,
} from '../../../lib/runtime/workqueue';

describe('WorkQueue', () => {
  it('coalesces a key added several times while it waits', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
    expect(q.len()).toBe(0);
  });

  it('never hands a key to two workers at once, and re-processes it once after done when re-added in flight', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    const first = await q.get();
    expect(first).toBe('ns/a');
    q.add('ns/a');
    q.add('ns/a');
    expect(q.len()).toBe(0); // held: not handed out again yet
    let second: string | undefined;
    void q.get().then((k) => { second = k; });
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done('ns/a');
    await Promise.resolve();
    expect(second).toBe('ns/a');
    q.done('ns/a');
    expect(q.len()).toBe(0);
  });

  it('done without a re-add does not bring the key back', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    await q.get();
    q.done('ns/a');
    expect(q.len()).toBe(0);
    expect(q.isProcessing('ns/a')).toBe(false);
  });

  it('wakes waiting workers in order as keys arrive', async () => {
    const q = new WorkQueue();
    const got: Array<string | undefined> = [];
    const w1 = q.get().then((k) => got.push(k));
    const w2 = q.get().then((k) => got.push(k));
    q.add('x/1');
    q.add('x/2');
    await Promise.all([w1, w2]);
    expect(got).toEqual(['x/1', 'x/2']);
  });

  it('shutdown releases waiting workers with undefined and ignores later adds', async () => {
    const depths: number[] = [];
    const q = new WorkQueue({ onDepth: (d) => depths.push(d) });
    const waiting = q.get();
    q.shutdown();
    expect(await waiting).toBeUndefined();
    q.add('ns/a');
    expect(await q.get()).toBeUndefined();
    expect(q.shuttingDown()).toBe(true);
    expect(depths[depths.length - 1]).toBe(0);
  });
});

describe('DelayingQueue', () => {
  it('adds a key only when the clock reaches its delay', async () => {
    const clock = new FakeClock(0);
    const q = new DelayingQueue(clock);
    q.addAfter('ns/a', 1000);
    expect(q.len()).toBe(0);
    expect(q.delayed()).toBe(1);
    await clock.advance(999);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
    expect(q.delayed()).toBe(0);
  });

  it('keeps the earlier of two schedules for one key', async () => {
    const clock = new FakeClock(0);
    const q = new DelayingQueue(clock);
    q.addAfter('ns/a', 5000);
    q.addAfter('ns/a', 100);
    q.addAfter('ns/a', 3000);
    await clock.advance(100);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('ns/a');
    q.done('ns/a');
    await clock.advance(10_000);
    expect(q.len()).toBe(0); // the later schedules were dropped, not kept
  });

  it('adds at once for a non-positive delay and cancels timers on shutdown', async () => {
    const clock = new FakeClock(0);
    const q = new DelayingQueue(clock);
    q.addAfter('ns/now', 0);
    expect(q.len()).toBe(1);
    q.addAfter('ns/later', 1000);
    q.shutdown();
    expect(clock.pending()).toBe(0);
  });
});

describe('rate limiters', () => {
  it.each([
    { name: 'first failure waits the base', failures: 1, expected: 5 },
    { name: 'doubles per failure', failures: 4, expected: 40 },
    { name: 'is capped', failures: 20, expected: 1000 },
  ])('exponential: $name', ({ failures, expected }) => {
    const l = exponentialRateLimiter(5, 1000);
    let last = 0;
    for (let i = 0; i < failures; i++) last = l.when('k');
    expect(last).toBe(expected);
    expect(l.numRequeues('k')).toBe(failures);
    expect(l.numRequeues('other')).toBe(0);
  });

  it('exponential: forget resets one key only', () => {
    const l = exponentialRateLimiter(10, 1000);
    l.when('a');
    l.when('a');
    l.when('b');
    l.forget('a');
    expect(l.when('a')).toBe(10);
    expect(l.when('b')).toBe(20);
  });

  it('token bucket: burst is free, then one token per 1/rate seconds, refilled by the clock', async () => {
    const clock = new FakeClock(0);
    const l = tokenBucketRateLimiter(10, 2, clock);
    expect(l.when('a')).toBe(0);
    expect(l.when('b')).toBe(0);
    expect(l.when('c')).toBe(100);
    expect(l.when('d')).toBe(200);
    await clock.advance(1000);
    expect(l.when('e')).toBe(0);
  });

  it('maxOf takes the longest delay and forgets in all', () => {
    const clock = new FakeClock(0);
    const l = maxOfRateLimiter(exponentialRateLimiter(1, 1000), tokenBucketRateLimiter(1, 1, clock));
    expect(l.when('a')).toBe(1); // bucket had a token
    expect(l.when('a')).toBe(1000); // bucket empty: 1 s beats 2 ms
    expect(l.numRequeues('a')).toBe(2);
    l.forget('a');
    expect(l.numRequeues('a')).toBe(0);
  });
});

describe('RateLimitingQueue', () => {
  it('retries a failing key with growing delays and resets after forget', async () => {
    const clock = new FakeClock(0);
    const q = new RateLimitingQueue(clock, exponentialRateLimiter(100, 10_000));
    expect(q.addRateLimited('ns/a')).toBe(100);
    await clock.advance(100);
    expect(await q.get()).toBe('ns/a');
    q.done('ns/a');
    expect(q.addRateLimited('ns/a')).toBe(200);
    expect(q.numRequeues('ns/a')).toBe(2);
    await clock.advance(199);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
    q.forget('ns/a');
    expect(q.numRequeues('ns/a')).toBe(0);
    expect(q.addRateLimited('ns/a')).toBe(100);
  });
});
