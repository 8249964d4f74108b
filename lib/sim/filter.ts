/**
 * A small go-bexpr subset for `?filter=`: selectors (`ID`, `Meta["k"]`, `Meta.k`, `Service.Tags`), string or
 * number literals, `==`, `!=`, `contains`, `not contains`, `in`, `not in`, `matches`, `is empty`,
 * `is not empty`, combined with `and`, `or`, `not` and parentheses.
 */

/** A compiled filter. */
export type Predicate = (item: unknown) => boolean;

type Tok = { t: 'sel' | 'str' | 'num' | 'op' | 'kw' | 'lp' | 'rp'; v: string };

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(') {
      toks.push({ t: 'lp', v: c });
      i++;
    } else if (c === ')') {
      toks.push({ t: 'rp', v: c });
      i++;
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      let out = '';
      while (j < src.length && src[j] !== c) {
        if (c === '"' && src[j] === '\\' && j + 1 < src.length) j++;
        out += src[j++];
      }
      if (j >= src.length) throw new Error('unterminated string');
      toks.push({ t: 'str', v: out });
      i = j + 1;
    } else if (src.startsWith('==', i) || src.startsWith('!=', i)) {
      toks.push({ t: 'op', v: src.slice(i, i + 2) });
      i += 2;
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i));
      if (!m) throw new Error(`unexpected ${c}`);
      toks.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < src.length) {
        if (/[A-Za-z0-9_.\-/]/.test(src[j])) j++;
        else if (src[j] === '[') {
          const close = src.indexOf(']', j);
          if (close < 0) throw new Error('unterminated [');
          j = close + 1;
        } else break;
      }
      const word = src.slice(i, j);
      const lower = word.toLowerCase();
      if (['and', 'or', 'not', 'in', 'contains', 'is', 'empty', 'matches'].includes(lower)) toks.push({ t: 'kw', v: lower });
      else toks.push({ t: 'sel', v: word });
      i = j;
    } else {
      throw new Error(`unexpected character ${JSON.stringify(c)}`);
    }
  }
  return toks;
}

/** A selector's segments; `indexed` when the last one is written as an index (`Meta["k"]`): a map key. */
interface SelectorPath {
  parts: string[];
  indexed: boolean;
}

function selectorPath(sel: string): SelectorPath {
  const parts: string[] = [];
  let indexed = false;
  const re = /([^.[\]]+)|\["([^"]*)"\]|\[`([^`]*)`\]|\[([^\]]*)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(sel))) {
    parts.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
    indexed = m[1] === undefined;
  }
  return { parts, indexed };
}

/** A selector that names nothing in the item, in strict mode. */
export class MissingSelectorError extends Error {}

/** The value of a map key the map lacks, in strict mode: each operator answers it without reading a value. */
const NOT_PRESENT: unique symbol = Symbol('not present');

/**
 * The value `path` names in `item`. Strict: a missing field is a MissingSelectorError, except a missing
 * last key written as an index (`Meta["k"]`, of a map, or of a null map) which is NOT_PRESENT. go-bexpr
 * (from v0.1.12) decides by the parent's kind: evaluate.go `getValue` answers "not present" when
 * `evaluateNotPresent` finds the parent of the missing leaf is a map, and an error otherwise. Plain JSON
 * does not tell a map from a struct, so the index syntax stands for "a map" here.
 */
