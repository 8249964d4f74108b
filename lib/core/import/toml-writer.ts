/**
 * A small TOML writer for specs: strings as basic strings (every control character escaped, so a hostile
 * value stays on its line), integers, booleans, arrays and inline tables, keys bare when they may be.
 */

/** A value the writer prints. */
export type TomlValue = string | number | boolean | TomlValue[] | { [key: string]: TomlValue };

/** A TOML basic string whose value is exactly `s`. */
export function tomlString(s: string): string {
  // JSON's escapes are TOML's; JSON leaves DEL and the line/paragraph separators raw, TOML needs DEL escaped.
  return JSON.stringify(s).replace(/\u007f/g, '\\u007F');
}

/** A key: bare when it is letters, digits, "_" and "-", else quoted. */
export function tomlKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k);
}

/** One value on one line. */
export function tomlValue(v: TomlValue): string {
  if (typeof v === 'string') return tomlString(v);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`not an integer: ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(', ')}]`;
  const entries = Object.entries(v);
  return entries.length === 0 ? '{}' : `{ ${entries.map(([k, x]) => `${tomlKey(k)} = ${tomlValue(x)}`).join(', ')} }`;
}

/** A comment line: control characters become spaces, so the text cannot end the comment. */
export function tomlComment(text: string, indent = ''): string {
  return `${indent}# ${Array.from(text, (c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? ' ' : c)).join('')}`;
}

/** `key = value` lines with the keys padded to one column, as specs are written by hand. */
export function tomlLines(pairs: ReadonlyArray<readonly [string, TomlValue | undefined]>, indent = ''): string[] {
  const present = pairs.filter((p): p is readonly [string, TomlValue] => p[1] !== undefined);
  const width = Math.max(0, ...present.map(([k]) => tomlKey(k).length));
  return present.map(([k, v]) => `${indent}${tomlKey(k).padEnd(width)} = ${tomlValue(v)}`);
}
