/**
 * Seeded randomness: the one deterministic generator behind retry jitter, the simulator's IDs and
 * choices, and the benchmark's specs, so a run under the same seed repeats exactly.
 */

/** A source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

/**
 * A deterministic uniform [0, 1) generator (mulberry32) for a 32-bit seed: same seed, same sequence.
 * @example const r = seededRandom(42); r(); r();
 */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
