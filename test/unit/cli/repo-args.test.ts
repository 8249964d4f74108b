import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../lib/cli/main';
import { branchProblem, parseOperatorConfig, repoProblem } from '../../../crd-schemas/operator-config';
import { GitSpecSource } from '../../../lib/adapters/git-spec-source';

interface Run { code: number; out: string; err: string }

async function run(argv: string[], cwd: string): Promise<Run> {
  let out = '';
  let err = '';
  const env = { NOMAD_ADDR: 'http://127.0.0.1:1', CONSUL_HTTP_ADDR: 'http://127.0.0.1:1' };
  const code = await main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd, env, signal: new AbortController().signal });
  return { code, out, err };
}

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ng-repo-arg-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('--repo and --branch never reach git as options', () => {
  it.each(['run', 'plan'])('%s --repo "--upload-pack=..." runs nothing and exits 1 with the reason', async (cmd) => {
    const marker = join(dir, 'ran');
    for (const repo of [`--upload-pack=touch ${marker}`, '--upload-pack=touch ran@host:x']) {
      const r = await run([cmd, '--once', '--timeout', '2', '--state-file', join(dir, 'state.json'), '--work-dir', join(dir, 'work'), '--repo', repo].filter((a) => cmd === 'run' || (a !== '--once' && a !== '--timeout' && a !== '2')), dir);
      expect(r).toMatchObject({ code: 1, err: `nomadguard: --repo: the repository ${JSON.stringify(repo)} starts with "-" (git would read it as an option)\n` });
    }
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('a branch git would not accept is refused before anything runs', async () => {
    for (const branch of ['-x', 'a..b', 'a\nb']) {
      const r = await run(['run', '--once', '--timeout', '2', '--state-file', join(dir, 'state.json'), '--repo', dir, '--branch', branch], dir);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`nomadguard: --branch: the branch ${JSON.stringify(branch)} is not a valid branch name: ${branchProblem(branch)?.split(': ').slice(1).join(': ')}\n`);
    }
  });

  it('source.repo and source.branch in the config are diagnostics at their keys', () => {
    const r = parseOperatorConfig('apiVersion: nomadguard/v1\nsource:\n  repo: "--upload-pack=touch /tmp/x"\n  branch: "main..x"\n', 'nomadguard.yaml');
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => [d.code, d.line, d.col, d.message])).toEqual([
      ['CONFIG_INVALID', 3, 9, 'source.repo: the repository "--upload-pack=touch /tmp/x" starts with "-" (git would read it as an option)'],
      ['CONFIG_INVALID', 4, 11, 'source.branch: the branch "main..x" is not a valid branch name: it contains ".."'],
    ]);
  });

  it('the git source refuses them too', () => {
    expect(() => new GitSpecSource({ repo: '--upload-pack=x', branch: 'main', workDir: dir })).toThrow(/starts with "-"/);
    expect(() => new GitSpecSource({ repo: dir, branch: '-main', workDir: dir })).toThrow(/not a valid branch name/);
  });
});

describe('branch grammar', () => {
  const names = ['main', 'release/1.2', 'feature/x-y_z', 'a@b', 'v1.0', '-x', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[b', 'a\\b', 'a\tb', 'a\u007fb', 'x.lock', 'a/x.lock/b', '.hidden', 'a/.b', 'a/', '/a', 'a//b', 'a.', '@', 'a@{1}', 'HEAD', ''];
  it.each(names)('%j agrees with git check-ref-format --branch', (name) => {
    let gitOk = true;
    try {
      // outside a repository, so shorthands like `@` are not resolved to the current branch
      execFileSync('git', ['check-ref-format', '--branch', name], { stdio: 'ignore', cwd: dir, env: { ...process.env, GIT_CEILING_DIRECTORIES: tmpdir() } });
    } catch {
      gitOk = false;
    }
    expect(branchProblem(name) === undefined).toBe(gitOk);
  });

  it('a repository may be any URL or path not starting with "-" and without control characters', () => {
    expect(repoProblem('ssh://git@gitea.internal/platform/specs.git')).toBeUndefined();
    expect(repoProblem('git@gitea.internal:platform/specs.git')).toBeUndefined();
    expect(repoProblem('./specs')).toBeUndefined();
    expect(repoProblem('-specs')).toMatch(/starts with "-"/);
    expect(repoProblem('specs\n--upload-pack=x')).toMatch(/control characters/);
  });
});
