/**
 * Placement: which nodes can run an allocation of a group (datacenter, node pool, constraints, distinct
 * hosts/properties, cpu and memory left) and which of them to pick (spread targets first, then fewest
 * allocations of the same job, then a seeded tie-break). Failures are described as Nomad's `AllocMetric`.
 */
import type { AllocMetric, Constraint, Job, Spread, TaskGroup } from '../core/nomad/types';
import type { SimNode } from './nodes';
import type { Prng } from './prng';
import { compareVersions } from './version';

/** An allocation as placement sees it. */
export interface PlacedAlloc {
  NodeID: string;
  JobID: string;
  Namespace: string;
  TaskGroup: string;
  cpu: number;
  memory: number;
}

/** The result of placing `count` allocations of a group. */
export interface PlacementResult {
  nodes: SimNode[];
  failed: number;
  metric?: AllocMetric;
}

/** A node's value for an interpolated target (`${meta.tier}`, `${node.datacenter}`, `${attr.kernel.name}`...). */
export function resolveTarget(target: string, node: SimNode): string | undefined {
  const m = /^\$\{(.+)\}$/.exec(target);
  if (!m) return target;
  const key = m[1];
  if (key.startsWith('meta.')) return node.Meta[key.slice(5)];
  if (key.startsWith('attr.')) return node.Attributes[key.slice(5)];
  switch (key) {
    case 'node.datacenter':
      return node.Datacenter;
    case 'node.class':
      return node.NodeClass;
    case 'node.pool':
      return node.NodePool;
    case 'node.unique.name':
      return node.Name;
    case 'node.unique.id':
      return node.ID;
    default:
      return undefined;
  }
}

function versionMatches(value: string, spec: string): boolean {
  const v = value.replace(/^v/, '');
  return spec.split(',').every((part) => {
    const m = /^\s*(>=|<=|!=|~>|>|<|=)?\s*v?(\S+)\s*$/.exec(part);
    if (!m) return false;
    const op = m[1] ?? '=';
    const c = compareVersions(v, m[2]);
    switch (op) {
      case '>=':
        return c >= 0;
      case '<=':
        return c <= 0;
      case '>':
        return c > 0;
      case '<':
        return c < 0;
      case '!=':
        return c !== 0;
      case '~>': {
        const parts = m[2].split('.');
        const upper = parts.length > 1 ? [...parts.slice(0, -2), String(Number(parts[parts.length - 2]) + 1)].join('.') : String(Number(parts[0]) + 1);
        return c >= 0 && compareVersions(v, upper) < 0;
      }
      default:
        return c === 0;
    }
  });
}

/** Whether `node` satisfies constraint `c` (distinct_hosts/distinct_property are handled by the placer). */
export function constraintHolds(c: Constraint, node: SimNode): boolean {
  const l = resolveTarget(c.LTarget, node);
  const r = resolveTarget(c.RTarget, node);
  switch (c.Operand) {
    case 'distinct_hosts':
    case 'distinct_property':
      return true;
    case 'is_set':
      return l !== undefined;
    case 'is_not_set':
      return l === undefined;
  }
  if (l === undefined || r === undefined) return false;
  switch (c.Operand) {
    case '=':
    case '==':
    case 'is':
      return l === r;
    case '!=':
    case 'not':
      return l !== r;
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const ln = Number(l);
      const rn = Number(r);
      const cmp = Number.isFinite(ln) && Number.isFinite(rn) ? ln - rn : l.localeCompare(r);
      return c.Operand === '<' ? cmp < 0 : c.Operand === '<=' ? cmp <= 0 : c.Operand === '>' ? cmp > 0 : cmp >= 0;
    }
    case 'regexp':
      try {
        return new RegExp(r).test(l);
      } catch {
        return false;
      }
    case 'version':
    case 'semver':
      return versionMatches(l, r);
    case 'set_contains':
    case 'set_contains_all': {
      const have = new Set(l.split(',').map((s) => s.trim()));
      return r.split(',').every((x) => have.has(x.trim()));
    }
    case 'set_contains_any': {
      const have = new Set(l.split(',').map((s) => s.trim()));
      return r.split(',').some((x) => have.has(x.trim()));
    }
    default:
      return false;
  }
}

