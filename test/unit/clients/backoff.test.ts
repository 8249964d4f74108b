import { backoffCeiling, backoffDelay } from '../../../lib/adapters/http/backoff';
import { seededRandom } from '../../../lib/runtime/random';

describe('backoff', () => {
  const policy = { baseMs: 100, capMs: 1000 };

  it.each([
    [0, 100],
    [1, 200],
    [2, 400],
    [3, 800],
    [4, 1000],
    [10, 1000],
  ])('retry %i has ceiling %i (capped exponential)', (retry, ceiling) => {
    expect(backoffCeiling(retry, policy)).toBe(ceiling);
    expect(backoffDelay(retry, policy, () => 0.999999)).toBe(ceiling - 1);
    expect(backoffDelay(retry, policy, () => 0)).toBe(0);
  });

  it('draws full jitter uniformly below the ceiling', () => {
    const r = seededRandom(7);
    const delays = Array.from({ length: 2000 }, () => backoffDelay(3, policy, r));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(800);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThan(350);
    expect(mean).toBeLessThan(450);
  });

  it('seeded random is deterministic per seed and differs between seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const sa = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(sa);
    expect([c(), c(), c()]).not.toEqual(sa);
    for (const x of sa) expect(x >= 0 && x < 1).toBe(true);
  });
});
