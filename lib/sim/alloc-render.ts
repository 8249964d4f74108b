/**
 * Allocations as the simulator stores them, and their wire forms: `AllocListStub` for lists, the full
 * `Allocation` (zero fields omitted, as Nomad ≥ 1.9 encodes it) for `GET /v1/allocation/:id`.
 * Addresses are reported where Nomad reports them: the node's (host) address in
 * `AllocatedResources.Shared.Networks[].IP` and `Shared.Ports[].HostIP` for a group with a network block;
 * for a group bridge or CNI network, the allocation network's addresses in `NetworkStatus.Address` (IPv4)
 * and `NetworkStatus.AddressIPv6` (out of the node's /80; full allocation only). A docker container's
 * own addresses appear in no allocation field, only in the services registered at them.
 */
import type { Job, TaskEvent, TaskState } from '../core/nomad/types';

/** A port the allocation holds. */
export interface AllocPort {
  Label: string;
  Value: number;
  To: number;
}

/** An allocation as stored. */
export interface SimAlloc {
  ID: string;
  EvalID: string;
  Name: string;
  Namespace: string;
  NodeID: string;
  NodeName: string;
  Datacenter: string;
  JobID: string;
  JobType: string;
  JobVersion: number;
  /** The job version this allocation runs. */
  job: Job;
  TaskGroup: string;
  DesiredStatus: string;
  DesiredDescription: string;
  ClientStatus: string;
  ClientDescription: string;
  TaskStates: Record<string, TaskState>;
  DeploymentID: string;
  Healthy: boolean | null;
  HealthTime: number;
  HealthIndex: number;
  PreviousAllocation: string;
  NextAllocation: string;
  CreateIndex: number;
  ModifyIndex: number;
  CreateTime: number;
  ModifyTime: number;
  /**
   * The allocation's IPv6 out of its node's /80: its bridge/CNI network's address, or, without one, its
   * docker containers' address (one per allocation).
   */
  Address: string;
  /** The IPv4 of the allocation's bridge/CNI network, or of its docker containers on docker's bridge. */
  AddressIPv4: string;
  /** The node's address: the host IP the allocation's ports are bound to. */
  HostAddress: string;
  /** Whether the group has a network block (`Shared.Networks` is reported). */
  hasNetwork: boolean;
  Ports: AllocPort[];
  /** Per task: cpu MHz, memory MB, memory max MB. */
  TaskResources: Record<string, { cpu: number; memory: number; memoryMax: number }>;
  DiskMB: number;
  NetworkMode: string;
  /** Set when the image matched the failing-image rule. */
  failing: boolean;
  /**
   * Per registered Consul check ID: when its first run is (ms; it shows its initial status until then)
   * and from when it passes (its first run, or its registration with an initial status of passing).
   */
  checkRuns: Record<string, { runAt: number; passAt: number }>;
  nameIndex: number;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** RFC3339 of a millisecond timestamp, or Go's zero time for 0. */
export function rfc3339(ms: number): string {
  return ms ? new Date(ms).toISOString() : ZERO_TIME;
}

/** A task event with every field Nomad emits. */
export function taskEvent(type: string, timeMs: number, display: string, extra: Partial<TaskEvent> = {}): TaskEvent {
  return {
    Type: type,
    Time: timeMs * 1_000_000,
    Message: '',
    DisplayMessage: display,
    Details: {},
    FailsTask: false,
    RestartReason: '',
    SetupError: '',
    DriverError: '',
    ExitCode: 0,
    Signal: 0,
    KillTimeout: 0,
    KillError: '',
    KillReason: '',
    StartDelay: 0,
    DownloadError: '',
    ValidationError: '',
    DiskLimit: 0,
    FailedSibling: '',
    VaultError: '',
    TaskSignalReason: '',
    TaskSignal: '',
    DriverMessage: '',
    GenericSource: '',
    ...extra,
  };
}

/** `AllocatedResources` of an allocation. */
export function allocatedResources(a: SimAlloc): Record<string, unknown> {
  const tasks: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(a.TaskResources)) {
    tasks[name] = { Cpu: { CpuShares: r.cpu }, Memory: { MemoryMB: r.memory, MemoryMaxMB: r.memoryMax }, Networks: null, Devices: null };
  }
  const network: Record<string, unknown> = { IP: a.HostAddress };
  if (a.NetworkMode) network.Mode = a.NetworkMode;
  const dyn = a.Ports.map((p) => ({ Label: p.Label, Value: p.Value, ...(p.To ? { To: p.To } : {}), HostNetwork: 'default' }));
  if (dyn.length) network.DynamicPorts = dyn;
  return {
    Tasks: tasks,
    Shared: {
      Networks: a.hasNetwork ? [network] : null,
      DiskMB: a.DiskMB,
      Ports: a.Ports.length ? a.Ports.map((p) => ({ Label: p.Label, Value: p.Value, To: p.To, HostIP: a.HostAddress })) : null,
    },
  };
}

