/**
 * `validate` and `render` on a spec folder outside a git repository: the team comes from
 * `<team>/<name>/nomadgen.toml`; when the folders do not tell it, a warning says so and the spec's own
 * errors are still reported; a directory one level above the spec repository warns.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../lib/cli/main';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'specs');

async function run(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd, env: {}, signal: new AbortController().signal });
  return { code, out, err };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ng-team-'));
  mkdirSync(join(dir, 'parent', 'specs', 'es'), { recursive: true });
  cpSync(join(FIXTURES, 'es', 'cerebro'), join(dir, 'parent', 'specs', 'es', 'cerebro'), { recursive: true });
  cpSync(join(FIXTURES, 'es', 'legacy-search'), join(dir, 'parent', 'specs', 'es', 'legacy-search'), { recursive: true });
  mkdirSync(join(dir, 'loose'), { recursive: true });
  writeFileSync(join(dir, 'loose', 'nomadgen.toml'), 'name = "tool"\ntier = "test"\ncontact = "a@example.com"\nsecrets = 1\n\n[[group]]\nname = "main"\n\n  [[group.task]]\n  name = "tool"\n  image = "registry.internal/es/tool:1.0.0"\n  memroy = 5\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the team of a spec outside a git repository', () => {
  const cerebro = (): string => join(dir, 'parent', 'specs', 'es', 'cerebro');

  it('is the folder above the spec folder for validate, of a file or of the spec folder itself', async () => {
    const file = await run(['validate', '--json', join(cerebro(), 'nomadgen.toml')], dir);
    expect(file.code).toBe(0);
    const report = JSON.parse(file.out) as { specs: Array<{ jobId?: string; diagnostics: Array<{ code: string }> }> };
    expect(report.specs[0].jobId).toBe('p-es-cerebro');
    expect(report.specs[0].diagnostics).toEqual([]);
    const folder = await run(['validate', '--json', '.'], cerebro());
    expect((JSON.parse(folder.out) as typeof report).specs[0].jobId).toBe('p-es-cerebro');
    expect(folder.code).toBe(0);
  });

  it('is the folder above the spec folder for render, with the spec path the operator would write', async () => {
    const r = await run(['render', 'nomadgen.toml'], cerebro());
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const job = JSON.parse(r.out) as { ID: string; Namespace: string; Meta: Record<string, string> };
    expect(job).toMatchObject({ ID: 'p-es-cerebro', Namespace: 'es' });
    expect(job.Meta['nomadguard.spec']).toBe('es/cerebro/nomadgen.toml');
  });

  it('is unknown when the folders do not read <team>/<name>: a warning, and the spec\'s own errors still reported', async () => {
    const v = await run(['validate', 'loose/nomadgen.toml'], dir);
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/^loose\/nomadgen\.toml: warning\[TEAM_UNKNOWN\]: cannot tell the team of this spec/m);
    expect(v.out).toMatch(/^loose\/nomadgen\.toml:4:1: error\[/m);
    expect(v.out).toMatch(/^loose\/nomadgen\.toml:\d+:\d+: error\[[A-Z_]+\]: .*memroy/m);
    expect(v.out).not.toContain('team-unknown');
    const r = await run(['render', 'loose/nomadgen.toml'], dir);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('warning[TEAM_UNKNOWN]');
    expect(r.err).toMatch(/memroy/);
    expect(r.err).toMatch(/nomadguard: cannot tell the team of loose\/nomadgen\.toml: it is not inside a git repository; pass --team\n$/);
  });

  it('warns when a directory one level above the spec repository is validated, and not at the repository itself', async () => {
    const high = await run(['validate', 'parent'], dir);
    expect(high.out).toMatch(/^parent\/specs\/es\/cerebro\/nomadgen\.toml: warning\[TEAM_FOLDER_GUESS\]: the team is taken as "specs", the first folder under parent, .*\(the job ID would be "p-specs-cerebro"\); parent may be the folder above the spec repository/m);
    const right = await run(['validate', 'parent/specs'], dir);
    expect(right.out).not.toContain('TEAM_FOLDER_GUESS');
    expect(right.code).toBe(0);
  });
});
