/**
 * The state store: what the operator wrote, per job (`JobModifyIndex`, hash, commit, prune grace start,
 * auto-reverted hash). Read once per process (one call), then served from memory; every change is
 * written through. A restarted operator, or `run --once`, can then tell its own writes from manual edits
 * without reading every job.
 */
import type { JobKey, JobRecord } from '../../core/plan/types';
import type { JobStatus } from '../../../crd-schemas/status';

/** A job's status as the leader publishes it in the shared state (what the status API shows). */
export type SharedJobStatus = JobStatus;

/** Records per job key, loaded once, written through. */
export interface StateStore {
  /** Loads every record (one backend read); later calls return the in-memory copy. */
  load(): Promise<ReadonlyMap<JobKey, JobRecord>>;
  /** The in-memory record (after `load`). */
  get(key: JobKey): JobRecord | undefined;
  /** Stores a record (memory and backend). */
  put(key: JobKey, record: JobRecord): Promise<void>;
  /** Forgets a record. */
  delete(key: JobKey): Promise<void>;
  /** The in-memory map (after `load`). */
  snapshot(): ReadonlyMap<JobKey, JobRecord>;
  /**
   * Reads every record again from the backend (one call), replacing the in-memory copy: a new leader
   * resumes from what the last one wrote. Stores only one process writes need not have it.
   */
  reload?(): Promise<ReadonlyMap<JobKey, JobRecord>>;
  /**
   * Follows the backend until `signal` aborts, keeping the in-memory copy equal to it (a follower's view
   * of the leader's writes); costs nothing while nothing changes. `pause`, awaited after each change,
   * bounds how often a busy leader's writes are read again. Only shared stores have it.
   */
  follow?(signal: AbortSignal, pause?: () => Promise<void>): Promise<void>;
  /** Prune confirmations by namespace (the keys each covers), as last stored; empty when none. */
  confirmations?(): ReadonlyMap<string, ReadonlySet<JobKey>>;
  /** Stores the prune confirmations (written only when they changed). */
  putConfirmations?(confirmations: ReadonlyMap<string, ReadonlySet<JobKey>>): Promise<void>;
  /** The job statuses the leader published, by status key, as last read (a follower serves them). */
  statuses?(): ReadonlyMap<string, SharedJobStatus>;
  /** Publishes (or, with `undefined`, removes) one job's status; written only when it changed. */
  putStatus?(key: string, status: SharedJobStatus | undefined): Promise<void>;
}

/** Parses one stored record; `undefined` for anything that is not a record. */
export function parseRecord(text: string | null | undefined): JobRecord | undefined {
  if (!text) return undefined;
  try {
    const o = JSON.parse(text) as Partial<JobRecord>;
    if (typeof o !== 'object' || o === null || typeof o.jobModifyIndex !== 'number' || typeof o.hash !== 'string') return undefined;
    return o as JobRecord;
  } catch {
    return undefined;
  }
}
