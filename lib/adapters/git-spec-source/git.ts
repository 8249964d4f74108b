/**
 * Running the git CLI: `execFile` (never a shell), a timeout, no prompts, C locale, and errors that
 * keep git's own stderr so the source can tell a missing branch from an unreachable remote.
 */
import { execFile, spawn } from 'node:child_process';

/** A failed git command, with its stderr. */
export class GitError extends Error {
  constructor(readonly args: readonly string[], readonly stderr: string, readonly exitCode: number | null) {
    super(`git ${args.slice(0, 3).join(' ')} failed: ${stderr.trim().split('\n').slice(-3).join(' | ') || `exit ${exitCode}`}`);
    this.name = 'GitError';
  }
}

/** Options for one git invocation. */
export interface GitRunOptions {
  cwd?: string;
  timeoutMs?: number;
  input?: string;
}

const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: 'echo',
  GIT_PAGER: 'cat',
  LC_ALL: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_OPTIONAL_LOCKS: '0',
};

/** Runs `git args...` in `gitDir` and resolves stdout as a Buffer. */
export function git(gitDir: string | undefined, args: readonly string[], opts: GitRunOptions = {}): Promise<Buffer> {
  const full = gitDir ? ['--git-dir', gitDir, ...args] : [...args];
  return new Promise((resolve, reject) => {
    const child = execFile('git', full, { cwd: opts.cwd, env: GIT_ENV, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 1 << 30, encoding: 'buffer' }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : null;
        reject(new GitError(args, `${stderr.toString('utf8')}${(err as { killed?: boolean }).killed ? '\ntimed out' : ''}`, code));
      } else resolve(stdout);
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
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
    timer.unref();
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
    timer.unref();
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
