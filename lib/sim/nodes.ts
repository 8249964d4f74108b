/**
 * The simulated client nodes: per datacenter, nodes of every tier (`meta.tier` production, quality, test)
 * with `meta.role = "nomad"`, plus one ingress node; each has cpu/memory capacity and an IPv6 /80 routed to
 * it out of its datacenter's /64 (datacenter d gets `2001:db8:d::/64`, its node i gets `2001:db8:d:0:i::/80`).
 */
import * as ipaddr from 'ipaddr.js';
import type { Prng } from './prng';

/** A client node as the simulator models it. */
export interface SimNode {
  ID: string;
  Name: string;
  Datacenter: string;
  NodeClass: string;
  NodePool: string;
  /** The node's own address, in its datacenter's /64 but outside every node's /80. */
  Address: string;
  /** The /80 routed to the node, `addr/80`. */
  Prefix: string;
  Meta: Record<string, string>;
  Attributes: Record<string, string>;
  CpuMHz: number;
  MemoryMB: number;
  CreateIndex: number;
  ModifyIndex: number;
  /** Next host number handed out inside the /80. */
  nextHost: number;
  /** Next dynamic port. */
  nextPort: number;
  /** Next host number handed out on the node's IPv4 bridges. */
  nextIPv4: number;
  dcNumber: number;
  nodeNumber: number;
}

/** Options shaping the node set. */
export interface NodeOptions {
  datacenters: string[];
  nodesPerTier: number;
  version: string;
  cpuMHz: number;
  memoryMB: number;
}

/** The tiers every datacenter has nodes of (`meta.tier`). */
export const TIERS = ['production', 'quality', 'test'] as const;

/** The /64 of the datacenter numbered `d` (1-based). */
export function datacenterPrefix(d: number): string {
  return `${new ipaddr.IPv6([0x2001, 0xdb8, d, 0, 0, 0, 0, 0]).toString()}/64`;
}

/** Builds the node set for `opts`, IDs from `prng`, create index `index`. */
export function buildNodes(opts: NodeOptions, prng: Prng, index: number): SimNode[] {
  const nodes: SimNode[] = [];
  opts.datacenters.forEach((dc, di) => {
    const d = di + 1;
    const specs: Array<{ tier: string; role: string; cls: string }> = [];
    for (const tier of TIERS) for (let k = 0; k < opts.nodesPerTier; k++) specs.push({ tier, role: 'nomad', cls: 'standard' });
    specs.push({ tier: 'production', role: 'ingress', cls: 'ingress' });
    const perTier = new Map<string, number>();
    specs.forEach((spec, i) => {
      const n = i + 1;
      const k = (perTier.get(spec.tier + spec.role) ?? 0) + 1;
      perTier.set(spec.tier + spec.role, k);
      const name = spec.role === 'ingress' ? `${dc}-ingress-${k}` : `${dc}-${spec.tier}-${k}`;
      const address = new ipaddr.IPv6([0x2001, 0xdb8, d, 0, 0, 0, 0, n]).toString();
      const prefix = `${new ipaddr.IPv6([0x2001, 0xdb8, d, 0, n, 0, 0, 0]).toString()}/80`;
      nodes.push({
        ID: prng.uuid(),
        Name: name,
        Datacenter: dc,
        NodeClass: spec.cls,
        NodePool: 'default',
        Address: address,
        Prefix: prefix,
        Meta: { tier: spec.tier, role: spec.role, 'connect.sidecar_image': 'envoyproxy/envoy:v1.29', ipv6_prefix: prefix },
        Attributes: {
          'kernel.name': 'linux',
          'os.name': 'ubuntu',
          'os.version': '24.04',
          'cpu.arch': 'amd64',
          'cpu.totalcompute': String(opts.cpuMHz),
          'memory.totalbytes': String(opts.memoryMB * 1024 * 1024),
          'unique.hostname': name,
          'unique.network.ip-address': address,
          'nomad.version': opts.version,
          'nomad.service_discovery': 'true',
          'consul.version': '1.21.4',
          'vault.version': '1.18.3',
          'driver.docker': '1',
          'driver.docker.version': '27.3.1',
          'os.signals': 'SIGABRT,SIGALRM,SIGBUS,SIGCHLD,SIGCONT,SIGFPE,SIGHUP,SIGILL,SIGINT,SIGIO,SIGKILL,SIGPIPE,SIGPROF,SIGQUIT,SIGSEGV,SIGSTOP,SIGSYS,SIGTERM,SIGTRAP,SIGTSTP,SIGTTIN,SIGTTOU,SIGURG,SIGUSR1,SIGUSR2,SIGWINCH,SIGXCPU,SIGXFSZ',
          'plugins.cni.version.bridge': 'v1.6.2',
          'plugins.cni.version.firewall': 'v1.6.2',
          'plugins.cni.version.host-local': 'v1.6.2',
          'plugins.cni.version.loopback': 'v1.6.2',
          'plugins.cni.version.portmap': 'v1.6.2',
        },
        CpuMHz: opts.cpuMHz,
        MemoryMB: opts.memoryMB,
        CreateIndex: index,
        ModifyIndex: index,
        nextHost: 0x100,
        nextPort: 20000,
        nextIPv4: 2,
        dcNumber: d,
        nodeNumber: n,
      });
    });
  });
  return nodes;
}

