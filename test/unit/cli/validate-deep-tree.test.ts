/**
 * A folder `validate` cannot read — here one whose path is longer than the system allows, at the bottom of
 * 1,100 nested folders — is a `DIR_UNREADABLE` diagnostic naming it; every other spec is still reported and
 * the exit status is 1.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../lib/cli/main';
import { walkSpecs } from '../../../lib/cli/spec-files';

const GOOD = join(__dirname, '..', '..', 'fixtures', 'specs', 'es', 'cerebro', 'nomadgen.toml');
const DEPTH = 1100;

async function run(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd, env: {}, signal: new AbortController().signal });
  return { code, out, err };
}

describe('validate over a folder tree deeper than the system can name', () => {
  let repo: string;
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'ng-deep-'));
    execFileSync('git', ['init', '-q', repo]);
    mkdirSync(join(repo, 'es', 'cerebro'), { recursive: true });
    cpSync(GOOD, join(repo, 'es', 'cerebro', 'nomadgen.toml'));
    // Created one level at a time with relative names: a path this long cannot be made in one call.
    mkdirSync(join(repo, 'es', 'deep'));
    const script = `const fs = require('node:fs'); for (let i = 0; i < ${DEPTH}; i++) { fs.mkdirSync('dir-level'); process.chdir('dir-level'); }`;
    execFileSync(process.execPath, ['-e', script], { cwd: join(repo, 'es', 'deep'), env: { PATH: process.env.PATH } });
  }, 60_000);
  afterAll(() => {
    // rm -r walks relative to each folder, so it removes what node's path-based calls cannot reach.
    execFileSync('rm', ['-rf', '--', repo]);
  });

  it('the walk reports the folder it could not read and still lists the other specs', () => {
    const walk = walkSpecs(repo);
    expect(walk.files).toEqual([join(repo, 'es', 'cerebro', 'nomadgen.toml')]);
    expect(walk.unreadable).toHaveLength(1);
    expect(walk.unreadable[0].errno).toBe('ENAMETOOLONG');
    expect(walk.unreadable[0].dir.startsWith(join(repo, 'es', 'deep', 'dir-level', 'dir-level'))).toBe(true);
  });

  it('validate names the folder in one diagnostic, reports the valid spec and exits 1', async () => {
    const r = await run(['validate', '.'], repo);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^es\/deep\/dir-level\/dir-level\/.*….*\/dir-level: error\[DIR_UNREADABLE\]: cannot read the folder: ENAMETOOLONG; specs below it are not checked$/);
    expect(lines[0].length).toBeLessThan(400);
    expect(lines[1]).toBe('1 spec checked: 1 error, 0 warnings');

    const json = await run(['validate', '--json', '.'], repo);
    const report = JSON.parse(json.out) as { specs: Array<{ file: string; ok: boolean }>; folders: Array<{ folder: string; diagnostics: Array<{ code: string }> }>; errors: number };
    expect(report.specs).toEqual([expect.objectContaining({ file: 'es/cerebro/nomadgen.toml', ok: true })]);
    expect(report.folders.map((f) => f.diagnostics.map((d) => d.code))).toEqual([['DIR_UNREADABLE']]);
    expect(report.errors).toBe(1);
  });
});
