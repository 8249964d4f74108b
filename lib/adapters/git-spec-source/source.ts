/**
 * The git spec source: the spec repository followed through the git CLI.
 *
 * The work folder is a bare repository; the followed branch is fetched into a private ref and every
 * read names a commit (`git ls-tree`, `git cat-file --batch`), so a pass sees exactly one commit and
 * no working tree can move under it. A force-push, a missing branch, an unreachable remote or a broken
 * work folder never produce an empty desired state: `poll` reports an error and the caller keeps the
 * last good one; a broken work folder is rebuilt on the next poll.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { branchProblem, repoProblem } from '../../../crd-schemas/operator-config';
import { MAX_SPEC_BYTES, tooLarge } from '../../core/spec/text';
import { GitError, OBJECT_ID, catFileBatch, git, gitStream } from './git';

/** A spec file at a commit. */
export interface SpecFile {
  /** Path from the repository root, `/`-separated. */
  path: string;
  /** The team folder: first path segment below the source's `path`. */
  team: string;
  /** The blob's object ID at the commit (absent only for entries not from a listing). */
  oid?: string;
  /** The blob's size in bytes, as listed (absent for entries that are not blobs or not from a listing). */
  size?: number;
  /** Set when the entry can never be read as a spec (see {@link SpecEntryProblem}); it is not read. */
  problem?: SpecEntryProblem;
}

/**
 * Why a listed spec path is not a readable spec: the path holds control characters (a newline in a
 * name must never reach a line-based protocol or a log line), the entry is a symlink or a submodule
 * (gitlink) rather than a file, or the file is above the spec size limit (`MAX_SPEC_BYTES`, known from
 * the listing, so it is never read). Such an entry is one invalid spec of its own; the rest of the
 * commit applies.
 */
export interface SpecEntryProblem {
  code: 'SPEC_PATH_INVALID' | 'SPEC_NOT_A_FILE' | 'FILE_TOO_LARGE';
  /** Names the path JSON-escaped (a size problem names the size; the path is the diagnostic's file). */
  message: string;
  /** Where in the file the problem is, when it is about the content (`FILE_TOO_LARGE`: 1:1). */
  line?: number;
  col?: number;
}

/** A spec that changed between two commits. */
export interface SpecChange {
  status: 'added' | 'modified' | 'deleted' | 'renamed';
  path: string;
  /** For renames: where it was. */
  oldPath?: string;
}

/** Why the source could not give a usable commit. */
export type SourceErrorReason = 'BranchNotFound' | 'RemoteUnreachable' | 'CheckoutCorrupt' | 'GitFailed';

/** A source failure; the caller keeps the last known desired state and prunes nothing. */
export interface SourceError {
  reason: SourceErrorReason;
  message: string;
}

/** The result of one poll. */
export type SourcePoll =
  | {
      ok: true;
      /** The commit this pass is pinned to. */
      commit: string;
      /** The last processed commit given by the caller. */
      previous?: string;
      /** True when every spec must be re-rendered (first pass, force-push, unknown previous). */
      full: boolean;
      /** The previous commit is not an ancestor of the new one. */
      forcePushed: boolean;
      /** The checkout was read and verified; prunes are allowed only when true. */
      healthy: boolean;
      /** Every spec at `commit` (empty when `commit` is `previous` and not `full`: nothing changed). */
      specs: SpecFile[];
      /** Specs changed since `previous` (empty when `full`). */
      changed: SpecChange[];
    }
  | { ok: false; error: SourceError };

/** Options of a git spec source. */
export interface GitSpecSourceOptions {
  /** URL or local path of the repository. */
  repo: string;
  branch: string;
  /** Work folder (a bare repository is kept there). */
  workDir: string;
  /** Folder inside the repository holding the team folders ('.' for the root). */
  path?: string;
  /** File name of a spec. */
  specFileName?: string;
  fetchTimeoutMs?: number;
}

const TRACK_REF = 'refs/nomadguard/tracked';

/** Follows one branch of one repository. */
export class GitSpecSource {
  readonly repo: string;
  readonly branch: string;
  private readonly gitDir: string;
  private readonly root: string;
  private readonly specFileName: string;
  private readonly fetchTimeoutMs: number;
  private broken = false;
  /** The work folder was checked to be a repository by this process (skips re-checking on every poll). */
  private verified = false;
  /** The work folder was (re)created since the last successful poll: the next pass is full. */
  private fresh = false;
  /** The fetch in flight, shared by every caller asking meanwhile. */
  private fetching?: Promise<{ ok: true; commit: string } | { ok: false; error: SourceError }>;

