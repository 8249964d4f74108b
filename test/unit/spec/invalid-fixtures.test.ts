import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../../lib/core/spec/load';

const DIR = join(__dirname, '..', '..', 'fixtures', 'bad');

/** Loader-level fixtures of test/fixtures/bad: the loader alone reports exactly one error, with this code at this line:col. */
const EXPECTED: Array<[string, string, string]> = [
  ['empty', 'FILE_EMPTY', '1:1'],
  ['whitespace', 'FILE_EMPTY', '1:1'],
  ['only-comments', 'FILE_EMPTY', '1:1'],
  ['non-utf8', 'FILE_ENCODING', '1:12'],
  ['toml-syntax-unclosed-string', 'TOML_SYNTAX', '11:24'],
  ['toml-syntax-duplicate-key', 'TOML_SYNTAX', '12:14'],
  ['toml-syntax-missing-equals', 'TOML_SYNTAX', '11:10'],
  ['toml-syntax-bad-table-header', 'TOML_SYNTAX', '5:8'],
  ['unknown-key-top', 'UNKNOWN_KEY', '5:1'],
  ['unknown-key-task', 'UNKNOWN_KEY', '11:3'],
  ['unknown-key-group', 'UNKNOWN_KEY', '14:1'],
  ['unknown-key-check', 'UNKNOWN_KEY', '11:28'],
  ['unknown-key-http', 'UNKNOWN_KEY', '11:12'],
  ['unknown-key-firewall', 'UNKNOWN_KEY', '11:16'],
  ['unknown-key-docker', 'UNKNOWN_KEY', '14:5'],
  ['missing-name', 'SCHEMA_REQUIRED', '1:1'],
  ['missing-image', 'SCHEMA_REQUIRED', '8:3'],
  ['missing-group-name', 'SCHEMA_REQUIRED', '5:1'],
  ['missing-check-type', 'SCHEMA_REQUIRED', '11:3'],
  ['missing-group', 'SCHEMA_REQUIRED', '1:1'],
  ['missing-tasks', 'SCHEMA_REQUIRED', '5:1'],
  ['type-cpu-string', 'SCHEMA_TYPE', '11:3'],
  ['type-memory-float', 'SCHEMA_TYPE', '11:3'],
  ['type-args-string', 'SCHEMA_TYPE', '11:3'],
  ['type-env-number', 'SCHEMA_TYPE', '11:13'],
  ['type-count-string', 'SCHEMA_TYPE', '7:1'],
  ['type-expose-string', 'SCHEMA_TYPE', '11:13'],
  ['type-secrets-item', 'SCHEMA_TYPE', '11:24'],
  ['type-name-date', 'SCHEMA_TYPE', '1:1'],
  ['enum-tier', 'SCHEMA_ENUM', '2:1'],
  ['enum-check-type', 'SCHEMA_ENUM', '11:13'],
  ['range-port-zero', 'SCHEMA_RANGE', '11:3'],
  ['range-port-high', 'SCHEMA_RANGE', '11:3'],
  ['range-count-negative', 'SCHEMA_RANGE', '7:1'],
  ['range-empty-group-array', 'SCHEMA_RANGE', '4:1'],
  ['legacy-no-tier', 'LEGACY_TIER', '1:1'],
  ['legacy-unknown-group', 'LEGACY_UNKNOWN_GROUP', '11:1'],
  ['legacy-bad-porttype', 'SCHEMA_ENUM', '11:1'],
  ['legacy-unknown-key', 'UNKNOWN_KEY', '10:1'],
];

describe('invalid spec fixtures', () => {
  it.each(EXPECTED)('%s -> %s at %s', (name, code, where) => {
    const file = `es/${name}/nomadgen.toml`;
    const result = loadSpec({ text: readFileSync(join(DIR, `${name}.toml`)), file, team: 'es' });
    expect(result.ok).toBe(false);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(`${errors[0].code} ${errors[0].line}:${errors[0].col}`).toBe(`${code} ${where}`);
    expect(errors[0].file).toBe(file);
    expect(errors[0].message.length).toBeGreaterThan(10);
  });
});

describe('hints', () => {
  const load = (name: string) => loadSpec({ text: readFileSync(join(DIR, `${name}.toml`)), file: name }).diagnostics[0];
  it.each([
    ['unknown-key-task', 'did you mean `image`?'],
    ['unknown-key-top', 'did you mean `contact`?'],
    ['unknown-key-firewall', 'did you mean `ingress`?'],
    ['enum-check-type', 'did you mean "http"?'],
    ['legacy-unknown-key', 'did you mean `checkpath`?'],
  ])('%s suggests %s', (name, hint) => {
    expect(load(name).hint).toBe(hint);
  });
  it('lists the known keys when nothing is close', () => {
    expect(load('unknown-key-docker').hint).toMatch(/^known keys: entrypoint, work_dir/);
  });
});