/** The next IPv6 address inside the node's /80. */
export function nextAllocAddress(node: SimNode): string {
  const h = node.nextHost++;
  return new ipaddr.IPv6([0x2001, 0xdb8, node.dcNumber, 0, node.nodeNumber, 0, Math.floor(h / 0x10000) & 0xffff, h & 0xffff]).toString();
}

/**
 * The next IPv4 address on one of the node's bridges: Nomad's `nomad` bridge for group bridge networks
 * (`bridge_network_subnet`, default 172.26.64.0/20) or docker's default bridge (172.17.0.0/16).
 */
export function nextAllocIPv4(node: SimNode, bridge: 'nomad' | 'docker'): string {
  const h = node.nextIPv4++;
  return bridge === 'nomad' ? `172.26.${64 + (Math.floor(h / 256) % 16)}.${h % 256}` : `172.17.${Math.floor(h / 256) % 256}.${h % 256}`;
}

/** `GET /v1/nodes` entry (`NodeListStub`). */
export function nodeStub(n: SimNode, version: string, withResources: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Address: n.Address,
    ID: n.ID,
    Attributes: null,
    Datacenter: n.Datacenter,
    Name: n.Name,
    NodeClass: n.NodeClass,
    NodePool: n.NodePool,
    Version: version,
    Drain: false,
    SchedulingEligibility: 'eligible',
    Status: 'ready',
    StatusDescription: '',
    Drivers: { docker: { Attributes: null, Detected: true, Healthy: true, HealthDescription: 'Healthy', UpdateTime: '2026-01-01T00:00:00Z' } },
    NodeResources: null,
    ReservedResources: null,
    LastDrain: null,
    CreateIndex: n.CreateIndex,
    ModifyIndex: n.ModifyIndex,
  };
  if (withResources) {
    out.NodeResources = nodeResources(n);
    out.ReservedResources = { Cpu: { CpuShares: 0 }, Memory: { MemoryMB: 0 }, Disk: { DiskMB: 0 }, Networks: { ReservedHostPorts: '' } };
  }
  return out;
}

function nodeResources(n: SimNode): Record<string, unknown> {
  return {
    Cpu: { CpuShares: n.CpuMHz, TotalCpuCores: Math.round(n.CpuMHz / 1000), ReservableCpuCores: null },
    Memory: { MemoryMB: n.MemoryMB },
    Disk: { DiskMB: 100_000 },
    Networks: [{ Mode: 'host', Device: 'eth0', CIDR: `${n.Address}/128`, IP: n.Address }],
    MinDynamicPort: 20000,
    MaxDynamicPort: 32000,
  };
}

/** `GET /v1/node/:id` (a `Node`). */
export function nodeFull(n: SimNode, version: string): Record<string, unknown> {
  return {
    ID: n.ID,
    Datacenter: n.Datacenter,
    Name: n.Name,
    HTTPAddr: `[${n.Address}]:4646`,
    TLSEnabled: false,
    Attributes: { ...n.Attributes, 'nomad.version': version },
    NodeResources: nodeResources(n),
    ReservedResources: { Cpu: { CpuShares: 0 }, Memory: { MemoryMB: 0 }, Disk: { DiskMB: 0 }, Networks: { ReservedHostPorts: '' } },
    Links: { consul: `${n.Datacenter}.${n.Name}` },
    Meta: { ...n.Meta },
    NodeClass: n.NodeClass,
    NodePool: n.NodePool,
    Drain: false,
    DrainStrategy: null,
    SchedulingEligibility: 'eligible',
    Status: 'ready',
    StatusDescription: '',
    StatusUpdatedAt: 0,
    Events: null,
    Drivers: { docker: { Attributes: null, Detected: true, Healthy: true, HealthDescription: 'Healthy', UpdateTime: '2026-01-01T00:00:00Z' } },
    HostVolumes: null,
    LastDrain: null,
    CreateIndex: n.CreateIndex,
    ModifyIndex: n.ModifyIndex,
  };
}
