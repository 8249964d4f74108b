import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as TOML from '@iarna/toml';
import { z } from 'zod';
import { SpecV1Schema } from '../../../crd-schemas/spec-v1';
import { compileSchemaCheck } from '../../../lib/core/spec/schema-check';
import { generateSpecs } from '../../../bench/spec-generator';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const check = compileSchemaCheck(SpecV1Schema);

function tomlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tomlFiles(p) : name.endsWith('.toml') ? [p] : [];
  });
}

/** The check's contract: true only when zod accepts the value and returns it unchanged. */
function expectAgreement(doc: unknown, label: string): boolean {
  const accepted = check(doc);
  if (accepted) {
    const parsed = SpecV1Schema.safeParse(doc);
    expect({ label, success: parsed.success }).toEqual({ label, success: true });
    expect(parsed.data).toEqual(doc);
  }
  return accepted;
}

const valid = () => ({
  name: 'app',
  tier: 'production',
  contact: 'a@example.com',
  group: [{ name: 'main', count: 2, task: [{ name: 'app', image: 'r/x:1', port: 8080, env: { A: '1' }, check: { type: 'http', path: '/' } }] }],
});

describe('compileSchemaCheck(SpecV1Schema)', () => {
  it('accepts every valid generated spec, and zod returns each unchanged', () => {
    for (const s of generateSpecs(500, 7)) expect(expectAgreement(TOML.parse(s.text), s.file)).toBe(true);
  });

  it('never accepts a fixture zod rejects, and accepts the ones zod returns unchanged', () => {
    const files = tomlFiles(FIXTURES);
    expect(files.length).toBeGreaterThan(40);
    let rejected = 0;
    for (const f of files) {
      let doc: unknown;
      try {
        doc = TOML.parse(readFileSync(f, 'utf8'));
      } catch {
        continue; // a TOML syntax fixture
      }
      if (!expectAgreement(doc, f)) rejected++;
      else expect(SpecV1Schema.safeParse(doc).success).toBe(true);
    }
    expect(rejected).toBeGreaterThan(10); // the invalid and legacy fixtures
  });

  it.each([
    ['an unknown key', (d: ReturnType<typeof valid>) => Object.assign(d, { nmae: 'x' })],
    ['an unknown nested key', (d: ReturnType<typeof valid>) => Object.assign(d.group[0].task[0], { imagee: 'x' })],
    ['a missing required key', (d: ReturnType<typeof valid>) => delete (d as Partial<typeof d>).contact],
    ['a wrong type', (d: ReturnType<typeof valid>) => Object.assign(d.group[0], { count: '2' })],
    ['a float for an integer', (d: ReturnType<typeof valid>) => Object.assign(d.group[0], { count: 1.5 })],
    ['an integer beyond the safe range', (d: ReturnType<typeof valid>) => Object.assign(d.group[0], { count: 2 ** 60 })],
    ['infinity', (d: ReturnType<typeof valid>) => Object.assign(d.group[0].task[0], { cpu: Infinity })],
    ['NaN', (d: ReturnType<typeof valid>) => Object.assign(d.group[0].task[0], { cpu: NaN })],
    ['a port below the minimum', (d: ReturnType<typeof valid>) => Object.assign(d.group[0].task[0], { port: 0 })],
    ['a port above the maximum', (d: ReturnType<typeof valid>) => Object.assign(d.group[0].task[0], { port: 65536 })],
    ['a value outside an enum', (d: ReturnType<typeof valid>) => Object.assign(d, { tier: 'staging' })],
    ['an empty array with a minimum length', (d: ReturnType<typeof valid>) => Object.assign(d.group[0], { task: [] })],
    ['an array where a table belongs', (d: ReturnType<typeof valid>) => Object.assign(d.group[0].task[0], { env: ['A=1'] })],
    ['a number in a string map', (d: ReturnType<typeof valid>) => Object.assign(d.group[0].task[0], { env: { A: 1 } })],
    ['null', (d: ReturnType<typeof valid>) => Object.assign(d, { meta: null })],
  ])('refuses %s, as zod does', (_label, mutate) => {
    const doc = valid();
    expect(check(doc)).toBe(true);
    mutate(doc);
    expect(check(doc)).toBe(false);
    expect(SpecV1Schema.safeParse(doc).success).toBe(false);
  });

  it.each([
    ['a date', () => new Date(0)],
    ['a class instance', () => new (class Http { expose = true; })()],
  ])('refuses %s where a table belongs, which zod would take as a table (stricter, never looser)', (_label, value) => {
    const doc = valid();
    Object.assign(doc.group[0].task[0], { http: value() });
    expect(SpecV1Schema.safeParse(doc).success).toBe(true);
    expect(check(doc)).toBe(false);
  });
});

describe('compileSchemaCheck', () => {
  it.each([
    ['a transform', z.strictObject({ a: z.string().transform((s) => s.length) })],
    ['a default', z.strictObject({ a: z.string().default('x') })],
    ['a refinement', z.strictObject({ a: z.string().refine((s) => s !== '') })],
    ['a string format', z.strictObject({ a: z.string().min(1) })],
    ['a non-strict object', z.object({ a: z.string() })],
    ['a union', z.strictObject({ a: z.union([z.string(), z.number()]) })],
  ])('refuses to compile a schema with %s, which it could not mirror', (_label, schema) => {
    expect(() => compileSchemaCheck(schema)).toThrow(/schema check: /);
  });
});
