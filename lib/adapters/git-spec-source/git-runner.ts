/**
 * The git runner: a small long-lived Node process that starts git commands on this process's behalf.
 *
 * Starting a process from Node forks the whole Node process first (libuv uses `fork` on Linux). An
 * operator holding thousands of rendered jobs is large, so every direct spawn blocks its event loop
 * for tens of milliseconds and leaves its memory copy-on-write, which slows the work that follows (the
 * job list parsed next to the git poll). The runner is forked once; after that a git command costs
 * this process one message each way, and the fork of git happens in the runner's small heap.
 *
 * Contract: `run(args, opts)` resolves git's stdout or rejects a `GitError` carrying git's stderr and
 * exit code, exactly like a direct `execFile`. When the runner cannot start or dies, the commands it
 * held (and later ones, until it starts again) run directly: the runner changes where git is started,
 * never what a command returns. The runner never keeps this process alive; it exits with it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';

/** Options for one git invocation. */
export interface GitRunOptions {
  cwd?: string;
  timeoutMs?: number;
  input?: string;
}

/**
 * A failed git command, with its stderr. `startFailed` is set when git could not be started at all
 * (no process: out of file descriptors or processes, no git binary): the repository is not to blame.
 */
export class GitError extends Error {
  constructor(readonly args: readonly string[], readonly stderr: string, readonly exitCode: number | null, readonly startFailed = false) {
    super(`git ${args.slice(0, 3).join(' ')} failed: ${stderr.trim().split('\n').slice(-3).join(' | ') || `exit ${exitCode}`}`);
    this.name = 'GitError';
  }
}

/** The GitError of a git process that could not be started (`err` is what spawn reported). */
export function startError(args: readonly string[], err: unknown): GitError {
  const code = (err as { code?: unknown } | undefined)?.code;
  return new GitError(args, `cannot start git: ${typeof code === 'string' ? code : err instanceof Error ? err.message : String(err)}`, null, true);
}

/** The environment of every git command: no prompts, no pager, C locale, no system config, no optional locks, literal pathspecs. */
export const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: 'echo',
  GIT_PAGER: 'cat',
  LC_ALL: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_OPTIONAL_LOCKS: '0',
  // A path read from the repository is never pathspec magic (`:(exclude)`, globs) when handed back to git.
  GIT_LITERAL_PATHSPECS: '1',
};

const MAX_BUFFER = 1 << 30;

/** What the runner process answers for one command. */
interface Reply {
  id: number;
  stdout: Buffer;
  stderr: string;
  /** 0 on success, git's exit code, or null (killed, not started). */
  code: number | null;
  killed: boolean;
  /** git could not be started. */
  startFailed?: boolean;
}

interface Request {
  id: number;
  args: string[];
  cwd?: string;
  timeoutMs: number;
  input?: string;
}

/** The runner process's program (run with `node -e`, so it needs no file on disk). */
const RUNNER_SOURCE = `
const { execFile } = require('node:child_process');
const running = new Set();
process.on('message', (m) => {
  const reply = (r) => { try { process.send(r); } catch {} };
  let child;
  try {
    child = execFile('git', m.args, { cwd: m.cwd, timeout: m.timeoutMs, maxBuffer: ${MAX_BUFFER}, encoding: 'buffer' }, (err, stdout, stderr) => {
      running.delete(child);
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      const notStarted = err && typeof err.syscall === 'string' && err.syscall.startsWith('spawn') ? 'cannot start git: ' + err.code : '';
      reply({ id: m.id, stdout, stderr: notStarted || stderr.toString('utf8'), code, killed: Boolean(err && err.killed), startFailed: Boolean(notStarted) });
    });
  } catch (err) {
    reply({ id: m.id, stdout: Buffer.alloc(0), stderr: 'cannot start git: ' + (err && err.code ? err.code : String(err)), code: null, killed: false, startFailed: true });
    return;
  }
  running.add(child);
  if (child.stdin) {
    child.stdin.on('error', () => undefined);
    if (m.input !== undefined) child.stdin.end(m.input);
  }
});
process.on('disconnect', () => {
  for (const c of running) c.kill('SIGTERM');
  process.exit(0);
});
`;

