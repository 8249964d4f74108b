import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GitError, GitRunner, runGitDirect } from '../../../lib/adapters/git-spec-source/git-runner';

/** A git alias printing the parent process id of the git process that ran it. */
const PARENT_OF_GIT = ['-c', "alias.parent=!cut -d' ' -f4 /proc/$PPID/stat", 'parent'];

describe('GitRunner', () => {
  let runner: GitRunner;
  let dir: string;

  beforeEach(() => {
    runner = new GitRunner();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-runner-'));
  });
  afterEach(() => {
    runner.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts git from its own process, not from this one', async () => {
    const parent = Number((await runner.run(PARENT_OF_GIT)).toString('utf8').trim());
    expect(runner.pid).toBeDefined();
    expect(parent).toBe(runner.pid);
    expect(parent).not.toBe(process.pid);
    // The direct path, for contrast: git's parent is this process.
    expect(Number((await runGitDirect(PARENT_OF_GIT)).toString('utf8').trim())).toBe(process.pid);
    // Later commands re-use the same process.
    await runner.run(['--version']);
    expect(runner.started).toBe(1);
  });

  it('returns stdout as bytes and feeds `input` on stdin', async () => {
    const out = await runner.run(['hash-object', '--stdin'], { input: 'hello\n' });
    expect(Buffer.isBuffer(out)).toBe(true);
    expect(out.toString('utf8')).toBe('ce013625030ba8dba906f756967f9e9ca394464a\n');
    const repo = path.join(dir, 'r.git');
    await runner.run(['init', '--quiet', '--bare', repo]);
    expect((await runner.run(['rev-parse', '--git-dir'], { cwd: repo })).toString('utf8').trim()).toBe('.');
  });

  it('rejects a GitError with git\'s stderr and exit code, as a direct run does', async () => {
    const args = ['--git-dir', path.join(dir, 'missing.git'), 'rev-parse', 'HEAD'];
    const viaRunner = await runner.run(args).then(() => undefined, (e: unknown) => e);
    const direct = await runGitDirect(args).then(() => undefined, (e: unknown) => e);
    expect(viaRunner).toBeInstanceOf(GitError);
    expect(direct).toBeInstanceOf(GitError);
    const a = viaRunner as GitError;
    const b = direct as GitError;
    expect(a.exitCode).toBe(128);
    expect(a.exitCode).toBe(b.exitCode);
    expect(a.stderr).toMatch(/not a git repository/);
    expect(a.stderr).toBe(b.stderr);
    expect(a.message).toBe(b.message);
  });

  it('a command over its time budget is stopped and reported as timed out', async () => {
    const e = await runner.run(['-c', 'alias.slow=!exec sleep 1', 'slow'], { timeoutMs: 100 }).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(GitError);
    expect((e as GitError).stderr).toMatch(/timed out/);
  });

  it('a runner that dies does not lose its commands; the next command starts a new runner', async () => {
    await runner.run(['--version']);
    const first = runner.pid as number;
    const slow = runner.run(['-c', 'alias.slow=!sleep 0.3; echo done', 'slow']);
    process.kill(first, 'SIGKILL');
    expect((await slow).toString('utf8')).toBe('done\n');
    const parent = Number((await runner.run(PARENT_OF_GIT)).toString('utf8').trim());
    expect(runner.started).toBe(2);
    expect(runner.pid).not.toBe(first);
    expect(parent).toBe(runner.pid);
  });
});
