/**
 * The Nomad HTTP API's JSON shapes, as nomadguard sends and reads them.
 *
 * Field names are Nomad's (PascalCase Go field names); durations are integer nanoseconds. Every job field is
 * optional because the API accepts partial jobs and fills defaults server-side (see
 * shared/contracts/NOMAD-API.md §3): a job nomadguard generates sets what it means, a job read back from
 * Nomad carries everything. Only the fields the operator, the simulator or the CLI use are typed; the index
 * signatures keep the rest of a server response instead of dropping it.
 */

/** Nanoseconds, as Nomad encodes `time.Duration`. */
export type Nanos = number;

export const SECOND: Nanos = 1_000_000_000;

export interface Constraint {
  LTarget: string;
  RTarget: string;
  Operand: string;
}

export interface SpreadTarget {
  Value: string;
  Percent: number;
}

export interface Spread {
  Attribute: string;
  Weight: number;
  SpreadTarget: SpreadTarget[] | null;
}

export interface UpdateStrategy {
  Stagger?: Nanos;
  MaxParallel?: number;
  HealthCheck?: 'checks' | 'task_states' | 'manual' | string;
  MinHealthyTime?: Nanos;
  HealthyDeadline?: Nanos;
  ProgressDeadline?: Nanos;
  AutoRevert?: boolean;
  AutoPromote?: boolean;
  Canary?: number;
}

export interface RestartPolicy {
  Attempts?: number;
  Interval?: Nanos;
  Delay?: Nanos;
  Mode?: 'fail' | 'delay' | string;
  RenderTemplates?: boolean;
}

export interface ReschedulePolicy {
  Attempts?: number;
  Interval?: Nanos;
  Delay?: Nanos;
  DelayFunction?: 'constant' | 'exponential' | 'fibonacci' | string;
  MaxDelay?: Nanos;
  Unlimited?: boolean;
}

export interface MigrateStrategy {
  MaxParallel?: number;
  HealthCheck?: string;
  MinHealthyTime?: Nanos;
  HealthyDeadline?: Nanos;
}

export interface EphemeralDisk {
  Sticky?: boolean;
  SizeMB?: number;
  Migrate?: boolean;
}

export interface Port {
  Label: string;
  Value?: number;
  To?: number;
  HostNetwork?: string;
}

export interface NetworkResource {
  Mode?: string;
  DynamicPorts?: Port[] | null;
  ReservedPorts?: Port[] | null;
  [extra: string]: unknown;
}

export interface CheckRestart {
  Limit?: number;
  Grace?: Nanos;
  IgnoreWarnings?: boolean;
}

export interface ServiceCheck {
  Name?: string;
  Type: 'http' | 'tcp' | 'script' | 'grpc' | string;
  Command?: string;
  Args?: string[] | null;
  Path?: string;
  Protocol?: string;
  PortLabel?: string;
  AddressMode?: string;
  Interval?: Nanos;
  Timeout?: Nanos;
  InitialStatus?: string;
  Method?: string;
  Header?: Record<string, string[]> | null;
  CheckRestart?: CheckRestart | null;
  OnUpdate?: string;
  TaskName?: string;
  [extra: string]: unknown;
}

export interface Service {
  Name: string;
  TaskName?: string;
  PortLabel?: string;
  AddressMode?: 'auto' | 'host' | 'driver' | 'alloc' | 'alloc_ipv6' | string;
  Provider?: 'consul' | 'nomad' | string;
  Tags?: string[] | null;
  CanaryTags?: string[] | null;
  Meta?: Record<string, string> | null;
  Checks?: ServiceCheck[] | null;
  OnUpdate?: string;
  Cluster?: string;
  Namespace?: string;
  EnableTagOverride?: boolean;
  [extra: string]: unknown;
}

export interface Resources {
  CPU?: number;
  Cores?: number;
  MemoryMB?: number;
  MemoryMaxMB?: number;
  DiskMB?: number;
  IOPS?: number;
  Networks?: NetworkResource[] | null;
  [extra: string]: unknown;
}

export interface Vault {
  Policies?: string[] | null;
  Role?: string;
  Namespace?: string;
  Cluster?: string;
  Env?: boolean;
  DisableFile?: boolean;
  ChangeMode?: string;
  ChangeSignal?: string;
  AllowTokenExpiration?: boolean;
}

