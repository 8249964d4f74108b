/**
 * Desired against live, field by field, after both went through `normalizeJob`. Nomad's plan diff is not a
 * complete comparison (nomad/structs/diff.go has no Spread diff and skips task Lifecycle, group
 * Update.Stagger and several pointer fields), so "in sync" is decided here and the plan is only shown.
 *
 * Paths read like `TaskGroups[main].Tasks[web].Config.image`: members of named lists by their name (groups,
 * tasks, services, checks and identities by Name, ports by Label, spread targets by Value, templates by
 * DestPath, volume mounts by Destination), other lists by index. Constraints, affinities, tags and
 * datacenters are sets, as Nomad's diff treats them; spreads pair by attribute. A field the server leaves
 * at its zero value equals an absent one. Secret values never leave this module: a change under `Env`,
 * template data, Vault, task secrets, or any key `isSecretKey` names carries `secret: true` and no values;
 * so does a change whose value holds a URL with credentials (`https://user:pass@host/...` or a secret
 * query parameter, `hasUrlCredentials`: an artifact source, a Meta connection string) or an `args` list
 * with a secret option (`isSecretArgs`). No path segment carries credentials: a URL in a name or key
 * (artifacts are keyed by their source) is shown as `stripUrlCredentials` leaves it.
 *
 * Linear in the size of the two jobs; a path is only built for a change.
 */
import type { Job } from '../nomad/types';
import { normalizeJob, type NormalizeOptions } from './normalize';
import { hasUrlCredentials, stripUrlCredentials } from './redact';

type Obj = Record<string, unknown>;

/** One difference, desired (`new`) against live (`old`). `added`: only desired has it; `removed`: only live. */
export interface FieldChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  old?: string;
  new?: string;
  secret?: boolean;
}

/** The verdict of `compareJobs`: `equal` exactly when `changes` is empty. */
export interface JobComparison {
  equal: boolean;
  changes: FieldChange[];
}

/** How the two jobs are compared; the normalisation options apply to both sides. */
export interface CompareOptions extends NormalizeOptions {
  /** Groups under an autoscaler: their Count is theirs, never a difference. */
  ignoreCounts?: ReadonlySet<string>;
  /** Job Meta keys that never make a job differ. Default `LEGACY_META_KEYS`. */
  ignoreMetaKeys?: ReadonlySet<string>;
  /**
   * Leave out what the server adds from its own configuration (job_endpoint_hook_implicit_identities.go):
   * task identities named `vault_<cluster>`/`consul_<cluster>` and their `${attr.nomad.version} >= 1.7.0-a`
   * group constraint, when only the live job has them. Default true.
   */
  ignoreImplicitIdentities?: boolean;
}

/** Bookkeeping keys older releases wrote into job Meta; they say nothing about the job. */
export const LEGACY_META_KEYS: ReadonlySet<string> = new Set(['nomadguard.hash', 'nomadguard.commit', 'nomadguard.modifications']);

/**
 * Words that make a key secret, matched case-insensitively anywhere in the key (`DB_PASSWORD`,
 * `api-token`, `ssh_private_key`, docker `auth`). It errs toward hiding: `author` and `keyboard` are
 * hidden too, which costs a value in a diff and never leaks one.
 */
export const SECRET_KEY_WORDS: readonly string[] = ['password', 'passwd', 'secret', 'token', 'key', 'credential', 'auth', 'private', 'cert'];

/** True when a key's name says its value is secret. @example isSecretKey('DB_PASSWORD') === true */
export function isSecretKey(name: string): boolean {
  const lower = name.toLowerCase();
  for (const w of SECRET_KEY_WORDS) if (lower.includes(w)) return true;
  return false;
}

/** An argument that sets an option inline: `--name=value`, `-name=value` or `name=value`. */
const INLINE_OPTION = /^-{0,2}([^=\s]+)=/;
/** An option alone, its value in the next argument: `--name`, `-name`. */
const BARE_OPTION = /^-{1,2}([^=\s]+)$/;

/**
 * True when a command's argument list carries a secret: an argument setting an option whose name
 * `isSecretKey` names (`--db-password=x`, `api_token=x`), or the argument after such an option given alone
 * (`--password`, `x`). Like `isSecretKey`, it errs toward hiding.
 *
 * @example isSecretArgs(['--port=80', '--api-token=abc']) === true
 */
