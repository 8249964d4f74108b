/**
 * Durations as the spec and the config write them ("90s", "5m", "1h30m", "250ms") and as Nomad's API
 * wants them (integer nanoseconds), and back to the shortest string for HCL.
 */
import type { Nanos } from '../nomad/types';

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const PART = /(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/y;

// Specs repeat a handful of durations ("10s", "2s", "90s"), and every check reads each twice (policy and
// generator); the cache is bounded because the texts come from users.
const parsed = new Map<string, Nanos | undefined>();
const PARSED_LIMIT = 1024;

/** Parses a Go-style duration ("1h30m", "90s"); undefined when the text is not one. */
export function parseDuration(text: string): Nanos | undefined {
  let n = parsed.get(text);
  if (n === undefined && !parsed.has(text)) {
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    parsed.set(text, (n = parseUncached(text)));
  }
  return n;
}

function parseUncached(text: string): Nanos | undefined {
  if (text === '' || text === '0') return text === '0' ? 0 : undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const m = PART.exec(text);
    if (!m || m.index !== start) return undefined;
    total += Number(m[1]) * UNIT_NS[m[2]];
  }
  return Math.round(total);
}

const UNITS: ReadonlyArray<readonly [string, number]> = [['h', 3600e9], ['m', 60e9], ['s', 1e9], ['ms', 1e6], ['us', 1e3], ['ns', 1]];

/** Nanoseconds as the shortest Go-style duration string: 90e9 -> "90s", 3.6e12 -> "1h", 0 -> "0s". */
export function formatDuration(ns: Nanos): string {
  if (ns === 0) return '0s';
  if (ns % 1e9 === 0 && ns < 60e9) return `${ns / 1e9}s`;
  let rest = ns;
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
