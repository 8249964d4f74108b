/**
 * `ps` rows and job states from what the reads returned. Pure: a function of the job stubs, allocation
 * stubs (with `AllocatedResources`), nodes, Consul health entries, client stats, the full allocations read
 * for an address and the time.
 */
import * as ipaddr from 'ipaddr.js';
import { aggregateHealth, type ServiceEntry } from '../../core/consul/types';
import type { AllocResourceUsage } from '../../core/nomad/alloc-stats';
import type { AllocListStub, JobListStub, NodeListStub, TaskState } from '../../core/nomad/types';

/** A row flag; its letter in the table is in FLAG_LETTER. */
export type PsFlag = 'failed' | 'pending' | 'restarted' | 'oom-killed' | 'unregistered' | 'unhealthy' | 'deployment-unhealthy' | 'lost' | 'terminated';

/** Letters of the Extra column, in display order, with what each means. */
export const FLAG_LETTER: Readonly<Record<PsFlag, { letter: string; meaning: string }>> = {
  failed: { letter: 'F', meaning: 'failed (allocation or task)' },
  pending: { letter: 'P', meaning: 'pending (not started yet)' },
  restarted: { letter: 'R', meaning: 'restarted (task Restarts > 0)' },
  'oom-killed': { letter: 'O', meaning: 'OOM-killed at least once' },
  unregistered: { letter: 'C', meaning: 'not registered in Consul while its group siblings are' },
  unhealthy: { letter: 'U', meaning: 'unhealthy: a health check failing in Consul' },
  'deployment-unhealthy': { letter: 'D', meaning: 'marked unhealthy by its deployment' },
  lost: { letter: 'L', meaning: 'lost or unknown (node gone or disconnected)' },
  terminated: { letter: 'T', meaning: 'terminated (stopped or complete; shown with --all)' },
};

/** Flags in display order. */
export const FLAG_ORDER = Object.keys(FLAG_LETTER) as PsFlag[];

/**
 * The job's overall state, from its stub and its allocations meant to run:
 * `dead` (stopped and nothing runs, or Nomad says dead), `stopping` (stopped, allocations still running),
 * `pending` (nothing running yet, nothing failed), `failed` (nothing running, an allocation failed or was
 * lost), `degraded` (something runs but an allocation is failed, pending, lost, unhealthy, unregistered, or
 * placements are queued), `OK` (every allocation runs with no such flag).
 */
export type JobState = 'OK' | 'degraded' | 'failed' | 'pending' | 'stopping' | 'dead';

/** Resource usage reported by the allocation's client for one task. */
export interface PsUsage {
  cpuMHz: number;
  cpuPercent: number;
  memoryBytes: number;
  /** The highest memory use the client has seen. */
  memoryMaxBytes: number;
}

/** One row of `ps`: an allocation's task. */
export interface PsRow {
  /** The allocation ID's first 8 characters (the short ID of earlier releases; kept for scripts). */
  id: string;
  /** Exec ID: the allocation ID's first 10 characters, as in the table. */
  execId: string;
  allocId: string;
  namespace: string;
  job: string;
  jobState: JobState;
  group: string;
  task: string;
  node: string;
  datacenter: string;
  /**
   * The IPv6 address its services registered in Consul, else its own network's (bridge, CNI: the full
   * allocation's `NetworkStatus`), else the IPv6 Nomad allocated to its network.
   */
  address: string | null;
  /** Seconds since the task (last) started (running tasks only). */
  uptimeSeconds: number | null;
  /** Reserved CPU (MHz) and memory (MiB, and the memory_max limit when set). */
  cpuMHz: number | null;
  memoryMB: number | null;
  memoryMaxMB: number | null;
  /** What the client reports it uses now; null when not read (`--no-stats`, not running, unreachable). */
  usage: PsUsage | null;
  restarts: number;
  clientStatus: string;
  desiredStatus: string;
  taskState: string;
  /** Aggregate Consul health of the services this task registered; null when unknown or none. */
  consulHealth: 'passing' | 'warning' | 'critical' | null;
  flags: PsFlag[];
  /** The flags' letters, as in the Extra column. */
  extra: string;
}

/** A job with its state and rows. */
export interface PsJob {
  namespace: string;
  id: string;
  state: JobState;
  rows: PsRow[];
}