export interface Template {
  SourcePath?: string;
  DestPath: string;
  EmbeddedTmpl?: string;
  ChangeMode?: string;
  ChangeSignal?: string;
  Splay?: Nanos;
  Perms?: string;
  LeftDelim?: string;
  RightDelim?: string;
  Envvars?: boolean;
  Once?: boolean;
  ErrMissingKey?: boolean;
  VaultGrace?: Nanos;
  [extra: string]: unknown;
}

export interface LogConfig {
  MaxFiles?: number;
  MaxFileSizeMB?: number;
  Disabled?: boolean;
  Enabled?: boolean;
}

/** Docker driver options (snake_case keys, drivers/docker/config.go). Loose: any driver option is allowed. */
export type TaskConfig = Record<string, unknown>;

export interface Task {
  Name: string;
  Driver: string;
  User?: string;
  Config?: TaskConfig | null;
  Env?: Record<string, string> | null;
  Services?: Service[] | null;
  Vault?: Vault | null;
  Templates?: Template[] | null;
  Constraints?: Constraint[] | null;
  Resources?: Resources | null;
  RestartPolicy?: RestartPolicy | null;
  Meta?: Record<string, string> | null;
  KillTimeout?: Nanos;
  KillSignal?: string;
  LogConfig?: LogConfig | null;
  Leader?: boolean;
  ShutdownDelay?: Nanos;
  /** `lifecycle { hook, sidecar }`: prestart / poststart / poststop tasks. */
  Lifecycle?: { Hook: string; Sidecar?: boolean } | null;
  [extra: string]: unknown;
}

export interface TaskGroup {
  Name: string;
  Count?: number;
  Update?: UpdateStrategy | null;
  Migrate?: MigrateStrategy | null;
  Constraints?: Constraint[] | null;
  Spreads?: Spread[] | null;
  Scaling?: { Min?: number; Max?: number; Enabled?: boolean; [extra: string]: unknown } | null;
  RestartPolicy?: RestartPolicy | null;
  ReschedulePolicy?: ReschedulePolicy | null;
  EphemeralDisk?: EphemeralDisk | null;
  Networks?: NetworkResource[] | null;
  Services?: Service[] | null;
  Tasks: Task[];
  Meta?: Record<string, string> | null;
  [extra: string]: unknown;
}

/** A Nomad job in the API's JSON shape (`api.Job` when sent, `structs.Job` when read). */
export interface Job {
  ID: string;
  Name?: string;
  Namespace?: string;
  Region?: string;
  Datacenters?: string[];
  NodePool?: string;
  Type?: 'service' | 'batch' | 'system' | 'sysbatch' | string;
  Priority?: number;
  AllAtOnce?: boolean;
  Stop?: boolean;
  ParentID?: string;
  Meta?: Record<string, string> | null;
  Constraints?: Constraint[] | null;
  Affinities?: unknown[] | null;
  Spreads?: Spread[] | null;
  Update?: UpdateStrategy | null;
  Periodic?: unknown | null;
  ParameterizedJob?: unknown | null;
  Dispatched?: boolean;
  TaskGroups: TaskGroup[];
  // Server-managed fields (present on read).
  Status?: 'pending' | 'running' | 'dead' | string;
  StatusDescription?: string;
  Stable?: boolean;
  Version?: number;
  SubmitTime?: number;
  CreateIndex?: number;
  ModifyIndex?: number;
  JobModifyIndex?: number;
  NomadTokenID?: string;
  /** The version's tag (Nomad 1.9+); null when untagged. */
  VersionTag?: JobVersionTag | null;
  [extra: string]: unknown;
}

/** A job version's tag (`PUT /v1/job/:id/versions/:name/tag`, Nomad 1.9+). */
export interface JobVersionTag {
  Name: string;
  Description: string;
  /** Unix nanoseconds. */
  TaggedTime: number;
}

/** The answer to tagging or untagging a version (`structs.JobTagResponse`); empty name and time on untag. */
export interface JobTagResponse extends JobVersionTag {
  Index: number;
}

export interface JobSummary {
  JobID: string;
  Namespace: string;
  Summary: Record<string, { Queued: number; Complete: number; Failed: number; Running: number; Starting: number; Lost: number; Unknown: number }>;
  Children?: { Pending: number; Running: number; Dead: number } | null;
  CreateIndex: number;
  ModifyIndex: number;
}

