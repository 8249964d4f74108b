/**
 * Health: is a registered job actually working? Pure: the controller reads the deployment, the
 * allocations, the Consul service instances and the nodes' prefixes, and asks `assessHealth`.
 *
 * Healthy means all of: the deployment of the version we wrote succeeded (or, when Nomad made no
 * deployment, every allocation of that version runs), each task group runs its count of allocations of
 * that version, and every service is registered in Consul for every running allocation of the group
 * that declares it (a service of group or task level is Nomad's per allocation of that group only), with
 * every check passing, at an IPv6 address inside the /80 routed to the allocation's node. A group
 * scaled to zero expects nothing. A failed deployment is Degraded; when Nomad rolled back to an older
 * version it is Degraded and `autoReverted`, so the operator does not resubmit the failing version.
 */
import * as ipaddr from 'ipaddr.js';
import type { AllocListStub, Deployment, Job } from './nomad/types';

/** The outcome of a health assessment, ordered Healthy < Progressing < Degraded. */
export type HealthPhase = 'Healthy' | 'Progressing' | 'Degraded';

/** A Consul service instance as `/v1/health/service/:name` returns it (the fields used here). */
export interface ServiceInstance {
  Service: { ID: string; Service: string; Address: string; Port?: number };
  Checks: Array<{ Status: string; Name?: string; ServiceID?: string }> | null;
}

/** Inputs of `assessHealth`. */
export interface HealthInput {
  /** The job version nomadguard wrote (what must be healthy). */
  jobVersion: number;
  /** The job's latest deployment, if any. */
  deployment?: Deployment;
  allocations: readonly AllocListStub[];
  /** The job's task groups: their count and the Consul services each declares (see `healthGroups`). */
  groups: readonly HealthGroup[];
  /** Consul instances per service name. */
  instances: ReadonlyMap<string, readonly ServiceInstance[]>;
  /** Node ID -> the IPv6 prefix routed to it (`addr/80`). */
  nodePrefixes: ReadonlyMap<string, string>;
}

/** One task group as health sees it. */
export interface HealthGroup {
  /** The group's name (`TaskGroup` of its allocations). */
  name: string;
  /** Allocations the group should run. */
  count: number;
  /** Names of the Consul services the group declares, at group or task level. */
  services: readonly string[];
}

/**
 * The task groups of a job with their count and Consul services (provider `consul`, the default). A
 * missing Count is 1, as Nomad's client canonicalizes it (`api/tasks.go`, `TaskGroup.Canonicalize`).
 */
export function healthGroups(job: Pick<Job, 'TaskGroups'>): HealthGroup[] {
  return (job.TaskGroups ?? []).map((g) => {
    const names = new Set<string>();
    for (const s of g.Services ?? []) if ((s.Provider ?? 'consul') === 'consul') names.add(s.Name);
    for (const t of g.Tasks ?? []) for (const s of t.Services ?? []) if ((s.Provider ?? 'consul') === 'consul') names.add(s.Name);
    return { name: g.Name, count: g.Count ?? 1, services: [...names].sort() };
  });
}

/** The verdict, with a stable reason. */
export interface HealthResult {
  phase: HealthPhase;
  reason: string;
  message: string;
  /** Nomad rolled the job back after this version failed. */
  autoReverted?: boolean;
}

/** Worst of two phases (for roll-ups). */
export function worseHealth(a: HealthPhase, b: HealthPhase): HealthPhase {
  const rank: Record<HealthPhase, number> = { Healthy: 0, Progressing: 1, Degraded: 2 };
  return rank[a] >= rank[b] ? a : b;
}

/** True when `address` is an IPv6 address inside `cidr` (an IPv6 prefix). */
export function inPrefix(address: string, cidr: string): boolean {
  try {
    if (!ipaddr.IPv6.isValid(address)) return false;
    const [net, bits] = ipaddr.parseCIDR(cidr);
    const addr = ipaddr.parse(address);
    return addr.kind() === 'ipv6' && net.kind() === 'ipv6' && (addr as ipaddr.IPv6).match(net as ipaddr.IPv6, bits);
  } catch {
    return false;
  }
}

/**
 * The /80 routed to a node: its `ipv6_prefix` meta when it has one (a CIDR), else the /80 around its
 * address. `undefined` when neither is usable.
 */