/** What `buildPs` needs. */
export interface PsInput {
  jobs: JobListStub[];
  allocations: AllocListStub[];
  /** Undefined when the nodes could not be read (datacenter from Consul then). */
  nodes?: NodeListStub[];
  /** Consul health entries by service name; undefined when Consul could not be read. */
  health?: Map<string, ServiceEntry[]>;
  /** Client stats by allocation ID. */
  stats: Map<string, AllocResourceUsage>;
  /** Full allocations read for their address (see `addressUnknown`), by allocation ID. */
  fullAllocs?: Map<string, Record<string, unknown>>;
}

/** Length of the Exec ID. */
export const SHORT_ID = 10;

/** Length of the row's `id` in `--json`. */
export const JSON_ID = 8;

const ZERO_TIME = /^0001-01-01/;

function isIPv6(text: unknown): text is string {
  if (typeof text !== 'string' || text === '') return false;
  try {
    return ipaddr.parse(text).kind() === 'ipv6';
  } catch {
    return false;
  }
}

type NetList = Array<{ IP?: unknown; Mode?: unknown }> | null | undefined;

interface AllocatedResources {
  Tasks?: Record<string, { Cpu?: { CpuShares?: number }; Memory?: { MemoryMB?: number; MemoryMaxMB?: number }; Networks?: NetList }> | null;
  Shared?: { Networks?: NetList } | null;
}

/** Whether the allocation has a network namespace of its own (a group `bridge` or `cni/*` network). */
function ownNetwork(resources: unknown): boolean {
  const mode = (n: { Mode?: unknown }): string => (typeof n.Mode === 'string' ? n.Mode : '');
  return ((resources as AllocatedResources | null | undefined)?.Shared?.Networks ?? []).some((n) => mode(n) === 'bridge' || mode(n).startsWith('cni/'));
}

/** The first IPv6 address in an allocation's allocated networks, or null. */
export function allocatedAddress(resources: unknown): string | null {
  const ar = resources as AllocatedResources | null | undefined;
  const candidates: unknown[] = [];
  for (const n of ar?.Shared?.Networks ?? []) candidates.push(n.IP);
  for (const t of Object.values(ar?.Tasks ?? {})) for (const n of t.Networks ?? []) candidates.push(n.IP);
  return (candidates.find(isIPv6) as string | undefined) ?? null;
}

/**
 * The first IPv6 address of a full allocation: its own network's (`NetworkStatus.AddressIPv6`, then
 * `Address`: bridge and CNI networking, which the list stub lacks), then its allocated networks; or null.
 */
export function fullAllocationAddress(alloc: Record<string, unknown> | undefined): string | null {
  if (!alloc) return null;
  const ns = alloc.NetworkStatus as { AddressIPv6?: unknown; Address?: unknown } | null | undefined;
  const own = [ns?.AddressIPv6, ns?.Address].find(isIPv6);
  if (own !== undefined) return own;
  const legacy = (alloc.Resources as { Networks?: NetList } | null | undefined)?.Networks ?? [];
  return allocatedAddress(alloc.AllocatedResources) ?? (legacy.map((n) => n.IP).find(isIPv6) as string | undefined) ?? null;
}

/**
 * Whether a Nomad-registered service instance belongs to this allocation and task: Nomad names it
 * `_nomad-task-<alloc>-<task>-<service>-<port>`, or `..-group-<group>-..` for a group service (which
 * applies to every task).
 */
export function serviceAppliesTo(serviceId: string, allocId: string, task: string): boolean {
  const prefix = `_nomad-task-${allocId}-`;
  if (!serviceId.startsWith(prefix)) return false;
  const rest = serviceId.slice(prefix.length);
  return rest.startsWith('group-') || rest.startsWith(`${task}-`);
}

/**
 * Whether the task was OOM-killed: a `Terminated` event with `oom_killed` set
 * (client/allocrunner/taskrunner/task_runner.go `emitExitResultEvent`), or the docker driver's
 * `OOM Killed` exit message.
 */
export function oomKilled(state: TaskState | undefined): boolean {
  for (const e of state?.Events ?? []) {
    const details = (e.Details ?? {}) as Record<string, unknown>;
    if (details.oom_killed === 'true' || details.oom_killed === true) return true;
    if (e.Type === 'OOM Killed') return true;
    const text = `${e.DisplayMessage ?? ''} ${typeof e.Message === 'string' ? e.Message : ''}`;
    if (text.includes('OOM Killed')) return true;
  }
  return false;
}

