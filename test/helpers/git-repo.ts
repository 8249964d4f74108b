/**
 * A real git repository in a temp folder, for tests: a bare "remote" and a working clone that commits
 * and pushes to it. `resetHard` + `push({force: true})` rewrites the remote's history (force-push).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

export class TestRepo {
  readonly dir: string;
  readonly remote: string;
  readonly work: string;

  private constructor(dir: string, readonly branch: string) {
    this.dir = dir;
    this.remote = path.join(dir, 'remote.git');
    this.work = path.join(dir, 'work');
  }

  /** A new empty remote and clone on `branch`. */
  static create(branch = 'main'): TestRepo {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-git-'));
    const r = new TestRepo(dir, branch);
    execFileSync('git', ['init', '-q', '--bare', '-b', branch, r.remote], { env: ENV });
    execFileSync('git', ['init', '-q', '-b', branch, r.work], { env: ENV });
    r.git('remote', 'add', 'origin', r.remote);
    return r;
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.work, env: ENV, encoding: 'utf8' }).trim();
  }

  write(file: string, text: string | Uint8Array): this {
    const full = path.join(this.work, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
    return this;
  }

  rm(file: string): this {
    this.git('rm', '-q', file);
    return this;
  }

  mv(from: string, to: string): this {
    fs.mkdirSync(path.dirname(path.join(this.work, to)), { recursive: true });
    this.git('mv', from, to);
    return this;
  }

  /** Commits everything and returns the new SHA. */
  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.head();
  }

  head(): string {
    return this.git('rev-parse', 'HEAD');
  }

  push(opts: { force?: boolean } = {}): this {
    this.git('push', '-q', ...(opts.force ? ['--force'] : []), 'origin', `HEAD:refs/heads/${this.branch}`);
    return this;
  }

  /** Commits and pushes. */
  commitAndPush(message: string): string {
    const sha = this.commit(message);
    this.push();
    return sha;
  }

  /** Deletes the branch on the remote (as a server-side admin would). */
  deleteRemoteBranch(): this {
    execFileSync('git', ['--git-dir', this.remote, 'update-ref', '-d', `refs/heads/${this.branch}`], { env: ENV });
    return this;
  }

  resetHard(ref: string): this {
    this.git('reset', '-q', '--hard', ref);
    return this;
  }

  /** A fresh temp folder next to the repo (e.g. for a work folder). */
  tempDir(name: string): string {
    return path.join(this.dir, name);
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
