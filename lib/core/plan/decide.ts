/**
 * Deciding: for each paired key, what the operator does. Pure and synchronous; the controller
 * gathers the inputs and applies the result.
 *
 * Writes are decided from the operator's own record, never from Nomad's plan diff (which has blind spots:
 * NOMAD-API.md §2). A no-op pass is decided from the job list and the records alone: a record of the
 * desired hash at the live `JobModifyIndex` means unchanged, with no call. A new desired hash is an update,
 * always written. A moved index, a stopped job, or no usable record means the live job is read and
 * compared with the desired one (`compareJobs`), and written only when they differ.
 */
import { isManaged, pairJobs, type Pair } from './pair';
import { META, splitKey, type Desired, type JobKey, type JobRecord, type PlanItem } from './types';
import { HASH_SCHEME } from '../hash';
import { isSourceOf, repoWithoutCredentials } from '../source-id';
import type { JobListStub } from '../nomad/types';
import { adoptionEnabled, carriesMarker, ownedByAdoption, type AdoptScope } from './adopt';

/** Options of a decision pass. */
export interface DecideOptions {
  /** Identity of this spec source (`nomadguard.source`). */
  source: string;
  /** Clock time in ms. */
  now: number;
  /** False when the checkout could not be read as a whole (force-push not verified, fetch failed...): nothing is pruned. */
  sourceHealthy: boolean;
  prune: { enabled: boolean; graceMs: number };
  /** Teams whose jobs are reported, never written nor pruned (a job's team: first folder of its spec path, else its namespace). */
  suspendedTeams?: ReadonlySet<string>;
  /**
   * Namespaces holding a spec too broken to name its job (see `keylessInvalidNamespaces`): a job there
   * whose spec is gone may be that spec, moved, so it is not pruned. `decide` computes it when absent.
   */
  invalidSpecNamespaces?: ReadonlySet<string>;
  /** Keys (or every key with `true`) whose sync was forced: resubmits an auto-reverted version. */
  forced?: boolean | ReadonlySet<JobKey>;
  /** Where a job running without the marker is adopted by the spec naming its ID (else `UnmanagedJobExists`). */
  adopt?: AdoptScope;
}

/** Decides every key of `desired`/`live`/`records`. Items come sorted by key. */
export function decide(desired: readonly Desired[], live: readonly JobListStub[], records: ReadonlyMap<JobKey, JobRecord>, opts: DecideOptions): PlanItem[] {
  const o = opts.invalidSpecNamespaces ? opts : { ...opts, invalidSpecNamespaces: keylessInvalidNamespaces(desired) };
  return pairJobs(desired, live, records, opts.source).map((p) => decidePair(p, o));
}

/** Namespaces (first folder of the spec path) of invalid specs that did not get far enough to name their job. */
export function keylessInvalidNamespaces(desired: Iterable<Desired>): Set<string> {
  const out = new Set<string>();
  for (const d of desired) {
    if (d.state !== 'invalid' || d.key) continue;
    const i = d.spec.indexOf('/');
    out.add(i > 0 ? d.spec.slice(0, i) : d.team);
  }
  return out;
}

function isForced(forced: DecideOptions['forced'], key: JobKey): boolean {
  return forced === true || (forced instanceof Set && forced.has(key));
}

/** Another source's identity as messages show it: a repository URL it names loses its credentials. */
function otherSource(source: string | undefined): string {
  return source === undefined ? 'unknown' : repoWithoutCredentials(source);
}

