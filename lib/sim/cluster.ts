/**
 * The simulated Nomad cluster's state and its state machine: namespaces, jobs and their versions,
 * evaluations, allocations and deployments, one Raft-like index advanced by every write, a change feed for
 * blocking queries and an event broker for the event stream. Every transition that takes time in Nomad
 * (evaluation, task start, health, deadlines) is a scheduled transition, fired by the clock or by `settle()`.
 */
import { createHash } from 'node:crypto';
import type { AllocMetric, Deployment, DeploymentState, Evaluation, Job, JobSummary, JobVersionTag, Namespace, NomadEvent, Service, Task, TaskGroup, TaskState } from '../core/nomad/types';
import { allocFull, allocStub, hasAllocNetwork, rfc3339, taskEvent, type SimAlloc } from './alloc-render';
import { nodeInDatacenters, nodeInPool, tasksUpdated } from './alloc-update';
import { ChangeFeed } from './blocking';
import { canonicalizeJob, multiError, validateJob } from './canonicalize';
import { deepEqual } from './deep-equal';
import { EventBroker } from './events';
import { HttpError } from './http-server';
import { nextAllocAddress, nextAllocIPv4, type SimNode } from './nodes';
import type { Prng } from './prng';
import { constraintHolds, groupDemand, placeGroup, type PlacedAlloc } from './scheduler';
import { serviceAddress, type AddressSources } from './service-address';
import { Transitions } from './transitions';
import { compareVersions } from './version';

const NS_PER_MS = 1_000_000;

/** Timings of the simulated transitions, in milliseconds of the simulator's clock. */
export interface SimTimings {
  /** From evaluation creation to its processing. */
  evalMs: number;
  /** From placement to the tasks running. */
  allocStartMs: number;
  /** How long a batch allocation runs before completing. */
  batchRunMs: number;
  /** Multiplier applied to job durations (MinHealthyTime, HealthyDeadline, ProgressDeadline, check intervals). */
  timeScale: number;
  /** Event stream heartbeat interval. */
  heartbeatMs: number;
}

/** Default timings: near-instant scheduling, job durations as written. */
export const DEFAULT_TIMINGS: SimTimings = { evalMs: 10, allocStartMs: 1000, batchRunMs: 5000, timeScale: 1, heartbeatMs: 30_000 };

/** One service instance an allocation registers (consumed by the Consul side). */
export interface ServiceInstance {
  id: string;
  name: string;
  tags: string[];
  meta: Record<string, string>;
  address: string;
  port: number;
  node: SimNode;
  checks: Array<{ id: string; name: string; type: string; interval: string; timeout: string; status: CheckStatus; output: string }>;
}

/** A Consul check status. */
export type CheckStatus = 'passing' | 'warning' | 'critical';

/** Where running allocations register their services. */
export interface ServiceRegistry {
  /** Registers (or replaces) an allocation's instances, each check with the status it carries. */
  registerAlloc(allocId: string, instances: ServiceInstance[]): void;
  deregisterAlloc(allocId: string): void;
  /** A check ran: its status and output change (no-op for a check no longer registered). */
  updateCheck(checkId: string, status: CheckStatus, output: string): void;
}

interface JobRecord {
  job: Job;
  versions: Job[];
  seeded: boolean;
  queued: Record<string, number>;
  summaryIndex: number;
  stubPlain?: string;
  stubMeta?: string;
}

interface GroupPlan {
  ignore: SimAlloc[];
  inplace: SimAlloc[];
  /** Destructive updates made now (within the update strategy's limit), in name order. */
  destructive: SimAlloc[];
  /** Destructive updates left for later (counted as ignored). */
  destructiveLater: number;
  stop: SimAlloc[];
  /** Name indexes of the allocations to place. */
  place: number[];
  /** A new deployment's `DesiredTotal` for the group: every destructive, in-place and placement. */
  desiredTotal: number;
  /** Whether the job spec changes allocations of the group (a destructive or in-place update). */
  updatingSpec: boolean;
}

/** A decoded `JobRegisterRequest`, with the namespace already resolved. */
export interface RegisterInput {
  job: Record<string, unknown>;
  namespace: string;
  enforceIndex?: boolean;
  jobModifyIndex?: number;
  preserveCounts?: boolean;
  tokenAccessor?: string;
  triggeredBy?: string;
}

