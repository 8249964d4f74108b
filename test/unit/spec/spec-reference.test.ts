import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from '@iarna/toml';
import { specJsonSchema, walkProperties } from '../../../crd-schemas/json-schema';
import { SPEC_DOCS } from '../../../crd-schemas/spec-docs';
import { REFERENCE_END, REFERENCE_START, specReferenceMarkdown, tomlLiteral, withSpecReference } from '../../../crd-schemas/spec-reference';
import { main } from '../../../lib/cli/main';

const ROOT = join(__dirname, '..', '..', '..');

describe('the spec reference', () => {
  it('is the README section, as generated (run `make schemas` to refresh)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(REFERENCE_START);
    expect(readme).toContain(REFERENCE_END);
    expect(withSpecReference(readme)).toBe(readme);
  });

  it('documents every key of the schema with a type, a default or required, and an example, and only those keys', () => {
    const keys: string[] = [];
    walkProperties(specJsonSchema(), (path, node, required) => {
      keys.push(path);
      expect(Array.isArray(node.examples) && node.examples.length > 0).toBe(true);
      if (required) expect(SPEC_DOCS[path].default).toBeUndefined();
    });
    expect(keys.sort()).toEqual(Object.keys(SPEC_DOCS).sort());
    const rows = specReferenceMarkdown().split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(keys.length);
    for (const row of rows) expect(row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()).every((c) => c !== '')).toBe(true);
    expect(rows).toContain('| `group[].task[].cpu` | integer | `100` | `500` | CPU in MHz (default 100). |');
    expect(rows.find((r) => r.startsWith('| `name`'))).toContain('"&lt;tier letter&gt;-&lt;team&gt;-&lt;name&gt;"');
  });

  it('writes every example as TOML that reads back as the example', () => {
    walkProperties(specJsonSchema(), (path, node) => {
      for (const example of node.examples as unknown[]) expect(parseToml(`v = ${tomlLiteral(example)}`).v).toEqual(example);
    });
    expect(tomlLiteral({ 'nagios.sms': '1', a: [1, true] })).toBe('{ "nagios.sms" = "1", a = [1, true] }');
  });

  it('is what `nomadguard schema --markdown` prints', async () => {
    let out = '';
    const code = await main(['schema', '--markdown'], { stdout: (t) => { out += t; }, stderr: () => undefined, env: {}, signal: new AbortController().signal });
    expect(code).toBe(0);
    expect(out).toBe(specReferenceMarkdown());
  });
});
