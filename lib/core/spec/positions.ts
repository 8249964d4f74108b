/**
 * Where every key of a TOML document is: a linear scanner over the text that records the offset of each key
 * path (tables, arrays of tables with their indexes, dotted keys, inline tables, array elements), so a
 * diagnostic found on the parsed object can point at the line the developer wrote.
 *
 * It only runs on text @iarna/toml has already accepted, so it can be lenient; it agrees with the parser on
 * structure (which table a key belongs to, which element of `[[group.task]]` is which). It scans lazily: a
 * valid spec never pays for positions.
 */
import type { SpecPath } from '../diagnostics';

/** A 1-based line and column. */
export interface Position {
  line: number;
  col: number;
}

/** Finds the source position of a spec path. */
export interface PositionIndex {
  /** The position of `path`'s key, or of its nearest ancestor that was written; undefined only for an empty index. */
  locate(path: SpecPath): Position | undefined;
}

const SEP = '\u001f';

/** The map key of a path. */
function keyOf(path: SpecPath): string {
  return path.join(SEP);
}

/** Positions of a TOML text, computed on first use. */
export class TomlPositions implements PositionIndex {
  private offsets: Map<string, number> | undefined;
  private lineStarts: number[] | undefined;

  constructor(private readonly text: string) {}

  /** See {@link PositionIndex.locate}. */
  locate(path: SpecPath): Position | undefined {
    const offsets = this.offsets ?? (this.offsets = scanToml(this.text));
    for (let n = path.length; n >= 0; n--) {
      const offset = offsets.get(keyOf(path.slice(0, n)));
      if (offset !== undefined) return this.position(offset);
    }
    return { line: 1, col: 1 };
  }

  /** True when the exact path was written in the text. */
  has(path: SpecPath): boolean {
    const offsets = this.offsets ?? (this.offsets = scanToml(this.text));
    return offsets.has(keyOf(path));
  }

  /** The 1-based line:col of a character offset. */
  position(offset: number): Position {
    const starts = this.lineStarts ?? (this.lineStarts = lineStartsOf(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo] + 1 };
  }
}

/** Offsets at which each line begins. */
function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** An index that maps some path prefixes to other ones before looking them up (legacy specs). */
export class AliasedPositions implements PositionIndex {
  constructor(private readonly inner: PositionIndex, private readonly aliases: ReadonlyArray<readonly [SpecPath, SpecPath]>) {}

  /** See {@link PositionIndex.locate}; the longest aliased prefix of `path` is rewritten first. */
  locate(path: SpecPath): Position | undefined {
    let best: readonly [SpecPath, SpecPath] | undefined;
    for (const alias of this.aliases) {
      const [from] = alias;
      if (from.length <= path.length && (!best || from.length > best[0].length) && from.every((s, i) => s === path[i])) best = alias;
    }
    return this.inner.locate(best ? [...best[1], ...path.slice(best[0].length)] : path);
  }
}

/** Scans TOML text and returns the offset of every key path it writes. */
export function scanToml(text: string): Map<string, number> {
  return new Scanner(text).run();
}

/** One definition of a key or table as written: its path, the key's text and where it starts. */
interface Definition {
  path: string;
  written: string;
  offset: number;
}

/**
 * For a "Can't redefine existing key" error the parser raised at `errorOffset`: the key redefined there (the
 * last definition before the error) as written, and the offsets of its first definition and of the
 * redefinition. Undefined when no earlier definition of that path is found. Error path only.
 */
export function redefinition(text: string, errorOffset: number): { key: string; first: number; again: number } | undefined {
  const defs: Definition[] = [];
  new Scanner(text, (d) => defs.push(d)).run();
  let again: Definition | undefined;
  for (const d of defs) if (d.offset <= errorOffset) again = d;
  if (!again) return undefined;
  const target = again;
  const first = defs.find((d) => d.path === target.path && d.offset < target.offset);
  return first ? { key: target.written, first: first.offset, again: target.offset } : undefined;
}

class Scanner {
  private i = 0;
  private readonly out = new Map<string, number>();
  private readonly arrayCounts = new Map<string, number>();

  /** `onDefine` hears every key and table header defined, duplicates included. */
  constructor(private readonly s: string, private readonly onDefine?: (d: Definition) => void) {}

  run(): Map<string, number> {
    let table: Array<string | number> = [];
    const s = this.s;
    while (this.i < s.length) {
      this.skipBlank();
      if (this.i >= s.length) break;
      const start = this.i;
      if (s[this.i] === '[') {
        const isArray = s[this.i + 1] === '[';
        this.i += isArray ? 2 : 1;
        const segs = this.readKey();
        const written = this.s.slice(start + (isArray ? 2 : 1), this.i).trim();
        this.skipTo('\n');
        table = this.resolveHeader(segs, isArray, start);
        this.onDefine?.({ path: keyOf(isArray ? table.slice(0, -1) : table), written, offset: start });
      } else {
        const segs = this.readKey();
        this.recordKey(table, segs, start);
        this.onDefine?.({ path: keyOf([...table, ...segs]), written: this.s.slice(start, this.i).trim(), offset: start });
        this.skipInline();
        if (s[this.i] === '=') this.i++;
        this.skipInline();
        this.value([...table, ...segs]);
        this.skipTo('\n');
      }
    }
    return this.out;
  }

