import * as ipaddr from 'ipaddr.js';
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { assessHealth, healthGroups, nodePrefix, type ServiceInstance } from '../../../lib/core/health';
import { renderSpec } from '../../../lib/core/pipeline';
import type { AllocListStub, Deployment, Job } from '../../../lib/core/nomad/types';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { spec } from '../../integration/reconciler/harness';
import { http, serviceJob } from './http';

/**
 * The address and port Consul gets for a service, by `address_mode`, as the Nomad client resolves them
 * (client/serviceregistration/address.go `GetAddress`).
 */

type Obj = Record<string, unknown>;
interface Entry {
  Service: { ID: string; Address: string; Port: number };
  Checks: Array<{ Status: string; ServiceID: string }>;
}

const inPrefix = (address: string, prefix: string) => ipaddr.IPv6.isValid(address) && ipaddr.IPv6.parse(address).match(ipaddr.IPv6.parseCIDR(prefix));

/** A group service on a bridge network with port `http` (dynamic, To 8080). */
function groupServiceJob(mode: string): Obj {
  return serviceJob('web', {}, { Count: 1, Update: { MaxParallel: 0 }, Services: [{ Name: 'web', PortLabel: 'http', AddressMode: mode, Checks: [{ Type: 'tcp', PortLabel: 'http', Interval: 10e9, Timeout: 2e9 }] }] });
}

/** A docker task service without a group network, on port label "8080". */
function taskServiceJob(mode: string, advertise: boolean): Obj {
  return serviceJob('web', {}, {
    Count: 1,
    Update: { MaxParallel: 0 },
    Networks: null,
    Services: null,
    Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: 'ghcr.io/acme/web:1.0.0', advertise_ipv6_address: advertise }, Resources: { CPU: 100, MemoryMB: 128 }, Services: [{ Name: 'web', PortLabel: '8080', AddressMode: mode }] }],
  });
}

