/**
 * The Nomad port: everything the reconciler, the dashboard and `ps` need from a Nomad cluster, typed with
 * the Nomad API JSON shapes of lib/core/nomad/types.ts. Implemented over HTTP by NomadHttpClient
 * (lib/adapters/nomad-http); any other implementation must keep the same contract.
 *
 * Contract shared by every method:
 * - failures are the typed errors of ./errors (NotFoundError, ForbiddenError, CasConflictError,
 *   BadRequestError, UnavailableError, TimeoutError); transient ones were already retried;
 * - `ns` is a Nomad namespace name; list methods accept `*` for all namespaces the token can see;
 * - read methods that may block take `index`/`wait` and return the server's index with the result.
 */
import type {
  AllocListStub,
  Deployment,
  EventFrame,
  Evaluation,
  Job,
  JobDeregisterResponse,
  JobListStub,
  JobPlanResponse,
  JobRegisterRequest,
  JobRegisterResponse,
  JobSummary,
  JobTagResponse,
  Namespace,
  NodeListStub,
} from '../core/nomad/types';
import type { AllocResourceUsage } from '../core/nomad/alloc-stats';

/** What the connected Nomad can do, derived once from its version (`/v1/agent/self`). */
export interface NomadCapabilities {
  /** Server version without build metadata, e.g. `1.10.3`. */
  version: string;
  region?: string;
  datacenter?: string;
  /** `GET /v1/jobs?meta=true` returns each job's Meta (1.5.0+); otherwise read jobs one by one. */
  jobListMeta: boolean;
  /** `Vault.Policies` is honoured (before 1.10.0); later servers need workload identity. */
  vaultPolicies: boolean;
  /** Node pools exist (1.6.0+). */
  nodePools: boolean;
  /** Workload identity for Vault/Consul (1.7.0+). */
  workloadIdentity: boolean;
  /** `Datacenters` may be globs and defaults to `["*"]` (1.5.0+). */
  datacenterGlobs: boolean;
  /** Job versions can be tagged (`tagVersion`, 1.9.0+). */
  versionTags: boolean;
}

/** Options for blocking reads: `index` > 0 blocks until the server's index passes it or `wait` elapses. */
export interface BlockingOptions {
  index?: number;
  /** Go duration string, e.g. `30s`, `5m`. */
  wait?: string;
  signal?: AbortSignal;
}

/** A read result with the server's `X-Nomad-Index`. */
export interface Indexed<T> {
  items: T;
  index: number;
}

/** Options of `listJobs`. Pagination is followed to the end. */
export interface ListJobsOptions extends BlockingOptions {
  /** Default: the client's namespace; `*` = all namespaces. */
  namespace?: string;
  /** Job ID prefix. */
  prefix?: string;
  /** Include each job's Meta (ignored by servers before 1.5.0). */
  meta?: boolean;
  /** go-bexpr filter evaluated by the server per job. */
  filter?: string;
  /** Page size for pagination (server default when unset). */
  perPage?: number;
}

/**
 * Options of `listAllocations` (`GET /v1/allocations`). Pagination is followed to the end.
 * Nomad evaluates `filter` against each full allocation, its embedded `Job` included, before it makes
 * the stub (nomad/alloc_endpoint.go `Alloc.List`, nomad/state/paginator `Paginator.next`), so
 * `Job.Meta["k"]` selects by job meta. A key the map lacks is "not present" to go-bexpr (from v0.1.12):
 * `==`, `matches`, `contains` are false for it, `!=` true. A field missing from an allocation (a struct
 * field, not a map key) is an evaluation error there, a 400 for the whole list.
 */
export interface ListAllocationsOptions extends BlockingOptions {
  /** Default: the client's namespace; `*` = all namespaces the token may read jobs in. */
  namespace?: string;
  /** Allocation ID prefix. */
  prefix?: string;
  /** Include `AllocatedResources` in each stub (`resources=true`). */
  resources?: boolean;
  /** go-bexpr filter evaluated by the server per allocation. */
  filter?: string;
  perPage?: number;
}

/** Register body plus the namespace to register into. */
export type RegisterJobRequest = JobRegisterRequest & { namespace: string };

/** Options of `deregisterJob`: `purge` removes the job at once instead of stopping it. */
export interface DeregisterOptions {
  purge?: boolean;
}

/** Options of the event stream. */
export interface EventStreamOptions {
  /** Start index; the server starts at the next buffered index when older. */
  index?: number;
  /** Default the client's namespace; `*` for all. */
  namespace?: string;
  /** `Topic:FilterKey` strings, e.g. `Job:web`, `Deployment:*`. */
  topics?: string[];
  /** Stops the stream; the iterator then ends without error. */
  signal?: AbortSignal;
  /** Called for every heartbeat (`{}` on the wire): the stream is alive though nothing changed. */
  onHeartbeat?: () => void;
}