/** Nomad's `Constraint.String()`: `"<LTarget> <Operand> <RTarget>"`. */
export function constraintString(c: Constraint): string {
  return `${c.LTarget} ${c.Operand} ${c.RTarget}`;
}

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

/** The cpu (MHz) and memory (MB) one allocation of `group` needs. */
export function groupDemand(group: TaskGroup): { cpu: number; memory: number } {
  let cpu = 0;
  let memory = 0;
  for (const t of group.Tasks ?? []) {
    cpu += t.Resources?.CPU ?? 100;
    memory += t.Resources?.MemoryMB ?? 300;
  }
  return { cpu, memory };
}

/** Places `count` allocations of `group`; `live` are the non-terminal allocations in the cluster. */
export function placeGroup(job: Job, group: TaskGroup, count: number, nodes: SimNode[], live: PlacedAlloc[], prng: Prng, nowNs: number): PlacementResult {
  const demand = groupDemand(group);
  const dcs = job.Datacenters ?? ['*'];
  const pool = job.NodePool || 'default';
  const inDcs = nodes.filter((n) => dcs.some((p) => globMatch(p, n.Datacenter)));
  const inPool = inDcs.filter((n) => n.NodePool === pool || pool === 'all');
  const constraints: Constraint[] = [...(job.Constraints ?? []), ...(group.Constraints ?? []), ...(group.Tasks ?? []).flatMap((t) => t.Constraints ?? [])];
  const jobDistinct = (job.Constraints ?? []).some((c) => c.Operand === 'distinct_hosts' && c.RTarget !== 'false');
  const groupDistinct = (group.Constraints ?? []).some((c) => c.Operand === 'distinct_hosts' && c.RTarget !== 'false');
  const distinctProps = constraints.filter((c) => c.Operand === 'distinct_property');
  const spreads: Spread[] = [...(job.Spreads ?? []), ...(group.Spreads ?? [])];

  const usage = new Map<string, { cpu: number; memory: number }>();
  const jobAllocs: PlacedAlloc[] = [];
  for (const a of live) {
    const u = usage.get(a.NodeID) ?? { cpu: 0, memory: 0 };
    u.cpu += a.cpu;
    u.memory += a.memory;
    usage.set(a.NodeID, u);
    if (a.JobID === job.ID && a.Namespace === job.Namespace) jobAllocs.push(a);
  }
  const byId = new Map(nodes.map((n) => [n.ID, n]));
  const placed: SimNode[] = [];
  let failed = 0;
  let metric: AllocMetric | undefined;

  for (let k = 0; k < count; k++) {
    const m: AllocMetric = {
      NodesEvaluated: 0,
      NodesFiltered: 0,
      NodesInPool: inPool.length,
      NodePool: pool,
      NodesAvailable: Object.fromEntries(dcs.filter((d) => !d.includes('*')).map((d) => [d, inPool.filter((n) => n.Datacenter === d).length])),
      ClassFiltered: null,
      ConstraintFiltered: null,
      NodesExhausted: 0,
      ClassExhausted: null,
      DimensionExhausted: null,
      QuotaExhausted: null,
      ResourcesExhausted: null,
      Scores: null,
      ScoreMetaData: null,
      AllocationTime: 0,
      CoalescedFailures: 0,
    };
    if (dcs.some((d) => d.includes('*'))) {
      const avail: Record<string, number> = {};
      for (const n of inPool) avail[n.Datacenter] = (avail[n.Datacenter] ?? 0) + 1;
      m.NodesAvailable = avail;
    }
    const feasible: SimNode[] = [];
    for (const n of inPool) {
      m.NodesEvaluated++;
      const bad = constraints.find((c) => !constraintHolds(c, n));
      if (bad) {
        m.NodesFiltered++;
        m.ConstraintFiltered = { ...(m.ConstraintFiltered ?? {}) };
        const key = constraintString(bad);
        m.ConstraintFiltered[key] = (m.ConstraintFiltered[key] ?? 0) + 1;
        continue;
      }
      const onNode = jobAllocs.filter((a) => a.NodeID === n.ID);
      if ((jobDistinct && onNode.length > 0) || (groupDistinct && onNode.some((a) => a.TaskGroup === group.Name))) {
        m.NodesFiltered++;
        m.ConstraintFiltered = { ...(m.ConstraintFiltered ?? {}), distinct_hosts: (m.ConstraintFiltered?.distinct_hosts ?? 0) + 1 };
        continue;
      }
      const propBad = distinctProps.find((c) => {
        const v = resolveTarget(c.LTarget, n);
        const limit = Number(c.RTarget) || 1;
        const used = jobAllocs.filter((a) => {
          const an = byId.get(a.NodeID);
          return an !== undefined && resolveTarget(c.LTarget, an) === v;
        }).length;
        return used >= limit;
      });
      if (propBad) {
        m.NodesFiltered++;
        const key = `distinct_property: ${propBad.LTarget}`;
        m.ConstraintFiltered = { ...(m.ConstraintFiltered ?? {}), [key]: (m.ConstraintFiltered?.[key] ?? 0) + 1 };
        continue;
      }
      const u = usage.get(n.ID) ?? { cpu: 0, memory: 0 };
      const dim = u.cpu + demand.cpu > n.CpuMHz ? 'cpu' : u.memory + demand.memory > n.MemoryMB ? 'memory' : undefined;
      if (dim) {
        m.NodesExhausted++;
        m.DimensionExhausted = { ...(m.DimensionExhausted ?? {}), [dim]: (m.DimensionExhausted?.[dim] ?? 0) + 1 };
        continue;
      }
      feasible.push(n);
    }
    if (feasible.length === 0) {
      failed++;
      if (metric) metric.CoalescedFailures++;
      else metric = m;
      continue;
    }
    const total = jobAllocs.filter((a) => a.TaskGroup === group.Name).length + 1;
    const scored = feasible.map((n) => ({ n, score: score(n, spreads, jobAllocs, group.Name, total, byId, feasible), tie: prng.next() }));
    scored.sort((a, b) => b.score - a.score || a.tie - b.tie);
    const chosen = scored[0].n;
    placed.push(chosen);
    const u = usage.get(chosen.ID) ?? { cpu: 0, memory: 0 };
    u.cpu += demand.cpu;
    u.memory += demand.memory;
    usage.set(chosen.ID, u);
    jobAllocs.push({ NodeID: chosen.ID, JobID: job.ID, Namespace: job.Namespace ?? 'default', TaskGroup: group.Name, cpu: demand.cpu, memory: demand.memory });
  }
  if (metric) metric.AllocationTime = Math.max(1, nowNs % 1000);
  return { nodes: placed, failed, metric };
}

