import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { renderSpec } from '../../../lib/core/pipeline';
import { generateSpecs } from '../../../bench/spec-generator';
import { toMarkdown } from '../../../bench/run';

describe('benchmark inputs', () => {
  it('are deterministic, varied and valid', () => {
    const specs = generateSpecs(200, 7);
    expect(generateSpecs(200, 7)).toEqual(specs);
    expect(new Set(specs.map((s) => s.text)).size).toBe(200);
    const env = { config: defaultOperatorConfig(), policy: defaultPolicy() };
    const bad = specs.map((s) => renderSpec({ text: s.text, file: s.file, team: s.team }, env)).filter((r) => !r.ok);
    expect(bad.map((r) => r.diagnostics)).toEqual([]);
  });

  it('write results as one markdown table per module', () => {
    expect(toMarkdown({ b: { x: 1 }, a: { y: 'z', o: { k: 1 } } })).toContain('## a\n\n| metric | value |\n|---|---|\n| y | z |\n| o | {"k":1} |\n\n## b');
  });
});
