/**
 * Which job changes replace an allocation (destructive) and which update it where it runs (in place), as
 * Nomad's scheduler decides it in `scheduler/util.go` (`tasksUpdated` and `genericAllocUpdateFn`).
 * Everything `tasksUpdated` does not compare (count, services and checks, constraints, affinities, spreads,
 * update/restart/reschedule policies apart from `render_templates`, KillTimeout, KillSignal, ShutdownDelay,
 * LogConfig apart from Disabled, Leader, Lifecycle...) is an in-place change.
 */
import type { Job, NetworkResource, Task, TaskGroup } from '../core/nomad/types';
import type { SimNode } from './nodes';

type Loose = Record<string, unknown>;

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

/**
 * Deep equality with nil and empty slices/maps equal, as `helper.OpaqueMapsEqual` (go-cmp with
 * `cmpopts.EquateEmpty`) and Go's `maps.Equal` on nil and empty maps compare.
 */
export function equalEmpty(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equalEmpty(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const k of keys) if (!equalEmpty((a as Loose)[k], (b as Loose)[k])) return false;
    return true;
  }
  return false;
}

/** `Job.CombinedTaskMeta` (nomad/structs/structs.go): task meta over group meta over job meta. */
export function combinedTaskMeta(job: Job, group: string, task: string): Record<string, string> {
  const g = job.TaskGroups.find((x) => x.Name === group);
  if (!g) return { ...(job.Meta ?? {}) };
  const t = g.Tasks.find((x) => x.Name === task);
  return { ...(job.Meta ?? {}), ...(g.Meta ?? {}), ...(t?.Meta ?? {}) };
}

/** `networkPortMap`: ports with dynamic values disregarded. */
function portMap(n: NetworkResource): unknown[] {
  return [
    ...(n.ReservedPorts ?? []).map((p) => ({ Label: p.Label, Value: p.Value ?? 0, To: p.To ?? 0, HostNetwork: p.HostNetwork ?? '' })),
    ...(n.DynamicPorts ?? []).map((p) => ({ Label: p.Label, Value: -1, To: p.To ?? 0, HostNetwork: p.HostNetwork ?? '' })),
  ];
}

/** `networkUpdated`: mode, mbits, hostname, DNS, CNI and the port map of each network. */
function networkUpdated(a: NetworkResource[] | null | undefined, b: NetworkResource[] | null | undefined): string | undefined {
  const na = a ?? [];
  const nb = b ?? [];
  if (na.length !== nb.length) return 'network lengths';
  for (let i = 0; i < na.length; i++) {
    const x = na[i] as NetworkResource & Loose;
    const y = nb[i] as NetworkResource & Loose;
    if ((x.Mode ?? '') !== (y.Mode ?? '')) return 'network mode';
    if ((x.MBits ?? 0) !== (y.MBits ?? 0)) return 'network mbits';
    if ((x.Hostname ?? '') !== (y.Hostname ?? '')) return 'network hostname';
    if (!equalEmpty(x.DNS, y.DNS)) return 'network dns';
    if (!equalEmpty(x.CNI, y.CNI)) return 'network cni';
    if (!equalEmpty(portMap(x), portMap(y))) return 'network port map';
  }
  return undefined;
}

/**
 * `Consul.GetNamespace`: the namespace of a group's or task's own `consul` block, `''` without one. The
 * job's `ConsulNamespace` reaches a group only through its block (merged there by canonicalisation), so a
 * group without a block is in `''` whatever the job says (scheduler/util.go `consulUpdated`).
 */
function consulNamespace(g: TaskGroup | Task): string {
  const own = (g.Consul as Loose | null | undefined)?.Namespace;
  return typeof own === 'string' ? own : '';
}

/** `consulUpdated`: the namespace always, cluster and partition when both sides have a consul block. */
function consulUpdated(nsA: string, nsB: string, a: unknown, b: unknown): string | undefined {
  if (nsA !== nsB) return 'consul namespace';
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    if (((a as Loose).Cluster ?? '') !== ((b as Loose).Cluster ?? '')) return 'consul cluster';
    if (((a as Loose).Partition ?? '') !== ((b as Loose).Partition ?? '')) return 'consul partition';
  }
  return undefined;
}

/** `renderTemplatesUpdated`. */
function renderTemplates(p: { RenderTemplates?: boolean } | null | undefined): boolean {
  return !!p?.RenderTemplates;
}

