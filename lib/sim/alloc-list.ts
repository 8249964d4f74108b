/**
 * The allocation list's `filter` and the client's allocation stats.
 *
 * `GET /v1/allocations?filter=` is evaluated against each full allocation with its job embedded, before
 * the stub is made (nomad/alloc_endpoint.go `Alloc.List` hands `*structs.Allocation` to the paginator,
 * nomad/state/paginator/paginator.go `next` evaluates the filter on it), so `Job.Meta["k"]` works. A key
 * its map lacks is "not present" (`==` false, `!=` true: filter.ts); a field the allocation lacks fails
 * the whole list with a 400.
 *
 * `GET /v1/client/allocation/:id/stats` answers `AllocResourceUsage` (client/structs/structs.go) as the
 * docker driver fills it: memory RSS, cache, usage and max usage in bytes, CPU `TotalTicks` (MHz) and
 * `Percent` (of one 1000 MHz core here), for each running task, summed for the allocation. The numbers
 * move every 10 s of the clock and depend only on the allocation ID and the time, so a seeded simulator
 * on a fake clock answers the same figures every run. ACL `read-job` in the allocation's namespace
 * (client/alloc_endpoint.go `Allocations.Stats`); an unknown ID is a 404 `Unknown allocation "<id>"`
 * (command/agent/alloc_endpoint.go `allocStats`, structs `NewErrUnknownAllocation`).
 */
import type { AllocResourceUsage, ResourceUsage } from '../core/nomad/alloc-stats';
import type { Clock } from '../runtime/clock';
import type { AclStore } from './acl';
import { allocFull, allocStub, type SimAlloc } from './alloc-render';
import type { Cluster } from './cluster';
import { MissingSelectorError, type Predicate } from './filter';
import { HttpError, type ApiServer } from './http-server';

const MIB = 1024 * 1024;
const CORE_MHZ = 1000;
const STATS_PERIOD_MS = 10_000;

/** What a filter sees of an allocation: the full allocation, every stub field, and its job. */
export function allocFilterView(a: SimAlloc): Record<string, unknown> {
  return { ...allocFull(a, false), ...allocStub(a, true), Job: a.job };
}

/** The allocations `pred` keeps; a field missing from one of them is the paginator's 400. */
export function filterAllocs(list: SimAlloc[], pred: Predicate | undefined): SimAlloc[] {
  if (!pred) return list;
  try {
    return list.filter((a) => pred(allocFilterView(a)));
  } catch (err) {
    if (err instanceof MissingSelectorError) throw new HttpError(400, `failed to read result page: ${err.message}`);
    throw err;
  }
}

/** A number in [0, 1) from a string (FNV-1a), stable across runs. */
function unit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 0x100000000;
}

function usage(cpuMHz: number, memMB: number, key: string, bucket: number): ResourceUsage {
  const ticks = Math.round(cpuMHz * (0.05 + 0.6 * unit(`${key}:cpu:${bucket}`)) * 100) / 100;
  const rss = Math.round(memMB * (0.3 + 0.5 * unit(`${key}:mem:${bucket}`)) * MIB);
  const cache = Math.round(memMB * 0.05 * MIB);
  const max = Math.round(memMB * (0.85 + 0.1 * unit(`${key}:max`)) * MIB);
  return {
    MemoryStats: { RSS: rss, Cache: cache, Swap: 0, MappedFile: 0, Usage: rss + cache, MaxUsage: max, KernelUsage: 0, KernelMaxUsage: 0, Measured: ['RSS', 'Cache', 'Swap', 'Usage', 'Max Usage'] },
    CpuStats: { SystemMode: 0, UserMode: 0, TotalTicks: ticks, ThrottledPeriods: 0, ThrottledTime: 0, Percent: Math.round((ticks / CORE_MHZ) * 10000) / 100, Measured: ['Throttled Periods', 'Throttled Time', 'Percent'] },
    DeviceStats: [],
  };
}

function sum(parts: ResourceUsage[]): ResourceUsage {
  const out = usage(0, 0, '', 0);
  for (const p of parts) {
    const m = out.MemoryStats!;
    const c = out.CpuStats!;
    m.RSS += p.MemoryStats?.RSS ?? 0;
    m.Cache += p.MemoryStats?.Cache ?? 0;
    m.Usage += p.MemoryStats?.Usage ?? 0;
    m.MaxUsage += p.MemoryStats?.MaxUsage ?? 0;
    c.TotalTicks += p.CpuStats?.TotalTicks ?? 0;
    c.Percent += p.CpuStats?.Percent ?? 0;
  }
  return out;
}

/** The usage the allocation's client reports at `nowMs`: running tasks only. */
export function allocStats(a: SimAlloc, nowMs: number, task?: string): AllocResourceUsage {
  const bucket = Math.floor(nowMs / STATS_PERIOD_MS);
  const tasks: AllocResourceUsage['Tasks'] = {};
  for (const [name, st] of Object.entries(a.TaskStates)) {
    if (st.State !== 'running' || (task && name !== task)) continue;
    const r = a.TaskResources[name] ?? { cpu: 100, memory: 300, memoryMax: 0 };
    tasks[name] = { ResourceUsage: usage(r.cpu, r.memory, `${a.ID}/${name}`, bucket), Timestamp: nowMs * 1_000_000, Pids: null };
  }
  const parts = Object.values(tasks).map((t) => t.ResourceUsage!);
  return { ResourceUsage: sum(parts), Tasks: tasks, Timestamp: parts.length ? nowMs * 1_000_000 : 0 };
}

/** Installs `GET /v1/client/allocation/:id/stats`. */
export function installClientAllocRoutes(server: ApiServer, deps: { cluster: Cluster; acl: AclStore; clock: Clock }): void {
  server.route('GET', '/v1/client/allocation/:id/stats', (r) => {
    const a = deps.cluster.allocs.get(r.params.id);
    if (!a) throw new HttpError(404, `Unknown allocation ${JSON.stringify(r.params.id)}`);
    deps.acl.check(r.headers, a.Namespace, 'read-job');
    return { json: allocStats(a, deps.clock.now(), r.query.get('task') || undefined) };
  });
}