function lookupIn(item: unknown, path: SelectorPath, strict: boolean): unknown {
  let cur: unknown = item;
  const last = path.parts.length - 1;
  for (const [i, p] of path.parts.entries()) {
    if (cur === null || cur === undefined || typeof cur !== 'object' || (strict && !Object.prototype.hasOwnProperty.call(cur, p))) {
      if (strict && i === last && path.indexed && (cur === null || (typeof cur === 'object' && !Array.isArray(cur)))) return NOT_PRESENT;
      if (strict) throw new MissingSelectorError(`error finding value in datum: couldn't find key ${JSON.stringify(p)}`);
      return undefined;
    }
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function asText(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

/** How `compileFilter` treats a selector missing from an item. */
export interface FilterOptions {
  /**
   * Read a selector as go-bexpr does when its evaluator is made without `WithUnknownValue` (Nomad's
   * paginator makes it so, nomad/state/paginator/paginator.go `NewPaginator`): a missing field throws
   * MissingSelectorError; a key missing from a map (`Meta["k"]`) is "not present", which each operator
   * answers by go-bexpr's grammar/ast.go `MatchOperator.NotPresentDisposition`: `==`, `in`, `contains`,
   * `matches`, `is not empty` false; `!=`, `not in`, `not contains`, `not matches`, `is empty` true.
   * Without strict, a missing selector reads as the empty string.
   */
  strict?: boolean;
}

/** Compiles `expr`; throws an Error describing the first syntax problem. */
export function compileFilter(expr: string, opts: FilterOptions = {}): Predicate {
  const strict = opts.strict === true;
  const lookup = (item: unknown, path: SelectorPath): unknown => lookupIn(item, path, strict);
  const toks = tokenize(expr);
  let pos = 0;
  const peek = (): Tok | undefined => toks[pos];
  const take = (): Tok => {
    const t = toks[pos++];
    if (!t) throw new Error('unexpected end of expression');
    return t;
  };
  const isKw = (v: string): boolean => peek()?.t === 'kw' && peek()?.v === v;

  const value = (): string => {
    const t = take();
    if (t.t !== 'str' && t.t !== 'num' && t.t !== 'sel') throw new Error(`expected a value, got ${t.v}`);
    return t.v;
  };

  const comparison = (): Predicate => {
    const t = take();
    if (t.t === 'str' || t.t === 'num') {
      let neg = false;
      if (isKw('not')) {
        take();
        neg = true;
      }
      if (!isKw('in')) throw new Error('expected "in" after a value');
      take();
      const sel = take();
      if (sel.t !== 'sel') throw new Error('expected a selector after "in"');
      const path = selectorPath(sel.v);
      const needle = t.v;
      return (item) => {
        const hay = lookup(item, path);
        if (hay === NOT_PRESENT) return neg;
        let found = false;
        if (Array.isArray(hay)) found = hay.map(asText).includes(needle);
        else if (hay && typeof hay === 'object') found = Object.prototype.hasOwnProperty.call(hay, needle);
        else if (typeof hay === 'string') found = hay.includes(needle);
        return neg ? !found : found;
      };
    }
    if (t.t !== 'sel') throw new Error(`expected a selector, got ${t.v}`);
    const path = selectorPath(t.v);
    const next = take();
    if (next.t === 'op') {
      const rhs = value();
      const equal = (v: unknown): boolean | undefined => (v === NOT_PRESENT ? undefined : asText(v) === rhs);
      return next.v === '==' ? (item) => equal(lookup(item, path)) === true : (item) => equal(lookup(item, path)) !== true;
    }
    if (next.t === 'kw' && next.v === 'is') {
      let neg = false;
      if (isKw('not')) {
        take();
        neg = true;
      }
      const e = take();
      if (e.v !== 'empty') throw new Error('expected "empty"');
      return (item) => {
        const v = lookup(item, path);
        const empty = v === NOT_PRESENT || v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
        return neg ? !empty : empty;
      };
    }
    let neg = false;
    let op = next;
    if (op.t === 'kw' && op.v === 'not') {
      neg = true;
      op = take();
    }
    if (op.t === 'kw' && op.v === 'contains') {
      const rhs = value();
      return (item) => {
        const v = lookup(item, path);
        if (v === NOT_PRESENT) return neg;
        const found = Array.isArray(v) ? v.map(asText).includes(rhs) : v && typeof v === 'object' ? Object.prototype.hasOwnProperty.call(v, rhs) : asText(v).includes(rhs);
        return neg ? !found : found;
      };
    }
    if (op.t === 'kw' && op.v === 'matches') {
      const re = new RegExp(value());
      return (item) => {
        const v = lookup(item, path);
        return v === NOT_PRESENT ? neg : re.test(asText(v)) !== neg;
      };
    }
    throw new Error(`unexpected ${op.v}`);
  };

  const unary = (): Predicate => {
    if (isKw('not')) {
      take();
      const inner = unary();
      return (item) => !inner(item);
    }
    if (peek()?.t === 'lp') {
      take();
      const inner = orExpr();
      if (take().t !== 'rp') throw new Error('expected )');
      return inner;
    }
    return comparison();
  };

  const andExpr = (): Predicate => {
    let left = unary();
    while (isKw('and')) {
      take();
      const l = left;
      const r = unary();
      left = (item) => l(item) && r(item);
    }
    return left;
  };

  const orExpr = (): Predicate => {
    let left = andExpr();
    while (isKw('or')) {
      take();
      const l = left;
      const r = andExpr();
      left = (item) => l(item) || r(item);
    }
    return left;
  };

  if (toks.length === 0) throw new Error('empty expression');
  const pred = orExpr();
  if (pos < toks.length) throw new Error(`unexpected ${toks[pos].v}`);
  return pred;
}