function parseTime(text: string | null | undefined): number | undefined {
  if (!text || ZERO_TIME.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

function usageOf(stats: AllocResourceUsage | undefined, task: string): PsUsage | null {
  const u = stats?.Tasks?.[task]?.ResourceUsage;
  if (!u) return null;
  const m = u.MemoryStats;
  const memory = m ? (m.RSS > 0 || m.Measured?.includes('RSS') ? m.RSS : m.Usage) : 0;
  return {
    cpuMHz: Math.round(u.CpuStats?.TotalTicks ?? 0),
    cpuPercent: Math.round((u.CpuStats?.Percent ?? 0) * 100) / 100,
    memoryBytes: memory,
    memoryMaxBytes: Math.max(m?.MaxUsage ?? 0, memory),
  };
}

const PROBLEMS: ReadonlySet<PsFlag> = new Set(['failed', 'pending', 'unregistered', 'unhealthy', 'deployment-unhealthy', 'lost']);

/** The state of one job from its stub and its rows (see JobState). */
export function jobState(stub: Pick<JobListStub, 'Status' | 'Stop' | 'JobSummary'> | undefined, allocs: AllocListStub[], rows: PsRow[]): JobState {
  const live = allocs.filter((a) => a.DesiredStatus === 'run' && a.ClientStatus !== 'complete');
  const running = live.filter((a) => a.ClientStatus === 'running');
  if (stub?.Stop) return running.length > 0 ? 'stopping' : 'dead';
  if (running.length === 0 && stub?.Status === 'dead') return 'dead';
  const queued = Object.values(stub?.JobSummary?.Summary ?? {}).reduce((n, g) => n + (g.Queued ?? 0), 0);
  if (running.length === 0) return live.some((a) => a.ClientStatus === 'failed' || a.ClientStatus === 'lost') ? 'failed' : 'pending';
  const liveIds = new Set(live.map((a) => a.ID));
  const troubled = rows.some((r) => liveIds.has(r.allocId) && r.flags.some((f) => PROBLEMS.has(f)));
  return troubled || queued > 0 || running.length < live.length ? 'degraded' : 'OK';
}

function allocOrder(a: AllocListStub, b: AllocListStub): number {
  return a.TaskGroup.localeCompare(b.TaskGroup) || a.Name.localeCompare(b.Name, undefined, { numeric: true }) || a.ID.localeCompare(b.ID);
}

/** Jobs (by namespace, ID) with their rows (by group, allocation name, task). */
export function buildPs(input: PsInput, nowMs: number): PsJob[] {
  const nodeById = new Map((input.nodes ?? []).map((n) => [n.ID, n]));
  const entries = input.health ? [...new Map([...input.health.values()].flat().map((e) => [e.Service.ID, e])).values()] : undefined;
  const byJob = new Map<string, AllocListStub[]>();
  for (const a of input.allocations) {
    const key = `${a.Namespace}\u0000${a.JobID}`;
    const list = byJob.get(key) ?? [];
    list.push(a);
    byJob.set(key, list);
  }
  const stubs = new Map(input.jobs.map((j) => [`${j.Namespace ?? 'default'}\u0000${j.ID}`, j]));
  const keys = [...new Set([...stubs.keys(), ...byJob.keys()])].sort((a, b) => a.localeCompare(b));
  const out: PsJob[] = [];
  for (const key of keys) {
    const [namespace, id] = key.split('\u0000');
    const allocs = [...(byJob.get(key) ?? [])].sort(allocOrder);
    // Instances registered per (group, task) by running allocations: a sibling with fewer is unregistered.
    const instances = (a: AllocListStub, task: string): ServiceEntry[] => entries?.filter((e) => serviceAppliesTo(e.Service.ID, a.ID, task)) ?? [];
    const expected = new Map<string, number>();
    for (const a of allocs) {
      if (a.ClientStatus !== 'running') continue;
      for (const task of Object.keys(a.TaskStates ?? {})) {
        const k = `${a.TaskGroup}/${task}`;
        expected.set(k, Math.max(expected.get(k) ?? 0, instances(a, task).length));
      }
    }
    const rows: PsRow[] = [];
    for (const a of allocs) {
      const resources = a.AllocatedResources as AllocatedResources | undefined;
      const node = nodeById.get(a.NodeID);
      // An allocation the client has not reported on yet has no task states: one row without a task.
      const tasks = Object.keys(a.TaskStates ?? {}).sort();
      for (const task of tasks.length > 0 ? tasks : ['']) {
        const state = a.TaskStates?.[task];
        const mine = instances(a, task);
        const checks = mine.flatMap((e) => (e.Checks ?? []).filter((c) => c.ServiceID !== ''));
        const consulHealth = entries === undefined || mine.length === 0 ? null : aggregateHealth(checks);
        const running = a.ClientStatus === 'running' && state?.State === 'running';
        const flags = new Set<PsFlag>();
        if (a.ClientStatus === 'failed' || state?.Failed) flags.add('failed');
        if (a.ClientStatus === 'pending' || !state || state.State === 'pending') flags.add('pending');
        if ((state?.Restarts ?? 0) > 0) flags.add('restarted');
        if (oomKilled(state)) flags.add('oom-killed');
        if (entries !== undefined && running && a.DesiredStatus === 'run' && mine.length < (expected.get(`${a.TaskGroup}/${task}`) ?? 0)) flags.add('unregistered');
        if (consulHealth !== null && consulHealth !== 'passing') flags.add('unhealthy');
        if (a.DeploymentStatus?.Healthy === false) flags.add('deployment-unhealthy');
        if (a.ClientStatus === 'lost' || a.ClientStatus === 'unknown') flags.add('lost');
        if (a.DesiredStatus !== 'run' || a.ClientStatus === 'complete') flags.add('terminated');
        const ordered = FLAG_ORDER.filter((f) => flags.has(f));
        const started = parseTime(state?.StartedAt);
        const res = resources?.Tasks?.[task];
        const memMax = res?.Memory?.MemoryMaxMB ?? 0;
        rows.push({
          id: a.ID.slice(0, JSON_ID),
          execId: a.ID.slice(0, SHORT_ID),
          allocId: a.ID,
          namespace: a.Namespace || namespace,
          job: a.JobID,
          jobState: 'OK',
          group: a.TaskGroup,
          task,
          node: a.NodeName || node?.Name || a.NodeID.slice(0, 8),
          datacenter: node?.Datacenter ?? mine[0]?.Node.Datacenter ?? '',
          address: mine.map((e) => e.Service.Address).find(isIPv6) ?? fullAllocationAddress(input.fullAllocs?.get(a.ID)) ?? allocatedAddress(resources),
          uptimeSeconds: running && started !== undefined ? Math.max(0, Math.floor((nowMs - started) / 1000)) : null,
          cpuMHz: res?.Cpu?.CpuShares ?? null,
          memoryMB: res?.Memory?.MemoryMB ?? null,
          memoryMaxMB: memMax > 0 ? memMax : null,
          usage: running ? usageOf(input.stats.get(a.ID), task) : null,
          restarts: state?.Restarts ?? 0,
          clientStatus: a.ClientStatus,
          desiredStatus: a.DesiredStatus,
          taskState: state?.State ?? 'pending',
          consulHealth,
          flags: ordered,
          extra: ordered.map((f) => FLAG_LETTER[f].letter).join(''),
        });
      }
    }
    const state = jobState(stubs.get(key), allocs, rows);
    for (const r of rows) r.jobState = state;
    out.push({ namespace, id, state, rows });
  }
  return out;
}

/**
 * Running allocations meant to run whose address is still unknown: a task without an IPv6 address in
 * Consul, and no allocated IPv6 in the stub or only the node's (a bridge or CNI network, whose own
 * address is in the full allocation's `NetworkStatus` alone). Their full allocation is read for it.
 */
export function addressUnknown(input: Pick<PsInput, 'allocations' | 'health'>): AllocListStub[] {
  const entries = [...(input.health?.values() ?? [])].flat().filter((e) => isIPv6(e.Service.Address));
  return input.allocations.filter((a) => {
    if (a.ClientStatus !== 'running' || a.DesiredStatus !== 'run') return false;
    const tasks = Object.keys(a.TaskStates ?? {});
    if (tasks.length > 0 && tasks.every((t) => entries.some((e) => serviceAppliesTo(e.Service.ID, a.ID, t)))) return false;
    return ownNetwork(a.AllocatedResources) || allocatedAddress(a.AllocatedResources) === null;
  });
}