function score(node: SimNode, spreads: Spread[], jobAllocs: PlacedAlloc[], group: string, total: number, byId: Map<string, SimNode>, feasible: SimNode[]): number {
  let s = 0;
  const groupAllocs = jobAllocs.filter((a) => a.TaskGroup === group);
  for (const sp of spreads) {
    const value = resolveTarget(sp.Attribute, node);
    if (value === undefined) continue;
    const counts = new Map<string, number>();
    for (const a of groupAllocs) {
      const n = byId.get(a.NodeID);
      const v = n ? resolveTarget(sp.Attribute, n) : undefined;
      if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    let desired: number;
    const targets = sp.SpreadTarget ?? [];
    if (targets.length) {
      const t = targets.find((x) => x.Value === value);
      const sum = targets.reduce((acc, x) => acc + x.Percent, 0);
      const pct = t ? t.Percent : Math.max(0, 100 - sum);
      desired = (pct / 100) * total;
    } else {
      const values = new Set(feasible.map((n) => resolveTarget(sp.Attribute, n)).filter((v) => v !== undefined));
      desired = total / Math.max(1, values.size);
    }
    const have = counts.get(value) ?? 0;
    s += ((desired - have) / Math.max(1, total)) * (sp.Weight || 50) * 10;
  }
  const sameJobOnNode = jobAllocs.filter((a) => a.NodeID === node.ID).length;
  s -= sameJobOnNode * 5;
  return s;
}
