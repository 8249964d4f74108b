import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildPsRows, formatUptime, matchesFilter, renderPsTable, serviceNames, addressFromAllocation, type PsInput } from '../../../lib/cli/commands/ps';
import type { AllocListStub, Job, NodeListStub } from '../../../lib/core/nomad/types';
import type { ServiceEntry } from '../../../lib/core/consul/types';

const samples = path.join(__dirname, '..', '..', 'contracts', 'samples');
const allocs = JSON.parse(fs.readFileSync(path.join(samples, 'nomad-job-allocations.json'), 'utf8')) as AllocListStub[];
const job = JSON.parse(fs.readFileSync(path.join(samples, 'nomad-job-read.json'), 'utf8')) as Job;
const health = JSON.parse(fs.readFileSync(path.join(samples, 'consul-health-service.json'), 'utf8')) as ServiceEntry[];

function node(id: string, name: string, dc: string): NodeListStub {
  return { ID: id, Name: name, Address: '::1', Datacenter: dc, NodeClass: '', NodePool: 'default', Version: '1.10.3', Drain: false, SchedulingEligibility: 'eligible', Status: 'ready', StatusDescription: '', CreateIndex: 1, ModifyIndex: 1 };
}

describe('ps rows', () => {
  const nodes = [...new Set(allocs.map((a) => a.NodeID))].map((id, i) => node(id, `n${i}`, i % 2 ? 'dc2' : 'dc1'));
  const now = Date.parse('2025-10-28T12:11:52.104Z');

  it('one row per allocation and task, with node, datacenter, uptime, resources and flags', () => {
    const input: PsInput = { jobs: [{ namespace: 'default', id: job.ID as string, job, allocations: allocs }], nodes, fullAllocs: new Map() };
    const rows = buildPsRows(input, now);
    const taskCount = allocs.reduce((n, a) => n + new Set([...Object.keys(a.TaskStates ?? {}), ...(job.TaskGroups ?? []).find((g) => g.Name === a.TaskGroup)!.Tasks.map((t) => t.Name)]).size, 0);
    expect(rows).toHaveLength(taskCount);
    const running = rows.find((r) => r.allocId === allocs[0].ID)!;
    expect(running.id).toBe(allocs[0].ID.slice(0, 8));
    expect(running.id).toHaveLength(8);
    expect(running.datacenter).toBe('dc1');
    expect(running.uptimeSeconds).toBe(7200);
    const specTask = job.TaskGroups![0].Tasks[0];
    expect(running.cpuMHz).toBe(specTask.Resources?.CPU);
    expect(running.flags).toEqual([]);
    const pending = rows.find((r) => r.clientStatus === 'pending')!;
    expect(pending.flags).toContain('pending');
    expect(pending.uptimeSeconds).toBeNull();
    expect(running.consulHealth).toBeNull();
  });

  it('flags failed, terminated and OOM-killed tasks and takes resources and address from the full allocation', () => {
    const a: AllocListStub = JSON.parse(JSON.stringify(allocs[0]));
    a.ClientStatus = 'failed';
    a.DesiredStatus = 'stop';
    const t = Object.keys(a.TaskStates!)[0];
    a.TaskStates![t] = { ...a.TaskStates![t], State: 'dead', Failed: true, Events: [{ Type: 'Terminated', Time: 1, DisplayMessage: 'Exit Code: 137, Exit Message: "OOM Killed"', Details: { oom_killed: 'true', exit_code: '137' } }] };
    const full = { AllocatedResources: { Tasks: { [t]: { Cpu: { CpuShares: 777 }, Memory: { MemoryMB: 128, MemoryMaxMB: 512 } } }, Shared: { Networks: [{ IP: '2001:db8:1:0:1::5' }] } } };
    const rows = buildPsRows({ jobs: [{ namespace: 'default', id: a.JobID, job, allocations: [a] }], nodes, fullAllocs: new Map([[a.ID, full]]) }, now);
    const r = rows.find((x) => x.task === t)!;
    expect(r.flags).toEqual(['failed', 'terminated', 'oom-killed']);
    expect(r.cpuMHz).toBe(777);
    expect(r.memoryMB).toBe(128);
    expect(r.memoryMaxMB).toBe(512);
    expect(r.address).toBe('2001:db8:1:0:1::5');
    expect(renderPsTable(rows)).toMatch(/128\/512MiB\s+FTO/);
  });

  it('marks a task unhealthy when a Consul check of its allocation is not passing, and takes the address from Consul', () => {
    const entry = JSON.parse(JSON.stringify(health[0])) as ServiceEntry;
    const a = allocs[0];
    entry.Service.ID = `_nomad-task-${a.ID}-group-${a.TaskGroup}-web-http`;
    entry.Service.Address = '2001:db8:10::2';
    for (const c of entry.Checks ?? []) if (c.ServiceID) {
      c.ServiceID = entry.Service.ID;
      c.Status = 'critical';
    }
    const rows = buildPsRows({ jobs: [{ namespace: 'default', id: a.JobID, job, allocations: [a] }], nodes, health: new Map([['web', [entry]]]), fullAllocs: new Map() }, now);
    expect(rows[0].consulHealth).toBe('critical');
    expect(rows[0].flags).toContain('unhealthy');
    expect(rows[0].address).toBe('2001:db8:10::2');
  });

  it('filters by substring or glob', () => {
    expect(matchesFilter('p-es-cerebro', 'cere')).toBe(true);
    expect(matchesFilter('p-es-cerebro', 'p-*-cerebro')).toBe(true);
    expect(matchesFilter('p-es-cerebro', 'q-*')).toBe(false);
    expect(matchesFilter('p-es-cerebro', 'p-es-cerebr?')).toBe(true);
    expect(matchesFilter('p.x', 'p.?')).toBe(true);
    expect(matchesFilter('pax', 'p.?')).toBe(false);
  });

  it('formats uptime and finds service names and addresses', () => {
    expect([formatUptime(42), formatUptime(312), formatUptime(7500), formatUptime(3 * 86400 + 4 * 3600), formatUptime(null)]).toEqual(['42s', '5m12s', '2h5m', '3d4h', '-']);
    expect(serviceNames(job).length).toBeGreaterThan(0);
    expect(addressFromAllocation({ NetworkStatus: { Address: '10.0.0.1', AddressIPv6: '2001:db8::9' } })).toBe('2001:db8::9');
    expect(addressFromAllocation({ NetworkStatus: { Address: '10.0.0.1' } })).toBeNull();
  });
});
