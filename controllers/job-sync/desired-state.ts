/**
 * The desired state: every spec of the last good commit, rendered. Refreshed from the spec source
 * incrementally (only specs changed since the last processed commit) or in full; kept as it is when
 * the source fails, so a broken fetch never looks like deleted specs.
 */
import type { GitSpecSource, SourceError, SpecEntryProblem, SpecFile } from '../../lib/adapters/git-spec-source';
import { jobHash } from '../../lib/core/hash';
import { jobKey, type Desired, type DesiredInvalid, type DesiredValid, type JobKey, type SyncMode } from '../../lib/core/plan';
import { crossSpecRules, exposedHosts, serviceNamesOf, type LiveHolders, type RenderedSpecSummary } from '../../lib/core/policy';
import { defaultPolicy, type Policy } from '../../crd-schemas/policy';
import type { RenderFn } from './types';

/** What a refresh changed. */
export interface RefreshResult {
  ok: boolean;
  commit?: string;
  error?: SourceError;
  full: boolean;
  forcePushed: boolean;
  /** Keys whose desired entry appeared, changed or disappeared. */
  changedKeys: Set<JobKey>;
  rendered: number;
}

/** Options of the desired state. */
export interface DesiredStateOptions {
  /** `nomadguard.source` of this source. */
  sourceId: string;
  /** Mode of specs that do not set `sync.mode`. */
  defaultMode: SyncMode;
  suspendedTeams?: ReadonlySet<string>;
  /** The policy whose repository rules (uniqueJobId, uniqueHost) apply; default the built-in one. */
  policy?: Policy;
  /** The live view: job key -> the spec path its live job names (`nomadguard.spec`), when known. */
  holders?: () => LiveHolders | undefined;
}

/** A valid entry the repository rules displaced, by the invalid entry standing for it until its spec is re-rendered. */
const displaced = new WeakMap<DesiredInvalid, DesiredValid>();

/** The rendered specs of one commit, by spec path and by key. */
export class DesiredState {
  /** The commit the entries were rendered from. */
  commit?: string;
  /** False after a failed poll or an unverified force-push: nothing may be pruned. */
  healthy = false;
  lastError?: SourceError;
  /** True once a poll succeeded (before that, the desired state is unknown, not empty). */
  known = false;
  /** Moves whenever the entries change (lets readers skip work over unchanged entries). */
  version = 0;
  private bySpec = new Map<string, Desired>();
  private byKey = new Map<JobKey, Desired>();

  constructor(private readonly source: GitSpecSource, private readonly render: RenderFn, private readonly opts: DesiredStateOptions) {}

  /** Every entry, valid and invalid. */
  entries(): Desired[] {
    return [...this.bySpec.values()];
  }

  /** The entry for a key (a valid job, or an invalid spec that named it). */
  get(key: JobKey): Desired | undefined {
    return this.byKey.get(key);
  }

  /** The entry rendered from a spec path. */
  atSpec(path: string): Desired | undefined {
    return this.bySpec.get(path);
  }