export function isSecretArgs(args: readonly unknown[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a !== 'string') continue;
    const inline = INLINE_OPTION.exec(a);
    if (inline && isSecretKey(inline[1])) return true;
    const bare = BARE_OPTION.exec(a);
    if (bare && i + 1 < args.length && isSecretKey(bare[1])) return true;
  }
  return false;
}

/** True when a value, as a change would show it, must not be shown: a URL with credentials, secret arguments. */
function secretValue(field: string, v: unknown): boolean {
  if (typeof v === 'string') return hasUrlCredentials(v);
  if (!Array.isArray(v)) return false;
  if (field.toLowerCase() === 'args' && isSecretArgs(v)) return true;
  return v.some((x) => typeof x === 'string' && hasUrlCredentials(x));
}

/** Fields whose whole content is secret, whatever their keys are called. */
const SECRET_FIELDS: ReadonlySet<string> = new Set(['Env', 'EmbeddedTmpl', 'Vault', 'Secrets']);

/** Maps whose keys are the user's, not Nomad's: absent is `{}`, and values compare strictly. */
const OPAQUE_MAPS: ReadonlySet<string> = new Set(['Config', 'Meta', 'Env', 'CanaryMeta', 'TaggedAddresses', 'Header', 'GetterOptions', 'GetterHeaders', 'Policy', 'Target', 'Labels']);

/** Lists whose members are named by a field. */
const KEYED: Readonly<Record<string, string>> = {
  TaskGroups: 'Name', Tasks: 'Name', Services: 'Name', Checks: 'Name', Identities: 'Name', Devices: 'Name', Actions: 'Name',
  DynamicPorts: 'Label', ReservedPorts: 'Label', SpreadTarget: 'Value', Templates: 'DestPath', VolumeMounts: 'Destination', Artifacts: 'GetterSource',
};

/** Lists Nomad treats as sets (nomad/structs/diff.go: stringSetDiff, primitiveObjectSetDiff). */
const SETS: ReadonlySet<string> = new Set(['Constraints', 'Affinities', 'Tags', 'CanaryTags', 'Datacenters']);

const IMPLICIT_IDENTITY_CONSTRAINT = { LTarget: '${attr.nomad.version}', RTarget: '>= 1.7.0-a', Operand: 'semver' };

/**
 * Compares `desired` with `live` through the project's normalisation (both sides, same options).
 *
 * @example compareJobs(desired, await nomad.readJob(id), { region: 'global' }).equal
 */
export function compareJobs(desired: Job, live: Job, opts: CompareOptions = {}): JobComparison {
  const w = new Walker(opts);
  w.root(normalizeJob(desired, opts) as Obj, normalizeJob(live, opts) as Obj);
  return { equal: w.changes.length === 0, changes: w.changes };
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Absent: undefined, null, an empty list or map. */
function absent(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') {
    for (const _k in v as Obj) return false;
    return true;
  }
  return false;
}

/** Absent or Go's zero value: what the server stores for a field nobody set. */
function zero(v: unknown): boolean {
  return v === '' || v === 0 || v === false || absent(v);
}

function scalar(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && v !== undefined);
}

