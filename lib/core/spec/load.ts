/**
 * Loading a spec: bytes -> text -> TOML -> (legacy conversion) -> schema-checked SpecV1, with a position
 * index so every diagnostic, now or later in the pipeline, can name the line and column it is about.
 */
import * as TOML from '@iarna/toml';
import type { Diagnostic, SpecPath } from '../diagnostics';
import { SpecV1Schema, type SpecV1 } from '../../../crd-schemas/spec-v1';
import { SpecLegacySchema, isLegacyDocument } from '../../../crd-schemas/spec-legacy';
import { AliasedPositions, TomlPositions, redefinition, type PositionIndex } from './positions';
import { issuesToDiagnostics } from './schema-diagnostics';
import { convertLegacy } from './legacy';
import { decodeSpecText } from './text';
import { compileSchemaCheck } from './schema-check';
import { checkNesting } from './depth';

// Valid specs skip zod: its output would be a copy of the document. zod still explains every invalid one.
const isValidV1 = compileSchemaCheck(SpecV1Schema);

/** What to load: the file content, its path (for messages) and, for legacy files, the team. */
export interface LoadInput {
  text: string | Uint8Array;
  file: string;
  team?: string;
}

/** A loaded spec, or the diagnostics explaining why there is none. Diagnostics carry line:col. */
export type LoadResult =
  | { ok: true; spec: SpecV1; legacy: boolean; diagnostics: Diagnostic[]; positions: PositionIndex }
  | { ok: false; diagnostics: Diagnostic[]; legacy: boolean; positions?: PositionIndex };

/** Fills `line`/`col` of diagnostics that have a `path` and no position yet. */
export function resolvePositions(diagnostics: Diagnostic[], positions: PositionIndex | undefined): Diagnostic[] {
  if (!positions) return diagnostics;
  for (const d of diagnostics) {
    if (d.line === undefined && d.path) {
      const pos = positions.locate(d.path);
      if (pos) {
        d.line = pos.line;
        d.col = pos.col;
      }
    }
  }
  return diagnostics;
}

/** Loads one spec file. Pure: the caller reads the file. */
export function loadSpec(input: LoadInput): LoadResult {
  const { file } = input;
  const decoded = decodeSpecText(input.text, file);
  if (!decoded.ok) return { ok: false, legacy: false, diagnostics: [decoded.diagnostic] };
  const text = decoded.text;
  const tooDeep = checkNesting(text, file);
  if (tooDeep) return { ok: false, legacy: false, diagnostics: [tooDeep] };

  let doc: Record<string, unknown>;
  try {
    doc = TOML.parse(text) as Record<string, unknown>;
  } catch (err) {
    return { ok: false, legacy: false, diagnostics: [tomlError(err, file, text)] };
  }
  const positions = new TomlPositions(text);
  if (Object.keys(doc).length === 0) {
    return { ok: false, legacy: false, positions, diagnostics: [{ code: 'FILE_EMPTY', severity: 'error', file, line: 1, col: 1, message: 'the spec has no keys (only comments)' }] };
  }

  const reserved = reservedKeyDiagnostics(doc, file, positions);
  if (reserved.length > 0) return { ok: false, legacy: isLegacyDocument(doc), positions, diagnostics: reserved };

  if (isLegacyDocument(doc)) return loadLegacy(doc, file, input.team, positions);

  if (isValidV1(doc)) return { ok: true, spec: doc as SpecV1, legacy: false, diagnostics: [], positions };
  const parsed = SpecV1Schema.safeParse(doc, { reportInput: true });
  if (!parsed.success) {
    return { ok: false, legacy: false, positions, diagnostics: resolvePositions(issuesToDiagnostics(parsed.error.issues, SpecV1Schema, file), positions) };
  }
  return { ok: true, spec: parsed.data, legacy: false, diagnostics: [], positions };
}