/** One batch of events of the stream (heartbeats are not yielded; see `onHeartbeat`). */
export type EventStreamFrame = Required<EventFrame>;

/** What `tagVersion` puts on a version. */
export interface TagVersionOptions {
  version: number;
  description?: string;
}

/** Job versions, newest first, with optional diffs between consecutive versions. */
export interface JobVersions {
  versions: Job[];
  diffs: unknown[] | null;
}

/** The Nomad API used by nomadguard. */
export interface NomadApi {
  /** Server version and derived feature flags; read once and cached. */
  capabilities(): Promise<NomadCapabilities>;
  /** Job stubs across all pages; `index` is the first page's `X-Nomad-Index`. */
  listJobs(opts?: ListJobsOptions): Promise<Indexed<JobListStub[]>>;
  /** The server-side job, or undefined when it does not exist. */
  readJob(ns: string, id: string, opts?: BlockingOptions): Promise<Job | undefined>;
  /** Registers (creates or updates) a job; `EnforceIndex` makes it a check-and-set (CasConflictError). */
  registerJob(req: RegisterJobRequest): Promise<JobRegisterResponse>;
  /** Dry run; `diff` asks for the server's structural diff. Writes nothing. */
  planJob(ns: string, job: Job, opts?: { diff?: boolean }): Promise<JobPlanResponse>;
  /** Stops (default) or purges a job. Unknown jobs are not an error on current servers. */
  deregisterJob(ns: string, id: string, opts?: DeregisterOptions): Promise<JobDeregisterResponse>;
  /** Stored versions, newest first; NotFoundError for an unknown job. */
  jobVersions(ns: string, id: string, opts?: { diffs?: boolean }): Promise<JobVersions>;
  /**
   * Tags a stored version (Nomad 1.9+): no evaluation, no new version; the tag stays until untagged and
   * moving it to another version is refused. BadRequestError when the tag is on another version or the
   * version is not stored; NotFoundError from servers without tags.
   */
  tagVersion(ns: string, id: string, name: string, opts: TagVersionOptions): Promise<JobTagResponse>;
  /** Removes a tag (Nomad 1.9+); BadRequestError when no version of the job carries it. */
  untagVersion(ns: string, id: string, name: string): Promise<JobTagResponse>;
  /** Allocations of a job (`[]` when none or unknown). */
  jobAllocations(ns: string, id: string, opts?: BlockingOptions & { all?: boolean }): Promise<Indexed<AllocListStub[]>>;
  /** Allocations across a namespace (or `*`), filtered by the server; `index` is the first page's. */
  listAllocations(opts?: ListAllocationsOptions): Promise<Indexed<AllocListStub[]>>;
  /**
   * The client's latest resource usage of an allocation (`GET /v1/client/allocation/:id/stats`, forwarded
   * by the server to the allocation's node); NotFoundError when no client knows it (not running there).
   */
  allocationStats(id: string, opts?: { namespace?: string; task?: string }): Promise<AllocResourceUsage>;
  /** Latest deployment of a job, or undefined when it has none. */
  jobDeployment(ns: string, id: string): Promise<Deployment | undefined>;
  /** Job summary; NotFoundError for an unknown job. */
  jobSummary(ns: string, id: string): Promise<JobSummary>;
  /** A deployment by ID (blocking-capable); NotFoundError when unknown. */
  deployment(id: string, opts?: BlockingOptions & { namespace?: string }): Promise<Indexed<Deployment>>;
  /** An evaluation by ID; NotFoundError when unknown. */
  evaluation(id: string, opts?: { namespace?: string }): Promise<Evaluation>;
  /** A full allocation by ID (network status, resources); NotFoundError when unknown. */
  allocation(id: string, opts?: { namespace?: string }): Promise<Record<string, unknown>>;
  /** All namespaces visible to the token. */
  namespaces(): Promise<Namespace[]>;
  /** One namespace, or undefined when it does not exist. */
  readNamespace(name: string): Promise<Namespace | undefined>;
  /** Creates or updates a namespace (idempotent). */
  upsertNamespace(ns: Pick<Namespace, 'Name'> & Partial<Namespace>): Promise<void>;
  /** Client nodes. */
  nodes(opts?: BlockingOptions & { prefix?: string }): Promise<Indexed<NodeListStub[]>>;
  /** A full node (Meta, Attributes, address), or undefined when unknown. */
  readNode(id: string): Promise<(NodeListStub & { Meta?: Record<string, string> | null }) | undefined>;
  /**
   * The event stream as an async iterator of event batches; heartbeats go to `onHeartbeat`. Ends quietly
   * when `signal` aborts; throws TimeoutError when the stream goes silent and UnavailableError when it breaks
   * or the server ends it (reconnect from the last frame's Index + 1); ForbiddenError when the server ends it
   * before its first byte, Nomad's answer to a token that may not read the requested topics.
   */
  eventStream(opts?: EventStreamOptions): AsyncIterable<EventStreamFrame>;
}
