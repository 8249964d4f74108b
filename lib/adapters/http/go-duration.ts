/** Go duration strings (`300ms`, `1m30s`, `5m`) as used by Nomad's and Consul's `wait` and TTL parameters. */

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a Go duration string, or undefined when it is not one. `"0"` is 0. */
export function parseGoDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== s.length) return undefined;
  return total;
}

/** A Go duration string for whole milliseconds: 1500 -> `1500ms`, 30000 -> `30s`. */
export function formatGoDuration(ms: number): string {
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${Math.round(ms)}ms`;
}
