import * as TOML from '@iarna/toml';
import { loadSpec } from '../../../lib/core/spec/load';
import { checkNesting, MAX_KEY_PARTS, MAX_NESTING } from '../../../lib/core/spec/depth';
import { renderSpec } from '../../../lib/core/pipeline';
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';

const FILE = 'es/x/nomadgen.toml';
const HEAD = 'name = "x"\ntier = "test"\ncontact = "a@example.com"\n\n[[group]]\nname = "main"\n\n  [[group.task]]\n  name  = "x"\n  image = "registry.internal/acme/x:1.0.0"\n';
const env = { config: defaultOperatorConfig(), policy: defaultPolicy() };

/** The first error's code and file:line:col. */
function firstError(text: string): [string, string] | undefined {
  const r = loadSpec({ text, file: FILE, team: 'es' });
  const d = r.diagnostics.find((x) => x.severity === 'error');
  return d ? [d.code, `${d.file}:${d.line}:${d.col}`] : undefined;
}

describe('deep nesting', () => {
  it.each([
    ['10,000 nested arrays', `${HEAD}  args = ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`, 11, 74],
    ['10,000 nested inline tables', `${HEAD}  env = ${'{a='.repeat(10_000)}"v"${'}'.repeat(10_000)}\n`, 11, 201],
    ['a dotted key of 10,000 parts', `${HEAD}  ${Array(10_000).fill('a').join('.')} = 1\n`, 11, 130],
    ['a table header of 10,000 parts', `${HEAD}[${Array(10_000).fill('a').join('.')}]\nx = 1\n`, 11, 129],
  ])('%s is TOML_TOO_DEEP at the 65th level or part', (_, text, line, col) => {
    expect(firstError(text)).toEqual(['TOML_TOO_DEEP', `${FILE}:${line}:${col}`]);
  });

  it('up to the bound the spec is parsed and explained as usual', () => {
    const text = `${HEAD}  args = ${'['.repeat(MAX_NESTING)}${']'.repeat(MAX_NESTING)}\n  ${Array(MAX_KEY_PARTS).fill('a').join('.')} = 1\n`;
    expect(checkNesting(text, FILE)).toBeUndefined();
    expect(() => TOML.parse(text)).not.toThrow();
    expect(firstError(text)?.[0]).toMatch(/^SCHEMA_|^UNKNOWN_KEY$/);
  });

  it('brackets, braces and dots inside strings and comments do not count', () => {
    const deep = '['.repeat(500);
    const text = `${HEAD}  args = ["${deep}", '${deep}', """\n${deep}\n""", '''${'.'.repeat(500)}''']  # ${deep}\n  env = { "a.b.c" = "${'{'.repeat(500)}" }\n`;
    expect(checkNesting(text, FILE)).toBeUndefined();
    expect(loadSpec({ text, file: FILE, team: 'es' }).ok).toBe(true);
  });

  it('the operator render of a too-deep spec is an invalid spec, not a thrown error', () => {
    const r = renderSpec({ text: `${HEAD}  args = ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`, file: FILE, team: 'es' }, env);
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0].code).toBe('TOML_TOO_DEEP');
  });
});

describe('keys named like Object.prototype members', () => {
  it('`__proto__` in env or meta is KEY_RESERVED at its position, never dropped silently', () => {
    const text = `${HEAD}  env = { A = "1", __proto__ = "x" }\n  meta = { "__proto__" = "m" }\n`;
    const r = loadSpec({ text, file: FILE, team: 'es' });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => [d.code, d.line, d.col, d.message])).toEqual([
      ['KEY_RESERVED', 11, 20, '`__proto__` cannot be a key of `group[0].task[0].env`'],
      ['KEY_RESERVED', 12, 12, '`__proto__` cannot be a key of `group[0].task[0].meta`'],
    ]);
  });

  it('constructor, toString, hasOwnProperty and valueOf are ordinary env and meta keys, kept with their values', () => {
    const text = `${HEAD}  env = { constructor = "c", toString = "t", hasOwnProperty = "h", valueOf = "v" }\n  meta = { constructor = "mc", toString = "mt" }\n`;
    const r = renderSpec({ text, file: FILE, team: 'es' }, env);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const task = r.job?.TaskGroups?.[0].Tasks?.[0];
    expect(task?.Env).toMatchObject({ constructor: 'c', toString: 't', hasOwnProperty: 'h', valueOf: 'v' });
    expect(task?.Meta).toMatchObject({ constructor: 'mc', toString: 'mt' });
  });

  const LEGACY = 'job = "t-es-leg"\ncontact = "a@example.com"\n';
  it.each([
    ['a group named constructor and tasks under toString', `${LEGACY}[[taskgroup]]\nname = "constructor"\n\n[[task.toString]]\nname = "a"\nimage = "registry.internal/a/b:1.0"\n`, [['LEGACY_NO_TASKS', 3, 1], ['LEGACY_UNKNOWN_GROUP', 6, 1]]],
    ['a group named hasOwnProperty with its tasks', `${LEGACY}[[taskgroup]]\nname = "hasOwnProperty"\n\n[[task.hasOwnProperty]]\nname = "a"\nimage = "registry.internal/a/b:1.0"\n`, []],
    ['tasks under __proto__', `${LEGACY}[[taskgroup]]\nname = "__proto__"\n\n[[task.__proto__]]\nname = "a"\nimage = "registry.internal/a/b:1.0"\n`, [['KEY_RESERVED', 6, 1]]],
  ])('legacy: %s is explained, not a crash', (_, text, errors) => {
    const r = loadSpec({ text, file: FILE, team: 'es' });
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.line, d.col])).toEqual(errors);
  });
});