function fmtGoDuration(ns: number): string {
  if (!ns) return '';
  const s = ns / 1e9;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m${s - m * 60 ? `${s - m * 60}s` : ''}`;
}

/** Keys stripped from a stored version before it is submitted again (auto-revert). */
const SERVER_FIELDS = ['Status', 'StatusDescription', 'Stable', 'Version', 'CreateIndex', 'ModifyIndex', 'JobModifyIndex', 'SubmitTime', 'NomadTokenID'];

/**
 * The eight server fields `Job.SpecChanged` (nomad/structs/structs.go) overwrites before its deep compare;
 * every other field counts, `NomadTokenID` and `VersionTag` included.
 */
const SPEC_CHANGED_IGNORES = ['Status', 'StatusDescription', 'Stable', 'Version', 'CreateIndex', 'ModifyIndex', 'JobModifyIndex', 'SubmitTime'];

/**
 * Whether two canonical jobs differ as Nomad's `Job.SpecChanged` sees it: `reflect.DeepEqual` of the rest
 * (`deepEqual`), so a map's key order never counts, a list's order does, and an empty list or map is not nil.
 */
export function specChanged(a: Job, b: Job): boolean {
  const strip = (j: Job): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...j };
    for (const k of SPEC_CHANGED_IGNORES) delete copy[k];
    return copy;
  };
  return !deepEqual(strip(a), strip(b));
}

/** `JobDefaultTrackedVersions` (nomad/structs): how many untagged versions of a job are kept. */
export const JOB_TRACKED_VERSIONS = 6;

/**
 * A job's stored versions (newest first) after `job` is written, as `upsertJobVersion` in
 * nomad/state/state_store.go keeps them: tagged versions (`VersionTag` set) are never dropped and not
 * counted; past `JOB_TRACKED_VERSIONS` untagged ones, the oldest is dropped, unless it is the newest stable
 * version, in which case the one before it goes.
 */
export function retainVersions(previous: readonly Job[], job: Job): Job[] {
  return trimVersions([job, ...previous]);
}

/**
 * The garbage collection `upsertJobVersion` runs after every version row it writes, also when a tag is set
 * on or removed from a stored version (`updateJobVersionTagImpl` / `unsetJobVersionTagImpl`): of `all`
 * (newest first) at most one untagged version is dropped, chosen as `retainVersions` says.
 */
export function trimVersions(all: readonly Job[]): Job[] {
  const untagged = all.filter((v) => !v.VersionTag);
  if (untagged.length <= JOB_TRACKED_VERSIONS) return [...all];
  const stableIdx = untagged.findIndex((v) => v.Stable);
  const victim = stableIdx === JOB_TRACKED_VERSIONS ? untagged[JOB_TRACKED_VERSIONS - 1] : untagged[JOB_TRACKED_VERSIONS];
  return all.filter((v) => v !== victim);
}

function jobKey(ns: string, id: string): string {
  return `${ns}\u0000${id}`;
}

/** The cluster model. */
export class Cluster {
  index = 1;
  readonly tables = new Map<string, number>();
  readonly feed = new ChangeFeed();
  readonly events = new EventBroker();
  readonly transitions: Transitions;
  readonly namespaces = new Map<string, Namespace>();
  readonly jobs = new Map<string, JobRecord>();
  readonly evals = new Map<string, Evaluation>();
  readonly allocs = new Map<string, SimAlloc>();
  readonly deployments = new Map<string, Deployment>();
  private readonly jobAllocs = new Map<string, Set<string>>();
  private sortedKeys?: string[];
  /** Events of the write in progress (`oneWrite`). */
  private held?: { index: number; events: NomadEvent[] };
  failImages: Array<string | RegExp> = [];
  errors: unknown[] = [];

  constructor(
    readonly nodes: SimNode[],
    private readonly prng: Prng,
    readonly clock: { now(): number },
    transitionsClock: ConstructorParameters<typeof Transitions>[0],
    readonly timings: SimTimings,
    public version: string,
    readonly region: string,
    private readonly registry: ServiceRegistry,
  ) {
    this.transitions = new Transitions(transitionsClock, (err) => this.errors.push(err));
    this.namespaces.set('default', { Name: 'default', Description: 'Default shared namespace', Quota: '', Capabilities: null, NodePoolConfiguration: { Default: 'default', Allowed: null, Denied: null }, Meta: null, CreateIndex: 1, ModifyIndex: 1 });
    for (const t of ['jobs', 'job_summary', 'evals', 'allocs', 'deployment', 'nodes', 'namespaces', 'job_version']) this.tables.set(t, 1);
  }

  /** Simulated now (ms). */
  now(): number {
    return this.transitions.now();
  }

  /** Advances the index for a write touching `tables`; wakes blocking queries. */
  bump(...tables: string[]): number {
    this.index++;
    for (const t of tables) this.tables.set(t, this.index);
    this.feed.notify();
    return this.index;
  }

  /** Index of a table. */
  tableIndex(...tables: string[]): number {
    return Math.max(...tables.map((t) => this.tables.get(t) ?? 1));
  }

  // ---------------------------------------------------------------- namespaces

  /** Creates or updates a namespace. */
  upsertNamespace(ns: Record<string, unknown>): number {
    const name = String(ns.Name);
    const existing = this.namespaces.get(name);
    const index = this.bump('namespaces');
    this.namespaces.set(name, {
      Name: name,
      Description: typeof ns.Description === 'string' ? ns.Description : '',
      Quota: typeof ns.Quota === 'string' ? ns.Quota : '',
      Capabilities: (ns.Capabilities as Namespace['Capabilities']) ?? null,
      NodePoolConfiguration: (ns.NodePoolConfiguration as Namespace['NodePoolConfiguration']) ?? { Default: 'default', Allowed: null, Denied: null },
      Meta: (ns.Meta as Record<string, string> | null) ?? null,
      CreateIndex: existing?.CreateIndex ?? index,
      ModifyIndex: index,
    });
    return index;
  }

  // ---------------------------------------------------------------- jobs

  /** The job record, if any. */
  record(ns: string, id: string): JobRecord | undefined {
    return this.jobs.get(jobKey(ns, id));
  }

  /** Job keys sorted by (namespace, id). */
  sortedJobKeys(): string[] {
    if (!this.sortedKeys) this.sortedKeys = [...this.jobs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.sortedKeys;
  }

  /** Canonicalises a submitted job for `namespace`. */
  canonicalize(job: Record<string, unknown>, namespace: string): Job {
    return canonicalizeJob(job, { version: this.version, region: this.region, namespace });
  }

  /**
   * Registers a job as `POST /v1/jobs` does (nomad/job_endpoint.go `Job.doRegister`); throws HttpError with
   * Nomad's texts. An unchanged spec (`Job.SpecChanged`, compared before `PreserveCounts` is applied, as the
   * FSM applies it in state_store.go `updatePreservedValues`) writes no version: `JobModifyIndex` is the
   * stored job's `ModifyIndex` and `Index == EvalCreateIndex` is the evaluation's own write. A new version
   * and its evaluation share one write: `JobModifyIndex == EvalCreateIndex == Index`.
   */
  register(input: RegisterInput): { EvalID: string; EvalCreateIndex: number; JobModifyIndex: number; Warnings: string; Index: number } {
    const canon = this.canonicalize(input.job, input.namespace);
    const errs = validateJob(canon, this.namespaces.has(canon.Namespace ?? 'default'));
    if (errs.length) throw new HttpError(500, multiError(errs));
    const key = jobKey(input.namespace, canon.ID);
    const rec = this.jobs.get(key);
    if (input.enforceIndex) {
      const sent = input.jobModifyIndex ?? 0;
      if (sent === 0 && rec) throw new HttpError(500, `Enforcing job modify index 0: job already exists`);
      if (sent !== 0 && !rec) throw new HttpError(500, `Enforcing job modify index ${sent}: job does not exist`);
      if (sent !== 0 && rec && rec.job.JobModifyIndex !== sent) {
        throw new HttpError(500, `Enforcing job modify index ${sent}: job exists with conflicting job modify index: ${rec.job.JobModifyIndex}`);
      }
    }
    if (rec && rec.job.Type !== canon.Type) throw new HttpError(500, `cannot update job from type "${rec.job.Type}" to "${canon.Type}"`);
    // The submitter's accessor is part of the spec SpecChanged compares (job_endpoint.go doRegister).
    if (input.tokenAccessor !== undefined) canon.NomadTokenID = input.tokenAccessor;
    const warnings = this.warnings(input.job);
    const periodic = !!canon.Periodic || !!canon.ParameterizedJob;
    if (rec && !specChanged(rec.job, canon)) {
      if (periodic) return { EvalID: '', EvalCreateIndex: 0, JobModifyIndex: rec.job.ModifyIndex ?? 0, Warnings: warnings, Index: rec.job.ModifyIndex ?? 0 };
      const evalId = this.createEval(rec.job, input.triggeredBy ?? 'job-register', '');
      return { EvalID: evalId, EvalCreateIndex: this.index, JobModifyIndex: rec.job.ModifyIndex ?? 0, Warnings: warnings, Index: this.index };
    }
    if (input.preserveCounts && rec) {
      for (const g of canon.TaskGroups) {
        const old = rec.job.TaskGroups.find((x) => x.Name === g.Name);
        if (old) g.Count = old.Count;
      }
    }
    const index = this.bump('jobs', 'job_summary', 'job_version');
    const nowNs = this.now() * NS_PER_MS;
    const job: Job = {
      ...canon,
      Status: rec && rec.job.Status !== 'dead' ? rec.job.Status : 'pending',
      Version: rec ? (rec.job.Version ?? 0) + 1 : 0,
      SubmitTime: nowNs,
      CreateIndex: rec ? rec.job.CreateIndex : index,
      ModifyIndex: index,
      JobModifyIndex: index,
    };
    if (rec) {
      rec.job = job;
      rec.versions = retainVersions(rec.versions, job);
      rec.stubMeta = rec.stubPlain = undefined;
      rec.summaryIndex = index;
    } else {
      this.jobs.set(key, { job, versions: [job], seeded: false, queued: {}, summaryIndex: index });
      this.sortedKeys = undefined;
    }
    const evalId = this.oneWrite(index, () => {
      this.publish(index, [this.jobEvent(job, 'JobRegistered')]);
      return periodic ? '' : this.createEval(job, input.triggeredBy ?? 'job-register', '', '', index);
    });
    for (const d of this.deployments.values()) {
      if (d.JobID === job.ID && d.Namespace === job.Namespace && d.Status === 'running') this.endDeployment(d, 'cancelled', 'Cancelled due to newer version of job');
    }
    return { EvalID: evalId, EvalCreateIndex: periodic ? 0 : index, JobModifyIndex: index, Warnings: warnings, Index: index };
  }

  private warnings(job: Record<string, unknown>): string {
    const list: string[] = [];
    if (compareVersions(this.version, '1.10.0') >= 0) {
      const groups = Array.isArray(job.TaskGroups) ? (job.TaskGroups as Array<Record<string, unknown>>) : [];
      const usesPolicies = groups.some((g) => Array.isArray(g.Tasks) && (g.Tasks as Array<Record<string, unknown>>).some((t) => t.Vault && Array.isArray((t.Vault as Record<string, unknown>).Policies)));
      if (usesPolicies) list.push('* Vault policies are no longer supported; use workload identity (vault.role)');
    }
    return list.length ? `${list.length} warning${list.length > 1 ? 's' : ''}:\n\n${list.join('\n')}\n` : '';
  }

  /** Bulk registration for benchmarks: same canonicalisation, no evaluations; jobs are marked running. */
  seedJobs(jobs: Array<Job | Record<string, unknown>>): number {
    let n = 0;
    for (const raw of jobs) {
      const input = raw as Record<string, unknown>;
      const ns = typeof input.Namespace === 'string' && input.Namespace ? input.Namespace : 'default';
      if (!this.namespaces.has(ns)) this.upsertNamespace({ Name: ns, Description: '' });
      const canon = this.canonicalize(input, ns);
      const index = ++this.index;
      const job: Job = { ...canon, Status: 'running', Version: 0, SubmitTime: this.now() * NS_PER_MS, CreateIndex: index, ModifyIndex: index, JobModifyIndex: index };
      const key = jobKey(ns, canon.ID);
      if (!this.jobs.has(key)) this.sortedKeys = undefined;
      this.jobs.set(key, { job, versions: [job], seeded: true, queued: {}, summaryIndex: index });
      n++;
    }
    this.bump('jobs', 'job_summary', 'job_version');
    return n;
  }

  /**
   * Stops (or purges) a job as `DELETE /v1/job/:id` does (nomad/job_endpoint.go `Job.Deregister`, fsm.go
   * `handleJobDeregister`): every stop writes a copy of the current job with `Stop: true` as a new version,
   * even when it was already stopped, and its evaluation (type `service`) in the same write. An unknown job
   * answers all zeroes.
   */
  deregister(ns: string, id: string, purge: boolean): { EvalID: string; EvalCreateIndex: number; JobModifyIndex: number; Index: number } {
    const key = jobKey(ns, id);
    const rec = this.jobs.get(key);
    if (!rec) return { EvalID: '', EvalCreateIndex: 0, JobModifyIndex: 0, Index: 0 };
    let job = rec.job;
    const index = this.bump('jobs', 'job_summary', 'job_version');
    const evalId = this.oneWrite(index, () => {
      if (purge) {
        this.jobs.delete(key);
        this.sortedKeys = undefined;
        this.publish(index, [{ ...this.jobEvent(job, 'JobDeregistered'), Payload: { Job: job, Deleted: true } } as NomadEvent]);
      } else {
        job = { ...job, Stop: true, Version: (job.Version ?? 0) + 1, ModifyIndex: index, JobModifyIndex: index, SubmitTime: this.now() * NS_PER_MS };
        rec.job = job;
        rec.versions = retainVersions(rec.versions, job);
        rec.stubMeta = rec.stubPlain = undefined;
        this.publish(index, [this.jobEvent(job, 'JobDeregistered')]);
      }
      const periodic = !!job.Periodic || !!job.ParameterizedJob;
      return periodic ? '' : this.createEval({ ...job, Type: 'service' }, 'job-deregister', '', '', index);
    });
    for (const d of this.deployments.values()) {
      if (d.JobID === id && d.Namespace === ns && d.Status === 'running') this.endDeployment(d, 'cancelled', 'Cancelled because job is stopped');
    }
    return { EvalID: evalId, EvalCreateIndex: index, JobModifyIndex: index, Index: index };
  }

  /**
   * Tags (or, with `tag` undefined, untags) a stored version as `Job.TagVersion` does (nomad/state/state_store.go
   * `updateJobVersionTagImpl` / `unsetJobVersionTagImpl`): the version row gets the tag and the write's
   * `ModifyIndex`; when it is the latest version the job row too, without touching its `Version` or
   * `JobModifyIndex` nor the `jobs` table index. No evaluation, no event. The versions are then trimmed
   * as after any version write (`trimVersions`), so an untagged version may go. Returns the write's index.
   */
  tagVersion(ns: string, id: string, name: string, version: number, tag: JobVersionTag | undefined): number {
    const rec = this.jobs.get(jobKey(ns, id));
    let target: Job | undefined;
    if (tag) {
      for (const v of rec?.versions ?? []) {
        if (v.VersionTag?.Name === name && v.Version !== version) throw new HttpError(500, `tag "${name}" already exists on a different version of job "${id}"`);
        if (v.Version === version) target = v;
      }
      if (!target) throw new HttpError(500, `job "${id}" version ${version} not found`);
    } else {
      target = rec?.versions.find((v) => v.VersionTag?.Name === name);
      if (!target) throw new HttpError(500, `tag "${name}" not found on job "${id}"`);
    }
    if (!rec) throw new HttpError(500, `job "${id}" version ${version} not found`);
    const index = this.bump('job_version');
    const tagged: Job = { ...target, VersionTag: tag ?? null, ModifyIndex: index };
    rec.versions = trimVersions(rec.versions.map((v) => (v === target ? tagged : v)));
    if (rec.job.Version === tagged.Version) {
      rec.job = { ...rec.job, VersionTag: tagged.VersionTag, ModifyIndex: index };
      rec.stubMeta = rec.stubPlain = undefined;
    }
    return index;
  }

  /** Marks a job version stable (or not), as `POST /v1/job/:id/stable` does. */
  setStable(rec: JobRecord, version: number, stable: boolean, eventType = 'JobStabilityUpdate'): number {
    const index = this.bump('jobs', 'job_version');
    rec.versions = rec.versions.map((v) => (v.Version === version ? { ...v, Stable: stable, ModifyIndex: index } : v));
    if (rec.job.Version === version) {
      rec.job = { ...rec.job, Stable: stable, ModifyIndex: index };
      rec.stubMeta = rec.stubPlain = undefined;
      this.publish(index, [this.jobEvent(rec.job, eventType)]);
    }
    return index;
  }

  /** The job summary. */
  summary(rec: JobRecord): JobSummary {
    const job = rec.job;
    const groups: JobSummary['Summary'] = {};
    for (const g of job.TaskGroups) groups[g.Name] = { Queued: rec.queued[g.Name] ?? 0, Complete: 0, Failed: 0, Running: rec.seeded ? g.Count ?? 1 : 0, Starting: 0, Lost: 0, Unknown: 0 };
    for (const id of this.jobAllocs.get(jobKey(job.Namespace ?? 'default', job.ID)) ?? []) {
      const a = this.allocs.get(id);
      if (!a) continue;
      const s = (groups[a.TaskGroup] ??= { Queued: 0, Complete: 0, Failed: 0, Running: 0, Starting: 0, Lost: 0, Unknown: 0 });
      if (a.ClientStatus === 'pending') s.Starting++;
      else if (a.ClientStatus === 'running') s.Running++;
      else if (a.ClientStatus === 'complete') s.Complete++;
      else if (a.ClientStatus === 'failed') s.Failed++;
      else if (a.ClientStatus === 'lost') s.Lost++;
      else s.Unknown++;
    }
    const periodic = !!job.Periodic || !!job.ParameterizedJob;
    return { JobID: job.ID, Namespace: job.Namespace ?? 'default', Summary: groups, Children: periodic ? { Pending: 0, Running: 0, Dead: 0 } : { Pending: 0, Running: 0, Dead: 0 }, CreateIndex: job.CreateIndex ?? 0, ModifyIndex: rec.summaryIndex };
  }

  /** The serialised `JobListStub` of a record (cached until the job or its summary changes). */
  stubJson(rec: JobRecord, withMeta: boolean): string {
    if (withMeta && rec.stubMeta !== undefined) return rec.stubMeta;
    if (!withMeta && rec.stubPlain !== undefined) return rec.stubPlain;
    const j = rec.job;
    const stub: Record<string, unknown> = {
      ID: j.ID,
      ParentID: j.ParentID ?? '',
      Name: j.Name,
      Namespace: j.Namespace,
      Datacenters: j.Datacenters,
      NodePool: j.NodePool,
      Multiregion: j.Multiregion ?? null,
      Type: j.Type,
      Priority: j.Priority,
      Periodic: !!j.Periodic,
      ParameterizedJob: !!j.ParameterizedJob,
      Stop: !!j.Stop,
      Status: j.Status,
      StatusDescription: j.StatusDescription ?? '',
      JobSummary: this.summary(rec),
      CreateIndex: j.CreateIndex,
      ModifyIndex: j.ModifyIndex,
      JobModifyIndex: j.JobModifyIndex,
      SubmitTime: j.SubmitTime,
    };
    if (withMeta && j.Meta) stub.Meta = j.Meta;
    const text = JSON.stringify(stub);
    if (withMeta) rec.stubMeta = text;
    else rec.stubPlain = text;
    return text;
  }

  /** The stub as an object (for filters). */
  stubObject(rec: JobRecord): Record<string, unknown> {
    return { ...(JSON.parse(this.stubJson(rec, false)) as Record<string, unknown>), Meta: rec.job.Meta ?? undefined };
  }

  private jobEvent(job: Job, type: string): NomadEvent {
    return { Topic: 'Job', Type: type, Key: job.ID, Namespace: job.Namespace ?? 'default', FilterKeys: null, Index: this.index, Payload: { Job: job } };
  }

  private publish(index: number, events: NomadEvent[]): void {
    const stamped = events.map((e) => ({ ...e, Index: index }));
    if (this.held?.index === index) this.held.events.push(...stamped);
    else this.events.publish(index, stamped);
  }

  /** Runs `write` (one Raft write at `index`) and publishes its events as one frame, as Nomad's broker does. */
  private oneWrite<T>(index: number, write: () => T): T {
    this.held = { index, events: [] };
    try {
      return write();
    } finally {
      const held = this.held;
      this.held = undefined;
      this.events.publish(index, held.events);
    }
  }

  private touchJob(a: { Namespace: string; JobID: string }): void {
    const rec = this.jobs.get(jobKey(a.Namespace, a.JobID));
    if (rec) {
      rec.stubMeta = rec.stubPlain = undefined;
      rec.summaryIndex = this.index;
    }
  }

  // ---------------------------------------------------------------- evaluations

  /** Creates a pending evaluation; `atIndex` puts it in that (already advanced) write, as a register does. */
  private createEval(job: Job, triggeredBy: string, deploymentId: string, previous = '', atIndex?: number): string {
    const id = this.prng.uuid();
    let index: number;
    if (atIndex === undefined) index = this.bump('evals');
    else {
      index = atIndex;
      this.tables.set('evals', index);
    }
    const now = this.now() * NS_PER_MS;
    const ev: Evaluation = {
      ID: id,
      Namespace: job.Namespace ?? 'default',
      Priority: job.Priority ?? 50,
      Type: job.Type ?? 'service',
      TriggeredBy: triggeredBy,
      JobID: job.ID,
      JobModifyIndex: job.JobModifyIndex,
      DeploymentID: deploymentId,
      Status: 'pending',
      StatusDescription: '',
      PreviousEval: previous,
      CreateIndex: index,
      ModifyIndex: index,
      CreateTime: now,
      ModifyTime: now,
    };
    this.evals.set(id, ev);
    for (const other of this.evals.values()) {
      if (other.JobID === job.ID && other.Namespace === ev.Namespace && other.Status === 'blocked') {
        this.evals.set(other.ID, { ...other, Status: 'canceled', StatusDescription: 'evaluation is outdated', ModifyIndex: index });
      }
    }
    this.publish(index, [this.evalEvent(ev, triggeredBy === 'job-deregister' ? 'JobDeregistered' : 'JobRegistered')]);
    this.transitions.schedule('eval', this.timings.evalMs, () => this.processEval(id));
    return id;
  }

  private evalEvent(ev: Evaluation, type: string): NomadEvent {
    return { Topic: 'Evaluation', Type: type, Key: ev.ID, Namespace: ev.Namespace, FilterKeys: [ev.JobID, ev.DeploymentID ?? ''], Index: this.index, Payload: { Evaluation: renderEval(ev) } };
  }

  private updateEval(ev: Evaluation, patch: Partial<Evaluation>): Evaluation {
    const index = this.bump('evals');
    const next = { ...ev, ...patch, ModifyIndex: index, ModifyTime: this.now() * NS_PER_MS };
    this.evals.set(ev.ID, next);
    this.publish(index, [this.evalEvent(next, 'EvaluationUpdated')]);
    return next;
  }

  private liveAllocs(): SimAlloc[] {
    return [...this.allocs.values()].filter((a) => a.DesiredStatus === 'run' && (a.ClientStatus === 'pending' || a.ClientStatus === 'running'));
  }

  private jobLiveAllocs(ns: string, id: string): SimAlloc[] {
    const out: SimAlloc[] = [];
    for (const aid of this.jobAllocs.get(jobKey(ns, id)) ?? []) {
      const a = this.allocs.get(aid);
      if (a && a.DesiredStatus === 'run' && (a.ClientStatus === 'pending' || a.ClientStatus === 'running')) out.push(a);
    }
    return out;
  }

  /** All allocations of a job (any status), newest first. */
  jobAllocations(ns: string, id: string): SimAlloc[] {
    const out: SimAlloc[] = [];
    for (const aid of this.jobAllocs.get(jobKey(ns, id)) ?? []) {
      const a = this.allocs.get(aid);
      if (a) out.push(a);
    }
    return out.sort((a, b) => b.CreateIndex - a.CreateIndex || a.Name.localeCompare(b.Name));
  }

  /**
   * The plan of one group against the allocations running now, as Nomad's cluster reconciler computes it
   * (scheduler/reconciler/reconcile_cluster.go `computeGroup`): past `Count`, the highest name indexes stop
   * (`computeStop`, `AllocNameIndex.Highest`); missing ones are placed at the lowest free indexes
   * (`computePlacements`, `AllocNameIndex.Next`); survivors of an older job are updated in place or
   * destructively (`computeUpdates` with `genericAllocUpdateFn`); destructive updates are limited by the
   * update strategy (`computeUnderProvisionedBy`, placements count against `MaxParallel`). `deployment` is
   * the job's current deployment (see `currentDeployment`); a failed one stops placements and updates.
   */
  planGroup(job: Job, g: TaskGroup, live: SimAlloc[], deployment: Deployment | undefined, stopped: boolean): GroupPlan {
    const plan: GroupPlan = { ignore: [], inplace: [], destructive: [], destructiveLater: 0, stop: [], place: [], desiredTotal: 0, updatingSpec: false };
    const mine = live.filter((a) => a.TaskGroup === g.Name).sort((a, b) => a.nameIndex - b.nameIndex || a.CreateIndex - b.CreateIndex);
    const count = stopped ? 0 : g.Count ?? 1;
    if (count === 0) {
      plan.stop = mine;
      return plan;
    }
    // computeStop: the `remove` highest name indexes in use, then (duplicate names) any others.
    const taken = new Set(mine.map((a) => a.nameIndex));
    let untainted = mine;
    const remove = mine.length - count;
    if (remove > 0) {
      const highest = new Set([...taken].sort((x, y) => y - x).slice(0, remove));
      for (const i of highest) taken.delete(i);
      const order = [...mine].sort((a, b) => Number(highest.has(b.nameIndex)) - Number(highest.has(a.nameIndex)) || b.nameIndex - a.nameIndex || b.CreateIndex - a.CreateIndex);
      plan.stop = order.slice(0, remove);
      untainted = mine.filter((a) => !plan.stop.includes(a));
    }
    // computePlacements: the lowest free indexes below Count, then overlapping ones from 0.
    let missing = count - untainted.length;
    for (let i = 0; i < count && missing > 0; i++) {
      if (taken.has(i)) continue;
      plan.place.push(i);
      taken.add(i);
      missing--;
    }
    for (let i = 0; missing > 0; i++, missing--) plan.place.push(i);
    // computeUpdates.
    const destructive: SimAlloc[] = [];
    for (const a of untainted) {
      if (a.job.JobModifyIndex === job.JobModifyIndex) plan.ignore.push(a);
      else if (tasksUpdated(job, a.job, g.Name) !== undefined || !this.stillFeasible(job, g, a)) destructive.push(a);
      else plan.inplace.push(a);
    }
    plan.desiredTotal = destructive.length + plan.inplace.length + plan.place.length;
    plan.updatingSpec = destructive.length + plan.inplace.length > 0;
    // computeUnderProvisionedBy, then placeAllocs and computeDestructiveUpdates.
    const failed = deployment?.Status === 'failed' && deployment.JobVersion === job.Version;
    const strategy = g.Update && (g.Update.MaxParallel ?? 0) > 0 ? g.Update : undefined;
    let under = count;
    if (strategy && destructive.length > 0) {
      if (!deployment) under = strategy.MaxParallel ?? 1;
      else if (failed) under = 0;
      else {
        under = strategy.MaxParallel ?? 1;
        for (const a of untainted) {
          if (a.DeploymentID !== deployment.ID) continue;
          if (a.Healthy === false) {
            under = 0;
            break;
          }
          if (a.Healthy !== true) under--;
        }
        under = Math.max(0, under);
      }
    }
    if (failed) plan.place = [];
    else under -= Math.min(plan.place.length, under);
    const now = failed ? 0 : Math.min(destructive.length, under);
    plan.destructive = destructive.slice(0, now);
    plan.destructiveLater = destructive.length - now;
    return plan;
  }

  /**
   * Whether an allocation may stay where it runs under the new job (`genericAllocUpdateFn`): its node is
   * still in the job's datacenters and node pool and satisfies the constraints.
   */
  private stillFeasible(job: Job, g: TaskGroup, a: SimAlloc): boolean {
    const node = this.nodes.find((n) => n.ID === a.NodeID);
    if (!node) return false;
    if (!nodeInDatacenters(node, job.Datacenters) || !nodeInPool(node, job.NodePool)) return false;
    const all = [...(job.Constraints ?? []), ...(g.Constraints ?? []), ...(g.Tasks ?? []).flatMap((t) => t.Constraints ?? [])];
    return all.every((c) => constraintHolds(c, node));
  }

  /**
   * The job's current deployment as the reconciler sees it (`cancelUnneededServiceDeployments`): the latest
   * one, if it is of this job version and not successful.
   */
  private currentDeployment(job: Job): Deployment | undefined {
    const d = this.latestDeployment(job.Namespace ?? 'default', job.ID);
    if (!d || d.JobVersion !== job.Version || d.JobCreateIndex !== job.CreateIndex || d.Status === 'successful') return undefined;
    return d;
  }

  private processEval(id: string): void {
    const ev = this.evals.get(id);
    if (!ev || ev.Status !== 'pending') return;
    const rec = this.jobs.get(jobKey(ev.Namespace, ev.JobID));
    const live = this.jobLiveAllocs(ev.Namespace, ev.JobID);
    if (!rec || rec.job.Stop) {
      for (const a of live) this.stopAlloc(a, 'alloc not needed due to job update');
      this.updateEval(ev, { Status: 'complete' });
      if (rec) this.refreshJobStatus(rec, 'PlanResult');
      return;
    }
    const job = rec.job;
    let deployment = this.currentDeployment(job);
    const plans = new Map<string, GroupPlan>();
    for (const g of job.TaskGroups) plans.set(g.Name, this.planGroup(job, g, live, deployment, false));
    // Allocations of groups no longer in the job are stopped.
    for (const a of live) if (!job.TaskGroups.some((g) => g.Name === a.TaskGroup)) this.stopAlloc(a, 'alloc not needed due to job update');

    // createDeployment: groups with an update strategy that change something, unless the version already
    // ran and its spec changes no allocation.
    const jobKeyOf = jobKey(job.Namespace ?? 'default', job.ID);
    const hadRunning = [...(this.jobAllocs.get(jobKeyOf) ?? [])].some((aid) => {
      const a = this.allocs.get(aid);
      return !!a && a.DesiredStatus === 'run' && a.JobVersion === job.Version && a.job.CreateIndex === job.CreateIndex;
    });
    const deployed = new Map<string, number>();
    if (job.Type === 'service') {
      for (const g of job.TaskGroups) {
        const p = plans.get(g.Name) as GroupPlan;
        if (!g.Update || (g.Update.MaxParallel ?? 0) <= 0 || p.desiredTotal === 0 || (hadRunning && !p.updatingSpec)) continue;
        if (!deployment?.TaskGroups[g.Name]) deployed.set(g.Name, p.desiredTotal);
      }
    }
    if (deployed.size && !deployment) deployment = this.createDeployment(job, deployed);
    else if (deployed.size && deployment) this.updateDeployment(deployment, this.deploymentStates(job, deployed));
    const failedTG: Record<string, AllocMetric> = {};
    const queued: Record<string, number> = {};
    for (const g of job.TaskGroups) {
      const p = plans.get(g.Name) as GroupPlan;
      const inDeployment = deployment && deployment.TaskGroups[g.Name] ? deployment : undefined;
      for (const a of p.stop) this.stopAlloc(a, 'alloc not needed due to job update');
      for (const a of p.inplace) this.inplaceUpdate(a, job, inDeployment, ev.ID);
      // A destructive update stops the old allocation in the same plan: its node counts as free for the
      // replacement (generic_sched.go appends the stop before selecting a node).
      const replaced = new Set(p.destructive.map((a) => a.ID));
      const liveNow = this.liveAllocs().filter((a) => !replaced.has(a.ID)).map(toPlaced);
      const wanted = p.place.length + p.destructive.length;
      const result = placeGroup(job, g, wanted, this.nodes, liveNow, this.prng, this.now() * NS_PER_MS);
      let k = 0;
      for (const idx of p.place) {
        const node = result.nodes[k++];
        if (node) this.placeAlloc(job, g, node, idx, ev.ID, inDeployment, undefined);
      }
      for (const old of p.destructive) {
        const node = result.nodes[k++];
        if (!node) continue;
        this.stopAlloc(old, 'alloc is being updated due to job update');
        this.placeAlloc(job, g, node, old.nameIndex, ev.ID, inDeployment, old);
      }
      queued[g.Name] = result.failed;
      if (result.failed > 0 && result.metric) failedTG[g.Name] = result.metric;
    }
    rec.queued = queued;
    this.touchJob({ Namespace: job.Namespace ?? 'default', JobID: job.ID });
    const patch: Partial<Evaluation> = { Status: 'complete', QueuedAllocations: queued, DeploymentID: deployment?.ID ?? ev.DeploymentID };
    if (Object.keys(failedTG).length && ev.TriggeredBy === 'queued-allocs') {
      // A blocked evaluation that still cannot place goes back to waiting.
      this.updateEval(ev, { Status: 'blocked', FailedTGAllocs: failedTG, QueuedAllocations: queued });
      this.refreshJobStatus(rec, 'PlanResult');
      return;
    }
    if (Object.keys(failedTG).length) {
      patch.FailedTGAllocs = failedTG;
      const blockedId = this.prng.uuid();
      const index = this.bump('evals');
      const now = this.now() * NS_PER_MS;
      const blocked: Evaluation = {
        ID: blockedId,
        Namespace: ev.Namespace,
        Priority: ev.Priority,
        Type: ev.Type,
        TriggeredBy: 'queued-allocs',
        JobID: ev.JobID,
        JobModifyIndex: job.JobModifyIndex,
        Status: 'blocked',
        StatusDescription: 'created to place remaining allocations',
        PreviousEval: ev.ID,
        ClassEligibility: { 'v1:standard': true, 'v1:ingress': true },
        EscapedComputedClass: false,
        CreateIndex: index,
        ModifyIndex: index,
        CreateTime: now,
        ModifyTime: now,
      };
      this.evals.set(blockedId, blocked);
      this.publish(index, [this.evalEvent(blocked, 'EvaluationUpdated')]);
      patch.BlockedEval = blockedId;
    }
    this.updateEval(ev, patch);
    this.refreshJobStatus(rec, 'PlanResult');
    if (deployment) this.checkDeployment(deployment);
  }

  // ---------------------------------------------------------------- allocations

  private isFailing(g: TaskGroup): boolean {
    return (g.Tasks ?? []).some((t) => {
      const image = typeof t.Config?.image === 'string' ? t.Config.image : '';
      return this.failImages.some((p) => (typeof p === 'string' ? image === p || image.includes(p) : p.test(image)));
    });
  }

  private placeAlloc(job: Job, g: TaskGroup, node: SimNode, nameIndex: number, evalId: string, deployment: Deployment | undefined, previous: SimAlloc | undefined): SimAlloc {
    const index = this.bump('allocs', 'job_summary');
    const now = this.now();
    const ports = (g.Networks ?? []).flatMap((n) => [
      ...(n.ReservedPorts ?? []).map((p) => ({ Label: p.Label, Value: p.Value ?? 0, To: p.To ?? 0 })),
      ...(n.DynamicPorts ?? []).map((p) => ({ Label: p.Label, Value: node.nextPort++, To: p.To ?? 0 })),
    ]);
    const networkMode = g.Networks?.[0]?.Mode ?? '';
    const taskStates: Record<string, TaskState> = {};
    const taskResources: SimAlloc['TaskResources'] = {};
    for (const t of g.Tasks ?? []) {
      taskStates[t.Name] = { State: 'pending', Failed: false, Restarts: 0, LastRestart: rfc3339(0), StartedAt: rfc3339(0), FinishedAt: rfc3339(0), Events: [taskEvent('Received', now, 'Task received by client')], Paused: '' };
      taskResources[t.Name] = { cpu: t.Resources?.CPU ?? 100, memory: t.Resources?.MemoryMB ?? 300, memoryMax: t.Resources?.MemoryMaxMB ?? 0 };
    }
    const a: SimAlloc = {
      ID: this.prng.uuid(),
      EvalID: evalId,
      Name: `${job.ID}.${g.Name}[${nameIndex}]`,
      Namespace: job.Namespace ?? 'default',
      NodeID: node.ID,
      NodeName: node.Name,
      Datacenter: node.Datacenter,
      JobID: job.ID,
      JobType: job.Type ?? 'service',
      JobVersion: job.Version ?? 0,
      job,
      TaskGroup: g.Name,
      DesiredStatus: 'run',
      DesiredDescription: '',
      ClientStatus: 'pending',
      ClientDescription: 'No tasks have started',
      TaskStates: taskStates,
      DeploymentID: deployment?.ID ?? '',
      Healthy: null,
      HealthTime: 0,
      HealthIndex: 0,
      PreviousAllocation: previous?.ID ?? '',
      NextAllocation: '',
      CreateIndex: index,
      ModifyIndex: index,
      CreateTime: now,
      ModifyTime: now,
      Address: nextAllocAddress(node),
      AddressIPv4: nextAllocIPv4(node, networkMode === 'bridge' || networkMode.startsWith('cni/') ? 'nomad' : 'docker'),
      HostAddress: node.Address,
      hasNetwork: (g.Networks ?? []).length > 0,
      Ports: ports,
      TaskResources: taskResources,
      DiskMB: g.EphemeralDisk?.SizeMB ?? 300,
      NetworkMode: networkMode,
      failing: this.isFailing(g),
      checkRuns: {},
      nameIndex,
    };
    if (previous) previous.NextAllocation = a.ID;
    this.allocs.set(a.ID, a);
    const key = jobKey(a.Namespace, a.JobID);
    const set = this.jobAllocs.get(key) ?? new Set<string>();
    set.add(a.ID);
    this.jobAllocs.set(key, set);
    if (deployment) {
      const st = deployment.TaskGroups[g.Name];
      if (st) this.updateDeployment(deployment, { [g.Name]: { ...st, PlacedAllocs: st.PlacedAllocs + 1 } });
    }
    this.touchJob(a);
    this.publish(index, [this.allocEvent(a, 'PlanResult')]);
    this.transitions.schedule('alloc-start', this.timings.allocStartMs, () => this.startAlloc(a.ID));
    return a;
  }

  private allocEvent(a: SimAlloc, type: string): NomadEvent {
    return { Topic: 'Allocation', Type: type, Key: a.ID, Namespace: a.Namespace, FilterKeys: [a.JobID, a.DeploymentID], Index: this.index, Payload: { Allocation: allocFull(a, false) } };
  }

  private allocChanged(a: SimAlloc, type: string): void {
    const index = this.bump('allocs', 'job_summary');
    a.ModifyIndex = index;
    a.ModifyTime = this.now();
    this.touchJob(a);
    this.publish(index, [this.allocEvent(a, type)]);
  }

  private startAlloc(id: string): void {
    const a = this.allocs.get(id);
    if (!a || a.DesiredStatus !== 'run' || a.ClientStatus !== 'pending') return;
    const now = this.now();
    for (const [name, st] of Object.entries(a.TaskStates)) {
      const image = String(a.job.TaskGroups.find((g) => g.Name === a.TaskGroup)?.Tasks.find((t) => t.Name === name)?.Config?.image ?? '');
      a.TaskStates[name] = {
        ...st,
        State: 'running',
        StartedAt: rfc3339(now),
        Events: [
          ...(st.Events ?? []),
          taskEvent('Task Setup', now, 'Building Task Directory', { Message: 'Building Task Directory' }),
          taskEvent('Driver', now, image ? `Downloading image` : 'Driver started', { DriverMessage: image ? `Downloading image ${image}` : '' }),
          taskEvent('Started', now, 'Task started by client'),
        ],
      };
    }
    a.ClientStatus = 'running';
    a.ClientDescription = 'Tasks are running';
    this.allocChanged(a, 'AllocationUpdated');
    this.registerServices(a);
    const rec = this.jobs.get(jobKey(a.Namespace, a.JobID));
    if (rec) this.refreshJobStatus(rec, 'AllocationUpdated');
    const g = a.job.TaskGroups.find((x) => x.Name === a.TaskGroup);
    if (a.JobType === 'batch' || a.JobType === 'sysbatch') {
      this.transitions.schedule('batch-finish', this.timings.batchRunMs, () => this.finishBatch(a.ID));
      return;
    }
    if (a.DeploymentID && g?.Update) this.scheduleHealth(a, g);
  }

  /**
   * Tracks a deployment allocation's health as the client does (client/allochealth/tracker.go): healthy
   * once its tasks run and, with `health_check = "checks"` (the default), every check passes, for
   * `MinHealthyTime`; unhealthy at `HealthyDeadline` otherwise; with `"manual"` never set by the client.
   */
  private scheduleHealth(a: SimAlloc, g: TaskGroup): void {
    const scale = this.timings.timeScale;
    const mode = g.Update?.HealthCheck || 'checks';
    if (mode === 'manual') return;
    const deadline = ((g.Update?.HealthyDeadline ?? 300e9) / NS_PER_MS) * scale;
    const min = ((g.Update?.MinHealthyTime ?? 10e9) / NS_PER_MS) * scale;
    const passAt = mode === 'checks' ? this.checksPassAt(a) : this.now();
    const healthyIn = a.failing || passAt === undefined ? Infinity : passAt - this.now() + min;
    const deploymentId = a.DeploymentID;
    if (healthyIn > deadline) this.transitions.schedule('alloc-unhealthy', deadline, () => this.setHealth(a.ID, false, deploymentId));
    else this.transitions.schedule('alloc-healthy', healthyIn, () => this.setHealth(a.ID, true, deploymentId));
  }

  private finishBatch(id: string): void {
    const a = this.allocs.get(id);
    if (!a || a.ClientStatus !== 'running') return;
    const now = this.now();
    for (const [name, st] of Object.entries(a.TaskStates)) {
      a.TaskStates[name] = { ...st, State: 'dead', Failed: a.failing, FinishedAt: rfc3339(now), Events: [...(st.Events ?? []), taskEvent('Terminated', now, `Exit Code: ${a.failing ? 1 : 0}`, { ExitCode: a.failing ? 1 : 0 })] };
    }
    a.ClientStatus = a.failing ? 'failed' : 'complete';
    a.ClientDescription = a.failing ? 'Failed tasks' : 'All tasks have completed';
    this.registry.deregisterAlloc(a.ID);
    this.allocChanged(a, 'AllocationUpdated');
    const rec = this.jobs.get(jobKey(a.Namespace, a.JobID));
    if (rec) this.refreshJobStatus(rec, 'AllocationUpdated');
  }

  /** Capacity freed: blocked evaluations are processed again (Nomad's blocked-evals tracker unblocks them). */
  private unblockEvals(): void {
    for (const ev of this.evals.values()) {
      if (ev.Status !== 'blocked') continue;
      this.updateEval(ev, { Status: 'pending' });
      this.transitions.schedule('eval', this.timings.evalMs, () => this.processEval(ev.ID));
    }
  }

  private stopAlloc(a: SimAlloc, description: string): void {
    if (a.DesiredStatus !== 'run') return;
    this.transitions.schedule('unblock', 0, () => this.unblockEvals());
    const now = this.now();
    a.DesiredStatus = 'stop';
    a.DesiredDescription = description;
    if (a.ClientStatus === 'pending' || a.ClientStatus === 'running') {
      for (const [name, st] of Object.entries(a.TaskStates)) {
        a.TaskStates[name] = {
          ...st,
          State: 'dead',
          FinishedAt: rfc3339(now),
          Events: [...(st.Events ?? []), taskEvent('Killing', now, 'Sent interrupt. Waiting 5s before force killing', { KillTimeout: 5e9 }), taskEvent('Killed', now, 'Task successfully killed'), taskEvent('Terminated', now, 'Exit Code: 0')],
        };
      }
      a.ClientStatus = 'complete';
      a.ClientDescription = 'All tasks have completed';
    }
    this.registry.deregisterAlloc(a.ID);
    this.allocChanged(a, 'AllocationUpdateDesiredStatus');
  }

  /**
   * An in-place update (generic_sched.go): the allocation keeps its ID, node and ports, takes the new job
   * version and joins the eval's deployment (none without one). A changed deployment clears its health,
   * which the client then tracks again (client/allocrunner/health_hook.go `Update`); it counts as placed
   * in the deployment (state_store.go `updateDeploymentWithAlloc`).
   */
  private inplaceUpdate(a: SimAlloc, job: Job, deployment: Deployment | undefined, evalId: string): void {
    a.job = job;
    a.JobVersion = job.Version ?? 0;
    a.EvalID = evalId;
    const deploymentId = deployment?.ID ?? '';
    const moved = a.DeploymentID !== deploymentId;
    if (moved) {
      a.DeploymentID = deploymentId;
      a.Healthy = null;
      a.HealthTime = 0;
      const st = deployment?.TaskGroups[a.TaskGroup];
      if (deployment && st) this.updateDeployment(deployment, { [a.TaskGroup]: { ...st, PlacedAllocs: st.PlacedAllocs + 1 } });
    }
    this.allocChanged(a, 'PlanResult');
    if (a.ClientStatus === 'running') {
      this.registerServices(a);
      const g = job.TaskGroups.find((x) => x.Name === a.TaskGroup);
      if (moved && deployment && g?.Update) this.scheduleHealth(a, g);
    }
  }

  /** The networks a service of `a` (a task's when `task` is given) resolves its address from. */
  private addressSources(a: SimAlloc, task: Task | undefined): AddressSources {
    const sources: AddressSources = { ports: a.Ports.map((p) => ({ ...p, HostIP: a.HostAddress })), networks: !task && a.hasNetwork ? [a.HostAddress] : [] };
    // Group services see the allocation's network status, task services their driver's network
    // (allocrunner/group_service_hook.go, taskrunner/service_hook.go).
    if (!task && hasAllocNetwork(a)) sources.netStatus = { address: a.AddressIPv4, addressIPv6: a.Address };
    if (task?.Driver === 'docker') {
      // drivers/docker/driver.go `detectIP`: the container's address on its docker network; its global
      // IPv6 (and advertised) with `advertise_ipv6_address`; none when it joins another namespace.
      const cfg = task.Config ?? {};
      const mode = typeof cfg.network_mode === 'string' ? cfg.network_mode : '';
      const portMap: Record<string, number> = {};
      for (const m of Array.isArray(cfg.port_map) ? cfg.port_map : [cfg.port_map]) {
        if (m && typeof m === 'object') for (const [k, v] of Object.entries(m as Record<string, unknown>)) if (typeof v === 'number') portMap[k] = v;
      }
      if (hasAllocNetwork(a) || mode === 'host' || mode === 'none' || mode.startsWith('container:')) sources.driver = { ip: '', autoAdvertise: false, portMap };
      else {
        const advertise = cfg.advertise_ipv6_address === true;
        sources.driver = { ip: advertise ? a.Address : a.AddressIPv4, autoAdvertise: advertise || (mode !== '' && mode !== 'bridge'), portMap };
      }
    }
    return sources;
  }

  /**
   * Registers the allocation's Consul services at the address its `address_mode` resolves to
   * (service-address.ts). A check is registered with its `InitialStatus` (Consul: critical when none is
   * given, and Nomad gives none by default) and takes its result at its first run, one interval (times
   * `SuccessBeforePassing`) after it was first registered (Consul's agent/checks/check.go runners wait a
   * random stagger within the interval first); checks keep their state across re-registrations.
   */
  private registerServices(a: SimAlloc): void {
    const g = a.job.TaskGroups.find((x) => x.Name === a.TaskGroup);
    const node = this.nodes.find((n) => n.ID === a.NodeID);
    if (!g || !node) return;
    const now = this.now();
    const runs: SimAlloc['checkRuns'] = {};
    const instances: ServiceInstance[] = [];
    const add = (svc: Service, taskPart: string, task: Task | undefined): void => {
      if ((svc.Provider ?? 'consul') !== 'consul') return;
      const label = svc.PortLabel ?? '';
      // `alloc_ipv6` exists from Nomad 1.10.4 (nomad/structs/services.go `AddressModeAllocIPv6`).
      if (svc.AddressMode === 'alloc_ipv6' && compareVersions(this.version, '1.10.4') < 0) return;
      const at = serviceAddress(svc.AddressMode ?? 'auto', label, this.addressSources(a, task));
      if (!at) return;
      const id = `_nomad-task-${a.ID}-${taskPart}-${svc.Name}-${label}`;
      instances.push({
        id,
        name: svc.Name,
        tags: svc.Tags ?? [],
        meta: { ...(svc.Meta ?? {}), 'external-source': 'nomad' },
        address: at.address,
        port: at.port,
        node,
        checks: (svc.Checks ?? []).map((c) => {
          const checkId = `_nomad-check-${createHash('sha1').update(`${id}/${JSON.stringify(c)}`).digest('hex')}`;
          const initial = c.InitialStatus === 'passing' || c.InitialStatus === 'warning' ? c.InitialStatus : 'critical';
          let run = a.checkRuns[checkId];
          if (run === undefined) {
            const every = ((c.Interval ?? 0) / NS_PER_MS) * this.timings.timeScale;
            const successes = typeof c.SuccessBeforePassing === 'number' && c.SuccessBeforePassing > 1 ? c.SuccessBeforePassing : 1;
            run = { runAt: now + every * successes, passAt: initial === 'passing' ? now : now + every * successes };
            const allocId = a.ID;
            const first = checkResult(a.failing, c.Type, c.Path);
            this.transitions.schedule('check-run', run.runAt - now, () => this.runCheck(allocId, checkId, first));
          }
          runs[checkId] = run;
          const runAt = run.runAt;
          const result = checkResult(a.failing, c.Type, c.Path);
          return {
            id: checkId,
            name: c.Name ?? `service: "${svc.Name}" check`,
            type: c.Type,
            interval: fmtGoDuration(c.Interval ?? 0),
            timeout: fmtGoDuration(c.Timeout ?? 0),
            status: runAt <= now ? result.status : initial,
            output: runAt <= now ? result.output : '',
          };
        }),
      });
    };
    for (const s of g.Services ?? []) add(s, `group-${g.Name}`, undefined);
    for (const t of g.Tasks ?? []) for (const s of t.Services ?? []) add(s, t.Name, t);
    a.checkRuns = runs;
    this.registry.registerAlloc(a.ID, instances);
  }

  /** A check's first run: its result replaces its initial status. */
  private runCheck(allocId: string, checkId: string, result: { status: CheckStatus; output: string }): void {
    const a = this.allocs.get(allocId);
    if (!a || a.DesiredStatus !== 'run' || a.ClientStatus !== 'running' || a.checkRuns[checkId] === undefined) return;
    this.registry.updateCheck(checkId, result.status, result.output);
  }

  /** When every Consul check of `a` passes (ms), or undefined when one never does. */
  private checksPassAt(a: SimAlloc): number | undefined {
    if (a.failing && Object.keys(a.checkRuns).length) return undefined;
    return Math.max(this.now(), ...Object.values(a.checkRuns).map((r) => r.passAt));
  }

  /**
   * Writes a change made to an allocation from outside the scheduler (lib/sim/task-incidents.ts): a new
   * allocs index and event, its services deregistered from Consul when `deregister`, the job status again.
   */
  allocUpdatedByClient(a: SimAlloc, deregister: boolean): void {
    if (deregister) this.registry.deregisterAlloc(a.ID);
    this.allocChanged(a, 'AllocationUpdated');
    const rec = this.jobs.get(jobKey(a.Namespace, a.JobID));
    if (rec) this.refreshJobStatus(rec, 'AllocationUpdated');
  }

  // ---------------------------------------------------------------- job status

  /** Recomputes the job's status; a change is published as a Job event typed by the write that caused it. */
  private refreshJobStatus(rec: JobRecord, eventType: string): void {
    const job = rec.job;
    let status: string;
    const allocs = this.jobAllocations(job.Namespace ?? 'default', job.ID);
    const nonTerminalAlloc = allocs.some((a) => a.DesiredStatus === 'run' && (a.ClientStatus === 'pending' || a.ClientStatus === 'running'));
    const pendingEval = [...this.evals.values()].some((e) => e.JobID === job.ID && e.Namespace === job.Namespace && (e.Status === 'pending' || e.Status === 'blocked'));
    if (job.Periodic || job.ParameterizedJob) status = job.Stop ? 'dead' : 'running';
    else if (nonTerminalAlloc) status = 'running';
    else if (pendingEval) status = 'pending';
    else if (allocs.length > 0 || job.Stop) status = 'dead';
    else status = 'pending';
    if (status === job.Status) return;
    const index = this.bump('jobs');
    rec.job = { ...job, Status: status, ModifyIndex: index };
    rec.versions = rec.versions.map((v) => (v.Version === job.Version ? { ...v, Status: status, ModifyIndex: index } : v));
    rec.stubMeta = rec.stubPlain = undefined;
    this.publish(index, [this.jobEvent(rec.job, eventType)]);
  }

  // ---------------------------------------------------------------- deployments

  /** The newest deployment of a job. */
  latestDeployment(ns: string, id: string): Deployment | undefined {
    let best: Deployment | undefined;
    for (const d of this.deployments.values()) if (d.JobID === id && d.Namespace === ns && (!best || d.CreateIndex > best.CreateIndex)) best = d;
    return best;
  }

  /** New deployment states of `groups` (group -> `DesiredTotal`). */
  private deploymentStates(job: Job, groups: Map<string, number>): Record<string, DeploymentState> {
    const now = this.now();
    const states: Record<string, DeploymentState> = {};
    for (const g of job.TaskGroups) {
      const total = groups.get(g.Name);
      if (total === undefined || !g.Update) continue;
      const progress = ((g.Update.ProgressDeadline ?? 600e9) / NS_PER_MS) * this.timings.timeScale;
      states[g.Name] = {
        AutoRevert: !!g.Update.AutoRevert,
        AutoPromote: !!g.Update.AutoPromote,
        ProgressDeadline: g.Update.ProgressDeadline ?? 600e9,
        RequireProgressBy: rfc3339(progress ? now + progress : 0),
        Promoted: false,
        PlacedCanaries: null,
        DesiredCanaries: 0,
        DesiredTotal: total,
        PlacedAllocs: 0,
        HealthyAllocs: 0,
        UnhealthyAllocs: 0,
      };
    }
    return states;
  }

  /** A deployment of `job` for `groups` (group -> `DesiredTotal`: its destructive, in-place and new allocations). */
  private createDeployment(job: Job, groups: Map<string, number>): Deployment {
    const index = this.bump('deployment');
    const now = this.now();
    const d: Deployment = {
      ID: this.prng.uuid(),
      Namespace: job.Namespace ?? 'default',
      JobID: job.ID,
      JobVersion: job.Version ?? 0,
      JobModifyIndex: job.ModifyIndex ?? 0,
      JobSpecModifyIndex: job.JobModifyIndex ?? 0,
      JobCreateIndex: job.CreateIndex ?? 0,
      IsMultiregion: false,
      TaskGroups: this.deploymentStates(job, groups),
      Status: 'running',
      StatusDescription: 'Deployment is running',
      EvalPriority: job.Priority ?? 50,
      CreateIndex: index,
      ModifyIndex: index,
      CreateTime: now * NS_PER_MS,
      ModifyTime: now * NS_PER_MS,
    };
    this.deployments.set(d.ID, d);
    this.publish(index, [this.deploymentEvent(d, 'DeploymentStatusUpdate')]);
    this.scheduleProgressCheck(d.ID);
    return d;
  }

  private scheduleProgressCheck(id: string): void {
    const d = this.deployments.get(id);
    if (!d) return;
    const deadlines = Object.values(d.TaskGroups).filter((s) => s.ProgressDeadline > 0).map((s) => Date.parse(s.RequireProgressBy));
    if (deadlines.length === 0) return;
    const at = Math.min(...deadlines);
    this.transitions.schedule('progress-deadline', Math.max(0, at - this.now()), () => {
      const cur = this.deployments.get(id);
      if (!cur || cur.Status !== 'running') return;
      const late = Object.values(cur.TaskGroups).some((s) => s.ProgressDeadline > 0 && Date.parse(s.RequireProgressBy) <= this.now() && s.HealthyAllocs < s.DesiredTotal);
      if (late) this.failDeployment(cur, 'Failed due to progress deadline');
      else this.scheduleProgressCheck(id);
    });
  }

  private deploymentEvent(d: Deployment, type: string): NomadEvent {
    return { Topic: 'Deployment', Type: type, Key: d.ID, Namespace: d.Namespace, FilterKeys: [d.JobID], Index: this.index, Payload: { Deployment: d } };
  }

  private updateDeployment(d: Deployment, groups: Record<string, DeploymentState>, patch: Partial<Deployment> = {}, type = 'DeploymentAllocHealth'): Deployment {
    const index = this.bump('deployment');
    const next: Deployment = { ...d, ...patch, TaskGroups: { ...d.TaskGroups, ...groups }, ModifyIndex: index, ModifyTime: this.now() * NS_PER_MS };
    this.deployments.set(d.ID, next);
    Object.assign(d, next);
    this.publish(index, [this.deploymentEvent(next, type)]);
    return next;
  }

  private endDeployment(d: Deployment, status: string, description: string): void {
    this.updateDeployment(d, {}, { Status: status, StatusDescription: description }, 'DeploymentStatusUpdate');
  }

  private setHealth(allocId: string, healthy: boolean, deploymentId: string): void {
    const a = this.allocs.get(allocId);
    if (!a || a.DesiredStatus !== 'run' || a.ClientStatus !== 'running' || a.Healthy !== null || a.DeploymentID !== deploymentId) return;
    a.Healthy = healthy;
    a.HealthTime = this.now();
    const d = this.deployments.get(a.DeploymentID);
    this.allocChanged(a, 'DeploymentAllocHealth');
    a.HealthIndex = a.ModifyIndex;
    if (!d || d.Status !== 'running') return;
    const st = d.TaskGroups[a.TaskGroup];
    if (!st) return;
    if (healthy) {
      const g = a.job.TaskGroups.find((x) => x.Name === a.TaskGroup);
      const progress = ((st.ProgressDeadline ?? 0) / NS_PER_MS) * this.timings.timeScale;
      const nextState = { ...st, HealthyAllocs: st.HealthyAllocs + 1, RequireProgressBy: progress ? rfc3339(this.now() + progress) : st.RequireProgressBy };
      this.updateDeployment(d, { [a.TaskGroup]: nextState });
      if (progress) this.scheduleProgressCheck(d.ID);
      this.checkDeployment(d);
      const cur = this.deployments.get(d.ID);
      if (cur?.Status === 'running' && g) {
        const rec = this.jobs.get(jobKey(d.Namespace, d.JobID));
        if (rec && rec.job.Version === d.JobVersion) {
          const pendingEval = [...this.evals.values()].some((e) => e.JobID === d.JobID && e.Namespace === d.Namespace && e.Status === 'pending');
          if (!pendingEval) this.createEval(rec.job, 'deployment-watcher', d.ID);
        }
      }
    } else {
      this.updateDeployment(d, { [a.TaskGroup]: { ...st, UnhealthyAllocs: st.UnhealthyAllocs + 1 } });
      this.failDeployment(this.deployments.get(d.ID) ?? d, 'Failed due to unhealthy allocations');
    }
  }

  private checkDeployment(d: Deployment): void {
    const cur = this.deployments.get(d.ID);
    if (!cur || cur.Status !== 'running') return;
    const rec = this.jobs.get(jobKey(cur.Namespace, cur.JobID));
    if (!rec) return;
    const live = this.jobLiveAllocs(cur.Namespace, cur.JobID);
    const done = Object.entries(cur.TaskGroups).every(([name, st]) => {
      const oldLeft = live.some((a) => a.TaskGroup === name && a.JobVersion !== cur.JobVersion);
      return !oldLeft && st.HealthyAllocs >= Math.max(st.DesiredTotal, st.DesiredCanaries);
    });
    if (!done) return;
    this.endDeployment(cur, 'successful', 'Deployment completed successfully');
    if (rec.job.Version === cur.JobVersion) this.setStable(rec, cur.JobVersion, true, 'DeploymentStatusUpdate');
    else rec.versions = rec.versions.map((v) => (v.Version === cur.JobVersion ? { ...v, Stable: true } : v));
  }

  private failDeployment(d: Deployment, reason: string): void {
    const rec = this.jobs.get(jobKey(d.Namespace, d.JobID));
    const autoRevert = Object.values(d.TaskGroups).some((s) => s.AutoRevert);
    let description = reason;
    let revertTo: Job | undefined;
    if (autoRevert && rec) {
      revertTo = rec.versions.find((v) => v.Stable && (v.Version ?? 0) < d.JobVersion);
      if (revertTo && !specChanged(revertTo, rec.job)) {
        description += ` - not rolling back to stable job version ${revertTo.Version} as current job has same specification`;
        revertTo = undefined;
      } else if (revertTo) description += ` - rolling back to job version ${revertTo.Version}`;
      else description += ' - no stable job version to auto revert to';
    }
    this.endDeployment(d, 'failed', description);
    if (revertTo && rec) {
      const spec: Record<string, unknown> = { ...revertTo };
      for (const k of SERVER_FIELDS) delete spec[k];
      this.register({ job: spec, namespace: d.Namespace, triggeredBy: 'job-register' });
    }
  }
}

/** What a check reports when it runs: passing, or critical for an allocation of a failing image. */
function checkResult(failing: boolean, type: string, path: string | undefined): { status: CheckStatus; output: string } {
  return failing ? { status: 'critical', output: `${type.toUpperCase()} check failed: connection refused` } : { status: 'passing', output: `${type.toUpperCase()} ${path ?? ''}: 200 OK` };
}

function toPlaced(a: SimAlloc): PlacedAlloc {
  const g = a.job.TaskGroups.find((x) => x.Name === a.TaskGroup);
  const demand = g ? groupDemand(g) : { cpu: 0, memory: 0 };
  return { NodeID: a.NodeID, JobID: a.JobID, Namespace: a.Namespace, TaskGroup: a.TaskGroup, cpu: demand.cpu, memory: demand.memory };
}

/** An evaluation on the wire: zero-valued fields omitted, as Nomad encodes `Evaluation`. */
export function renderEval(ev: Evaluation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ev)) {
    if (v === undefined || v === null || v === '' || v === 0 || v === false) continue;
    out[k] = v;
  }
  return out;
}

/** Renders allocations for a list response. */
export function renderAllocStubs(list: SimAlloc[], withResources: boolean): Array<Record<string, unknown>> {
  return list.map((a) => allocStub(a, withResources));
}
