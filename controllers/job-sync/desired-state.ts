/**
 * The desired state: every spec of the last good commit, rendered. Refreshed from the spec source
 * incrementally (only specs changed since the last processed commit) or in full; kept as it is when
 * the source fails, so a broken fetch never looks like deleted specs.
 */
import type { GitSpecSource, SourceError, SpecEntryProblem, SpecFile } from '../../lib/adapters/git-spec-source';
import { jobKey, META, type Desired, type DesiredValid, type JobKey, type SyncMode } from '../../lib/core/plan';
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
}

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
      // An entry that can never be a spec (control characters in its path, a symlink or submodule) is
      // an invalid spec of its own; the others are read by object ID.
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
        next.set(s.path, s.problem ? refused(s, s.problem) : this.renderOne(s, texts.get(s.path) as Buffer, commits.get(s.path) ?? poll.commit));
      }
    }
    this.bySpec = next;
    this.version++;
    this.rebuildIndex();
    for (const d of next.values()) if (poll.full || toRender.some((s) => s.path === d.spec)) for (const k of keysOf(d)) changedKeys.add(k);
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

  private renderOne(s: SpecFile, text: Buffer, commit: string): Desired {
    let result;
    try {
      result = this.render({ text, file: s.path, team: s.team, commit, source: this.opts.sourceId });
    } catch (e) {
      return { state: 'invalid', spec: s.path, team: s.team, diagnostics: [{ code: 'RENDER_FAILED', severity: 'error', message: (e as Error).message, file: s.path }] };
    }
    const job = result.job;
    const namespace = job?.Namespace || s.team;
    const jobId = job?.ID ?? result.jobId;
    if (!result.ok || !job) {
      return { state: 'invalid', spec: s.path, team: s.team, key: jobId ? jobKey(namespace, jobId) : undefined, diagnostics: result.diagnostics };
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
      hash: job.Meta?.[META.hash] ?? '',
      commit,
      mode: sync?.mode ?? this.opts.defaultMode,
      suspended: sync?.suspend === true || (this.opts.suspendedTeams?.has(s.team) ?? false),
    };
    return valid;
  }

  /** Indexes by key; two specs naming one job: the first by path keeps it, the other is invalid. */
  private rebuildIndex(): void {
    this.byKey.clear();
    for (const path of [...this.bySpec.keys()].sort()) {
      const d = this.bySpec.get(path) as Desired;
      if (d.state === 'valid') {
        const holder = this.byKey.get(d.key);
        if (holder && holder.state === 'valid') {
          const dup: Desired = { state: 'invalid', spec: d.spec, team: d.team, diagnostics: [{ code: 'DUPLICATE_JOB_ID', severity: 'error', message: `job ${d.jobId} in ${d.namespace} is already defined by ${holder.spec}`, file: d.spec }] };
          this.bySpec.set(path, dup);
          continue;
        }
        this.byKey.set(d.key, d);
      } else if (d.key && !this.byKey.has(d.key)) {
        this.byKey.set(d.key, d);
      }
    }
  }
}

/** The invalid entry of a listed path that is not a readable spec; its diagnostic names the path JSON-escaped. */
function refused(s: SpecFile, problem: SpecEntryProblem): Desired {
  return { state: 'invalid', spec: s.path, team: s.team, diagnostics: [{ code: problem.code, severity: 'error', message: problem.message, file: JSON.stringify(s.path).slice(1, -1) }] };
}

function keysOf(d: Desired): JobKey[] {
  return d.state === 'valid' ? [d.key] : d.key ? [d.key] : [];
}
