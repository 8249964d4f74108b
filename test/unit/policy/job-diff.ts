/**
 * A diff of two JSON values down to leaves, for asserting exactly what a modifier changed. Objects and
 * equally long arrays of objects are descended into (`a.b[0].c`); anything else that differs is one leaf.
 */
export type Changes = Record<string, [unknown, unknown]>;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function jsonDiff(a: unknown, b: unknown, at = '', out: Changes = {}): Changes {
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  if (isObject(a) && isObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) jsonDiff(a[k], b[k], at === '' ? k : `${at}.${k}`, out);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every(isObject) && b.every(isObject)) {
    a.forEach((x, i) => jsonDiff(x, b[i], `${at}[${i}]`, out));
    return out;
  }
  out[at] = [a, b];
  return out;
}