/** Decides one key. */
export function decidePair(p: Pair, opts: DecideOptions): PlanItem {
  const { namespace, jobId } = splitKey(p.key);
  const base = { key: p.key, namespace, jobId, desired: p.desired, invalid: p.invalid, live: p.live, record: p.record, spec: p.desired?.spec ?? p.invalid?.spec ?? p.live?.Meta?.[META.spec] ?? p.record?.spec };
  const item = (action: PlanItem['action'], write: boolean, reason: string, message: string, extra: Partial<PlanItem> = {}): PlanItem => ({ ...base, action, write, reason, message, ...extra });
  const live = p.live;
  const d = p.desired;
  const adopted = ownedByAdoption(live, p.record, opts.source);

  if (d) {
    const gate = (action: PlanItem['action'], reason: string, message: string): PlanItem => {
      if (d.suspended) return item(action, false, 'Suspended', `${message} (suspended: not written)`);
      if ((action === 'drift' || action === 'verify') && d.mode === 'detect-only') return item(action, false, 'DriftDetected', `${message} (detect-only: not reverted)`);
      // Taking a job over may write it (a restart of its allocations): a detect-only spec only reports.
      if (action === 'adopt' && d.mode === 'detect-only') return item(action, false, 'DriftDetected', `${message} (detect-only: not adopted)`);
      return item(action, true, reason, message);
    };
    if (live && !isManaged(live) && !adopted) {
      // A job another nomadguard wrote (any marker key with another source) is never adopted.
      const foreign = carriesMarker(live) && !isSourceOf(live.Meta?.[META.source], opts.source);
      if (!foreign && !live.Stop && adoptionEnabled(opts.adopt, namespace, d.team)) {
        return gate('adopt', 'Adopt', `job ${jobId} runs in ${namespace} without the nomadguard marker: adopting it at JobModifyIndex ${live.JobModifyIndex}`);
      }
      if (foreign) return item('leave-alone', false, 'OtherSource', `job is managed by another source (${otherSource(live.Meta?.[META.source])})`);
      return item('leave-alone', false, 'UnmanagedJobExists', `a job ${jobId} not managed by nomadguard already exists in ${namespace}; it is left alone`);
    }
    if (live && !adopted && !isSourceOf(live.Meta?.[META.source], opts.source)) return item('leave-alone', false, 'OtherSource', `job is managed by another source (${otherSource(live.Meta?.[META.source])})`);
    if (!live) return gate('create', 'NotFound', 'job does not exist in Nomad');
    const r = p.record;
    // A failed version is held: known by its hash, or (a record of an older release, whose hashes differ)
    // by the commit it was written from.
    const failed = r?.failedHash !== undefined && (r.failedHash === d.hash || (r.scheme !== HASH_SCHEME && r.failedHash === r.hash && r.commit !== undefined && r.commit === d.commit));
    if (failed && !isForced(opts.forced, p.key)) {
      return item('leave-alone', false, 'AutoReverted', 'this version failed its deployment and Nomad reverted it; waiting for a new commit or a forced sync');
    }
    // Without a record of this scheme there is nothing to compare the desired hash with: the live job is read
    // and compared field by field (a verification read, not a write).
    if (r === undefined || r.scheme !== HASH_SCHEME) return gate('verify', r ? 'RecordOutdated' : 'NoRecord', r ? 'record of an older release: verifying the live job' : 'no record of our last write: verifying the live job');
    if (r.hash !== d.hash) {
      // Someone else wrote too (or our record of a write was lost): `verify` reads and compares first.
      const moved = r.jobModifyIndex !== live.JobModifyIndex;
      return gate('update', moved ? 'SpecChangedAndModified' : 'SpecChanged', `desired hash ${d.hash.slice(0, 12)} differs from ${r.hash.slice(0, 12)}, written at index ${r.jobModifyIndex}${moved ? `; the job moved to index ${live.JobModifyIndex} since` : ''}`);
    }
    if (live.Stop) return gate('drift', 'StoppedByHand', 'job was stopped outside nomadguard');
    if (r.jobModifyIndex !== live.JobModifyIndex) return gate('drift', 'ModifiedOutside', `JobModifyIndex moved from ${r.jobModifyIndex} to ${live.JobModifyIndex} since our write`);
    return item('unchanged', false, 'InSync', 'live job matches the desired job');
  }

  if (p.invalid) {
    if (live) return item('leave-alone', false, 'SpecInvalid', 'spec is invalid: the running job is left exactly as it is');
    return item('invalid', false, 'SpecInvalid', 'spec is invalid');
  }

  // Only live: a managed (or adopted) job whose spec is not in the desired state.
  if (!live || (!isManaged(live) && !adopted)) return item('leave-alone', false, 'NotManaged', 'not managed by nomadguard');
  if (!adopted && !isSourceOf(live.Meta?.[META.source], opts.source)) return item('leave-alone', false, 'OtherSource', 'job is managed by another source');
  if (live.Stop) return item('unchanged', false, 'AlreadyStopped', 'spec is gone and the job is stopped');
  const team = teamOfLive(live, namespace, p.record?.spec);
  if (opts.suspendedTeams?.has(team)) return item('leave-alone', false, 'Suspended', `spec is gone, but team ${team} is suspended: nothing is pruned`);
  if (opts.invalidSpecNamespaces?.has(namespace)) return item('leave-alone', false, 'InvalidSpecInNamespace', `spec not found, but a spec in ${namespace} is too broken to name its job (it may be this one, moved): nothing there is pruned`);
  if (!opts.sourceHealthy) return item('leave-alone', false, 'SourceUnhealthy', 'spec not found, but the checkout is not verified healthy: nothing is pruned');
  if (!opts.prune.enabled) return item('leave-alone', false, 'PruneDisabled', 'spec is gone; pruning is disabled');
  const since = p.record?.absentSince;
  if (since === undefined) return item('prune-wait', false, 'PruneGrace', `spec is gone; pruning after ${Math.round(opts.prune.graceMs / 1000)}s`, { waitMs: opts.prune.graceMs, markAbsent: true });
  const left = since + opts.prune.graceMs - opts.now;
  if (left > 0) return item('prune-wait', false, 'PruneGrace', `spec is gone; pruning in ${Math.ceil(left / 1000)}s`, { waitMs: left });
  return item('prune', true, 'SpecRemoved', 'spec was removed from the repository');
}

/** The team of a live job: the first folder of its `nomadguard.spec` path (an adopted job's: its record's), else its namespace. */
export function teamOfLive(live: JobListStub, namespace: string, recordedSpec?: string): string {
  const spec = live.Meta?.[META.spec] ?? recordedSpec;
  const i = spec ? spec.indexOf('/') : -1;
  return spec && i > 0 ? spec.slice(0, i) : namespace;
}