/** `GET /v1/jobs` entry. `Meta` only with `meta=true` (Nomad 1.5+), omitted when the job has none. */
export interface JobListStub {
  ID: string;
  ParentID: string;
  Name: string;
  Namespace?: string;
  Datacenters: string[];
  NodePool?: string;
  Multiregion?: unknown | null;
  Type: string;
  Priority: number;
  Periodic: boolean;
  ParameterizedJob: boolean;
  Stop: boolean;
  Status: string;
  StatusDescription: string;
  JobSummary: JobSummary | null;
  CreateIndex: number;
  ModifyIndex: number;
  JobModifyIndex: number;
  SubmitTime: number;
  Meta?: Record<string, string>;
}

export interface JobRegisterRequest {
  Job: Job;
  EnforceIndex?: boolean;
  JobModifyIndex?: number;
  PolicyOverride?: boolean;
  PreserveCounts?: boolean;
  PreserveResources?: boolean;
  EvalPriority?: number;
}

export interface JobRegisterResponse {
  EvalID: string;
  EvalCreateIndex: number;
  JobModifyIndex: number;
  Warnings: string;
  Index: number;
  LastContact: number;
  KnownLeader: boolean;
  NextToken: string;
}

export interface JobDeregisterResponse {
  EvalID: string;
  EvalCreateIndex: number;
  JobModifyIndex: number;
  VolumeEvalID?: string;
  VolumeEvalIndex?: number;
  Index: number;
  LastContact: number;
  KnownLeader: boolean;
  NextToken: string;
}

export type DiffType = 'None' | 'Added' | 'Deleted' | 'Edited';

export interface FieldDiff {
  Type: DiffType;
  Name: string;
  Old: string;
  New: string;
  Annotations: string[] | null;
}

export interface ObjectDiff {
  Type: DiffType;
  Name: string;
  Fields: FieldDiff[] | null;
  Objects: ObjectDiff[] | null;
}

export interface TaskDiff {
  Type: DiffType;
  Name: string;
  Fields: FieldDiff[] | null;
  Objects: ObjectDiff[] | null;
  Annotations: string[] | null;
}

export interface TaskGroupDiff {
  Type: DiffType;
  Name: string;
  Fields: FieldDiff[] | null;
  Objects: ObjectDiff[] | null;
  Tasks: TaskDiff[] | null;
  Updates: Record<string, number> | null;
}

export interface JobDiff {
  Type: DiffType;
  ID: string;
  Fields: FieldDiff[] | null;
  Objects: ObjectDiff[] | null;
  TaskGroups: TaskGroupDiff[] | null;
}

export interface AllocMetric {
  NodesEvaluated: number;
  NodesFiltered: number;
  NodesInPool?: number;
  NodePool?: string;
  NodesAvailable: Record<string, number> | null;
  ClassFiltered: Record<string, number> | null;
  ConstraintFiltered: Record<string, number> | null;
  NodesExhausted: number;
  ClassExhausted: Record<string, number> | null;
  DimensionExhausted: Record<string, number> | null;
  QuotaExhausted: string[] | null;
  ResourcesExhausted?: Record<string, unknown> | null;
  Scores?: Record<string, number> | null;
  ScoreMetaData?: unknown[] | null;
  AllocationTime: number;
  CoalescedFailures: number;
}

export interface DesiredUpdates {
  Ignore: number;
  Place: number;
  Migrate: number;
  Stop: number;
  InPlaceUpdate: number;
  DestructiveUpdate: number;
  Canary: number;
  Preemptions: number;
  [extra: string]: number;
}

export interface JobPlanResponse {
  JobModifyIndex: number;
  Diff?: JobDiff | null;
  Annotations: { DesiredTGUpdates: Record<string, DesiredUpdates> | null; PreemptedAllocs: unknown[] | null } | null;
  FailedTGAllocs: Record<string, AllocMetric> | null;
  CreatedEvals: Evaluation[] | null;
  NextPeriodicLaunch: string;
  Warnings: string;
  Index: number;
}

export type EvalStatus = 'blocked' | 'pending' | 'complete' | 'failed' | 'canceled';

