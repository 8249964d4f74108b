/**
 * A bound on how deep a spec may nest, checked on the text before parsing. The TOML parser, the
 * schema and the position scanner all recurse once per level of nesting, so a document of thousands
 * of nested arrays, inline tables or dotted key parts would exhaust the stack; such a document is
 * refused with `TOML_TOO_DEEP` at the character where it passes the bound. No real spec comes near it.
 */
import type { Diagnostic } from '../diagnostics';

/** Most arrays and inline tables open at once. */
export const MAX_NESTING = 64;
/** Most parts of one dotted key or table header (`a.b.c` has 3). */
export const MAX_KEY_PARTS = 64;

/**
 * The `TOML_TOO_DEEP` diagnostic of `text`, or undefined when it nests within the bounds. Linear and
 * lenient: strings and comments are skipped, `[`/`{` open a level except a table header at the start
 * of a line, and a run of key characters, quoted parts and dots counts its dots. Text that is not
 * valid TOML is left for the parser to explain.
 */
export function checkNesting(text: string, file: string): Diagnostic | undefined {
  let depth = 0;
  let dots = 0;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      lineStart = true;
      if (depth === 0) dots = 0;
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
    if (c === 0x23) {
      // # comment: to the end of the line
      const nl = text.indexOf('\n', i);
      i = (nl < 0 ? text.length : nl) - 1;
      continue;
    }
    if (c === 0x22 || c === 0x27) {
      // a quoted part of a key or a string value: skipped whole, it neither opens a level nor ends a key
      i = stringEnd(text, i) - 1;
      lineStart = false;
      continue;
    }
    const atLineStart = lineStart;
    lineStart = false;
    if (c === 0x5b && depth === 0 && atLineStart) {
      // [table] or [[array of tables]]: a key, not a level
      if (text.charCodeAt(i + 1) === 0x5b) i++;
      dots = 0;
      continue;
    }
    if (c === 0x5b || c === 0x7b) {
      depth++;
      dots = 0;
      if (depth > MAX_NESTING) return tooDeep(text, i, file, `arrays and inline tables nest deeper than ${MAX_NESTING} levels`);
      continue;
    }
    if (c === 0x5d || c === 0x7d) {
      if (depth > 0) depth--;
      dots = 0;
      continue;
    }
    if (c === 0x2e) {
      dots++;
      if (dots >= MAX_KEY_PARTS) return tooDeep(text, i, file, `a dotted key or table header has more than ${MAX_KEY_PARTS} parts`);
      continue;
    }
    if (!isBareKeyChar(c)) dots = 0;
  }
  return undefined;
}

/** The index just past the string starting at `i` (basic, literal, or their multi-line forms); the text's end when unterminated. */
function stringEnd(s: string, i: number): number {
  const q = s[i];
  const triple = s.startsWith(q.repeat(3), i);
  if (triple) {
    let j = i + 3;
    for (;;) {
      if (j >= s.length) return s.length;
      if (q === '"' && s[j] === '\\') j += 2;
      else if (s.startsWith(q.repeat(3), j)) {
        j += 3;
        while (s[j] === q) j++; // up to two quotes may close the content
        return j;
      } else j++;
    }
  }
  let j = i + 1;
  while (j < s.length && s[j] !== q && s[j] !== '\n') j += q === '"' && s[j] === '\\' ? 2 : 1;
  return Math.min(j + 1, s.length);
}

function tooDeep(text: string, offset: number, file: string, message: string): Diagnostic {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { code: 'TOML_TOO_DEEP', severity: 'error', file, line, col: offset - lineStart + 1, message, hint: 'a spec nests a few levels at most; flatten the structure' };
}

/** A-Z a-z 0-9 _ - */
function isBareKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}