function render(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function constraintText(c: Obj): string {
  const weight = c.Weight === undefined ? '' : ` (weight ${render(c.Weight)})`;
  return `${render(c.LTarget)} ${render(c.Operand)} ${render(c.RTarget)}`.trim() + weight;
}

function sameFlat(a: Obj, b: Obj): boolean {
  return a.LTarget === b.LTarget && a.RTarget === b.RTarget && a.Operand === b.Operand && (a.Weight ?? 0) === (b.Weight ?? 0);
}

/** A list's members by `key`, or null when a name repeats on a side (then members pair by index). */
function uniqueKeys(list: readonly unknown[], key: string): string[] | null {
  const keys: string[] = [];
  for (const m of list) {
    const k = isObj(m) ? stripUrlCredentials(render(m[key])) : '';
    if (keys.includes(k)) return null;
    keys.push(k);
  }
  return keys;
}

/** One comparison: the path under construction and the changes found. */
class Walker {
  readonly changes: FieldChange[] = [];
  private readonly segs: string[] = [];
  /** 0: `.field`; 1: `[member]`. */
  private readonly kinds: number[] = [];
  private readonly ignoreCounts: ReadonlySet<string>;
  private readonly ignoreMeta: ReadonlySet<string>;
  private readonly implicitIdentities: boolean;

  constructor(opts: CompareOptions) {
    this.ignoreCounts = opts.ignoreCounts ?? new Set();
    this.ignoreMeta = opts.ignoreMetaKeys ?? LEGACY_META_KEYS;
    this.implicitIdentities = opts.ignoreImplicitIdentities ?? true;
  }

  root(a: Obj, b: Obj): void {
    this.object(a, b, false, false, (k) => (k === 'Meta' ? 'job-meta' : undefined));
  }

  private path(): string {
    let p = '';
    for (let i = 0; i < this.segs.length; i++) p += this.kinds[i] === 1 ? `[${this.segs[i]}]` : p === '' ? this.segs[i] : `.${this.segs[i]}`;
    return p;
  }

  private emit(kind: FieldChange['kind'], a: unknown, b: unknown, secret: boolean, withValues: boolean, field: string): void {
    const c: FieldChange = { path: this.path(), kind };
    if (secret || (withValues && (secretValue(field, a) || secretValue(field, b)))) c.secret = true;
    else if (withValues) {
      if (kind !== 'added') c.old = render(b);
      if (kind !== 'removed') c.new = render(a);
    }
    this.changes.push(c);
  }

  /** A path segment never carries credentials: a URL in a name or key is kept without its user information. */
  private push(seg: string, kind: number): void {
    this.segs.push(stripUrlCredentials(seg));
    this.kinds.push(kind);
  }

  private pop(): void {
    this.segs.pop();
    this.kinds.pop();
  }

  /**
   * Compares field values `a` (desired) and `b` (live) named `field`. `opaque`: inside a user map, where
   * keys are not Nomad's and a zero value is a value.
   */
  private value(field: string, a: unknown, b: unknown, secret: boolean, opaque: boolean, special?: string): void {
    if (a === b) return;
    const aNil = a === undefined || a === null;
    const bNil = b === undefined || b === null;
    if (opaque) {
      if (aNil && bNil) return;
    } else {
      if (zero(a) && zero(b)) return;
      if (OPAQUE_MAPS.has(field) && (isObj(a) || absent(a)) && (isObj(b) || absent(b))) {
        this.object(isObj(a) ? a : {}, isObj(b) ? b : {}, secret, true, special === 'job-meta' ? () => 'skip-legacy' : undefined);
        return;
      }
    }
    if (!opaque && this.memberwise(field, a, b)) {
      this.list(field, Array.isArray(a) ? a : [], Array.isArray(b) ? b : [], secret, false);
      return;
    }
    if (opaque ? bNil : absent(b)) {
      this.emit('added', a, b, secret, scalar(a) || this.scalarList(a), field);
      return;
    }
    if (opaque ? aNil : absent(a)) {
      this.emit('removed', a, b, secret, scalar(b) || this.scalarList(b), field);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      this.list(field, a, b, secret, opaque);
      return;
    }
    if (isObj(a) && isObj(b)) {
      this.object(a, b, secret, opaque, special === 'group' ? (k) => (k === 'Count' ? 'skip' : undefined) : undefined);
      return;
    }
    this.emit('changed', a, b, secret, (scalar(a) || this.scalarList(a)) && (scalar(b) || this.scalarList(b)), field);
  }

  /** A list present on one side only whose members are reported one by one (sets and lists of objects). */
  private memberwise(field: string, a: unknown, b: unknown): boolean {
    const list = Array.isArray(a) && absent(b) ? a : Array.isArray(b) && absent(a) ? b : null;
    return list !== null && (SETS.has(field) || !list.every(scalar));
  }

  private scalarList(v: unknown): boolean {
    return Array.isArray(v) && v.every(scalar);
  }

  /** Walks both objects' keys: desired's first, then live's extra ones. */
  private object(a: Obj, b: Obj, secret: boolean, opaque: boolean, special?: (key: string) => string | undefined): void {
    for (const k in a) {
      const s = special?.(k);
      if (s === 'skip' || (s === 'skip-legacy' && this.ignoreMeta.has(k))) continue;
      this.member(k, a[k], b[k], secret, opaque, s);
    }
    for (const k in b) {
      if (k in a) continue;
      const s = special?.(k);
      if (s === 'skip' || (s === 'skip-legacy' && this.ignoreMeta.has(k))) continue;
      this.member(k, undefined, b[k], secret, opaque, s);
    }
  }

  private member(k: string, a: unknown, b: unknown, secret: boolean, opaque: boolean, special?: string): void {
    if (a === b) return;
    if (!opaque && this.implicitIdentities && k === 'Identity' && absent(a) && isObj(b) && /^consul-service_/.test(render(b.Name))) return;
    this.push(k, 0);
    this.value(k, a, b, secret || SECRET_FIELDS.has(k) || isSecretKey(k), opaque, special);
    this.pop();
  }

  private list(field: string, a: unknown[], b: unknown[], secret: boolean, opaque: boolean): void {
    if (!opaque && SETS.has(field)) return this.set(field, a, b, secret);
    if (!opaque && field === 'Spreads') return this.spreads(a, b, secret);
    const key = opaque ? undefined : KEYED[field];
    if (key) {
      const ka = uniqueKeys(a, key);
      const kb = ka && uniqueKeys(b, key);
      if (ka && kb) return this.keyed(field, a, b, ka, kb, secret);
    }
    if (a.every(scalar) && b.every(scalar)) {
      if (a.length === b.length && a.every((x, i) => x === b[i])) return;
      this.emit('changed', a, b, secret, true, field);
      return;
    }
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      this.push(String(i), 1);
      this.value(field, a[i], b[i], secret, opaque);
      this.pop();
    }
  }

  private keyed(field: string, a: unknown[], b: unknown[], ka: string[], kb: string[], secret: boolean): void {
    for (let i = 0; i < a.length; i++) {
      const j = kb.indexOf(ka[i]);
      this.push(ka[i], 1);
      this.value(field, a[i], j < 0 ? undefined : b[j], secret, false, field === 'TaskGroups' && this.ignoreCounts.has(ka[i]) ? 'group' : undefined);
      this.pop();
    }
    for (let j = 0; j < b.length; j++) {
      if (ka.includes(kb[j])) continue;
      if (field === 'Identities' && this.implicitIdentities && /^(vault|consul)_/.test(kb[j])) continue;
      this.push(kb[j], 1);
      this.value(field, undefined, b[j], secret, false);
      this.pop();
    }
  }

  /** Set members are added or removed whole; their text is the value. */
  private set(field: string, a: unknown[], b: unknown[], secret: boolean): void {
    const flat = field === 'Constraints' || field === 'Affinities';
    const same = (x: unknown, y: unknown): boolean => (flat ? isObj(x) && isObj(y) && sameFlat(x, y) : x === y);
    const text = (x: unknown): string => (flat && isObj(x) ? constraintText(x) : render(x));
    for (const x of a) {
      if (b.some((y) => same(x, y))) continue;
      this.changes.push(secret || hasUrlCredentials(text(x)) ? { path: this.path(), kind: 'added', secret: true } : { path: this.path(), kind: 'added', new: text(x) });
    }
    for (const y of b) {
      if (a.some((x) => same(x, y))) continue;
      if (field === 'Constraints' && this.implicitIdentities && isObj(y) && sameFlat(y, IMPLICIT_IDENTITY_CONSTRAINT)) continue;
      this.changes.push(secret || hasUrlCredentials(text(y)) ? { path: this.path(), kind: 'removed', secret: true } : { path: this.path(), kind: 'removed', old: text(y) });
    }
  }

  /** Spreads pair by attribute (an attribute appears once per level); the path names the desired index. */
  private spreads(a: unknown[], b: unknown[], secret: boolean): void {
    const attr = (s: unknown): string => (isObj(s) ? render(s.Attribute) : '');
    const used = new Array<boolean>(b.length).fill(false);
    for (let i = 0; i < a.length; i++) {
      let j = b.findIndex((s, k) => !used[k] && attr(s) === attr(a[i]));
      if (j < 0 && i < b.length && !used[i] && !a.some((s) => attr(s) === attr(b[i]))) j = i;
      if (j >= 0) used[j] = true;
      this.push(String(i), 1);
      this.value('Spreads', a[i], j < 0 ? undefined : b[j], secret, false);
      this.pop();
    }
    for (let j = 0; j < b.length; j++) {
      if (used[j]) continue;
      this.push(String(j), 1);
      this.value('Spreads', undefined, b[j], secret, false);
      this.pop();
    }
  }
}
