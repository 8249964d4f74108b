import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHcl } from '../../../lib/core/hcl/render';
import { fixtureSpecs, GOLDEN, goldenName, renderFixture } from './golden-fixtures';

const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Compares `actual` with the golden file byte for byte (or rewrites it with UPDATE_GOLDEN=1). */
function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (UPDATE || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('golden outputs', () => {
  const files = fixtureSpecs();

  it('covers the v1, legacy and policies-mode fixtures', () => {
    expect(files).toEqual(['es/cerebro/nomadgen.toml', 'es/legacy-search/nomadgen.toml', 'web/tools/nomadgen.toml']);
  });

  it.each(files)('%s renders to the golden JSON and HCL', (file) => {
    const result = renderFixture(file);
    expect(result.job).toBeDefined();
    golden(`${goldenName(file)}.json`, `${JSON.stringify(result.job, null, 2)}\n`);
    golden(`${goldenName(file)}.hcl`, renderHcl(result.job!));
  });

  it.each(files)('%s renders byte-identically on every run', (file) => {
    const a = renderFixture(file);
    const b = renderFixture(file);
    expect(JSON.stringify(b.job)).toBe(JSON.stringify(a.job));
    expect(renderHcl(b.job!)).toBe(renderHcl(a.job!));
  });
});