/** Whether the allocation has its own network namespace (a group `bridge` or `cni/*` network). */
export function hasAllocNetwork(a: Pick<SimAlloc, 'NetworkMode'>): boolean {
  return a.NetworkMode === 'bridge' || a.NetworkMode.startsWith('cni/');
}

/** `AllocNetworkStatus`: reported for allocations with their own network namespace only. */
export function allocNetworkStatus(a: SimAlloc): Record<string, unknown> | undefined {
  if (!hasAllocNetwork(a)) return undefined;
  return { InterfaceName: 'eth0', Address: a.AddressIPv4, AddressIPv6: a.Address, DNS: null };
}

function deploymentStatus(a: SimAlloc): Record<string, unknown> | null {
  if (!a.DeploymentID) return null;
  return { Healthy: a.Healthy, Timestamp: rfc3339(a.HealthTime), Canary: false, ModifyIndex: a.HealthIndex };
}

const DESIRED_TRANSITION = { Migrate: null, Reschedule: null, ForceReschedule: null, NoShutdownDelay: null, MigrateDisablePlacement: null };

/** The `AllocListStub` of `a`; `AllocatedResources` only with `resources=true`, as Nomad does. */
export function allocStub(a: SimAlloc, withResources: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ID: a.ID,
    EvalID: a.EvalID,
    Name: a.Name,
    Namespace: a.Namespace,
    NodeID: a.NodeID,
    NodeName: a.NodeName,
    JobID: a.JobID,
    JobType: a.JobType,
    JobVersion: a.JobVersion,
    TaskGroup: a.TaskGroup,
  };
  if (withResources) out.AllocatedResources = allocatedResources(a);
  Object.assign(out, {
    DesiredStatus: a.DesiredStatus,
    DesiredDescription: a.DesiredDescription,
    ClientStatus: a.ClientStatus,
    ClientDescription: a.ClientDescription,
    DesiredTransition: DESIRED_TRANSITION,
    TaskStates: a.TaskStates,
    DeploymentStatus: deploymentStatus(a),
    FollowupEvalID: '',
    NextAllocation: a.NextAllocation,
    RescheduleTracker: null,
    PreemptedAllocations: null,
    PreemptedByAllocation: '',
    CreateIndex: a.CreateIndex,
    ModifyIndex: a.ModifyIndex,
    CreateTime: a.CreateTime * 1_000_000,
    ModifyTime: a.ModifyTime * 1_000_000,
  });
  return out;
}

/** The full `Allocation` of `a` (zero-valued fields omitted); `withJob` embeds the job (not in events). */
export function allocFull(a: SimAlloc, withJob: boolean): Record<string, unknown> {
  const full: Record<string, unknown> = {
    ID: a.ID,
    Namespace: a.Namespace,
    EvalID: a.EvalID,
    Name: a.Name,
    NodeID: a.NodeID,
    NodeName: a.NodeName,
    JobID: a.JobID,
    Job: withJob ? a.job : undefined,
    TaskGroup: a.TaskGroup,
    AllocatedResources: allocatedResources(a),
    Metrics: { NodesEvaluated: 1, NodesFiltered: 0, NodesInPool: 1, NodePool: 'default', AllocationTime: 1000, CoalescedFailures: 0 },
    DesiredStatus: a.DesiredStatus,
    DesiredDescription: a.DesiredDescription,
    DesiredTransition: {},
    ClientStatus: a.ClientStatus,
    ClientDescription: a.ClientDescription,
    TaskStates: a.TaskStates,
    PreviousAllocation: a.PreviousAllocation,
    NextAllocation: a.NextAllocation,
    DeploymentID: a.DeploymentID,
    DeploymentStatus: deploymentStatus(a) ?? undefined,
    NetworkStatus: allocNetworkStatus(a),
    CreateIndex: a.CreateIndex,
    ModifyIndex: a.ModifyIndex,
    AllocModifyIndex: a.CreateIndex,
    CreateTime: a.CreateTime * 1_000_000,
    ModifyTime: a.ModifyTime * 1_000_000,
  };
  for (const [k, v] of Object.entries(full)) if (v === undefined || v === '' || v === null) delete full[k];
  return full;
}
