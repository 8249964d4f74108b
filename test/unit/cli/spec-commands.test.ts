import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../lib/cli/main';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'specs');

interface Run { code: number; out: string; err: string }

async function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd, env, signal: new AbortController().signal });
  return { code, out, err };
}

let repo: string;
let outside: string;

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'ng-cli-'));
  execFileSync('git', ['init', '-q', repo]);
  cpSync(join(FIXTURES, 'es'), join(repo, 'es'), { recursive: true });
  outside = mkdtempSync(join(tmpdir(), 'ng-out-'));
  cpSync(join(FIXTURES, 'es', 'cerebro', 'nomadgen.toml'), join(outside, 'nomadgen.toml'));
});

afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('validate', () => {
  it('checks every spec under a directory; warnings do not fail', async () => {
    const r = await run(['validate', 'es'], repo);
    expect(r.out).toContain('es/legacy-search/nomadgen.toml:1:1: warning[LEGACY]');
    expect(r.out).toMatch(/2 specs checked: 0 errors, 1 warning\n$/);
    expect(r.code).toBe(0);
  });

  it('fails on warnings with --strict', async () => {
    expect((await run(['validate', '--strict', '.'], repo)).code).toBe(1);
  });

  it('prints file:line:col diagnostics and exits 1 on errors', async () => {
    mkdirSync(join(repo, 'web', 'bad'), { recursive: true });
    writeFileSync(join(repo, 'web', 'bad', 'nomadgen.toml'), readFileSync(join(FIXTURES, '..', 'bad', 'unknown-key-task.toml')));
    try {
      const r = await run(['validate', join('web', 'bad', 'nomadgen.toml')], repo);
      expect(r.code).toBe(1);
      expect(r.out).toContain('web/bad/nomadgen.toml:11:3: error[UNKNOWN_KEY]: unknown key `imgae` in `group[0].task[0]` (did you mean `image`?)');
    } finally {
      rmSync(join(repo, 'web'), { recursive: true, force: true });
    }
  });

  it('applies the repository-wide rules to a directory', async () => {
    mkdirSync(join(repo, 'es', 'copy'), { recursive: true });
    cpSync(join(repo, 'es', 'cerebro', 'nomadgen.toml'), join(repo, 'es', 'copy', 'nomadgen.toml'));
    try {
      const r = await run(['validate', '--json'], repo);
      const report = JSON.parse(r.out) as { specs: Array<{ file: string; ok: boolean; diagnostics: Array<{ code: string; line: number }> }>; errors: number };
      expect(r.code).toBe(1);
      const copy = report.specs.find((s) => s.file === 'es/copy/nomadgen.toml')!;
      expect(copy.ok).toBe(false);
      expect(copy.diagnostics.map((d) => d.code)).toContain('DUPLICATE_JOB_ID');
      expect(report.specs.find((s) => s.file === 'es/cerebro/nomadgen.toml')?.ok).toBe(true);
    } finally {
      rmSync(join(repo, 'es', 'copy'), { recursive: true, force: true });
    }
  });

  it('warns that it cannot tell the team of a file outside a repository whose folders do not name it, or takes --team', async () => {
    const without = await run(['validate', 'nomadgen.toml'], outside);
    expect(without.code).toBe(0);
    expect(without.out).toContain('warning[TEAM_UNKNOWN]');
    expect((await run(['validate', '--strict', 'nomadgen.toml'], outside)).code).toBe(1);
    const withTeam = await run(['validate', '--team', 'es', 'nomadgen.toml'], outside);
    expect(withTeam.code).toBe(0);
  });

  it('reports a missing path on stderr', async () => {
    const r = await run(['validate', 'nope'], repo);
    expect(r.code).toBe(1);
    expect(r.err).toContain('nope: no such file or directory');
  });
});

describe('render', () => {
  it('prints the job as API JSON by default', async () => {
    const r = await run(['render', 'es/cerebro/nomadgen.toml'], repo);
    expect(r.code).toBe(0);
    const job = JSON.parse(r.out) as { ID: string; Namespace: string; Meta: Record<string, string> };
    expect(job.ID).toBe('p-es-cerebro');
    expect(job.Namespace).toBe('es');
    expect(job.Meta['nomadguard.spec']).toBe('es/cerebro/nomadgen.toml');
  });

  it('prints HCL with --format hcl and warnings on stderr', async () => {
    const r = await run(['render', '--format', 'hcl', 'es/legacy-search/nomadgen.toml'], repo);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^job "p-es-search" \{\n/);
    expect(r.err).toContain('warning[LEGACY]');
  });

  it('uses the operator config given with --config', async () => {
    writeFileSync(join(repo, 'ng.yaml'), 'platform:\n  domain: apps.example.org\n  datacenters: [east, west]\n');
    const r = await run(['render', '--config', 'ng.yaml', 'es/cerebro/nomadgen.toml'], repo);
    expect(r.code).toBe(0);
    expect(r.out).toContain('p-es-cerebro.apps.example.org');
    expect(JSON.parse(r.out).Datacenters).toEqual(['east', 'west']);
  });

  it('rejects a broken config with its position', async () => {
    writeFileSync(join(repo, 'bad.yaml'), 'platform:\n  domian: x\n');
    const r = await run(['render', '--config', 'bad.yaml', 'es/cerebro/nomadgen.toml'], repo);
    expect(r.code).toBe(1);
    expect(r.err).toContain('bad.yaml:2:3: error[UNKNOWN_KEY]');
  });

  it('prints no job and exits 1 for an invalid spec', async () => {
    writeFileSync(join(outside, 'broken.toml'), 'name = "x"\ntier = "prod"\n');
    const r = await run(['render', '--team', 'es', 'broken.toml'], outside);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('broken.toml:2:1: error[SCHEMA_ENUM]');
  });

  it('refuses an unknown format and a spec outside a repo without --team', async () => {
    expect((await run(['render', '--format', 'xml', 'es/cerebro/nomadgen.toml'], repo)).err).toContain('--format must be json or hcl');
    const r = await run(['render', 'nomadgen.toml'], outside);
    expect(r.code).toBe(1);
    expect(r.err).toContain('pass --team');
  });
});

describe('schema and help', () => {
  it('prints the committed JSON Schema', async () => {
    const r = await run(['schema'], repo);
    expect(r.code).toBe(0);
    expect(r.out).toBe(readFileSync(join(__dirname, '..', '..', '..', 'crd-schemas', 'nomadgen.schema.json'), 'utf8'));
  });

  it.each(['validate', 'render', 'schema'])('%s --help exits 0 with usage', async (cmd) => {
    const r = await run([cmd, '--help'], repo);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: nomadguard ${cmd}`);
  });
});