export function nodePrefix(node: { Address?: string; Meta?: Record<string, string> | null; Attributes?: Record<string, string> | null }): string | undefined {
  const declared = node.Meta?.ipv6_prefix ?? node.Attributes?.['meta.ipv6_prefix'];
  if (declared) {
    try {
      const [net, bits] = ipaddr.parseCIDR(declared);
      if (net.kind() === 'ipv6') return `${ipaddr.IPv6.networkAddressFromCIDR(`${net.toString()}/${bits}`).toString()}/${bits}`;
    } catch {
      /* not a CIDR: fall back to the address */
    }
  }
  if (node.Address && ipaddr.IPv6.isValid(node.Address)) return `${ipaddr.IPv6.networkAddressFromCIDR(`${node.Address}/80`).toString()}/80`;
  return undefined;
}

/** Decides Healthy / Progressing / Degraded for one job version. */
export function assessHealth(input: HealthInput): HealthResult {
  const d = input.deployment;
  const current = input.allocations.filter((a) => a.JobVersion === input.jobVersion && a.DesiredStatus === 'run');
  if (d && d.JobVersion === input.jobVersion) {
    if (d.Status === 'failed') {
      const autoReverted = /rolling back to job version/i.test(d.StatusDescription);
      return { phase: 'Degraded', reason: 'DeploymentFailed', message: d.StatusDescription || 'deployment failed', autoReverted };
    }
    if (d.Status === 'cancelled') return { phase: 'Degraded', reason: 'DeploymentCancelled', message: d.StatusDescription || 'deployment cancelled' };
    if (d.Status !== 'successful') return { phase: 'Progressing', reason: 'DeploymentRunning', message: d.StatusDescription || `deployment ${d.Status}` };
  } else if (d && d.JobVersion > input.jobVersion && d.Status === 'successful') {
    return { phase: 'Degraded', reason: 'NewerVersionLive', message: `version ${d.JobVersion} replaced the version nomadguard wrote (${input.jobVersion})` };
  }
  const failed = current.filter((a) => a.ClientStatus === 'failed' || a.ClientStatus === 'lost');
  if (failed.length > 0) return { phase: 'Degraded', reason: 'AllocationsFailed', message: `${failed.length} allocation(s) failed` };
  const running = current.filter((a) => a.ClientStatus === 'running');
  for (const g of input.groups) {
    const mine = current.filter((a) => a.TaskGroup === g.name);
    const up = mine.filter((a) => a.ClientStatus === 'running').length;
    if (up < mine.length || up < g.count) {
      return { phase: 'Progressing', reason: 'AllocationsPending', message: `${up} of ${Math.max(g.count, mine.length)} allocation(s) of group ${g.name} running` };
    }
  }
  if (running.length < current.length) {
    return { phase: 'Progressing', reason: 'AllocationsPending', message: `${running.length} of ${current.length} allocation(s) running` };
  }
  let services = 0;
  for (const g of input.groups) {
    const mine = running.filter((a) => a.TaskGroup === g.name);
    services += g.services.length;
    for (const name of g.services) {
      const bad = serviceProblem(input, name, mine, d);
      if (bad) return bad;
    }
  }
  return { phase: 'Healthy', reason: 'Healthy', message: `${running.length} allocation(s) running, ${services} service(s) passing` };
}

/** Why service `name` is not yet (or no longer) well on the running allocations `allocs`, if it is not. */
function serviceProblem(input: HealthInput, name: string, allocs: readonly AllocListStub[], d: Deployment | undefined): HealthResult | undefined {
  const instances = input.instances.get(name) ?? [];
  for (const alloc of allocs) {
    const inst = instances.find((i) => i.Service.ID.includes(alloc.ID));
    if (!inst) return { phase: 'Progressing', reason: 'ServiceNotRegistered', message: `service ${name} of allocation ${alloc.ID.slice(0, 8)} is not registered in Consul` };
    const bad = (inst.Checks ?? []).find((c) => c.Status !== 'passing');
    if (bad) {
      const phase: HealthPhase = d?.Status === 'successful' && d.JobVersion === input.jobVersion ? 'Degraded' : 'Progressing';
      return { phase, reason: 'ServiceUnhealthy', message: `service ${name} on ${alloc.NodeName || alloc.NodeID.slice(0, 8)}: check ${bad.Name ?? ''} is ${bad.Status}` };
    }
    const prefix = input.nodePrefixes.get(alloc.NodeID);
    if (!prefix) return { phase: 'Progressing', reason: 'NodePrefixUnknown', message: `no IPv6 prefix known for node ${alloc.NodeName || alloc.NodeID}` };
    if (!inPrefix(inst.Service.Address, prefix)) {
      return { phase: 'Degraded', reason: 'AddressOutsideNodePrefix', message: `service ${name} registered at ${inst.Service.Address || '(none)'}, outside ${prefix} of node ${alloc.NodeName || alloc.NodeID.slice(0, 8)}` };
    }
  }
  return undefined;
}