function loadLegacy(doc: Record<string, unknown>, file: string, team: string | undefined, positions: TomlPositions): LoadResult {
  const parsed = SpecLegacySchema.safeParse(doc, { reportInput: true });
  if (!parsed.success) {
    return { ok: false, legacy: true, positions, diagnostics: resolvePositions(issuesToDiagnostics(parsed.error.issues, SpecLegacySchema, file), positions) };
  }
  const conv = convertLegacy(parsed.data, file, team);
  resolvePositions(conv.diagnostics, positions);
  const aliased = new AliasedPositions(positions, conv.aliases);
  if (!conv.spec) return { ok: false, legacy: true, positions: aliased, diagnostics: conv.diagnostics };
  return { ok: true, spec: conv.spec, legacy: true, diagnostics: conv.diagnostics, positions: aliased };
}

/**
 * `KEY_RESERVED` for every key `__proto__` in the document, wherever it is (env, meta, legacy task
 * groups, ...). The parser keeps it as a plain key, but any later copy by assignment would set an
 * object's prototype instead and drop the value silently, so it is refused at its position. Other
 * names of `Object.prototype` (`constructor`, `toString`, ...) are ordinary keys. The walk is
 * iterative; the nesting bound has been checked before parsing.
 */
function reservedKeyDiagnostics(doc: Record<string, unknown>, file: string, positions: PositionIndex): Diagnostic[] {
  const out: Diagnostic[] = [];
  const stack: Array<[unknown, SpecPath]> = [[doc, []]];
  while (stack.length > 0) {
    const [value, at] = stack.pop() as [unknown, SpecPath];
    if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push([v, [...at, i]]));
    } else if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
      for (const key of Object.keys(value)) {
        const path = [...at, key];
        if (key === '__proto__') {
          const pos = positions.locate(path);
          out.push({ code: 'KEY_RESERVED', severity: 'error', file, path, ...(pos ? { line: pos.line, col: pos.col } : {}), message: `\`__proto__\` cannot be a key${at.length > 0 ? ` of \`${formatPath(at)}\`` : ''}`, hint: 'rename the key' });
        } else stack.push([(value as Record<string, unknown>)[key], path]);
      }
    }
  }
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

/** `group[0].task[1].env` */
function formatPath(path: SpecPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** A TOML syntax error at the parser's position (for the errors it raises without one, found in `text`). */
function tomlError(err: unknown, file: string, text: string): Diagnostic {
  const e = err as { message?: string; line?: number; col?: number; pos?: number };
  let first = (e.message ?? String(err)).split('\n')[0].replace(/ at row \d+, col \d+, pos \d+:?$/, '');
  if (first.startsWith("Can't redefine existing key") && typeof e.pos === 'number') {
    // The parser names neither the key nor where it was first defined: the text says both.
    const dup = redefinition(text, e.pos);
    if (dup) {
      const at = lineColOf(text, dup.first);
      first = `Can't redefine existing key \`${dup.key}\` (first defined at line ${at.line}:${at.col})`;
    }
  }
  const d: Diagnostic = { code: 'TOML_SYNTAX', severity: 'error', file, message: first };
  const at = typeof e.line === 'number' && typeof e.col === 'number' ? { line: e.line + 1, col: e.col + 1 } : invalidDatetimeAt(text) ?? { line: 1, col: 1 };
  d.line = at.line;
  d.col = at.col;
  return d;
}

/** 1-based line and column of an offset in `text`. */
function lineColOf(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, col: offset - lineStart + 1 };
}

/** A date-time value as TOML writes one (the start of it is enough to try it alone). */
const DATETIME_VALUE = /=[ \t]*(\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?)?)/g;

/**
 * The first date-time value the parser refuses. @iarna/toml throws "Invalid Datetime" (a date such as
 * 2024-13-45) without a position; each date-time in the text is parsed alone to find it. Error path only.
 */
function invalidDatetimeAt(text: string): { line: number; col: number } | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    for (const m of lines[i].matchAll(DATETIME_VALUE)) {
      try {
        TOML.parse(`v = ${m[1]}`);
      } catch {
        return { line: i + 1, col: (m.index ?? 0) + m[0].length - m[1].length + 1 };
      }
    }
  }
  return undefined;
}

/** The team of a spec: the first folder of its path relative to the repo root; undefined at the root. */
export function teamFromPath(relativePath: string): string | undefined {
  const parts = relativePath.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  return parts.length >= 2 ? parts[0] : undefined;
}

