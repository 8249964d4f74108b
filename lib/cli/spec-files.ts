/**
 * The file-system side of `validate` and `render`: finding spec files, their repository root and team,
 * and reading the operator config and the policy it names. The pure pipeline gets contents, never paths.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultOperatorConfig, parseOperatorConfig } from '../../crd-schemas/operator-config';
import { defaultPolicy, parsePolicy } from '../../crd-schemas/policy';
import { formatDiagnostic, type Diagnostic } from '../core/diagnostics';
import { MAX_SPEC_BYTES, tooLarge } from '../core/spec/text';
import type { PipelineEnv } from '../core/pipeline';
import { CliError } from './context';

/** The file name of a spec. */
export const SPEC_FILE = 'nomadgen.toml';

const SKIP_DIRS = new Set(['.git', 'node_modules']);

/** The nearest ancestor of `dir` (itself included) that holds a `.git`, or undefined. */
export function findRepoRoot(dir: string): string | undefined {
  for (let cur = path.resolve(dir); ; cur = path.dirname(cur)) {
    if (fs.existsSync(path.join(cur, '.git'))) return cur;
    if (path.dirname(cur) === cur) return undefined;
  }
}

/** A folder a walk could not read, with the system's error code (`EACCES`, `ENAMETOOLONG`, ...). */
export interface UnreadableFolder {
  dir: string;
  errno: string;
}

/** What a walk found: the spec files, and the folders it could not read (their specs are not listed). */
export interface SpecWalk {
  files: string[];
  unreadable: UnreadableFolder[];
}

const byName = (a: fs.Dirent, b: fs.Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Every entry named `nomadgen.toml` under `dir`, in depth-first order of sorted names, skipping `.git`
 * and `node_modules`. Symlinked folders are not entered; an entry that is not a regular file is listed
 * (the reader refuses it by name). The walk keeps its own stack, so no depth of folders exhausts the
 * call stack, and a folder that cannot be read (permissions, a path longer than the system allows) is
 * reported in `unreadable` while the walk goes on with the others.
 */
export function walkSpecs(dir: string): SpecWalk {
  const files: string[] = [];
  const unreadable: UnreadableFolder[] = [];
  const stack: string[] = [dir];
  for (let d = stack.pop(); d !== undefined; d = stack.pop()) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true }).sort(byName);
    } catch (err) {
      unreadable.push({ dir: d, errno: (err as NodeJS.ErrnoException).code ?? String(err) });
      continue;
    }
    const subdirs: string[] = [];
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) subdirs.push(path.join(d, entry.name));
      } else if (entry.name === SPEC_FILE) files.push(path.join(d, entry.name));
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
  return { files, unreadable };
}

/** The content of a spec file, or the diagnostic saying why it is not read. */
export type SpecRead = { ok: true; bytes: Buffer } | { ok: false; diagnostic: Diagnostic; /** The system's error code when the file could not be read at all. */ errno?: string };

/** What a file-system entry is, for a message; undefined for a regular file. */
function notRegular(st: fs.Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOFOLLOW ?? 0);
const CHUNK = 64 * 1024;

/**
 * Reads a spec file without trusting what the path names: the entry itself is checked with `lstat`
 * (a symlink, FIFO, device or socket is refused by name, never followed or opened), the file is
 * opened non-blocking without following a symlink and checked again on the open descriptor, and at
 * most one byte past the size limit is read. `file` is the name diagnostics use.
 */
export function readSpecFile(abs: string, file: string): SpecRead {
  const refuse = (what: string): SpecRead => ({ ok: false, diagnostic: { code: 'SPEC_NOT_A_FILE', severity: 'error', file, message: `the spec is ${what}; only regular files are read`, hint: 'commit the spec itself, not a link to it' } });
  const unreadable = (err: unknown): SpecRead => {
    const errno = (err as NodeJS.ErrnoException).code ?? String(err);
    return { ok: false, errno, diagnostic: { code: 'FILE_UNREADABLE', severity: 'error', file, message: `cannot read the spec: ${errno}` } };
  };
  let st: fs.Stats;
  try {
    st = fs.lstatSync(abs);
  } catch (err) {
    return unreadable(err);
  }
  const kind = notRegular(st);
  if (kind) return refuse(kind);
  let fd: number;
  try {
    fd = fs.openSync(abs, OPEN_FLAGS);
  } catch (err) {
    // ELOOP: the entry became a symlink after the lstat above.
    return (err as NodeJS.ErrnoException).code === 'ELOOP' ? refuse('a symbolic link') : unreadable(err);
  }
  try {
    const opened = fs.fstatSync(fd);
    const openedKind = notRegular(opened);
    if (openedKind) return refuse(openedKind);
    if (opened.size > MAX_SPEC_BYTES) return { ok: false, diagnostic: tooLarge(opened.size, file) };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, MAX_SPEC_BYTES + 1 - total));
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > MAX_SPEC_BYTES) return { ok: false, diagnostic: tooLarge(total, file) };
    }
    return { ok: true, bytes: Buffer.concat(chunks, total) };
  } catch (err) {
    return unreadable(err);
  } finally {
    fs.closeSync(fd);
  }
}

/** A file name for one output line: control characters escaped the JSON way, no quotes added. */
export function displayName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(name) ? JSON.stringify(name).slice(1, -1) : name;
}

/** A path relative to `root` with forward slashes. */
export function relativeSlash(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/** Reads the operator config (`--config`, else the defaults) and the policy it names (else the open policy). */
export function loadPipelineEnv(configFile: string | undefined, cwd: string, env: NodeJS.ProcessEnv): PipelineEnv {
  if (configFile === undefined) return { config: defaultOperatorConfig(env), policy: defaultPolicy() };
  const configPath = path.resolve(cwd, configFile);
  const text = readText(configPath, 'config');
  const parsed = parseOperatorConfig(text, configFile, env);
  if (!parsed.ok) throw new CliError(`invalid operator config:\n${parsed.diagnostics.map(formatDiagnostic).join('\n')}`);
  const config = parsed.config;
  if (config.policy === undefined) return { config, policy: defaultPolicy() };
  const policyPath = path.resolve(path.dirname(configPath), config.policy);
  const policy = parsePolicy(readText(policyPath, 'policy'), config.policy);
  if (!policy.ok) throw new CliError(`invalid policy:\n${policy.diagnostics.map(formatDiagnostic).join('\n')}`);
  return { config, policy: policy.policy };
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