  /** Throws when `repo` or `branch` could be taken by git for an option or is not a branch name. */
  constructor(opts: GitSpecSourceOptions) {
    const problem = repoProblem(opts.repo) ?? branchProblem(opts.branch);
    if (problem) throw new Error(problem);
    this.repo = isLocalPath(opts.repo) ? path.resolve(opts.repo) : opts.repo;
    this.branch = opts.branch;
    this.gitDir = opts.workDir;
    this.root = normalizeRoot(opts.path ?? '.');
    this.specFileName = opts.specFileName ?? 'nomadgen.toml';
    this.fetchTimeoutMs = opts.fetchTimeoutMs ?? 120_000;
  }

  /**
   * Fetches the branch and returns the commit it points to, or a classified error. Callers sharing this
   * source (one per cluster) that ask while a fetch runs share that fetch: one work folder, one fetch at a time.
   */
  fetch(): Promise<{ ok: true; commit: string } | { ok: false; error: SourceError }> {
    this.fetching ??= this.fetchOnce().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async fetchOnce(): Promise<{ ok: true; commit: string } | { ok: false; error: SourceError }> {
    try {
      await this.ensureRepo();
    } catch (e) {
      return { ok: false, error: isStartFailure(e) ? classify(e, this.branch) : { reason: 'CheckoutCorrupt', message: errText(e) } };
    }
    try {
      await git(this.gitDir, ['fetch', '--no-tags', '--force', '--quiet', '--no-write-fetch-head', '--no-auto-maintenance', '--no-recurse-submodules', '--no-show-forced-updates', '--', this.repo, `+refs/heads/${this.branch}:${TRACK_REF}`], { timeoutMs: this.fetchTimeoutMs });
    } catch (e) {
      const error = classify(e, this.branch);
      if (error.reason === 'CheckoutCorrupt') this.broken = true;
      return { ok: false, error };
    }
    try {
      return { ok: true, commit: await this.trackedCommit() };
    } catch (e) {
      if (!isStartFailure(e)) this.broken = true;
      return { ok: false, error: isStartFailure(e) ? classify(e, this.branch) : { reason: 'CheckoutCorrupt', message: errText(e) } };
    }
  }

  /**
   * The commit the tracked ref points to. The fetch just wrote it as a loose ref, so it is read from the
   * file: a poll then costs one git process (each spawn of a large Node process blocks it for tens of
   * ms). A packed or unreadable ref falls back to `git rev-parse`.
   */
  private async trackedCommit(): Promise<string> {
    const text = await fs.readFile(path.join(this.gitDir, ...TRACK_REF.split('/')), 'utf8').catch(() => '');
    const id = text.trim();
    if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(id)) return id;
    return (await git(this.gitDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${TRACK_REF}^{commit}`])).toString('utf8').trim();
  }

  /**
   * One pass: fetch, pin a commit, decide full or incremental against `previous`, list the specs and
   * verify the checkout. `full: true` forces a full re-render (periodic resync).
   */
  async poll(previous?: string, opts: { full?: boolean } = {}): Promise<SourcePoll> {
    const fetched = await this.fetch();
    if (!fetched.ok) return fetched;
    const commit = fetched.commit;
    try {
      let forcePushed = false;
      let full = opts.full === true || previous === undefined || this.fresh;
      if (previous !== undefined && previous !== commit) {
        const known = await this.hasCommit(previous);
        forcePushed = !known || !(await this.isAncestor(previous, commit));
        if (forcePushed) full = true;
      }
      // Nothing moved: no listing at all (the caller keeps what it rendered).
      if (!full && previous === commit) return { ok: true, commit, previous, full: false, forcePushed: false, healthy: true, specs: [], changed: [] };
      const specs = await this.listSpecs(commit);
      const changed = full || previous === undefined ? [] : await this.changedSpecs(previous, commit);
      // A force-push pass may prune only when the new commit's objects are verified complete.
      const healthy = forcePushed ? await this.verify(commit) : true;
      this.fresh = false;
      return { ok: true, commit, previous, full, forcePushed, healthy, specs, changed };
    } catch (e) {
      const error = classify(e, this.branch);
      // git that could not start says nothing about the work folder: it is kept, the error is reported.
      if (isStartFailure(e)) return { ok: false, error };
      if (error.reason === 'CheckoutCorrupt' || error.reason === 'GitFailed') this.broken = true;
      return { ok: false, error: error.reason === 'GitFailed' ? { reason: 'CheckoutCorrupt', message: error.message } : error };
    }
  }

  /**
   * Every spec file at `commit`, sorted by path, with its object ID and size (`git ls-tree -r -z -l`:
   * mode, type, ID, size and a NUL-terminated path, so any name is read whole). A path with control
   * characters, a symlink or a submodule at a spec path, or a file above the spec size limit is listed
   * with its `problem` and never read.
   */
  async listSpecs(commit: string): Promise<SpecFile[]> {
    const args = ['ls-tree', '-r', '-z', '-l', '--full-tree', '--end-of-options', commit];
    if (this.root !== '') args.push('--', this.root);
    const out = (await git(this.gitDir, args)).toString('utf8');
    const specs: SpecFile[] = [];
    for (const record of out.split('\0')) {
      if (record === '') continue;
      const m = LS_TREE_RECORD.exec(record);
      if (!m) throw new GitError(['ls-tree'], `unexpected ls-tree record ${JSON.stringify(record)}`, 0);
      const [, mode, type, oid, sizeText, p] = m;
      if (!this.isSpec(p)) continue;
      const spec: SpecFile = { path: p, team: this.teamOf(p), oid };
      if (/^\d+$/.test(sizeText)) spec.size = Number(sizeText);
      const problem = entryProblem(p, mode, type, spec.size);
      if (problem) spec.problem = problem;
      specs.push(spec);
    }
    return specs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Specs changed between two commits (`git diff --name-status -z`, renames detected). */
  async changedSpecs(from: string, to: string): Promise<SpecChange[]> {
    const args = ['diff', '--name-status', '-z', '-M', '--no-ext-diff', '--end-of-options', from, to];
    if (this.root !== '') args.push('--', this.root);
    const parts = (await git(this.gitDir, args)).toString('utf8').split('\0');
    const changes: SpecChange[] = [];
    for (let i = 0; i < parts.length; ) {
      const status = parts[i++];
      if (!status) continue;
      const kind = status[0];
      if (kind === 'R' || kind === 'C') {
        const oldPath = parts[i++];
        const newPath = parts[i++];
        const oldSpec = this.isSpec(oldPath);
        const newSpec = this.isSpec(newPath);
        if (kind === 'R' && oldSpec && newSpec) changes.push({ status: 'renamed', path: newPath, oldPath });
        else {
          if (kind === 'R' && oldSpec) changes.push({ status: 'deleted', path: oldPath });
          if (newSpec) changes.push({ status: 'added', path: newPath });
        }
        continue;
      }
      const p = parts[i++];
      if (!this.isSpec(p)) continue;
      changes.push({ status: kind === 'A' ? 'added' : kind === 'D' ? 'deleted' : 'modified', path: p });
    }
    return changes;
  }

  /**
   * The contents of listed specs, read by object ID with one `git cat-file --batch`. Specs with a
   * `problem`, no ID or a listed size above the limit are not read; a listed blob missing from the
   * checkout is absent from the map (the caller decides what that means), and so is a blob git
   * announces above the limit, which is streamed past, never held; a wrong answer from git rejects.
   */
  async readSpecs(specs: readonly SpecFile[]): Promise<Map<string, Buffer>> {
    const wanted = specs.filter((s): s is SpecFile & { oid: string } => s.problem === undefined && s.oid !== undefined && (s.size === undefined || s.size <= MAX_SPEC_BYTES));
    const blobs = await catFileBatch(this.gitDir, wanted.map((s) => s.oid), { maxBytes: MAX_SPEC_BYTES });
    const out = new Map<string, Buffer>();
    wanted.forEach((s, i) => {
      const b = blobs[i];
      if (Buffer.isBuffer(b)) out.set(s.path, b);
    });
    return out;
  }

  /** The contents of the specs at `paths` at `commit` (listed first). Missing files and refused entries are absent. */
  async readFiles(commit: string, paths: readonly string[]): Promise<Map<string, Buffer>> {
    const want = new Set(paths);
    return this.readSpecs((await this.listSpecs(commit)).filter((s) => want.has(s.path)));
  }

  /**
   * The commit that last changed each of `paths`, as of `commit`: one `git log --name-only` walk for
   * all of them, stopped as soon as every path was seen. Paths never changed (impossible for files that
   * exist) are absent.
   */
  async lastChangedCommits(commit: string, paths: readonly string[]): Promise<Map<string, string>> {
    const wanted = new Set(paths);
    const found = new Map<string, string>();
    if (wanted.size === 0) return found;
    const args = ['log', '--format=%x01%H', '--name-only', '-z', '--no-renames', '--end-of-options', commit];
    // Few paths: name them; many: restrict to the spec root (a command line has limits).
    if (wanted.size <= 64) args.push('--', ...wanted);
    else if (this.root !== '') args.push('--', this.root);
    // The stream is NUL-separated records: `\x01<commit>`, then its paths, the first one after a
    // newline. Paths are split on NUL only: a newline inside a name stays part of that name.
    let current = '';
    let afterHeader = false;
    let rest = Buffer.alloc(0);
    const take = (record: string): boolean => {
      if (record.startsWith('\x01')) {
        current = record.slice(1);
        afterHeader = true;
        return true;
      }
      const p = afterHeader && record.startsWith('\n') ? record.slice(1) : record;
      afterHeader = false;
      if (p !== '' && wanted.has(p) && !found.has(p)) {
        found.set(p, current);
        if (found.size === wanted.size) return false;
      }
      return true;
    };
    await gitStream(this.gitDir, args, (chunk) => {
      let buf = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      for (let nul = buf.indexOf(0); nul >= 0; nul = buf.indexOf(0)) {
        if (!take(buf.subarray(0, nul).toString('utf8'))) return false;
        buf = buf.subarray(nul + 1);
      }
      rest = Buffer.from(buf);
      return true;
    });
    if (rest.length > 0) take(rest.toString('utf8'));
    return found;
  }

  /** True when `a` is an ancestor of (or equal to) `b`. */
  async isAncestor(a: string, b: string): Promise<boolean> {
    if (!OBJECT_ID.test(a) || !OBJECT_ID.test(b)) return false;
    try {
      await git(this.gitDir, ['merge-base', '--is-ancestor', '--end-of-options', a, b]);
      return true;
    } catch (e) {
      if (e instanceof GitError && e.exitCode === 1) return false;
      throw e;
    }
  }

  /** The subject line of `commit` (undefined when it cannot be read); control characters become spaces. */
  async commitSubject(commit: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
    try {
      const out = (await git(this.gitDir, ['show', '-s', '--format=%s', commit, '--'])).toString('utf8');
      return Array.from(out, (c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? ' ' : c)).join('').trim();
    } catch {
      return undefined;
    }
  }

  /** True when the repository has `commit`. */
  async hasCommit(commit: string): Promise<boolean> {
    if (!OBJECT_ID.test(commit)) return false;
    try {
      await git(this.gitDir, ['cat-file', '-e', '--end-of-options', `${commit}^{commit}`]);
      return true;
    } catch {
      return false;
    }
  }

  /** True when every object reachable from `commit` is present and readable. */
  async verify(commit: string): Promise<boolean> {
    try {
      await git(this.gitDir, ['rev-list', '--objects', '--quiet', '--end-of-options', commit]);
      await git(this.gitDir, ['fsck', '--no-dangling', '--connectivity-only', '--no-progress']);
      return true;
    } catch {
      return false;
    }
  }

  private isSpec(p: string): boolean {
    if (path.posix.basename(p) !== this.specFileName) return false;
    return this.root === '' || p.startsWith(`${this.root}/`);
  }

  private teamOf(p: string): string {
    const rel = this.root === '' ? p : p.slice(this.root.length + 1);
    return rel.split('/')[0];
  }

  /** Creates the work folder when missing; throws when it exists but is not a usable repository. */
  private async ensureRepo(): Promise<void> {
    if (this.broken) {
      await fs.rm(this.gitDir, { recursive: true, force: true });
      this.broken = false;
    }
    // Checked once per process: a folder broken later makes the fetch fail, which marks it for rebuild.
    if (this.verified && (await fs.access(path.join(this.gitDir, 'objects')).then(() => true, () => false))) return;
    this.verified = false;
    const exists = await fs.access(this.gitDir).then(() => true, () => false);
    if (exists && (await fs.readdir(this.gitDir)).length > 0) {
      try {
        await git(this.gitDir, ['rev-parse', '--git-dir']);
        await fs.access(path.join(this.gitDir, 'objects'));
        this.verified = true;
        return;
      } catch (e) {
        if (!isStartFailure(e)) this.broken = true; // rebuilt on the next poll; this pass reports the error
        throw e;
      }
    }
    await fs.mkdir(this.gitDir, { recursive: true });
    await git(undefined, ['init', '--quiet', '--bare', '--', this.gitDir]);
    this.fresh = true;
    this.verified = true;
  }
}

/**
 * One `ls-tree -z -l` record: `<mode> SP <type> SP <object id> SP+ <size> TAB <path>`, the size padded
 * on the left to 7 characters, `-` for entries that are not blobs and `BAD` for a blob git cannot read
 * (git's builtin/ls-tree.c, `show_tree_long`). An unreadable blob is requested like any other, and
 * answered missing.
 */
const LS_TREE_RECORD = /^([0-7]{6}) ([a-z]+) ([0-9a-f]{40}|[0-9a-f]{64}) +(\d+|-|BAD)\t([\s\S]+)$/;

/** C0 controls, DEL and C1 controls: never part of a spec path. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * What makes a listed spec unreadable: control characters or bytes that are not UTF-8 in its path; a symlink (mode 120000) or a
 * submodule (mode 160000, type commit) where a file is expected; a file above `MAX_SPEC_BYTES`. Modes are git's tree entry modes
 * (git's object.h / tree-walk: S_IFLNK 0120000, S_IFGITLINK 0160000).
 */
function entryProblem(p: string, mode: string, type: string, size: number | undefined): SpecEntryProblem | undefined {
  const name = JSON.stringify(p);
  if (CONTROL_CHARS.test(p)) return { code: 'SPEC_PATH_INVALID', message: `the spec path ${name} contains control characters; rename it` };
  // Bytes that are not UTF-8 decode to U+FFFD: two such names could not be told apart.
  if (p.includes('\ufffd')) return { code: 'SPEC_PATH_INVALID', message: `the spec path ${name} is not valid UTF-8; rename it` };
  if (mode === '160000' || type === 'commit') return { code: 'SPEC_NOT_A_FILE', message: `the spec path ${name} is a submodule (gitlink), not a file` };
  if (mode === '120000') return { code: 'SPEC_NOT_A_FILE', message: `the spec path ${name} is a symbolic link, not a file` };
  if (type !== 'blob' || !mode.startsWith('100')) return { code: 'SPEC_NOT_A_FILE', message: `the spec path ${name} is not a regular file (mode ${mode})` };
  if (size !== undefined && size > MAX_SPEC_BYTES) return { code: 'FILE_TOO_LARGE', message: tooLarge(size, p).message, line: 1, col: 1 };
  return undefined;
}

/** git could not be started at all (no process): nothing is known about the repository. */
function isStartFailure(e: unknown): boolean {
  return e instanceof GitError && e.startFailed;
}

function normalizeRoot(p: string): string {
  const n = path.posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\/?/, '').replace(/\/+$/, '');
  return n === '.' ? '' : n;
}

function isLocalPath(repo: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) && !/^[^/]+@[^/]+:/.test(repo);
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Classifies a git failure by git's own words. */
export function classify(e: unknown, branch: string): SourceError {
  const text = e instanceof GitError ? e.stderr : errText(e);
  const message = e instanceof Error ? e.message : text;
  if (isStartFailure(e)) return { reason: 'GitFailed', message };
  if (/couldn't find remote ref|no such ref was fetched/i.test(text)) return { reason: 'BranchNotFound', message: `branch ${branch} not found: ${message}` };
  if (/could not read from remote|does not appear to be a git repository|unable to access|could not resolve host|connection refused|connection timed out|repository .* not found|no such file or directory|timed out/i.test(text)) {
    return { reason: 'RemoteUnreachable', message };
  }
  if (/not a git repository|bad object|corrupt|loose object|object file .* is empty|missing (blob|tree|commit)|unable to read|fatal: .*index file|invalid object|did not send all necessary objects|packfile/i.test(text)) {
    return { reason: 'CheckoutCorrupt', message };
  }
  return { reason: 'GitFailed', message };
}