/** Runs `git args...` directly from this process (the fallback, and what the runner does on its side). */
export function runGitDirect(args: readonly string[], opts: GitRunOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = execFile('git', [...args], { cwd: opts.cwd, env: GIT_ENV, timeout: opts.timeoutMs ?? 60_000, maxBuffer: MAX_BUFFER, encoding: 'buffer' }, (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout);
          return;
        }
        const { code, syscall } = err as { code?: unknown; syscall?: unknown };
        if (typeof syscall === 'string' && syscall.startsWith('spawn')) reject(startError(args, err));
        else reject(new GitError(args, `${stderr.toString('utf8')}${(err as { killed?: boolean }).killed ? '\ntimed out' : ''}`, typeof code === 'number' ? code : null));
      });
    } catch (err) {
      reject(startError(args, err));
      return;
    }
    child.stdin?.on('error', () => undefined);
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

interface Pending {
  args: readonly string[];
  opts: GitRunOptions;
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
}

/** Starts git commands from one small long-lived process (see the file comment). */
export class GitRunner {
  private child?: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Processes started so far (a restart after a death counts). */
  started = 0;

  /** Runs `git args...`; resolves stdout, rejects a GitError. */
  run(args: readonly string[], opts: GitRunOptions = {}): Promise<Buffer> {
    const child = this.ensure();
    if (!child) return runGitDirect(args, opts);
    return new Promise<Buffer>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { args, opts, resolve, reject });
      const req: Request = { id, args: [...args], cwd: opts.cwd, timeoutMs: opts.timeoutMs ?? 60_000, ...(opts.input !== undefined ? { input: opts.input } : {}) };
      this.hold(child, true);
      try {
        child.send(req, (err) => {
          if (err) this.lost(child);
        });
      } catch {
        this.lost(child);
      }
    });
  }

  /** The process id of the running runner, if any (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stops the runner process (it stops the commands it runs); commands it held run directly. */
  close(): void {
    const child = this.child;
    if (!child) return;
    this.lost(child);
    if (child.connected) child.disconnect();
  }

  private ensure(): ChildProcess | undefined {
    if (this.child) return this.child;
    let child: ChildProcess;
    try {
      const env = { ...GIT_ENV };
      delete env.NODE_OPTIONS; // the parent's flags (profilers, loaders) are not for the runner
      child = spawn(process.execPath, ['-e', RUNNER_SOURCE], { env, stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'advanced' });
    } catch {
      return undefined;
    }
    // A spawn that failed (out of file descriptors or processes) has no pid and no channel; its 'error'
    // comes later and must find a listener. The commands run directly and fail there on their own.
    if (child.pid === undefined || typeof child.send !== 'function') {
      child.on('error', () => undefined);
      return undefined;
    }
    this.child = child;
    this.started++;
    child.on('message', (m: Reply) => this.answer(m));
    child.on('error', () => this.lost(child));
    child.on('exit', () => this.lost(child));
    child.on('disconnect', () => this.lost(child));
    this.hold(child, false);
    return child;
  }

  private answer(m: Reply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0 && this.child) this.hold(this.child, false);
    if (m.code === 0) p.resolve(m.stdout);
    else p.reject(new GitError(p.args, `${m.stderr}${m.killed ? '\ntimed out' : ''}`, m.code, m.startFailed === true));
  }

  /** The runner is gone: what it held runs directly, the next command starts a new one. */
  private lost(child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = undefined;
    const held = [...this.pending.values()];
    this.pending.clear();
    for (const p of held) runGitDirect(p.args, p.opts).then(p.resolve, p.reject);
  }

  /** A runner with commands in flight keeps the event loop alive; an idle one never does. */
  private hold(child: ChildProcess, busy: boolean): void {
    if (busy) {
      child.ref();
      child.channel?.ref();
    } else {
      child.unref();
      child.channel?.unref();
    }
  }
}

/** The runner shared by every git command of this process. */
export const sharedGitRunner = new GitRunner();
