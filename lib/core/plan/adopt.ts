/**
 * Adoption: taking over a job that runs without nomadguard's marker (an older pipeline deployed it, or a
 * human did) when its namespace or team is enabled for adoption and a spec names its ID.
 *
 * Nomad compares job and group Meta as part of every task (scheduler/util.go `tasksUpdated` compares
 * `Job.CombinedTaskMeta`, task over group over job Meta; nomad/structs/structs.go): writing the marker into
 * the job's Meta would replace every running allocation. So an adopted job is never given the marker:
 * ownership is the operator's record (`JobRecord.adopted`), taken at the live `JobModifyIndex`; a job whose
 * only difference from the desired one is the marker is adopted without a write (its allocations keep
 * running untouched), and every later write of an adopted job leaves the marker keys out, so a change Nomad
 * does in place (a count, a check) stays in place.
 */
import type { Job, JobListStub } from '../nomad/types';
import { isManaged } from './pair';
import { isSourceOf } from '../source-id';
import { META, type JobRecord, type PlanItem } from './types';
import { LEGACY_META_KEYS, type CompareOptions } from './compare';

/** Where adoption is enabled: namespaces, and teams (the first folder of a spec path). */
export interface AdoptScope {
  namespaces: ReadonlySet<string>;
  teams: ReadonlySet<string>;
}

/** The keys of nomadguard's marker in job Meta: an adopted job carries none of them. */
export const MARKER_META_KEYS: ReadonlySet<string> = new Set([META.managed, META.source, META.spec]);

/**
 * The adoption scope of the config (`reconcile.adopt`) widened by namespaces given on the command line
 * (`run --adopt NS...`, `plan --adopt NS...`).
 */
export function adoptScope(config: { namespaces?: readonly string[]; teams?: readonly string[] } | undefined, extraNamespaces: readonly string[] = []): AdoptScope {
  return { namespaces: new Set([...(config?.namespaces ?? []), ...extraNamespaces]), teams: new Set(config?.teams ?? []) };
}

/** True when a job of `team` in `namespace` may be adopted. */
export function adoptionEnabled(scope: AdoptScope | undefined, namespace: string, team: string): boolean {
  return scope !== undefined && (scope.namespaces.has(namespace) || scope.teams.has(team));
}

/** True when the live job carries a marker key of nomadguard (any value): it was written by a nomadguard. */
export function carriesMarker(stub: Pick<JobListStub, 'Meta'>): boolean {
  for (const k of MARKER_META_KEYS) if (stub.Meta?.[k] !== undefined) return true;
  return false;
}

/**
 * True when `source` owns `live` by adoption: the record says this source adopted it, and the job still
 * carries no marker.
 */
export function ownedByAdoption(live: Pick<JobListStub, 'Meta'> | undefined, record: JobRecord | undefined, source: string): boolean {
  return live !== undefined && record?.adopted === true && record.adoptedBy !== undefined && isSourceOf(record.adoptedBy, source) && !isManaged(live) && !carriesMarker(live);
}

/** True when a write for `item` goes to an adopted job (being adopted, or adopted before): the marker stays out. */
export function writesAdopted(item: Pick<PlanItem, 'action' | 'live' | 'record'>, source: string): boolean {
  return item.action === 'adopt' || ownedByAdoption(item.live, item.record, source);
}

/** `job` without nomadguard's marker keys in its Meta: what is written over an adopted job. */
export function withoutMarker(job: Job): Job {
  if (!job.Meta) return job;
  const meta = Object.fromEntries(Object.entries(job.Meta).filter(([k]) => !MARKER_META_KEYS.has(k)));
  return { ...job, Meta: Object.keys(meta).length > 0 ? meta : null };
}

/** Comparison options for an adopted job: the marker keys are no difference. */
export function adoptedCompareOptions(opts: CompareOptions): CompareOptions {
  return { ...opts, ignoreMetaKeys: new Set([...(opts.ignoreMetaKeys ?? LEGACY_META_KEYS), ...MARKER_META_KEYS]) };
}
