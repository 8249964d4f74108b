/**
 * The resource usage Nomad's client reports for an allocation (`GET /v1/client/allocation/:id/stats`),
 * as `client/structs/structs.go` defines it: `AllocResourceUsage` with the sum over tasks and one
 * `TaskResourceUsage` per task. Memory in bytes, CPU in MHz (`TotalTicks`) and percent of one core.
 * `Measured` lists the fields the driver really sampled; the others are zero.
 */

/** `MemoryStats`. */
export interface MemoryStats {
  RSS: number;
  Cache: number;
  Swap: number;
  MappedFile?: number;
  Usage: number;
  MaxUsage: number;
  KernelUsage: number;
  KernelMaxUsage: number;
  Measured: string[] | null;
}

/** `CpuStats`. */
export interface CpuStats {
  SystemMode: number;
  UserMode: number;
  TotalTicks: number;
  ThrottledPeriods: number;
  ThrottledTime: number;
  Percent: number;
  Measured: string[] | null;
}

/** `ResourceUsage`. */
export interface ResourceUsage {
  MemoryStats: MemoryStats | null;
  CpuStats: CpuStats | null;
  DeviceStats: unknown[] | null;
}

/** `TaskResourceUsage`; `Timestamp` in unix nanoseconds. */
export interface TaskResourceUsage {
  ResourceUsage: ResourceUsage | null;
  Timestamp: number;
  Pids: Record<string, ResourceUsage> | null;
}

/** `AllocResourceUsage`: the allocation's sum and its tasks; `Timestamp` the newest task's (unix ns). */
export interface AllocResourceUsage {
  ResourceUsage: ResourceUsage | null;
  Tasks: Record<string, TaskResourceUsage> | null;
  Timestamp: number;
}