  /** Records the dotted key `segs` under `base` and its intermediate tables, all at `offset`. */
  private recordKey(base: ReadonlyArray<string | number>, segs: string[], offset: number): void {
    const path = [...base];
    for (const seg of segs) {
      path.push(seg);
      const k = keyOf(path);
      if (!this.out.has(k)) this.out.set(k, offset);
    }
  }

  /** Resolves `[a.b]` / `[[a.b]]` to an indexed path, recording it. */
  private resolveHeader(segs: string[], isArray: boolean, offset: number): Array<string | number> {
    const path: Array<string | number> = [];
    segs.forEach((seg, n) => {
      path.push(seg);
      const k = keyOf(path);
      const last = n === segs.length - 1;
      if (last && isArray) {
        const count = this.arrayCounts.get(k) ?? 0;
        this.arrayCounts.set(k, count + 1);
        if (!this.out.has(k)) this.out.set(k, offset);
        path.push(count);
        this.out.set(keyOf(path), offset);
        return;
      }
      if (!this.out.has(k)) this.out.set(k, offset);
      const count = this.arrayCounts.get(k);
      if (count !== undefined) path.push(count - 1);
    });
    return path;
  }

  /** Reads a (possibly dotted, possibly quoted) key, stopping at `=`, `]` or end of line. */
  private readKey(): string[] {
    const s = this.s;
    const segs: string[] = [];
    for (;;) {
      this.skipInline();
      const c = s[this.i];
      if (c === '"') segs.push(this.basicString());
      else if (c === "'") {
        const end = s.indexOf("'", this.i + 1);
        segs.push(s.slice(this.i + 1, end));
        this.i = end + 1;
      } else {
        const start = this.i;
        while (this.i < s.length && isBareKeyChar(s.charCodeAt(this.i))) this.i++;
        segs.push(s.slice(start, this.i));
      }
      this.skipInline();
      if (s[this.i] === '.') this.i++;
      else return segs;
    }
  }

  /** Reads a "basic string" and returns its value (escapes decoded the JSON way, which TOML shares). */
  private basicString(): string {
    const s = this.s;
    const start = this.i;
    this.i++;
    while (this.i < s.length && s[this.i] !== '"') this.i += s[this.i] === '\\' ? 2 : 1;
    this.i++;
    const raw = s.slice(start, this.i);
    try {
      return JSON.parse(raw) as string;
    } catch {
      return raw.slice(1, -1);
    }
  }

  /** Skips one value, recording the keys of inline tables and the elements of arrays under `path`. */
  private value(path: Array<string | number>): void {
    const s = this.s;
    const c = s[this.i];
    if (c === '{') {
      this.i++;
      for (;;) {
        this.skipBlank();
        if (this.i >= s.length || s[this.i] === '}') break;
        const start = this.i;
        const segs = this.readKey();
        this.recordKey(path, segs, start);
        this.onDefine?.({ path: keyOf([...path, ...segs]), written: s.slice(start, this.i).trim(), offset: start });
        this.skipInline();
        if (s[this.i] === '=') this.i++;
        this.skipInline();
        this.value([...path, ...segs]);
        this.skipBlank();
        if (s[this.i] === ',') this.i++;
      }
      this.i++;
    } else if (c === '[') {
      this.i++;
      for (let n = 0; ; n++) {
        this.skipBlank();
        if (this.i >= s.length || s[this.i] === ']') break;
        path.push(n);
        this.out.set(keyOf(path), this.i);
        this.value(path);
        path.pop();
        this.skipBlank();
        if (s[this.i] === ',') this.i++;
      }
      this.i++;
    } else if (c === '"' || c === "'") {
      const triple = s.startsWith(c.repeat(3), this.i);
      if (triple) {
        let end = this.i + 3;
        for (;;) {
          if (c === '"' && s[end] === '\\') end += 2;
          else if (s.startsWith(c.repeat(3), end) || end >= s.length) break;
          else end++;
        }
        end += 3;
        while (s[end] === c) end++;
        this.i = end;
      } else if (c === '"') {
        this.i++;
        while (this.i < s.length && s[this.i] !== '"') this.i += s[this.i] === '\\' ? 2 : 1;
        this.i++;
      } else {
        this.i = s.indexOf("'", this.i + 1) + 1;
      }
    } else {
      while (this.i < s.length) {
        const ch = s[this.i];
        if (ch === ',' || ch === ']' || ch === '}' || ch === '\n' || ch === '#') break;
        this.i++;
      }
    }
  }

  /** Skips spaces and tabs. */
  private skipInline(): void {
    const s = this.s;
    while (s[this.i] === ' ' || s[this.i] === '\t') this.i++;
  }

  /** Skips whitespace, newlines and comments. */
  private skipBlank(): void {
    const s = this.s;
    for (;;) {
      const c = s[this.i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.i++;
      else if (c === '#') this.skipTo('\n');
      else return;
    }
  }

  /** Moves to the next line (past a trailing comment). */
  private skipTo(ch: string): void {
    const end = this.s.indexOf(ch, this.i);
    this.i = end === -1 ? this.s.length : end + 1;
  }
}

/** A-Z a-z 0-9 _ - */
function isBareKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}
