import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../lib/cli/main';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'specs');

interface Run { code: number; out: string; err: string }

async function run(argv: string[], cwd: string): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd, env: {}, signal: new AbortController().signal });
  return { code, out, err };
}

const NOT_A_FILE = (file: string, what: string) => `${file}: error[SPEC_NOT_A_FILE]: the spec is ${what}; only regular files are read (commit the spec itself, not a link to it)`;

describe('validate and render read regular files only', () => {
  let repo: string;

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'ng-files-'));
    execFileSync('git', ['init', '-q', repo]);
    cpSync(join(FIXTURES, 'es', 'cerebro'), join(repo, 'es', 'cerebro'), { recursive: true });
    mkdirSync(join(repo, 'es', 'zero'), { recursive: true });
    symlinkSync('/dev/zero', join(repo, 'es', 'zero', 'nomadgen.toml'));
    mkdirSync(join(repo, 'es', 'fifo'), { recursive: true });
    execFileSync('mkfifo', [join(repo, 'es', 'fifo', 'nomadgen.toml')]);
    mkdirSync(join(repo, 'es', 'link'), { recursive: true });
    symlinkSync('../cerebro/nomadgen.toml', join(repo, 'es', 'link', 'nomadgen.toml'));
    mkdirSync(join(repo, 'es', 'big'), { recursive: true });
    writeFileSync(join(repo, 'es', 'big', 'nomadgen.toml'), `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    // a linked folder is not entered
    symlinkSync(join(repo, 'es', 'cerebro'), join(repo, 'es', 'elsewhere'));
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('a symlink (to /dev/zero or to a spec), a FIFO and an oversized file are each refused by name; the other specs are reported; exit 1', async () => {
    const r = await run(['validate', '.'], repo);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines).toEqual(expect.arrayContaining([
      NOT_A_FILE('es/fifo/nomadgen.toml', 'a named pipe (FIFO)'),
      NOT_A_FILE('es/link/nomadgen.toml', 'a symbolic link'),
      NOT_A_FILE('es/zero/nomadgen.toml', 'a symbolic link'),
      'es/big/nomadgen.toml:1:1: error[FILE_TOO_LARGE]: the spec is 2097155 bytes; the limit is 1048576 bytes (1 MiB)',
    ]));
    expect(lines[lines.length - 1]).toBe('5 specs checked: 4 errors, 0 warnings');
    const json = JSON.parse((await run(['validate', '--json', '.'], repo)).out) as { specs: Array<{ file: string; ok: boolean }> };
    expect(json.specs.map((s) => [s.file, s.ok])).toEqual([
      ['es/big/nomadgen.toml', false], ['es/cerebro/nomadgen.toml', true], ['es/fifo/nomadgen.toml', false], ['es/link/nomadgen.toml', false], ['es/zero/nomadgen.toml', false],
    ]);
  });

  it('a device or a symlink named on the command line is refused, not read', async () => {
    const r = await run(['validate', '--team', 'es', '/dev/zero', 'es/zero/nomadgen.toml', 'es/fifo/nomadgen.toml'], repo);
    expect(r.code).toBe(1);
    expect(r.out).toContain(NOT_A_FILE('/dev/zero', 'a device'));
    expect(r.out).toContain(NOT_A_FILE('es/zero/nomadgen.toml', 'a symbolic link'));
    expect(r.out).toContain(NOT_A_FILE('es/fifo/nomadgen.toml', 'a named pipe (FIFO)'));
  });

  it('render refuses a FIFO and a symlink with the same diagnostic and exit 1', async () => {
    for (const [file, what] of [['es/fifo/nomadgen.toml', 'a named pipe (FIFO)'], ['es/zero/nomadgen.toml', 'a symbolic link']]) {
      const r = await run(['render', file], repo);
      expect(r).toEqual({ code: 1, out: '', err: `${NOT_A_FILE(file, what)}\n` });
    }
  });
});
