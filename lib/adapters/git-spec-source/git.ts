/**
 * Running the git CLI: `execFile` (never a shell), a timeout, no prompts, C locale, and errors that
 * keep git's own stderr so the source can tell a missing branch from an unreachable remote. Commands
 * that return their whole output go through the git runner; the two that stream (a batch read fed on
 * stdin, a log walk stopped early) are spawned here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { MAX_SPEC_BYTES } from '../../core/spec/text';
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

/** A blob `catFileBatch` did not read: git announced more bytes than the caller accepts. */
export interface OversizeBlob {
  oversize: true;
  /** The size git announced, in bytes. */
  size: number;
}

/** One answer of `catFileBatch`: the blob, a blob too large to read, or `undefined` for a missing object. */
export type BatchBlob = Buffer | OversizeBlob | undefined;

/** Options of `catFileBatch`. */
export interface CatFileBatchOptions {
  /** Blobs announced above this size are passed over unread (`OversizeBlob`). Default `MAX_SPEC_BYTES`. */
  maxBytes?: number;
  timeoutMs?: number;
}

/**
 * Reads many blobs with one `git cat-file --batch`, by object ID only: a request line is an ID and
 * nothing else, so no name can shift the stream. Every answer is checked: the same ID as asked, type
 * `blob`, the announced size present and followed by its newline. A missing object comes back as
 * `undefined`; a blob announced above `maxBytes` as an `OversizeBlob`, its bytes streamed past and never
 * kept, so the memory a read holds is bounded by `maxBytes` per blob asked for, whatever the repository
 * holds. Anything else unexpected rejects the whole read as a GitError.
 */
export function catFileBatch(gitDir: string, ids: readonly string[], opts: CatFileBatchOptions = {}): Promise<BatchBlob[]> {
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
    const finish = (e: Error | undefined, out?: BatchBlob[]): void => {
      if (run.settled) return;
      run.settled = true;
      clearTimeout(run.timer);
      if (e) reject(e);
      else resolve(out ?? []);
    };
    const child = startGit(gitDir, args, 'pipe', (e) => finish(e));
    if (!child?.stdout || !child.stderr || !child.stdin) return;
    const parser = new BatchParser(ids, opts.maxBytes ?? MAX_SPEC_BYTES);
    let stderr = '';
    run.timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    run.timer.unref(); // as above: the running child keeps the process alive
    child.stdout.on('data', (d: Buffer) => {
      if (run.settled) return;
      try {
        parser.push(d);
      } catch (e) {
        finish(e as Error);
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    child.on('close', (code) => {
      if (code !== 0) {
        finish(new GitError(args, stderr, code));
        return;
      }
      try {
        finish(undefined, parser.end());
      } catch (e) {
        finish(e as Error);
      }
    });
    child.stdin.on('error', () => undefined); // git exiting early is reported by 'close'
    child.stdin.end(ids.map((id) => `${id}\n`).join(''));
  });
}

/** A header line is an object ID, a type and a size: anything longer is not git's answer. */
const MAX_HEADER_BYTES = 256;

/**
 * Splits `cat-file --batch` output, as it arrives, into one answer per requested ID. It keeps only the
 * header being read and the blob being filled (never more than `maxBytes`); a blob announced larger is
 * counted past, not kept.
 */
export class BatchParser {
  private readonly results: BatchBlob[] = [];
  private state: 'header' | 'body' | 'skip' | 'newline' = 'header';
  private header: Buffer[] = [];
  private headerBytes = 0;
  private blob: Buffer = Buffer.alloc(0);
  private filled = 0;
  private remaining = 0;
  private size = '';

  constructor(private readonly ids: readonly string[], private readonly maxBytes: number) {}

  /** Takes the next piece of output; throws a GitError on anything but the answers asked for. */
  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.state === 'header') {
        const nl = chunk.indexOf(0x0a, pos);
        const end = nl < 0 ? chunk.length : nl;
        this.headerBytes += end - pos;
        if (this.headerBytes > MAX_HEADER_BYTES) throw this.fail(`object ${this.id()} answered with a header longer than ${MAX_HEADER_BYTES} bytes`);
        this.header.push(chunk.subarray(pos, end));
        pos = end;
        if (nl < 0) break;
        pos++;
        this.startAnswer(Buffer.concat(this.header).toString('latin1'));
        this.header = [];
        this.headerBytes = 0;
      } else if (this.state === 'body') {
        const n = Math.min(this.blob.length - this.filled, chunk.length - pos);
        chunk.copy(this.blob, this.filled, pos, pos + n);
        this.filled += n;
        pos += n;
        if (this.filled === this.blob.length) this.state = 'newline';
      } else if (this.state === 'skip') {
        const n = Math.min(this.remaining, chunk.length - pos);
        this.remaining -= n;
        pos += n;
        if (this.remaining === 0) this.state = 'newline';
      } else {
        if (chunk[pos] !== 0x0a) throw this.fail(`object ${this.id()} is shorter than its announced ${this.size} bytes`);
        pos++;
        this.results.push(this.remaining === -1 ? this.blob : { oversize: true, size: Number(this.size) });
        this.blob = Buffer.alloc(0);
        this.state = 'header';
      }
    }
  }

  /** The answers, once git has exited; throws when output is missing. */
  end(): BatchBlob[] {
    if (this.state !== 'header') throw this.fail(`object ${this.id()} is shorter than its announced ${this.size} bytes`);
    if (this.results.length < this.ids.length) throw this.fail(`truncated output at object ${this.id()}`);
    return this.results;
  }

  private id(): string {
    return this.ids[this.results.length] ?? '(none)';
  }

  private startAnswer(header: string): void {
    if (this.results.length >= this.ids.length) throw this.fail('more output than objects asked for');
    const id = this.id();
    if (header === `${id} missing`) {
      this.results.push(undefined);
      return;
    }
    const m = /^([0-9a-f]+) ([a-z]+) (\d+)$/.exec(header);
    if (!m || m[1] !== id) throw this.fail(`object ${id} answered as ${JSON.stringify(header)}`);
    if (m[2] !== 'blob') throw this.fail(`object ${id} is a ${m[2]}, not a blob`);
    const size = Number(m[3]);
    if (!Number.isSafeInteger(size)) throw this.fail(`object ${id} announces ${m[3]} bytes`);
    this.size = m[3];
    if (size > this.maxBytes) {
      this.remaining = size;
      this.state = size === 0 ? 'newline' : 'skip';
      return;
    }
    this.remaining = -1;
    this.blob = Buffer.allocUnsafe(size);
    this.filled = 0;
    this.state = size === 0 ? 'newline' : 'body';
  }

  private fail(why: string): GitError {
    return new GitError(['cat-file', '--batch'], why, 0);
  }
}