export interface Evaluation {
  ID: string;
  Namespace: string;
  Priority: number;
  Type: string;
  TriggeredBy: string;
  JobID: string;
  JobModifyIndex?: number;
  DeploymentID?: string;
  Status: EvalStatus | string;
  StatusDescription?: string;
  NextEval?: string;
  PreviousEval?: string;
  BlockedEval?: string;
  FailedTGAllocs?: Record<string, AllocMetric> | null;
  QueuedAllocations?: Record<string, number> | null;
  CreateIndex: number;
  ModifyIndex: number;
  CreateTime?: number;
  ModifyTime?: number;
  [extra: string]: unknown;
}

export type DeploymentStatus =
  | 'running' | 'paused' | 'failed' | 'successful' | 'cancelled'
  | 'initializing' | 'pending' | 'blocked' | 'unblocking';

export interface DeploymentState {
  AutoRevert: boolean;
  AutoPromote: boolean;
  ProgressDeadline: Nanos;
  RequireProgressBy: string;
  Promoted: boolean;
  PlacedCanaries: string[] | null;
  DesiredCanaries: number;
  DesiredTotal: number;
  PlacedAllocs: number;
  HealthyAllocs: number;
  UnhealthyAllocs: number;
}

export interface Deployment {
  ID: string;
  Namespace: string;
  JobID: string;
  JobVersion: number;
  JobModifyIndex: number;
  JobSpecModifyIndex: number;
  JobCreateIndex: number;
  IsMultiregion: boolean;
  TaskGroups: Record<string, DeploymentState>;
  Status: DeploymentStatus | string;
  StatusDescription: string;
  EvalPriority?: number;
  CreateIndex: number;
  ModifyIndex: number;
  CreateTime?: number;
  ModifyTime?: number;
}

export interface TaskEvent {
  Type: string;
  Time: number;
  DisplayMessage?: string;
  Details?: Record<string, string>;
  [extra: string]: unknown;
}

export interface TaskState {
  State: 'pending' | 'running' | 'dead' | string;
  Failed: boolean;
  Restarts: number;
  LastRestart: string | null;
  StartedAt: string | null;
  FinishedAt: string | null;
  Events: TaskEvent[] | null;
  Paused?: unknown;
}

export interface AllocDeploymentStatus {
  Healthy: boolean | null;
  Timestamp: string;
  Canary: boolean;
  ModifyIndex: number;
}

export interface AllocListStub {
  ID: string;
  EvalID: string;
  Name: string;
  Namespace: string;
  NodeID: string;
  NodeName: string;
  JobID: string;
  JobType: string;
  JobVersion: number;
  TaskGroup: string;
  AllocatedResources?: unknown;
  DesiredStatus: 'run' | 'stop' | 'evict' | string;
  DesiredDescription: string;
  ClientStatus: 'pending' | 'running' | 'complete' | 'failed' | 'lost' | 'unknown' | string;
  ClientDescription: string;
  DesiredTransition?: unknown;
  TaskStates: Record<string, TaskState> | null;
  DeploymentStatus: AllocDeploymentStatus | null;
  FollowupEvalID: string;
  NextAllocation?: string;
  RescheduleTracker?: unknown | null;
  PreemptedAllocations?: string[] | null;
  PreemptedByAllocation?: string;
  CreateIndex: number;
  ModifyIndex: number;
  CreateTime: number;
  ModifyTime: number;
  [extra: string]: unknown;
}

export interface Namespace {
  Name: string;
  Description: string;
  Quota?: string;
  Meta?: Record<string, string> | null;
  CreateIndex?: number;
  ModifyIndex?: number;
  [extra: string]: unknown;
}

export interface NodeListStub {
  ID: string;
  Name: string;
  Address: string;
  Datacenter: string;
  NodeClass: string;
  NodePool: string;
  Version: string;
  Drain: boolean;
  SchedulingEligibility: 'eligible' | 'ineligible' | string;
  Status: 'initializing' | 'ready' | 'down' | 'disconnected' | string;
  StatusDescription: string;
  Attributes?: Record<string, string> | null;
  CreateIndex: number;
  ModifyIndex: number;
  [extra: string]: unknown;
}

/** One frame of `/v1/event/stream`: `{}` is a heartbeat. */
export interface EventFrame {
  Index?: number;
  Events?: NomadEvent[];
}

export interface NomadEvent {
  Topic: string;
  Type: string;
  Key: string;
  Namespace: string;
  FilterKeys: string[] | null;
  Index: number;
  Payload: Record<string, unknown>;
}
