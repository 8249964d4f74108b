/**
 * Seeded randomness: every identifier and every random choice the simulator makes comes from one PRNG, so a
 * run under the same seed and the same requests produces the same IDs, placements and faults.
 */
import { seededRandom, type RandomSource } from '../runtime/random';

/** A deterministic pseudo-random source (mulberry32) with helpers for IDs and choices. */
export class Prng {
  /** A float in [0, 1). */
  readonly next: RandomSource;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A UUID-shaped (8-4-4-4-12 hex) identifier, as Nomad and Consul print theirs. */
  uuid(): string {
    let hex = '';
    for (let i = 0; i < 4; i++) hex += Math.floor(this.next() * 0x100000000).toString(16).padStart(8, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  }
}
