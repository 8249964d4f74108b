/**
 * The simulator: a Nomad API and a Consul API on two loopback ports over one simulated two-datacenter
 * cluster, deterministic under a seed, every delay on an injected clock. See lib/sim/README.md.
 */
import { SystemClock, type Clock } from '../runtime/clock';
import type { Job } from '../core/nomad/types';
import { installAllocIo } from './alloc-io-api';
import { AclStore, type Capability, type TokenOptions } from './acl';
import { Cluster, DEFAULT_TIMINGS, type SimTimings } from './cluster';
import { installConsulApi } from './consul-api';
import { ConsulState } from './consul-state';
import { RegisterLog } from './register-log';
import { FaultTable, type FaultSpec } from './faults';
import { ApiServer, HttpError, type SimRequest } from './http-server';
import { installNomadApi } from './nomad-api';
import { buildNodes, type SimNode } from './nodes';
import { Prng } from './prng';
import { applyTaskIncident, TASK_INCIDENTS, type TaskIncident } from './task-incidents';

/** Fault and timing options, re-exported for callers of `Simulator.start`. */
export type { FaultSpec } from './faults';
export type { SimTimings } from './cluster';

/** Options of `Simulator.start`. */
export interface SimulatorOptions {
  clock?: Clock;
  /** PRNG seed (IDs, placement tie-breaks, fault rates). Default 1. */
  seed?: number;
  nomadPort?: number;
  consulPort?: number;
  host?: string;
  /** Nomad version to claim. Default `1.10.3`. */
  version?: string;
  /** ACLs on: requests need a token (`managementToken` or one from `createToken`). */
  acl?: boolean;
  datacenters?: string[];
  /** Nodes per tier and datacenter (each datacenter also gets one ingress node). Default 2. */
  nodesPerTier?: number;
  /** Extra namespaces to create at start. */
  namespaces?: string[];
  region?: string;
  timings?: Partial<SimTimings>;
  /** Node capacity. Defaults 4000 MHz, 8192 MB. */
  nodeCpuMHz?: number;
  nodeMemoryMB?: number;
}

/** A running simulator. */
export class Simulator {
  readonly nomadUrl: string;
  readonly consulUrl: string;
  /** The bootstrap (management) token's secret; meaningful when ACLs are on. */
  readonly managementToken: string;

  private constructor(
    readonly cluster: Cluster,
    readonly consul: ConsulState,
    private readonly acl: AclStore,
    private readonly faults: FaultTable,
    private readonly nomad: ApiServer,
    private readonly consulServer: ApiServer,
    /** Accepted job registers, per job and submitted job (see register-log.ts). */
    readonly registers: RegisterLog,
  ) {
    this.nomadUrl = nomad.url;
    this.consulUrl = consulServer.url;
    this.managementToken = acl.management.SecretID;
  }