/** `connectServiceUpdated`: a Connect service's connect block, port label or cluster changed. */
function connectUpdated(a: TaskGroup, b: TaskGroup): string | undefined {
  for (const sa of a.Services ?? []) {
    if (!sa.Connect) continue;
    const sb = (b.Services ?? []).find((s) => s.Name === sa.Name);
    if (!sb) continue;
    if (!equalEmpty(sa.Connect, sb.Connect)) return 'connect';
    if ((sa.PortLabel ?? '') !== (sb.PortLabel ?? '')) return 'connect service port label';
    if ((sa.Cluster ?? '') !== (sb.Cluster ?? '')) return 'connect service cluster';
  }
  return undefined;
}

const NON_NETWORK_RESOURCES = ['CPU', 'Cores', 'MemoryMB', 'MemoryMaxMB', 'Devices', 'NUMA', 'SecretsMB'] as const;

/**
 * What makes the allocations of `group` need replacing when `jobA` follows `jobB` (or the reverse: the
 * comparison is symmetric), or `undefined` when they can be updated in place or ignored. A port of
 * `tasksUpdated` in Nomad's scheduler/util.go; the returned text is its difference label.
 */
export function tasksUpdated(jobA: Job, jobB: Job, group: string): string | undefined {
  const a = jobA.TaskGroups.find((x) => x.Name === group);
  const b = jobB.TaskGroups.find((x) => x.Name === group);
  if (!a || !b) return 'task group';
  if ((a.Tasks ?? []).length !== (b.Tasks ?? []).length) return 'number of tasks';
  if (!equalEmpty(a.EphemeralDisk, b.EphemeralDisk)) return 'ephemeral disk';
  const net = networkUpdated(a.Networks, b.Networks);
  if (net) return net;
  const consul = consulUpdated(consulNamespace(a), consulNamespace(b), a.Consul, b.Consul);
  if (consul) return consul;
  const connect = connectUpdated(a, b);
  if (connect) return connect;
  if (!equalEmpty(a.Volumes, b.Volumes)) return 'volume request';
  if (renderTemplates(a.RestartPolicy) !== renderTemplates(b.RestartPolicy)) return 'group restart render_templates';
  for (const at of a.Tasks ?? []) {
    const bt = (b.Tasks ?? []).find((t) => t.Name === at.Name);
    if (!bt) return 'task deleted';
    if (at.Driver !== bt.Driver) return 'task driver';
    if ((at.User ?? '') !== (bt.User ?? '')) return 'task user';
    if (!equalEmpty(at.Config, bt.Config)) return 'task config';
    if (!equalEmpty(at.Env, bt.Env)) return 'task env';
    if (!equalEmpty(at.Artifacts, bt.Artifacts)) return 'task artifacts';
    if (!equalEmpty(at.Vault, bt.Vault)) return 'task vault';
    if (!equalEmpty(at.Secrets, bt.Secrets)) return 'task secrets';
    const tc = consulUpdated(consulNamespace(at), consulNamespace(bt), at.Consul, bt.Consul);
    if (tc) return tc;
    if (!equalEmpty(at.Templates, bt.Templates)) return 'task templates';
    if (!equalEmpty(at.CSIPluginConfig, bt.CSIPluginConfig)) return 'task csi config';
    if (!equalEmpty(at.VolumeMounts, bt.VolumeMounts)) return 'task volume mount';
    if (!equalEmpty(combinedTaskMeta(jobA, group, at.Name), combinedTaskMeta(jobB, group, bt.Name))) return 'task meta';
    const tnet = networkUpdated(at.Resources?.Networks, bt.Resources?.Networks);
    if (tnet) return tnet;
    const ra = (at.Resources ?? {}) as Loose;
    const rb = (bt.Resources ?? {}) as Loose;
    for (const k of NON_NETWORK_RESOURCES) if (!equalEmpty(ra[k] ?? 0, rb[k] ?? 0)) return `task ${k}`;
    if (!equalEmpty(at.Identity, bt.Identity)) return 'task identity';
    if (!equalEmpty(at.Identities, bt.Identities)) return 'task identity';
    if (!!at.LogConfig?.Disabled !== !!bt.LogConfig?.Disabled) return 'task log disabled';
    if (renderTemplates(at.RestartPolicy) !== renderTemplates(bt.RestartPolicy)) return 'task restart render_templates';
  }
  return undefined;
}

/** `Node.IsInAnyDC`: a datacenter entry is a glob. */
export function nodeInDatacenters(node: SimNode, datacenters: readonly string[] | undefined): boolean {
  return (datacenters ?? ['*']).some((dc) => globMatch(dc, node.Datacenter));
}

/** `Node.IsInPool`: the pool, or the special pool `all`. */
export function nodeInPool(node: SimNode, pool: string | undefined): boolean {
  const p = pool || 'default';
  return p === 'all' || node.NodePool === p;
}

/** Nomad's `glob.Glob`: `*` matches any run of characters. */
export function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}
