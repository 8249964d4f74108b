/**
 * The vocabulary of planning: what git wants, what Nomad runs, what the operator remembers writing,
 * and what it decides to do about each job.
 */
import type { Diagnostic } from '../diagnostics';
import type { Job, JobListStub } from '../nomad/types';

/**
 * Job Meta keys of nomadguard (values are strings). Only `managed`, `source` and `spec` are written: they
 * never move while the spec stays in place. `commit`, `hash` and `modifications` are legacy: jobs written by
 * older releases carry them; they are never written again, ignored when comparing, and dropped at the job's
 * next real change (never by a write of its own).
 */
export const META = {
  managed: 'nomadguard.managed',
  source: 'nomadguard.source',
  spec: 'nomadguard.spec',
  commit: 'nomadguard.commit',
  hash: 'nomadguard.hash',
  modifications: 'nomadguard.modifications',
} as const;

/** `self-heal` reverts manual changes; `detect-only` reports them. */
export type SyncMode = 'self-heal' | 'detect-only';

/** `namespace/job`. */
export type JobKey = string;

/** Builds the queue key of a job. @example jobKey('es', 'p-es-cerebro') === 'es/p-es-cerebro' */
export function jobKey(namespace: string, jobId: string): JobKey {
  return `${namespace}/${jobId}`;
}

/** Splits a key at its first slash (job IDs may contain slashes, namespaces may not). */
export function splitKey(key: JobKey): { namespace: string; jobId: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: 'default', jobId: key } : { namespace: key.slice(0, i), jobId: key.slice(i + 1) };
}

/** A spec that rendered to a job. */
export interface DesiredValid {
  state: 'valid';
  key: JobKey;
  namespace: string;
  jobId: string;
  /** Spec path in the repository. */
  spec: string;
  team: string;
  job: Job;
  /** The hash of the desired job (`jobHash`); kept in the state store, never in the job. */
  hash: string;
  /** Commit that last changed the spec. */
  commit?: string;
  /** Names of the policy modifier rules that changed the job. */
  modifications?: string[];
  mode: SyncMode;
  suspended: boolean;
}

/** A spec that exists but does not load or validate. Its live job (if any) is left exactly as it is. */
export interface DesiredInvalid {
  state: 'invalid';
  spec: string;
  team: string;
  /** Known when the spec got far enough to name its job. */
  key?: JobKey;
  /** The traefik hosts of the job the spec rendered to despite its errors (`exposedHosts`), when it rendered one. */
  hosts?: string[];
  /** The Consul service names of that job (`serviceNamesOf`), when it rendered one. */
  services?: string[];
  diagnostics: Diagnostic[];
}

/** One entry of the desired state. */
export type Desired = DesiredValid | DesiredInvalid;

/** What the operator remembers about a job it wrote (state store). */
export interface JobRecord {
  /** `JobModifyIndex` of the version nomadguard wrote (or verified). */
  jobModifyIndex: number;
  /** Hash nomadguard wrote (or verified the live job to be equal to). */
  hash: string;
  /** The hash scheme of `hash` (`HASH_SCHEME`); absent in records of older releases, whose hashes are not compared. */
  scheme?: number;
  commit?: string;
  spec?: string;
  /** Clock time (ms) the spec was first seen absent; the prune grace runs from here. */
  absentSince?: number;
  /** Hash whose deployment failed and was auto-reverted: not resubmitted until the spec changes or a forced sync. */
  failedHash?: string;
  /** The job was adopted (it runs without the marker): this record is the operator's ownership of it (see adopt.ts). */
  adopted?: boolean;
  /** The source that adopted it: sources sharing a state prefix never take each other's adoptions. */
  adoptedBy?: string;
}

/** Everything a plan decision may do. */
export type PlanAction =
  | 'create' // desired, not live
  | 'update' // desired hash differs from the one recorded at the live index: written
  | 'drift' // the job was modified by someone else since our write (or stopped): read and compared
  | 'verify' // no usable record of our write: the live job is read and compared once, then remembered
  | 'adopt' // a job without the marker, in a namespace or team enabled for adoption: taken over at its live index
  | 'unchanged' // nothing to do, no API call
  | 'prune' // managed by this source, spec really absent, grace over
  | 'prune-wait' // as prune, but still in its grace period
  | 'leave-alone' // not ours to touch (invalid spec, unmanaged and not adopted, other source, child, guard, auto-reverted)
  | 'invalid'; // spec invalid and nothing live

/** The decision for one job. */
export interface PlanItem {
  key: JobKey;
  namespace: string;
  jobId: string;
  action: PlanAction;
  /** True when the operator will write to Nomad for this item (false in detect-only, suspended, guard). */
  write: boolean;
  /** CamelCase, stable: why this action. */
  reason: string;
  message: string;
  spec?: string;
  desired?: DesiredValid;
  invalid?: DesiredInvalid;
  live?: JobListStub;
  record?: JobRecord;
  /** For prune-wait: ms until the grace period ends. */
  waitMs?: number;
  /** For prune-wait: the caller should remember `absentSince = now`. */
  markAbsent?: boolean;
}
