/** Version ordering for the simulator's version gates (`1.4.0` < `1.10.3` < `2.0.0`). */

const memo = new Map<string, number>();

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`; pre-release suffixes are ignored. */
export function compareVersions(a: string, b: string): number {
  const key = `${a}\u0000${b}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const pa = a.replace(/^v/, '').split(/[-+]/)[0].split('.').map((x) => Number(x) || 0);
  const pb = b.replace(/^v/, '').split(/[-+]/)[0].split('.').map((x) => Number(x) || 0);
  let result = 0;
  for (let i = 0; i < Math.max(pa.length, pb.length) && result === 0; i++) result = (pa[i] ?? 0) - (pb[i] ?? 0);
  if (memo.size < 10_000) memo.set(key, result);
  return result;
}