  /** Polls the source and re-renders what changed (everything when `full`). */
  async refresh(opts: { full?: boolean } = {}): Promise<RefreshResult> {
    const poll = await this.source.poll(this.commit, { full: opts.full });
    if (!poll.ok) {
      this.lastError = poll.error;
      this.healthy = false;
      return { ok: false, error: poll.error, full: false, forcePushed: false, changedKeys: new Set(), rendered: 0 };
    }
    this.lastError = undefined;
    const changedKeys = new Set<JobKey>();
    if (!poll.full && poll.changed.length === 0 && this.known) {
      // Nothing to render: keep every entry as it is.
      this.commit = poll.commit;
      this.healthy = poll.healthy;
      return { ok: true, commit: poll.commit, full: false, forcePushed: false, changedKeys, rendered: 0 };
    }
    const listed = new Map(poll.specs.map((s) => [s.path, s]));
    let toRender: SpecFile[];
    const next = poll.full ? new Map<string, Desired>() : new Map(this.bySpec);
    if (poll.full) {
      toRender = poll.specs;
      for (const d of this.bySpec.values()) for (const k of keysOf(d)) changedKeys.add(k);
    } else {
      toRender = [];
      for (const c of poll.changed) {
        for (const p of [c.path, c.oldPath]) {
          if (!p) continue;
          const old = next.get(p);
          if (old) for (const k of keysOf(old)) changedKeys.add(k);
          next.delete(p);
        }
        if (c.status !== 'deleted') toRender.push(listed.get(c.path) ?? { path: c.path, team: c.path.split('/')[0] });
      }
    }
    if (toRender.length > 0) {
      // An entry that can never be a spec (control characters in its path, a symlink or submodule, a
      // file above the size limit) is an invalid spec of its own, never read; the others are read by object ID.
      const readable = toRender.filter((s) => s.problem === undefined);
      let texts: Map<string, Buffer>;
      let commits: Map<string, string>;
      try {
        [texts, commits] = await Promise.all([this.source.readSpecs(readable), this.source.lastChangedCommits(poll.commit, readable.map((s) => s.path))]);
      } catch (e) {
        return this.corrupt(`reading specs at ${poll.commit} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      // A listed spec without text is a broken checkout, never a deleted spec.
      const unread = readable.filter((s) => texts.get(s.path) === undefined).map((s) => JSON.stringify(s.path));
      if (unread.length > 0) return this.corrupt(`listed specs could not be read at ${poll.commit}: ${unread.slice(0, 5).join(', ')}${unread.length > 5 ? ` and ${unread.length - 5} more` : ''}`);
      for (const s of toRender) {
        const d = s.problem ? refused(s, s.problem) : this.renderOne(s, texts.get(s.path) as Buffer, commits.get(s.path) ?? poll.commit);
        if (d) next.set(s.path, d);
      }
    }
    this.bySpec = next;
    this.version++;
    for (const k of this.rebuildIndex()) changedKeys.add(k);
    const renderedPaths = new Set(toRender.map((s) => s.path));
    for (const d of next.values()) if (poll.full || renderedPaths.has(d.spec)) for (const k of keysOf(d)) changedKeys.add(k);
    this.commit = poll.commit;
    this.healthy = poll.healthy;
    this.known = true;
    return { ok: true, commit: poll.commit, full: poll.full, forcePushed: poll.forcePushed, changedKeys, rendered: toRender.length };
  }

  /** A failed read: the previous desired state is kept and the source is unhealthy (nothing is pruned). */
  private corrupt(message: string): RefreshResult {
    const error: SourceError = { reason: 'CheckoutCorrupt', message };
    this.lastError = error;
    this.healthy = false;
    return { ok: false, error, full: false, forcePushed: false, changedKeys: new Set(), rendered: 0 };
  }

  /** The entry of one spec; undefined for a spec another cluster serves (the render says `elsewhere`). */
  private renderOne(s: SpecFile, text: Buffer, commit: string): Desired | undefined {
    let result;
    try {
      result = this.render({ text, file: s.path, team: s.team, commit, source: this.opts.sourceId });
    } catch (e) {
      return { state: 'invalid', spec: s.path, team: s.team, diagnostics: [{ code: 'RENDER_FAILED', severity: 'error', message: (e as Error).message, file: s.path }] };
    }
    if (result.elsewhere !== undefined) return undefined;
    const job = result.job;
    const namespace = job?.Namespace || s.team;
    const jobId = job?.ID ?? result.jobId;
    if (!result.ok || !job) {
      // What the render would hold, so the repository rules keep it for the job that may still run.
      const claims = job ? { hosts: exposedHosts(job), services: serviceNamesOf(job) } : {};
      return { state: 'invalid', spec: s.path, team: s.team, key: jobId ? jobKey(namespace, jobId) : undefined, ...claims, diagnostics: result.diagnostics };
    }
    const sync = result.spec?.sync;
    const valid: DesiredValid = {
      state: 'valid',
      key: jobKey(namespace, job.ID),
      namespace,
      jobId: job.ID,
      spec: s.path,
      team: s.team,
      job: { ...job, Namespace: namespace },
      hash: result.hash ?? jobHash(job),
      commit,
      modifications: [...new Set((result.modifications ?? []).map((m) => m.rule))],
      mode: sync?.mode ?? this.opts.defaultMode,
      suspended: sync?.suspend === true || (this.opts.suspendedTeams?.has(s.team) ?? false),
    };
    return valid;
  }

  /**
   * Indexes again with the current live view (the first pass lists Nomad while git is read, so its first
   * index had none); returns the keys whose entry changed.
   */
  reindex(): Set<JobKey> {
    const changed = this.rebuildIndex();
    if (changed.size > 0) this.version++;
    return changed;
  }

  /**
   * Indexes by key after the repository rules: two specs claiming one job ID (in any namespace) or one
   * traefik host, or one Consul service name, cannot both deploy. The holder keeps it: the spec the live job names, else the spec that
   * held the key in the previous index, else the first by path (lib/core/policy/cross-spec.ts); the other
   * becomes invalid with a diagnostic naming the holder, keyed by its own job when no other entry holds
   * that key. A displaced spec is judged again from its rendered entry on every rebuild, so it deploys as
   * soon as the holder goes. An invalid spec is summarised with what its render holds, and the job it holds
   * keeps every name that job may have registered (cross-spec.ts), so nobody takes a service of a job that
   * keeps running while its spec is broken. Returns the keys whose entry changed.
   */
  private rebuildIndex(): Set<JobKey> {
    const before = new Map(this.byKey);
    const holders = new Map<string, string>();
    for (const [k, d] of before) if (d.state === 'valid') holders.set(k, d.spec);
    const running = this.opts.holders?.();
    for (const [k, spec] of running ?? []) holders.set(k, spec);
    const paths = [...this.bySpec.keys()].sort();
    const entries = new Map<string, Desired>();
    for (const path of paths) {
      const d = this.bySpec.get(path) as Desired;
      entries.set(path, (d.state === 'invalid' ? displaced.get(d) : undefined) ?? d);
    }
    const summaries: RenderedSpecSummary[] = [];
    for (const d of entries.values()) {
      if (d.state === 'valid') summaries.push({ file: d.spec, jobId: d.jobId, key: d.key, hosts: exposedHosts(d.job), services: serviceNamesOf(d.job) });
      else summaries.push({ file: d.spec, ...(d.key ? { jobId: d.key.slice(d.key.indexOf('/') + 1), key: d.key } : {}), hosts: d.hosts ?? [], services: d.services ?? [], invalid: true });
    }
    // Before Nomad was listed nothing is known to run: no names are reserved until the first listing's reindex.
    const findings = crossSpecRules(summaries, this.opts.policy ?? defaultPolicy(), holders, running ?? new Map());
    const claimed = new Set<JobKey>();
    const claimants = new Map<JobKey, number>();
    for (const d of entries.values()) {
      if (d.state === 'valid' && !findings.get(d.spec)?.some((x) => x.severity === 'error')) claimed.add(d.key);
      if (d.key) claimants.set(d.key, (claimants.get(d.key) ?? 0) + 1);
    }
    this.byKey.clear();
    for (const path of paths) {
      const d = entries.get(path) as Desired;
      const errors = d.state === 'valid' ? (findings.get(d.spec) ?? []).filter((x) => x.severity === 'error') : [];
      if (d.state === 'valid' && errors.length === 0 && this.byKey.get(d.key)?.state !== 'valid') {
        this.bySpec.set(path, d);
        this.byKey.set(d.key, d);
        continue;
      }
      if (d.state === 'valid') {
        // Displaced: by a repository rule, or (with the rules switched off) by an earlier spec of the same key.
        const diagnostics = errors.length > 0 ? errors : [{ code: 'DUPLICATE_JOB_ID', severity: 'error' as const, message: `job ${JSON.stringify(d.jobId)} in ${d.namespace} is already defined by ${(this.byKey.get(d.key) as Desired).spec}`, path: ['name'] }];
        const dup: DesiredInvalid = { state: 'invalid', spec: d.spec, team: d.team, ...(claimants.get(d.key) === 1 ? { key: d.key } : {}), diagnostics: diagnostics.map((x) => ({ ...x, file: d.spec })) };
        displaced.set(dup, d);
        this.bySpec.set(path, dup);
        if (dup.key && !this.byKey.has(dup.key)) this.byKey.set(dup.key, dup);
        continue;
      }
      this.bySpec.set(path, d);
      if (d.key && !this.byKey.has(d.key) && !claimed.has(d.key)) this.byKey.set(d.key, d);
    }
    const changed = new Set<JobKey>();
    for (const k of new Set([...before.keys(), ...this.byKey.keys()])) if (before.get(k) !== this.byKey.get(k)) changed.add(k);
    return changed;
  }
}

/**
 * The invalid entry of a listed path that is not a readable spec (never read: a bad path or entry, a file
 * above the size limit); its diagnostic names the path JSON-escaped, at the problem's position if it has one.
 */
function refused(s: SpecFile, problem: SpecEntryProblem): Desired {
  const at = problem.line !== undefined && problem.col !== undefined ? { line: problem.line, col: problem.col } : {};
  return { state: 'invalid', spec: s.path, team: s.team, diagnostics: [{ code: problem.code, severity: 'error', message: problem.message, file: JSON.stringify(s.path).slice(1, -1), ...at }] };
}

function keysOf(d: Desired): JobKey[] {
  return d.state === 'valid' ? [d.key] : d.key ? [d.key] : [];
}
