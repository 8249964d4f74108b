/**
 * `nomadguard ps [FILTER]`: the on-call view of what runs. For every job (all namespaces, optionally
 * filtered by a substring or glob of the job ID) one row per allocation and task: short exec ID, job,
 * group, task, node, datacenter, IPv6 address, uptime, CPU, memory (max), and flags for failed,
 * pending, terminated, OOM-killed and unhealthy in Consul. A table, or `--json`.
 *
 * Data: one job list, one read and one allocation list per job, the node list once, one Consul health
 * read per service name, and a full allocation read only for a live allocation whose address Consul
 * did not give. Consul being unreachable degrades the view (health unknown) instead of failing it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ipaddr from 'ipaddr.js';
import type { Command } from 'commander';
import { parseOperatorConfig } from '../../../crd-schemas/operator-config';
import { aggregateHealth, type ServiceEntry } from '../../core/consul/types';
import { formatDiagnostic } from '../../core/diagnostics';
import type { AllocListStub, Job, NodeListStub, TaskState } from '../../core/nomad/types';
import { ConsulHttpClient } from '../../adapters/consul-http/consul-http-client';
import {
  ConnectionConfigError,
  connectionsFromCluster,
  consulFromEnv,
  nomadFromEnv,
  type ConsulConnection,
  type NomadConnection,
} from '../../adapters/env-config';
import { NomadHttpClient } from '../../adapters/nomad-http/nomad-http-client';
import { ApiError, NotFoundError } from '../../ports/errors';
import type { ConsulApi } from '../../ports/consul-api';
import type { NomadApi } from '../../ports/nomad-api';
import { SystemClock, type Clock } from '../../runtime/clock';
import { CliError, type CliContext, type RegisterCommand } from '../context';

/** A row flag. */
export type PsFlag = 'failed' | 'pending' | 'terminated' | 'oom-killed' | 'unhealthy';

/** One row of `ps`: an allocation's task. */
export interface PsRow {
  /** Short exec ID: the allocation ID's first 8 characters. */
  id: string;
  allocId: string;
  namespace: string;
  job: string;
  group: string;
  task: string;
  node: string;
  datacenter: string;
  address: string | null;
  /** Seconds since the task started (running tasks only). */
  uptimeSeconds: number | null;
  cpuMHz: number | null;
  memoryMB: number | null;
  memoryMaxMB: number | null;
  clientStatus: string;
  desiredStatus: string;
  taskState: string;
  /** Aggregate Consul health of the services this task's allocation registered; null when unknown or none. */
  consulHealth: 'passing' | 'warning' | 'critical' | null;
  flags: PsFlag[];
}

/** What `buildPsRows` needs, gathered by `gatherPs`. */
export interface PsInput {
  jobs: Array<{ namespace: string; id: string; job?: Job; allocations: AllocListStub[] }>;
  nodes: NodeListStub[];
  /** Consul health entries by service name; undefined when Consul could not be read. */
  health?: Map<string, ServiceEntry[]>;
  /** Full allocations read for their addresses, by alloc ID. */
  fullAllocs: Map<string, Record<string, unknown>>;
}

