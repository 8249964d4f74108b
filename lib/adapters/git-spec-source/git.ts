/**
 * Running the git CLI: `execFile` (never a shell), a timeout, no prompts, C locale, and errors that
 * keep git's own stderr so the source can tell a missing branch from an unreachable remote. Commands
 * that return their whole output go through the git runner; the two that stream (a batch read fed on
 * stdin, a log walk stopped early) are spawned here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { GIT_ENV, GitError, sharedGitRunner, startError, type GitRunOptions } from './git-runner';

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
 * Starts `git --git-dir <gitDir> args...` with piped stdio. Every failure to start (spawn throwing, or
 * its later `'error'` event when the system is out of file descriptors or processes) reaches `onFail`
 * once, as a GitError; the process is never left without an `'error'` listener.
 */
function startGit(gitDir: string, args: readonly string[], stdin: 'pipe' | 'ignore', onFail: (e: GitError) => void): ChildProcess | undefined {
  let child: ChildProcess;
  try {
    child = spawn('git', ['--git-dir', gitDir, ...args], { env: GIT_ENV, stdio: [stdin, 'pipe', 'pipe'] });
  } catch (e) {
    onFail(startError(args, e));
    return undefined;
  }
  child.on('error', (e) => onFail(child.pid === undefined ? startError(args, e) : new GitError(args, e.message, null)));
  // Without a pid the spawn failed and its streams were never made: the 'error' above follows.
  if (child.pid === undefined || !child.stdout || !child.stderr || (stdin === 'pipe' && !child.stdin)) return undefined;
  return child;
}

/**
 * Streams `git args...` stdout to `onChunk`; `onChunk` returning `false` stops git early (the result
 * is then complete for the caller's purpose, so no error is raised).
 */
export function gitStream(gitDir: string, args: readonly string[], onChunk: (chunk: Buffer) => boolean | void, opts: GitRunOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const run: { settled: boolean; timer?: NodeJS.Timeout } = { settled: false };
    const finish = (e?: Error): void => {
      if (run.settled) return;
      run.settled = true;
      clearTimeout(run.timer);
      if (e) reject(e);
      else resolve();
    };
    const child = startGit(gitDir, args, 'ignore', finish);
    if (!child?.stdout || !child.stderr) return;
    let stderr = '';
    let stopped = false;
    run.timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    run.timer.unref(); // the child process keeps the process alive while it runs; this kill timer need not
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    child.stdout.on('data', (d: Buffer) => {
      if (stopped) return;
      if (onChunk(d) === false) {
        stopped = true;
        child.kill('SIGTERM');
      }
    });
    child.on('close', (code) => finish(stopped || code === 0 ? undefined : new GitError(args, stderr, code)));
  });
}

/** A full object ID (SHA-1 or SHA-256), the only thing `catFileBatch` asks for. */
export const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Reads many blobs with one `git cat-file --batch`, by object ID only: a request line is an ID and
 * nothing else, so no name can shift the stream. Every answer is checked: the same ID as asked, type
 * `blob`, the announced size present and followed by its newline. A missing object comes back as
 * `undefined`; anything else unexpected rejects the whole read as a GitError.
 */
export function catFileBatch(gitDir: string, ids: readonly string[], timeoutMs = 120_000): Promise<Array<Buffer | undefined>> {
  const args = ['cat-file', '--batch'];
  return new Promise((resolve, reject) => {
    if (ids.length === 0) {
      resolve([]);
      return;
    }
    const bad = ids.find((id) => !OBJECT_ID.test(id));
    if (bad !== undefined) {
      reject(new GitError(args, `not an object ID: ${JSON.stringify(bad)}`, null));
      return;
    }
    const run: { settled: boolean; timer?: NodeJS.Timeout } = { settled: false };
    const finish = (e: Error | undefined, out?: Array<Buffer | undefined>): void => {
      if (run.settled) return;
      run.settled = true;
      clearTimeout(run.timer);
      if (e) reject(e);
      else resolve(out ?? []);
    };
    const child = startGit(gitDir, args, 'pipe', (e) => finish(e));
    if (!child?.stdout || !child.stderr || !child.stdin) return;
    const chunks: Buffer[] = [];
    let stderr = '';
    run.timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    run.timer.unref(); // as above: the running child keeps the process alive
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    child.on('close', (code) => {
      if (code !== 0) {
        finish(new GitError(args, stderr, code));
        return;
      }
      try {
        finish(undefined, parseBatch(Buffer.concat(chunks), ids));
      } catch (e) {
        finish(e as Error);
      }
    });
    child.stdin.on('error', () => undefined); // git exiting early is reported by 'close'
    child.stdin.end(ids.map((id) => `${id}\n`).join(''));
  });
}

/** Splits `cat-file --batch` output into one blob (or undefined for a missing one) per requested ID. */
function parseBatch(out: Buffer, ids: readonly string[]): Array<Buffer | undefined> {
  const fail = (why: string): GitError => new GitError(['cat-file', '--batch'], why, 0);
  const results: Array<Buffer | undefined> = [];
  let pos = 0;
  for (const id of ids) {
    const nl = out.indexOf(0x0a, pos);
    if (nl < 0) throw fail(`truncated output at object ${id}`);
    const header = out.subarray(pos, nl).toString('latin1');
    pos = nl + 1;
    if (header === `${id} missing`) {
      results.push(undefined);
      continue;
    }
    const m = /^([0-9a-f]+) ([a-z]+) (\d+)$/.exec(header);
    if (!m || m[1] !== id) throw fail(`object ${id} answered as ${JSON.stringify(header)}`);
    if (m[2] !== 'blob') throw fail(`object ${id} is a ${m[2]}, not a blob`);
    const size = Number(m[3]);
    if (!Number.isSafeInteger(size) || pos + size >= out.length || out[pos + size] !== 0x0a) {
      throw fail(`object ${id} is shorter than its announced ${m[3]} bytes`);
    }
    results.push(out.subarray(pos, pos + size));
    pos += size + 1;
  }
  if (pos !== out.length) throw fail('more output than objects asked for');
  return results;
}