  /** Starts both APIs; resolves when they listen. */
  static async start(opts: SimulatorOptions = {}): Promise<Simulator> {
    const clock = opts.clock ?? new SystemClock();
    const prng = new Prng(opts.seed ?? 1);
    const version = opts.version ?? '1.10.3';
    const datacenters = opts.datacenters ?? ['dc1', 'dc2'];
    const host = opts.host ?? '127.0.0.1';
    const nodes = buildNodes({ datacenters, nodesPerTier: opts.nodesPerTier ?? 2, version, cpuMHz: opts.nodeCpuMHz ?? 4000, memoryMB: opts.nodeMemoryMB ?? 8192 }, prng, 5);
    const consul = new ConsulState(nodes, clock, prng, 'consul-server-1');
    const timings = { ...DEFAULT_TIMINGS, ...(opts.timings ?? {}) };
    const cluster = new Cluster(nodes, prng, clock, clock, timings, version, opts.region ?? 'global', consul);
    cluster.index = 10;
    for (const ns of opts.namespaces ?? []) cluster.upsertNamespace({ Name: ns, Description: '' });
    const acl = new AclStore(!!opts.acl, prng);
    const faults = new FaultTable(prng);
    const nomad = new ApiServer({ api: 'nomad', clock, faults, host, port: opts.nomadPort ?? 0, headerPrefix: 'X-Nomad' });
    const consulServer = new ApiServer({ api: 'consul', clock, faults, host, port: opts.consulPort ?? 0, headerPrefix: 'X-Consul' });
    const registers = new RegisterLog();
    installNomadApi(nomad, { cluster, acl, clock, version: () => cluster.version, datacenters, registers });
    installAllocIo(nomad, { cluster, acl, clock });
    installConsulApi(consulServer, consul, clock, datacenters[0]);
    const sim = new Simulator(cluster, consul, acl, faults, nomad, consulServer, registers);
    sim.installControl(nomad);
    sim.installControl(consulServer);
    await nomad.listen();
    try {
      await consulServer.listen();
    } catch (err) {
      await nomad.close();
      throw err;
    }
    (sim as { nomadUrl: string }).nomadUrl = nomad.url;
    (sim as { consulUrl: string }).consulUrl = consulServer.url;
    return sim;
  }

  /** The simulated nodes. */
  get nodes(): readonly SimNode[] {
    return this.cluster.nodes;
  }

  /** Errors thrown inside scheduled transitions (should stay empty). */
  get errors(): unknown[] {
    return this.cluster.errors;
  }

  /** Runs every pending transition (evaluations, task starts, health, deployments, rollbacks) to a fixpoint. */
  async settle(): Promise<number> {
    return this.cluster.transitions.settle();
  }

  /** Requests served, keyed `"METHOD /route"`; both APIs summed unless one is named. */
  requestCounts(api?: 'nomad' | 'consul'): Record<string, number> {
    if (api === 'nomad') return this.nomad.requestCounts();
    if (api === 'consul') return this.consulServer.requestCounts();
    const out: Record<string, number> = { ...this.nomad.requestCounts() };
    for (const [k, v] of Object.entries(this.consulServer.requestCounts())) out[k] = (out[k] ?? 0) + v;
    return out;
  }

  /** Forgets request counts on both APIs. */
  resetRequestCounts(): void {
    this.nomad.resetRequestCounts();
    this.consulServer.resetRequestCounts();
  }

  /** Images matching `pattern` (substring or RegExp) never become healthy; their checks are critical. */
  failImage(pattern: string | RegExp): void {
    this.cluster.failImages.push(pattern);
  }

  /** Forgets every failing-image rule. */
  clearFailImages(): void {
    this.cluster.failImages = [];
  }

  /** Injects a fault; returns its id. */
  fault(spec: FaultSpec): number {
    return this.faults.add(spec);
  }

  /** Removes every fault and lets partitioned requests proceed. */
  clearFaults(): void {
    this.faults.clear();
    this.nomad.heal();
    this.consulServer.heal();
  }

  /** Creates a Nomad ACL token bound to namespaces; returns its secret. */
  createToken(opts: TokenOptions): string {
    return this.acl.create(opts).SecretID;
  }

  /** Claims another Nomad version from now on. */
  setVersion(version: string): void {
    this.cluster.version = version;
  }

  /** Registers many jobs at once (same canonicalisation, no evaluations; jobs show as running). */
  seedJobs(jobs: Array<Job | Record<string, unknown>>): number {
    return this.cluster.seedJobs(jobs);
  }

  /**
   * A running allocation's task restarts, is OOM-killed, fails, or its services leave Consul
   * (lib/sim/task-incidents.ts). `allocId` may be a prefix of 8 or more characters.
   */
  allocIncident(allocId: string, kind: TaskIncident, task?: string): string {
    const a = this.cluster.allocs.get(allocId) ?? (allocId.length >= 8 ? [...this.cluster.allocs.values()].find((x) => x.ID.startsWith(allocId)) : undefined);
    if (!a) throw new Error(`no allocation ${allocId}`);
    applyTaskIncident(this.cluster, a, kind, task);
    return a.ID;
  }