describe('simulator: service addresses by address_mode', () => {
  let sim: Simulator;
  const start = async (version: string) => {
    sim = await Simulator.start({ clock: new FakeClock(Date.UTC(2026, 0, 1)), seed: 4, version });
  };
  afterEach(async () => {
    expect(sim.errors).toEqual([]);
    await sim.stop();
  });

  /** Registers `job`, settles, and returns its one allocation (full) and the Consul entries of service `web`. */
  const run = async (job: Obj) => {
    expect((await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job })).status).toBe(200);
    await sim.settle();
    const stub = (await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/web/allocations`)).json[0];
    const alloc = (await http<Obj>('GET', `${sim.nomadUrl}/v1/allocation/${stub.ID}`)).json;
    const node = sim.nodes.find((n) => n.ID === stub.NodeID);
    if (!node) throw new Error('no node');
    const entries = (await http<Entry[]>('GET', `${sim.consulUrl}/v1/health/service/web`)).json;
    return { alloc, node, entries };
  };

  test.each(['auto', 'host'])('group service, %s: the node address and the dynamic host port', async (mode) => {
    await start('1.10.4');
    const { alloc, node, entries } = await run(groupServiceJob(mode));
    const shared = (alloc.AllocatedResources as { Shared: { Networks: Array<{ IP: string; DynamicPorts: Array<{ Label: string; Value: number; To: number }> }> } }).Shared;
    expect(entries).toHaveLength(1);
    expect(entries[0].Service.Address).toBe(node.Address);
    expect(inPrefix(entries[0].Service.Address, node.Prefix)).toBe(false);
    expect(entries[0].Service.Port).toBe(shared.Networks[0].DynamicPorts[0].Value);
    expect(entries[0].Service.Port).not.toBe(8080);
    expect(shared.Networks[0].IP).toBe(node.Address);
  });

  test.each(['auto', 'host'])('group service, %s, no port label: the address of its one network and no port', async (mode) => {
    await start('1.10.3');
    const job = serviceJob('web', {}, { Count: 1, Update: { MaxParallel: 0 }, Services: [{ Name: 'web', AddressMode: mode }] });
    const { alloc, node, entries } = await run(job);
    expect((alloc.AllocatedResources as { Shared: { Networks: Array<{ IP: string }> } }).Shared.Networks.map((n) => n.IP)).toEqual([node.Address]);
    expect(entries.map((e) => [e.Service.Address, e.Service.Port])).toEqual([[node.Address, 0]]);
  });

  test('task service, host, no port label, no network of its own: no address (Consul uses its agent\'s) and no port', async () => {
    await start('1.10.3');
    const job = serviceJob('web', {}, {
      Count: 1,
      Update: { MaxParallel: 0 },
      Services: null,
      Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: 'ghcr.io/acme/web:1.0.0' }, Services: [{ Name: 'web', AddressMode: 'host' }] }],
    });
    expect((await run(job)).entries.map((e) => [e.Service.Address, e.Service.Port])).toEqual([['', 0]]);
  });

  test('group service, alloc: the allocation network address (IPv4) and the port To', async () => {
    await start('1.10.4');
    const { alloc, entries } = await run(groupServiceJob('alloc'));
    const status = alloc.NetworkStatus as { Address: string; AddressIPv6: string };
    expect(status.Address).toMatch(/^172\.26\.(6[4-9]|7\d)\.\d+$/);
    expect(entries.map((e) => [e.Service.Address, e.Service.Port])).toEqual([[status.Address, 8080]]);
  });

  test('group service, alloc_ipv6 (Nomad 1.10.4 and later): the allocation IPv6 out of the node /80 and the port To', async () => {
    await start('1.10.4');
    const { alloc, node, entries } = await run(groupServiceJob('alloc_ipv6'));
    const status = alloc.NetworkStatus as { Address: string; AddressIPv6: string };
    expect(inPrefix(status.AddressIPv6, node.Prefix)).toBe(true);
    expect(entries.map((e) => [e.Service.Address, e.Service.Port])).toEqual([[status.AddressIPv6, 8080]]);
  });

  test('alloc_ipv6 before Nomad 1.10.4, driver on a group service and alloc on a task service resolve to nothing: no registration', async () => {
    await start('1.10.3');
    expect((await run(groupServiceJob('alloc_ipv6'))).entries).toEqual([]);
    expect((await http('DELETE', `${sim.nomadUrl}/v1/job/web?purge=true`)).status).toBe(200);
    await sim.settle();
    expect((await run(groupServiceJob('driver'))).entries).toEqual([]);
    expect((await http('DELETE', `${sim.nomadUrl}/v1/job/web?purge=true`)).status).toBe(200);
    await sim.settle();
    const allocOnTask = serviceJob('web', {}, { Count: 1, Update: { MaxParallel: 0 }, Services: null, Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: 'x' }, Services: [{ Name: 'web', PortLabel: 'http', AddressMode: 'alloc' }] }] });
    expect((await run(allocOnTask)).entries).toEqual([]);
  });

  test.each([
    ['driver', true, 'ipv6', 8080],
    ['auto', true, 'ipv6', 8080],
    ['host', true, 'agent', 8080],
    ['driver', false, 'ipv4', 8080],
    ['auto', false, 'agent', 8080],
  ] as const)('docker task service, %s, advertise_ipv6_address %s: %s address (agent: none, Consul uses its own), port %i', async (mode, advertise, kind, port) => {
    await start('1.10.3');
    const { alloc, node, entries } = await run(taskServiceJob(mode, advertise));
    expect(entries).toHaveLength(1);
    const { Address, Port } = entries[0].Service;
    expect(Port).toBe(port);
    if (kind === 'ipv6') expect(inPrefix(Address, node.Prefix)).toBe(true);
    else if (kind === 'ipv4') expect(Address).toMatch(/^172\.17\.\d+\.\d+$/);
    else expect(Address).toBe('');
    // No group network: nothing about the container's address in the allocation.
    expect(alloc.NetworkStatus).toBeUndefined();
    expect((alloc.AllocatedResources as { Shared: { Networks: unknown } }).Shared.Networks).toBeNull();
  });

  test("nomadguard's generated jobs (driver mode, advertised IPv6) register inside the node /80 and assess Healthy", async () => {
    await start('1.10.3');
    await http('POST', `${sim.nomadUrl}/v1/namespace/web`, { Name: 'web' });
    const config = defaultOperatorConfig({});
    const job = renderSpec({ text: spec('shop', { count: 2 }), file: 'web/shop/nomadgen.toml', team: 'web' }, { config, policy: defaultPolicy() }).job;
    expect((await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job })).status).toBe(200);
    await sim.settle();
    const allocations = (await http<AllocListStub[]>('GET', `${sim.nomadUrl}/v1/job/t-web-shop/allocations?namespace=web`)).json;
    const deployment = (await http<Deployment>('GET', `${sim.nomadUrl}/v1/job/t-web-shop/deployment?namespace=web`)).json;
    const entries = (await http<Entry[]>('GET', `${sim.consulUrl}/v1/health/service/t-web-shop`)).json;
    expect(entries).toHaveLength(2);
    for (const e of entries) {
      const alloc = allocations.find((a) => e.Service.ID.includes(a.ID));
      const node = sim.nodes.find((n) => n.ID === alloc?.NodeID);
      expect(inPrefix(e.Service.Address, String(node?.Prefix))).toBe(true);
      expect(e.Service.Port).toBe(8080);
    }
    const nodePrefixes = new Map(sim.nodes.map((n) => [n.ID, String(nodePrefix({ Address: n.Address, Meta: n.Meta }))]));
    const verdict = assessHealth({ jobVersion: 0, deployment, allocations, groups: healthGroups(job as Job), instances: new Map([['t-web-shop', entries as unknown as ServiceInstance[]]]), nodePrefixes });
    expect(verdict).toMatchObject({ phase: 'Healthy' });
  });
});
