/**
 * Diagnostics never carry a secret value. The bad corpus (test/fixtures/bad) plants marked secrets: strings
 * containing `S3CRET` and numbers containing `53537353`, in env, meta, Vault paths and secret-named keys.
 * Every diagnostic of every file there (message, hint, every field) is scanned for them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { renderSpec } from '../../../lib/core/pipeline';
import { describeValue, isSecretPath } from '../../../lib/core/spec/schema-diagnostics';

const DIR = join(__dirname, '..', '..', 'fixtures', 'bad');
const MARKERS = ['S3CRET', '53537353'];
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.toml')).sort();
const env = { config: defaultOperatorConfig({}), policy: defaultPolicy() };

describe('no diagnostic of the bad corpus carries a planted secret', () => {
  it('plants secrets in at least six files', () => {
    const planted = FILES.filter((f) => MARKERS.some((m) => readFileSync(join(DIR, f), 'latin1').includes(m)));
    expect(planted.length).toBeGreaterThanOrEqual(6);
  });

  it.each(FILES)('%s', (f) => {
    const expectation = JSON.parse(readFileSync(join(DIR, f.replace(/\.toml$/, '.expect.json')), 'utf8')) as { team?: string };
    const team = expectation.team ?? 'es';
    const r = renderSpec({ text: readFileSync(join(DIR, f)), file: `${team}/victim/nomadgen.toml`, team }, env);
    const text = JSON.stringify(r.diagnostics);
    for (const m of MARKERS) expect(text).not.toContain(m);
  });
});

describe('schema diagnostics: values under a secret path are described, never quoted', () => {
  it.each([
    [['group', 0, 'task', 0, 'env', 'PLAIN']],
    [['group', 0, 'task', 0, 'env']],
    [['group', 0, 'meta', 'note']],
    [['group', 0, 'task', 0, 'meta', 'x']],
    [['group', 0, 'task', 0, 'secrets', 1]],
    [['group', 0, 'task', 0, 'template', 0, 'data']],
    [['group', 0, 'task', 0, 'docker', 'labels', 'db_password']],
    [['group', 0, 'task', 0, 'docker', 'labels', 'Api-Token']],
  ])('%j is secret', (path) => {
    expect(isSecretPath(path)).toBe(true);
  });

  it.each([[['group', 0, 'task', 0, 'cpu']], [['name']], [['group', 0, 'task', 0, 'docker', 'labels', 'team']]])('%j is not', (path) => {
    expect(isSecretPath(path)).toBe(false);
  });

  it('describes the kind of a secret value only', () => {
    expect(describeValue(1234567, true)).toBe('an integer');
    expect(describeValue(1.5, true)).toBe('a float');
    expect(describeValue('hunter2', true)).toBe('a string');
    expect(describeValue(true, true)).toBe('a boolean');
    expect(describeValue({ a: 1 }, true)).toBe('a table');
    expect(describeValue(1234567)).toBe('an integer (1234567)');
  });

  it('the designer\'s examples: an integer password in env, an integer token in meta', () => {
    for (const line of ['env = { DB_PASSWORD = 1234567 }', 'meta = { token = 99887766 }']) {
      const text = ['name = "app"', 'tier = "test"', 'contact = "a@example.com"', '[[group]]', 'name = "main"', '[[group.task]]', 'name = "app"', 'image = "registry.internal/es/app:1.0.0"', line, ''].join('\n');
      const r = renderSpec({ text, file: 'es/app/nomadgen.toml', team: 'es' }, env);
      expect(r.diagnostics.map((d) => d.code)).toEqual(['SCHEMA_TYPE']);
      expect(r.diagnostics[0].message).toMatch(/must be a string, got an integer$/);
      expect(JSON.stringify(r.diagnostics)).not.toMatch(/1234567|99887766/);
    }
  });
});

describe('a check path refused by its grammar is quoted without its secret query values', () => {
  it('v1 and legacy', () => {
    const v1 = renderSpec({ text: 'name = "svc"\ntier = "test"\ncontact = "t@example.com"\n\n[[group]]\nname = "main"\n\n  [[group.task]]\n  name = "app"\n  image = "registry.internal/es/app:1.0.0"\n  port = 8080\n  check = { type = "http", path = "/health?token=S3CRET#x" }\n', file: 'es/svc/nomadgen.toml', team: 'es' }, env);
    const legacy = renderSpec({ text: 'job     = "t-es-search"\ncontact = "es-team@example.com"\n\n[[taskgroup]]\nname  = "web"\ncount = 2\n\n[[task.web]]\nname      = "search"\nimage     = "registry.internal/es/search:3.1.0"\nport      = 8080\nporttype  = "http"\ncheckpath = "/health?token=S3CRET#x"\n', file: 'es/search/nomadgen.toml', team: 'es' }, env);
    for (const r of [v1, legacy]) {
      const d = r.diagnostics.find((x) => x.code === 'CHECK_HTTP_PATH');
      expect(d?.message).toContain('token=');
      expect(JSON.stringify(r.diagnostics)).not.toContain('S3CRET');
    }
  });
});