  /** Stops both APIs and every timer. */
  async stop(): Promise<void> {
    this.cluster.transitions.clear();
    this.consul.stop();
    await Promise.all([this.nomad.close(), this.consulServer.close()]);
  }

  private installControl(server: ApiServer): void {
    const body = async (r: SimRequest): Promise<Record<string, unknown>> => {
      const raw = await r.body();
      if (!raw.length) return {};
      try {
        return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch (err) {
        throw new HttpError(400, (err as Error).message);
      }
    };
    server.route('GET', '/_sim/requests', () => ({ json: server.requestCounts() }));
    server.route('DELETE', '/_sim/requests', () => {
      server.resetRequestCounts();
      return { json: {} };
    });
    server.route('GET', '/_sim/registers', () => ({ json: { jobs: this.registers.snapshot(), repeats: this.registers.repeats() } }));
    server.route('GET', '/_sim/faults', () => ({ json: this.faults.list() }));
    server.route('POST', '/_sim/faults', async (r) => {
      const b = await body(r);
      const specs = (Array.isArray(b) ? b : [b]) as FaultSpec[];
      try {
        return { json: { ids: specs.map((s) => this.fault(s)) } };
      } catch (err) {
        throw new HttpError(400, (err as Error).message);
      }
    });
    server.route('DELETE', '/_sim/faults', () => {
      this.clearFaults();
      return { json: {} };
    });
    server.route('POST', '/_sim/fail-image', async (r) => {
      const b = await body(r);
      if (typeof b.pattern !== 'string' || !b.pattern) throw new HttpError(400, 'pattern (string) is required');
      this.failImage(b.regexp === true ? new RegExp(b.pattern) : b.pattern);
      return { json: {} };
    });
    server.route('DELETE', '/_sim/fail-image', () => {
      this.clearFailImages();
      return { json: {} };
    });
    server.route('POST', '/_sim/version', async (r) => {
      const b = await body(r);
      if (typeof b.version !== 'string' || !/^\d+\.\d+\.\d+/.test(b.version)) throw new HttpError(400, 'version (x.y.z) is required');
      this.setVersion(b.version);
      return { json: { version: b.version } };
    });
    server.route('POST', '/_sim/settle', async () => ({ json: { steps: await this.settle() } }));
    server.route('POST', '/_sim/tokens', async (r) => {
      const b = await body(r);
      if (typeof b.namespace !== 'string' && !Array.isArray(b.namespace)) throw new HttpError(400, 'namespace is required');
      const capabilities = Array.isArray(b.capabilities) ? (b.capabilities.filter((c) => typeof c === 'string') as Capability[]) : undefined;
      const t = this.acl.create({ namespace: b.namespace as string | string[], policy: b.policy === 'read' ? 'read' : 'write', name: typeof b.name === 'string' ? b.name : undefined, capabilities });
      return { json: { AccessorID: t.AccessorID, SecretID: t.SecretID } };
    });
    server.route('POST', '/_sim/alloc-incident', async (r) => {
      const b = await body(r);
      if (typeof b.alloc !== 'string' || !TASK_INCIDENTS.includes(b.kind as TaskIncident)) throw new HttpError(400, `alloc (string) and kind (${TASK_INCIDENTS.join('|')}) are required`);
      try {
        return { json: { ID: this.allocIncident(b.alloc, b.kind as TaskIncident, typeof b.task === 'string' ? b.task : undefined) } };
      } catch (err) {
        throw new HttpError(400, (err as Error).message);
      }
    });
    server.route('GET', '/_sim/nodes', () => ({ json: this.cluster.nodes.map((n) => ({ ID: n.ID, Name: n.Name, Datacenter: n.Datacenter, Address: n.Address, Prefix: n.Prefix, Meta: n.Meta, NodeClass: n.NodeClass })) }));
  }
}
