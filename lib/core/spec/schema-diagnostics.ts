/**
 * zod issues -> nomadguard diagnostics: a stable code, a sentence naming the key the way the developer wrote
 * it (`group[0].task[1].cpu`), a "did you mean" hint for misspelt keys and enum values, and the path the
 * loader turns into line:col.
 */
import { z } from 'zod';
import type { Diagnostic, SpecPath } from '../diagnostics';
import { didYouMean } from './suggest';
import { isSecretKey } from '../plan/compare';

/** The zod issue type. */
export type Issue = z.core.$ZodIssue;

/** `['group', 0, 'task', 1, 'cpu']` -> `group[0].task[1].cpu`; `[]` -> `(top level)`. */
export function formatPath(path: SpecPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out === '' ? '(top level)' : out;
}

/** Keys whose values (at any depth below them) are secret: environment, meta maps, Vault paths, templates. */
const SECRET_CONTAINERS: ReadonlySet<string> = new Set(['env', 'meta', 'secrets', 'template', 'templates']);

/**
 * True when the value at `path` may be secret and must never be quoted: the path runs through `env`, a `meta`
 * map, `secrets` or a template, or one of its keys is secret-named (`isSecretKey`, the rule diffs use too).
 */
export function isSecretPath(path: SpecPath): boolean {
  for (const seg of path) {
    if (typeof seg !== 'string') continue;
    if (SECRET_CONTAINERS.has(seg.toLowerCase()) || isSecretKey(seg)) return true;
  }
  return false;
}

/**
 * Describes a received value for a type error: "a string", "an integer", "a table". The value itself is
 * quoted only when `secret` is false.
 */
export function describeValue(value: unknown, secret = false): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (secret) return typeof value === 'number' ? (Number.isInteger(value) ? 'an integer' : 'a float') : typeof value === 'object' ? 'a table' : `a ${typeof value}`;
  switch (typeof value) {
    case 'string': return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
    case 'number': return Number.isInteger(value) ? `an integer (${value})` : `a float (${value})`;
    case 'boolean': return `a boolean (${value})`;
    case 'object': return 'a table';
    default: return typeof value;
  }
}

const EXPECTED: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'an integer', boolean: 'a boolean (true or false)',
  object: 'a table', array: 'an array', record: 'a table of strings',
};

/** The schema found by following `path` from `schema` (through optionals, arrays, records). */
export function schemaAt(schema: z.ZodType, path: SpecPath): z.ZodType | undefined {
  let cur: z.ZodType | undefined = unwrap(schema);
  for (const seg of path) {
    if (!cur) return undefined;
    if (cur instanceof z.ZodObject && typeof seg === 'string') cur = (cur.shape as Record<string, z.ZodType>)[seg];
    else if (cur instanceof z.ZodArray && typeof seg === 'number') cur = cur.element as z.ZodType;
    else if (cur instanceof z.ZodRecord && typeof seg === 'string') cur = cur.valueType as z.ZodType;
    else return undefined;
    cur = cur ? unwrap(cur) : undefined;
  }
  return cur;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let cur = schema;
  while (cur instanceof z.ZodOptional || cur instanceof z.ZodDefault || cur instanceof z.ZodNullable) cur = cur.unwrap() as z.ZodType;
  return cur;
}

/** The keys an object schema at `path` accepts. */
export function keysAt(schema: z.ZodType, path: SpecPath): string[] {
  const s = schemaAt(schema, path);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** Converts every zod issue to diagnostics (one per unknown key), with `path` set and no position yet. */
export function issuesToDiagnostics(issues: readonly Issue[], schema: z.ZodType, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const path = issue.path as Array<string | number>;
    const where = formatPath(path);
    const secret = isSecretPath(path);
    const got = (v: unknown): string => describeValue(v, secret);
    const base = { severity: 'error' as const, file, path };
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = keysAt(schema, path);
        for (const key of issue.keys) {
          const guess = didYouMean(key, known);
          out.push({
            ...base,
            code: 'UNKNOWN_KEY',
            path: [...path, key],
            message: `unknown key \`${key}\` in ${path.length === 0 ? 'the spec' : `\`${where}\``}`,
            hint: guess ? `did you mean \`${guess}\`?` : `known keys: ${known.join(', ')}`,
          });
        }
        break;
      }
      case 'invalid_type':
      case 'invalid_value': {
        if (issue.input === undefined) {
          const expected = issue.code === 'invalid_type' ? EXPECTED[issue.expected] ?? issue.expected : `one of ${issue.values.map((v) => `"${String(v)}"`).join(', ')}`;
          const key = path[path.length - 1];
          const parent = path.slice(0, -1);
          out.push({ ...base, code: 'SCHEMA_REQUIRED', message: `missing required key \`${String(key)}\` (${expected}) in ${parent.length === 0 ? 'the spec' : `\`${formatPath(parent)}\``}` });
        } else if (issue.code === 'invalid_type') {
          const expected = EXPECTED[issue.expected] ?? issue.expected;
          out.push({ ...base, code: 'SCHEMA_TYPE', message: `\`${where}\` must be ${expected}, got ${got(issue.input)}` });
        } else {
          const values = issue.values.map((v) => String(v));
          const guess = typeof issue.input === 'string' && !secret ? didYouMean(issue.input, values) : undefined;
          out.push({ ...base, code: 'SCHEMA_ENUM', message: `\`${where}\` must be one of ${values.map((v) => `"${v}"`).join(', ')}, got ${got(issue.input)}`, ...(guess ? { hint: `did you mean "${guess}"?` } : {}) });
        }
        break;
      }
      case 'too_small':
      case 'too_big': {
        const bound = issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
        const what = issue.origin === 'array' ? `\`${where}\` needs ${bound} ${issue.code === 'too_small' && issue.minimum === 1 ? 'entry' : 'entries'}` : `\`${where}\` must be ${bound}, got ${got(issue.input)}`;
        out.push({ ...base, code: 'SCHEMA_RANGE', message: what });
        break;
      }
      case 'invalid_union':
        out.push({ ...base, code: 'SCHEMA_TYPE', message: `\`${where}\` has the wrong type: got ${got(issue.input)}` });
        break;
      case 'invalid_format':
        out.push({ ...base, code: 'SCHEMA_FORMAT', message: `\`${where}\`: ${issue.message}` });
        break;
      default:
        out.push({ ...base, code: 'SCHEMA_INVALID', message: `\`${where}\`: ${issue.message}` });
    }
  }
  return out;
}
