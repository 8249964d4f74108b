/**
 * Running the git CLI: `execFile` (never a shell), a timeout, no prompts, C locale, and errors that
 * keep git's own stderr so the source can tell a missing branch from an unreachable remote. Commands
 * that return their whole output go through the git runner; the two that stream (a batch read fed on
 * stdin, a log walk stopped early) are spawned here.
 */
import { spawn } from 'node:child_process';
import { GIT_ENV, GitError, sharedGitRunner, type GitRunOptions } from './git-runner';

export { GitError, type GitRunOptions } from './git-runner';

/** Runs `git args...` in `gitDir` (through the shared git runner) and resolves stdout as a Buffer. */
export function git(gitDir: string | undefined, args: readonly string[], opts: GitRunOptions = {}): Promise<Buffer> {
  if (!gitDir) return sharedGitRunner.run(args, opts);
  // Errors name the command without the work folder, as git's users know it.
  return sharedGitRunner.run(['--git-dir', gitDir, ...args], opts).catch((e: unknown) => {
    throw e instanceof GitError ? new GitError(args, e.stderr, e.exitCode) : e;
  });
}

/**
 * Streams `git args...` stdout to `onChunk`; `onChunk` returning `false` stops git early (the result
 * is then complete for the caller's purpose, so no error is raised).
 */
export function gitStream(gitDir: string, args: readonly string[], onChunk: (chunk: Buffer) => boolean | void, opts: GitRunOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', gitDir, ...args], { env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stopped = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    timer.unref(); // the child process keeps the process alive while it runs; this kill timer need not
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    child.stdout.on('data', (d: Buffer) => {
      if (stopped) return;
      if (onChunk(d) === false) {
        stopped = true;
        child.kill('SIGTERM');
      }
    });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (stopped || code === 0) resolve();
      else reject(new GitError(args, stderr, code));
    });
  });
}

/**
 * Reads many objects with one `git cat-file --batch`: `specs` are `<rev>:<path>`. Missing objects
 * come back as `undefined`.
 */
export function catFileBatch(gitDir: string, specs: readonly string[], timeoutMs = 120_000): Promise<Array<Buffer | undefined>> {
  return new Promise((resolve, reject) => {
    if (specs.length === 0) {
      resolve([]);
      return;
    }
    const child = spawn('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { env: GIT_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    timer.unref(); // as above: the running child keeps the process alive
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new GitError(['cat-file', '--batch'], stderr, code));
        return;
      }
      const out = Buffer.concat(chunks);
      const results: Array<Buffer | undefined> = [];
      let pos = 0;
      for (let i = 0; i < specs.length; i++) {
        const nl = out.indexOf(0x0a, pos);
        if (nl < 0) {
          reject(new GitError(['cat-file', '--batch'], 'truncated output', code));
          return;
        }
        const header = out.subarray(pos, nl).toString('utf8');
        pos = nl + 1;
        if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
          results.push(undefined);
          continue;
        }
        const size = Number(header.split(' ')[2]);
        if (!Number.isFinite(size)) {
          reject(new GitError(['cat-file', '--batch'], `unexpected header ${header}`, code));
          return;
        }
        results.push(out.subarray(pos, pos + size));
        pos += size + 1;
      }
      resolve(results);
    });
    child.stdin.on('error', () => undefined); // git exiting early is reported by 'close'
    child.stdin.end(specs.map((s) => `${s}\n`).join(''));
  });
}
