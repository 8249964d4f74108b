/**
 * A fast acceptance check compiled from a structural zod schema. Most specs are valid, and for a valid
 * spec zod's only product is a copy of its input; the check answers "would zod accept this unchanged?"
 * without building that copy or any issue objects, so the loader can skip zod for valid specs and still
 * ask zod for the diagnostics of the rest.
 *
 * The contract is one-sided: `check(x)` true means the schema accepts `x` and its output is structurally
 * equal to `x`. False means only "ask the schema". The check may be stricter than the schema (it refuses
 * dates, class instances and other exotic objects outright), never looser. It is compiled from the
 * schema's own definition, so the two cannot drift; a schema feature the compiler does not know (a
 * transform, a default, a refinement, a string format) is a compile-time error, not a silent pass.
 */
import type { z } from 'zod';

/** A compiled check: true only when the schema accepts the value and would return it unchanged. */
export type SchemaCheck = (value: unknown) => boolean;

type Schema = z.core.$ZodType;
type Check = z.core.$ZodCheck;

/** Compiles `schema` (strict objects, records of strings, arrays, enums, strings, integers, numbers, booleans, optionals). */
export function compileSchemaCheck(schema: Schema): SchemaCheck {
  return compile(schema, '(root)');
}

function compile(schema: Schema, where: string): SchemaCheck {
  const def = schema._zod.def;
  switch (def.type) {
    case 'string':
      noChecks(def.checks, where);
      return (v) => typeof v === 'string';
    case 'boolean':
      noChecks(def.checks, where);
      return (v) => typeof v === 'boolean';
    case 'number':
      return numberCheck(def.checks ?? [], where);
    case 'enum': {
      const allowed = new Set<unknown>(Object.values((def as z.core.$ZodEnumDef).entries));
      noChecks(def.checks, where);
      return (v) => allowed.has(v);
    }
    case 'optional': {
      const inner = compile((def as z.core.$ZodOptionalDef).innerType, where);
      return (v) => v === undefined || inner(v);
    }
    case 'array':
      return arrayCheck(def as z.core.$ZodArrayDef, where);
    case 'record':
      return recordCheck(def as z.core.$ZodRecordDef, where);
    case 'object':
      return objectCheck(def as z.core.$ZodObjectDef, where);
    default:
      throw new Error(`schema check: ${where} has a ${def.type} schema, which the check cannot mirror`);
  }
}

function noChecks(checks: readonly Check[] | undefined, where: string): void {
  if (checks && checks.length > 0) throw new Error(`schema check: ${where} has refinements the check cannot mirror`);
}

function numberCheck(checks: readonly Check[], where: string): SchemaCheck {
  let integer = false;
  let min = -Infinity;
  let max = Infinity;
  let minInclusive = true;
  let maxInclusive = true;
  for (const c of checks) {
    const d = c._zod.def as { check: string; format?: string; value?: unknown; inclusive?: boolean };
    if (d.check === 'number_format' && d.format === 'safeint') integer = true;
    else if (d.check === 'greater_than' && typeof d.value === 'number') {
      min = d.value;
      minInclusive = d.inclusive === true;
    } else if (d.check === 'less_than' && typeof d.value === 'number') {
      max = d.value;
      maxInclusive = d.inclusive === true;
    } else throw new Error(`schema check: ${where} has a number check (${d.check}) the check cannot mirror`);
  }
  return (v) =>
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (!integer || Number.isSafeInteger(v)) &&
    (minInclusive ? v >= min : v > min) &&
    (maxInclusive ? v <= max : v < max);
}

function arrayCheck(def: z.core.$ZodArrayDef, where: string): SchemaCheck {
  let minLength = 0;
  for (const c of def.checks ?? []) {
    const d = c._zod.def as { check: string; minimum?: unknown };
    if (d.check === 'min_length' && typeof d.minimum === 'number') minLength = d.minimum;
    else throw new Error(`schema check: ${where} has an array check (${d.check}) the check cannot mirror`);
  }
  const element = compile(def.element, `${where}[]`);
  return (v) => {
    if (!Array.isArray(v) || v.length < minLength) return false;
    for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
    return true;
  };
}

/** A plain table: what a TOML parser produces for `[table]` and `{ inline }`; dates and instances are refused. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function recordCheck(def: z.core.$ZodRecordDef, where: string): SchemaCheck {
  noChecks(def.checks, where);
  if (def.keyType._zod.def.type !== 'string' || (def.keyType._zod.def.checks?.length ?? 0) > 0) {
    throw new Error(`schema check: ${where} is a record whose keys are not plain strings`);
  }
  const value = compile(def.valueType, `${where}.*`);
  return (v) => {
    if (!isPlainObject(v)) return false;
    for (const k of Object.keys(v)) if (k === '__proto__' || !value(v[k])) return false;
    return true;
  };
}

function objectCheck(def: z.core.$ZodObjectDef, where: string): SchemaCheck {
  noChecks(def.checks, where);
  if (def.catchall?._zod.def.type !== 'never') throw new Error(`schema check: ${where} is not a strict object`);
  const fields = new Map<string, { check: SchemaCheck; optional: boolean }>();
  for (const [key, field] of Object.entries(def.shape)) {
    fields.set(key, { check: compile(field, where === '(root)' ? key : `${where}.${key}`), optional: field._zod.def.type === 'optional' });
  }
  const required = [...fields].filter(([, f]) => !f.optional).map(([k]) => k);
  return (v) => {
    if (!isPlainObject(v)) return false;
    for (const k of required) if (!Object.hasOwn(v, k)) return false;
    for (const k of Object.keys(v)) {
      const field = fields.get(k);
      if (field === undefined || !field.check(v[k])) return false;
    }
    return true;
  };
}