/** True when `filter` (substring, or glob with `*`/`?`) selects job `id`. */
export function matchesFilter(id: string, filter: string | undefined): boolean {
  if (!filter) return true;
  if (!/[*?]/.test(filter)) return id.includes(filter);
  const re = new RegExp(`^${filter.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(id);
}

const ZERO_TIME = /^0001-01-01/;

function isIPv6(text: unknown): text is string {
  if (typeof text !== 'string' || text === '') return false;
  try {
    return ipaddr.parse(text).kind() === 'ipv6';
  } catch {
    return false;
  }
}

type NetList = Array<{ IP?: unknown }> | null | undefined;

/** The first IPv6 address found in a full allocation's network fields, or null. */
export function addressFromAllocation(alloc: Record<string, unknown> | undefined): string | null {
  if (!alloc) return null;
  const candidates: unknown[] = [];
  const ns = alloc.NetworkStatus as { AddressIPv6?: unknown; Address?: unknown } | null | undefined;
  if (ns) candidates.push(ns.AddressIPv6, ns.Address);
  const ar = alloc.AllocatedResources as { Shared?: { Networks?: NetList }; Tasks?: Record<string, { Networks?: NetList }> | null } | null | undefined;
  for (const n of ar?.Shared?.Networks ?? []) candidates.push(n.IP);
  for (const t of Object.values(ar?.Tasks ?? {})) for (const n of t.Networks ?? []) candidates.push(n.IP);
  const res = alloc.Resources as { Networks?: NetList } | null | undefined;
  for (const n of res?.Networks ?? []) candidates.push(n.IP);
  return (candidates.find(isIPv6) as string | undefined) ?? null;
}

/** Service names a job registers in Consul (group and task services of the consul provider). */
export function serviceNames(job: Job | undefined): string[] {
  const names = new Set<string>();
  for (const g of job?.TaskGroups ?? []) {
    for (const s of g.Services ?? []) if ((s.Provider || 'consul') === 'consul' && s.Name) names.add(s.Name);
    for (const t of g.Tasks ?? []) for (const s of t.Services ?? []) if ((s.Provider || 'consul') === 'consul' && s.Name) names.add(s.Name);
  }
  return [...names].sort();
}

/** Whether a Nomad-registered service ID belongs to this allocation and applies to this task. */
function serviceAppliesTo(serviceId: string, allocId: string, task: string): boolean {
  const prefix = `_nomad-task-${allocId}-`;
  if (!serviceId.startsWith(prefix)) return false;
  const rest = serviceId.slice(prefix.length);
  return rest.startsWith('group-') || rest.startsWith(`${task}-`);
}

function oomKilled(state: TaskState | undefined): boolean {
  for (const e of state?.Events ?? []) {
    if (e.Type === 'OOM Killed') return true;
    const details = (e.Details ?? {}) as Record<string, unknown>;
    if (details.oom_killed === 'true' || details.oom_killed === true) return true;
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

interface AllocTaskResources {
  Cpu?: { CpuShares?: number };
  Memory?: { MemoryMB?: number; MemoryMaxMB?: number };
}

/** Rows for every allocation and task, ordered by namespace, job, group, allocation name, task. Pure. */
export function buildPsRows(input: PsInput, nowMs: number): PsRow[] {
  const nodeById = new Map(input.nodes.map((n) => [n.ID, n]));
  const rows: PsRow[] = [];
  const healthEntries = input.health ? [...input.health.values()].flat() : undefined;
  const jobs = [...input.jobs].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.id.localeCompare(b.id));
  for (const j of jobs) {
    const groups = new Map((j.job?.TaskGroups ?? []).map((g) => [g.Name, g]));
    const allocs = [...j.allocations].sort(
      (a, b) => a.TaskGroup.localeCompare(b.TaskGroup) || a.Name.localeCompare(b.Name, undefined, { numeric: true }) || a.ID.localeCompare(b.ID),
    );
    for (const a of allocs) {
      const group = groups.get(a.TaskGroup);
      const taskNames = new Set<string>([...Object.keys(a.TaskStates ?? {}), ...(group?.Tasks ?? []).map((t) => t.Name)]);
      const full = input.fullAllocs.get(a.ID);
      const node = nodeById.get(a.NodeID);
      const allocEntries = healthEntries?.filter((e) => e.Service.ID.startsWith(`_nomad-task-${a.ID}-`)) ?? [];
      for (const taskName of [...taskNames].sort()) {
        const state = a.TaskStates?.[taskName];
        const specTask = group?.Tasks?.find((t) => t.Name === taskName);
        const allocRes = (full?.AllocatedResources as { Tasks?: Record<string, AllocTaskResources> | null } | null | undefined)?.Tasks?.[taskName];
        const cpu = allocRes?.Cpu?.CpuShares ?? specTask?.Resources?.CPU ?? null;
        const mem = allocRes?.Memory?.MemoryMB ?? specTask?.Resources?.MemoryMB ?? null;
        const memMaxRaw = allocRes?.Memory?.MemoryMaxMB ?? specTask?.Resources?.MemoryMaxMB ?? null;
        const taskEntries = allocEntries.filter((e) => serviceAppliesTo(e.Service.ID, a.ID, taskName));
        const address = taskEntries.map((e) => e.Service.Address).find(isIPv6) ?? addressFromAllocation(full);
        const consulHealth =
          healthEntries === undefined || taskEntries.length === 0
            ? null
            : aggregateHealth(taskEntries.flatMap((e) => (e.Checks ?? []).filter((c) => c.ServiceID !== '')));
        const started = parseTime(state?.StartedAt);
        const flags: PsFlag[] = [];
        if (a.ClientStatus === 'failed' || state?.Failed) flags.push('failed');
        if (a.ClientStatus === 'pending' || !state || state.State === 'pending') flags.push('pending');
        if (a.DesiredStatus !== 'run' || ['complete', 'lost', 'failed'].includes(a.ClientStatus) || state?.State === 'dead') flags.push('terminated');
        if (oomKilled(state)) flags.push('oom-killed');
        if (consulHealth !== null && consulHealth !== 'passing') flags.push('unhealthy');
        rows.push({
          id: a.ID.slice(0, 8),
          allocId: a.ID,
          namespace: a.Namespace || j.namespace,
          job: a.JobID,
          group: a.TaskGroup,
          task: taskName,
          node: a.NodeName || node?.Name || a.NodeID.slice(0, 8),
          datacenter: node?.Datacenter ?? '',
          address,
          uptimeSeconds: state?.State === 'running' && started !== undefined ? Math.max(0, Math.floor((nowMs - started) / 1000)) : null,
          cpuMHz: cpu,
          memoryMB: mem,
          memoryMaxMB: memMaxRaw && memMaxRaw > 0 ? memMaxRaw : null,
          clientStatus: a.ClientStatus,
          desiredStatus: a.DesiredStatus,
          taskState: state?.State ?? 'pending',
          consulHealth,
          flags,
        });
      }
    }
  }
  return rows;
}

/** `3d4h`, `2h5m`, `5m12s`, `42s`; `-` for null. */
export function formatUptime(seconds: number | null): string {
  if (seconds === null) return '-';
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

const FLAG_LETTER: Record<PsFlag, string> = { failed: 'F', pending: 'P', terminated: 'T', 'oom-killed': 'O', unhealthy: 'U' };

/** The aligned table: a header, one line per row, and a legend line for the flags. */
export function renderPsTable(rows: PsRow[]): string {
  const header = ['ID', 'NAMESPACE', 'JOB', 'GROUP', 'TASK', 'NODE', 'DC', 'ADDRESS', 'UPTIME', 'CPU', 'MEM', 'FLAGS'];
  const lines = rows.map((r) => [
    r.id,
    r.namespace,
    r.job,
    r.group,
    r.task,
    r.node,
    r.datacenter || '-',
    r.address ?? '-',
    formatUptime(r.uptimeSeconds),
    r.cpuMHz === null ? '-' : `${r.cpuMHz}MHz`,
    r.memoryMB === null ? '-' : r.memoryMaxMB ? `${r.memoryMB}/${r.memoryMaxMB}MiB` : `${r.memoryMB}MiB`,
    r.flags.map((f) => FLAG_LETTER[f]).join('') || '-',
  ]);
  const table = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...table.map((l) => l[i].length)));
  const out = table.map((l) => l.map((c, i) => (i === l.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
  out.push('flags: F failed, P pending, T terminated, O OOM-killed, U unhealthy in Consul');
  return `${out.join('\n')}\n`;
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Reads everything `ps` shows through the ports. Consul failures become `warnings` (health unknown). */
export async function gatherPs(nomad: NomadApi, consul: ConsulApi | undefined, filter: string | undefined): Promise<{ input: PsInput; warnings: string[] }> {
  const warnings: string[] = [];
  const list = await nomad.listJobs({ namespace: '*' });
  const stubs = list.items.filter((j) => matchesFilter(j.ID, filter));
  const [nodes, jobs] = await Promise.all([
    nomad.nodes().then((r) => r.items),
    mapLimit(stubs, 8, async (s) => {
      const ns = s.Namespace || 'default';
      const [job, allocations] = await Promise.all([nomad.readJob(ns, s.ID), nomad.jobAllocations(ns, s.ID).then((r) => r.items)]);
      return { namespace: ns, id: s.ID, job, allocations };
    }),
  ]);
  let health: Map<string, ServiceEntry[]> | undefined;
  if (consul) {
    const names = [...new Set(jobs.flatMap((j) => serviceNames(j.job)))].sort();
    try {
      health = new Map(await mapLimit(names, 8, async (n) => [n, (await consul.healthService(n)).value] as const));
    } catch (e) {
      warnings.push(`Consul health unavailable: ${e instanceof ApiError ? e.message : String(e)}`);
    }
  }
  const withAddress = new Set(
    [...(health?.values() ?? [])]
      .flat()
      .filter((e) => isIPv6(e.Service.Address))
      .map((e) => e.Service.ID),
  );
  const live = jobs.flatMap((j) => j.allocations).filter((a) => a.DesiredStatus === 'run' && !['complete', 'failed', 'lost'].includes(a.ClientStatus));
  const needAddress = live.filter((a) => ![...withAddress].some((id) => id.startsWith(`_nomad-task-${a.ID}-`)));
  const fullAllocs = new Map<string, Record<string, unknown>>();
  await mapLimit(needAddress, 8, async (a) => {
    try {
      fullAllocs.set(a.ID, await nomad.allocation(a.ID, { namespace: a.Namespace }));
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  });
  return { input: { jobs, nodes, health, fullAllocs }, warnings };
}

interface PsOptions {
  json?: boolean;
  config?: string;
  cluster?: string;
}

function connections(ctx: CliContext, opts: PsOptions): { nomad: NomadConnection; consul: ConsulConnection } {
  try {
    if (!opts.config) return { nomad: nomadFromEnv(ctx.env), consul: consulFromEnv(ctx.env) };
    const file = path.resolve(ctx.cwd, opts.config);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new CliError(`${opts.config}: cannot read (${(e as { code?: string }).code ?? 'error'})`);
    }
    const parsed = parseOperatorConfig(text, opts.config, ctx.env);
    if (!parsed.ok) throw new CliError(parsed.diagnostics.map(formatDiagnostic).join('\n'));
    const names = Object.keys(parsed.config.clusters);
    const name = opts.cluster ?? names[0];
    const cluster = parsed.config.clusters[name];
    if (!cluster) throw new CliError(`--cluster ${name}: no such cluster in ${opts.config} (have: ${names.join(', ')})`);
    return connectionsFromCluster(cluster, ctx.env, undefined, `clusters.${name}`);
  } catch (e) {
    if (e instanceof ConnectionConfigError) throw new CliError(e.message);
    throw e;
  }
}

/** Adds `ps` to the program. */
export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('ps')
    .description('Allocations per job and task: node, datacenter, IPv6 address, uptime, CPU, memory, health flags')
    .argument('[filter]', 'job ID substring, or a glob with * and ?')
    .option('--json', 'print the rows as JSON')
    .option('--config <file>', 'operator config (nomadguard.yaml); default: the NOMAD_*/CONSUL_* environment')
    .option('--cluster <name>', 'cluster of the operator config to show (default: the first)')
    .addHelpText(
      'after',
      '\nFlags: F failed, P pending, T terminated, O OOM-killed, U unhealthy in Consul.\n' +
        'Honours NOMAD_ADDR, NOMAD_TOKEN, NOMAD_REGION, NOMAD_CACERT, NOMAD_CLIENT_CERT, NOMAD_CLIENT_KEY,\n' +
        'NOMAD_SKIP_VERIFY, CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, CONSUL_CACERT, CONSUL_HTTP_SSL_VERIFY.\n',
    )
    .action(async (filter: string | undefined, opts: PsOptions) => {
      const conn = connections(ctx, opts);
      const clock: Clock = ctx.clock ?? new SystemClock();
      const nomad = NomadHttpClient.fromConnection(conn.nomad, { clock, timeoutMs: 15_000, backoff: { maxAttempts: 3 } });
      const consul = ConsulHttpClient.fromConnection(conn.consul, { clock, timeoutMs: 10_000, backoff: { maxAttempts: 2 } });
      try {
        const { input, warnings } = await gatherPs(nomad, consul, filter);
        const rows = buildPsRows(input, clock.now());
        for (const w of warnings) ctx.stderr(`nomadguard ps: warning: ${w}\n`);
        if (opts.json) ctx.stdout(`${JSON.stringify(rows, null, 2)}\n`);
        else ctx.stdout(rows.length ? renderPsTable(rows) : 'no allocations\n');
      } catch (e) {
        if (e instanceof ApiError) throw new CliError(e.message);
        throw e;
      } finally {
        nomad.close();
        consul.close();
      }
    });
};
