/**
 * What `ps` arguments select, as Nomad `filter` expressions (go-bexpr), one for the allocation list and one
 * for the job list, so the server sends only the matching objects.
 *
 * An argument selects a job when it is the job's team (its namespace), its spec (`nomadguard.spec` names
 * `<team>/<name>/nomadgen.toml`: the argument may be `<name>`, `<team>/<name>` or the whole path), or a
 * part of its ID; with `*` or `?` it is a glob over the whole job ID. Several arguments select the union.
 * No argument selects every job (no filter): every job the token may read, managed by nomadguard or not.
 *
 * Nomad evaluates the allocation filter on the full allocation with its `Job` (nomad/alloc_endpoint.go
 * `Alloc.List`). A Meta key a job lacks is "not present" there (go-bexpr evaluate.go `getValue`: `==`
 * false, `!=` true), while a missing struct field fails the whole list; Meta keys are still guarded with
 * `in` first, which costs nothing and reads the same on every Nomad.
 */

/** Characters an argument may hold: job IDs, team and spec paths, and the glob marks. */
const ARG = /^[A-Za-z0-9_.\-/*?]+$/;

/** Whether `arg` can be used as a `ps` argument. */
export function validArgument(arg: string): boolean {
  return ARG.test(arg);
}

/** `text` as a literal RE2 pattern. */
function reQuote(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** A glob (`*`, `?`) over a whole string as an RE2 pattern. */
function globPattern(glob: string): string {
  return `^${glob.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : reQuote(c))).join('')}$`;
}

/** A raw (backquoted) bexpr string: arguments never hold a backquote (validArgument). */
const raw = (s: string): string => `\`${s}\``;

interface Fields {
  namespace: string;
  id: string;
  meta: string;
}

const ALLOC_FIELDS: Fields = { namespace: 'Namespace', id: 'JobID', meta: 'Job.Meta' };
const JOB_FIELDS: Fields = { namespace: 'Namespace', id: 'ID', meta: 'Meta' };

function argumentClause(arg: string, f: Fields): string {
  if (/[*?]/.test(arg)) return `${f.id} matches ${raw(globPattern(arg))}`;
  const spec = `(${raw('nomadguard.spec')} in ${f.meta} and ${f.meta}[${raw('nomadguard.spec')}] matches ${raw(`(^|/)${reQuote(arg)}(/[^/]+)?$`)})`;
  return `${f.namespace} == ${raw(arg)} or ${f.id} matches ${raw(reQuote(arg))} or ${spec}`;
}

/** The selection of `args`; undefined (everything) for none. */
function selection(args: readonly string[], f: Fields): string | undefined {
  if (args.length === 0) return undefined;
  return args.map((a) => `(${argumentClause(a, f)})`).join(' or ');
}

/** The allocation list filter; `all` keeps allocations no longer meant to run (stopped, replaced). Undefined: no filter. */
export function allocationFilter(args: readonly string[], all: boolean): string | undefined {
  const sel = selection(args, ALLOC_FIELDS);
  if (all) return sel;
  return sel === undefined ? 'DesiredStatus == "run"' : `DesiredStatus == "run" and (${sel})`;
}

/** The job list filter; undefined (every job) without arguments. */
export function jobFilter(args: readonly string[]): string | undefined {
  return selection(args, JOB_FIELDS);
}
