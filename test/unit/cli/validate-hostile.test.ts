import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../lib/cli/main';

const BAD = join(__dirname, '..', '..', 'fixtures', 'bad');
const GOOD = join(__dirname, '..', '..', 'fixtures', 'specs', 'es', 'cerebro', 'nomadgen.toml');

describe('validate over hostile spec content', () => {
  let repo: string;
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'ng-hostile-'));
    execFileSync('git', ['init', '-q', repo]);
    for (const f of readdirSync(BAD).filter((x) => x.endsWith('.toml'))) {
      mkdirSync(join(repo, 'es', f.replace(/\.toml$/, '')), { recursive: true });
      cpSync(join(BAD, f), join(repo, 'es', f.replace(/\.toml$/, ''), 'nomadgen.toml'));
    }
    mkdirSync(join(repo, 'es', 'cerebro'), { recursive: true });
    cpSync(GOOD, join(repo, 'es', 'cerebro', 'nomadgen.toml'));
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('deep nesting and prototype keys are diagnostics at file:line:col; every other spec is still reported; exit 1', async () => {
    let out = '';
    const code = await main(['validate', '.'], { stdout: (t) => { out += t; }, stderr: (t) => { out += t; }, cwd: repo, env: {}, signal: new AbortController().signal });
    expect(code).toBe(1);
    for (const f of readdirSync(BAD).filter((x) => x.endsWith('.expect.json'))) {
      const e = JSON.parse(readFileSync(join(BAD, f), 'utf8')) as { code: string; line: number; col: number };
      expect(out).toContain(`es/${f.replace(/\.expect\.json$/, '')}/nomadgen.toml:${e.line}:${e.col}: error[${e.code}]`);
    }
    const specs = readdirSync(BAD).filter((x) => x.endsWith('.toml')).length + 1;
    expect(out).toMatch(new RegExp(`^${specs} specs checked: \\d+ errors, 0 warnings$`, 'm'));
    expect(out).not.toContain('es/cerebro/nomadgen.toml');
  });
});
