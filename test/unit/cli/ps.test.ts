/** The pure parts of `ps`: what the arguments select, the rows and job states, the table. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allocationFilter, jobFilter, validArgument } from '../../../lib/cli/ps/match';
import { buildPs, jobState, type PsInput } from '../../../lib/cli/ps/rows';
import { formatBytes, humanAge, renderPs } from '../../../lib/cli/ps/render';
import { psHelpText } from '../../../lib/cli/commands/ps';
import { compileFilter } from '../../../lib/sim/filter';
import type { AllocResourceUsage } from '../../../lib/core/nomad/alloc-stats';
import type { AllocListStub, JobListStub, NodeListStub } from '../../../lib/core/nomad/types';
import type { ServiceEntry } from '../../../lib/core/consul/types';

const samples = path.join(__dirname, '..', '..', 'contracts', 'samples');
const read = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(samples, name), 'utf8')) as T;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('ps arguments', () => {
  const alloc = (ns: string, job: string, meta: Record<string, string> | null, desired = 'run'): Record<string, unknown> => ({ Namespace: ns, JobID: job, DesiredStatus: desired, Job: { ID: job, Namespace: ns, Meta: meta } });
  const items = [
    alloc('es', 'p-es-cerebro', { 'nomadguard.managed': 'true', 'nomadguard.spec': 'es/cerebro/nomadgen.toml' }),
    alloc('es', 'q-es-kibana', { 'nomadguard.managed': 'true', 'nomadguard.spec': 'es/tools/kibana/nomadgen.toml' }),
    alloc('web', 'p-web-shop', { 'nomadguard.managed': 'true', 'nomadguard.spec': 'web/shop/nomadgen.toml' }, 'stop'),
    alloc('default', 'cerebro-legacy', null),
  ];
  // Nomad's paginator is strict about missing selectors: every expression must evaluate on every item.
  const pick = (args: string[], all = false): string[] => {
    const filter = allocationFilter(args, all);
    const pred = filter === undefined ? () => true : compileFilter(filter, { strict: true });
    return items.filter((i) => pred(i)).map((i) => String(i.JobID));
  };

  it('selects by team, spec name or path, job ID part or glob; no argument selects every job, managed or not', () => {
    expect(pick([])).toEqual(['p-es-cerebro', 'q-es-kibana', 'cerebro-legacy']);
    expect(pick([], true)).toEqual(['p-es-cerebro', 'q-es-kibana', 'p-web-shop', 'cerebro-legacy']);
    expect(jobFilter([])).toBeUndefined();
    expect(pick(['es'])).toEqual(['p-es-cerebro', 'q-es-kibana']);
    expect(pick(['kibana'])).toEqual(['q-es-kibana']);
    expect(pick(['tools/kibana'])).toEqual(['q-es-kibana']);
    expect(pick(['es/cerebro/nomadgen.toml'])).toEqual(['p-es-cerebro']);
    expect(pick(['cerebro'])).toEqual(['p-es-cerebro', 'cerebro-legacy']);
    expect(pick(['p-*'], true)).toEqual(['p-es-cerebro', 'p-web-shop']);
    expect(pick(['?-es-*'])).toEqual(['p-es-cerebro', 'q-es-kibana']);
    expect(pick(['shop'], true)).toEqual(['p-web-shop']);
    expect(pick(['p.es'])).toEqual([]);
  });

  it('the job filter selects the same jobs from job objects', () => {
    const jobs = items.map((i) => i.Job as Record<string, unknown>);
    const pred = compileFilter(jobFilter(['es', 'legacy']) ?? '', { strict: true });
    expect(jobs.filter((j) => pred(j)).map((j) => j.ID)).toEqual(['p-es-cerebro', 'q-es-kibana', 'cerebro-legacy']);
  });

  it('refuses arguments that could break out of the expression', () => {
    expect(validArgument('p-es-cerebro')).toBe(true);
    expect(validArgument('es/cerebro/nomadgen.toml')).toBe(true);
    for (const bad of ['a`b', 'a"b', 'a b', 'x) or (ID', '']) expect(validArgument(bad)).toBe(false);
  });
});

describe('ps rows and job states', () => {
  const allocs = read<AllocListStub[]>('nomad-job-allocations.json');
  const health = read<ServiceEntry[]>('consul-health-service.json');
  const now = Date.parse('2025-10-28T12:11:52.104Z');
  const nodes: NodeListStub[] = [...new Set(allocs.map((a) => a.NodeID))].map((id, i) => ({ ID: id, Name: `n${i}`, Address: '::1', Datacenter: i % 2 ? 'dc2' : 'dc1', NodeClass: '', NodePool: 'default', Version: '1.10.3', Drain: false, SchedulingEligibility: 'eligible', Status: 'ready', StatusDescription: '', CreateIndex: 1, ModifyIndex: 1 }));
  const stub = (): JobListStub => ({ ID: 'web', Namespace: 'default', Status: 'running', Stop: false, JobSummary: { JobID: 'web', Namespace: 'default', Summary: { web: { Queued: 0, Complete: 0, Failed: 0, Running: 2, Starting: 1, Lost: 0, Unknown: 0 } }, CreateIndex: 1, ModifyIndex: 1 } } as unknown as JobListStub);
  const running = (): AllocListStub[] => clone(allocs.slice(0, 2));
  const usage = (ticks: number, rss: number, max: number): AllocResourceUsage => ({
    ResourceUsage: null,
    Timestamp: 1,
    Tasks: { app: { Timestamp: 1, Pids: null, ResourceUsage: { DeviceStats: null, CpuStats: { SystemMode: 0, UserMode: 0, TotalTicks: ticks, ThrottledPeriods: 0, ThrottledTime: 0, Percent: ticks / 10, Measured: ['Percent'] }, MemoryStats: { RSS: rss, Cache: 0, Swap: 0, Usage: rss, MaxUsage: max, KernelUsage: 0, KernelMaxUsage: 0, Measured: ['RSS', 'Usage', 'Max Usage'] } } } },
  });
  const input = (over: Partial<PsInput> = {}): PsInput => ({ jobs: [stub()], allocations: running(), nodes, stats: new Map(), ...over });

  it('one row per allocation task with Exec ID, node, datacenter, uptime and usage', () => {
    const a = running();
    a[0].AllocatedResources = { Tasks: { app: { Cpu: { CpuShares: 500 }, Memory: { MemoryMB: 1024, MemoryMaxMB: 2048 } } }, Shared: { Networks: [{ IP: '2001:db8:1:0:1::5' }] } };
    const [job] = buildPs(input({ allocations: a, stats: new Map([[a[0].ID, usage(26.4, 948 * 1024 * 1024, 1.2 * 1024 * 1024 * 1024)]]) }), now);
    expect(job).toMatchObject({ id: 'web', namespace: 'default', state: 'OK' });
    expect(job.rows).toHaveLength(2);
    expect(job.rows[0]).toMatchObject({ id: a[0].ID.slice(0, 8), execId: a[0].ID.slice(0, 10), datacenter: 'dc1', uptimeSeconds: 7200, cpuMHz: 500, memoryMB: 1024, memoryMaxMB: 2048, address: '2001:db8:1:0:1::5', usage: { cpuMHz: 26, memoryBytes: 948 * 1024 * 1024 }, extra: '' });
    expect(job.rows[1]).toMatchObject({ usage: null, cpuMHz: null, address: null });
    const table = renderPs([job], { colour: false, long: false }).split('\n');
    expect(table[1]).toBe('           |web OK   |             |    |                  |            |    |                 |');
    expect(table[2]).toBe(`${a[0].ID.slice(0, 10)} |web      |client-dc1-a |dc1 |2001:db8:1:0:1::5 |2 hours ago |26  |948 MiB(1.2 GiB) |`);
  });

  it('flags: pending, restarted, OOM-killed, failed, lost, deployment-unhealthy, terminated', () => {
    const a = clone(allocs);
    a[0].TaskStates!.app = { ...a[0].TaskStates!.app, Restarts: 2, Events: [{ Type: 'Terminated', Time: 1, DisplayMessage: 'Exit Code: 137, Exit Message: "OOM Killed"', Details: { oom_killed: 'true' } } as never] };
    a[1].ClientStatus = 'lost';
    a[1].DeploymentStatus = { Healthy: false, Timestamp: '', Canary: false, ModifyIndex: 1 };
    const extra = buildPs(input({ allocations: a }), now)[0].rows.map((r) => r.extra);
    expect(extra).toEqual(['RO', 'DL', 'P']);
    const stopped = clone(allocs.slice(0, 1));
    stopped[0].DesiredStatus = 'stop';
    stopped[0].ClientStatus = 'complete';
    stopped[0].TaskStates!.app = { ...stopped[0].TaskStates!.app, State: 'dead' };
    expect(buildPs(input({ allocations: stopped }), now)[0].rows[0].extra).toBe('T');
    const failed = clone(allocs.slice(0, 1));
    failed[0].ClientStatus = 'failed';
    failed[0].TaskStates!.app = { ...failed[0].TaskStates!.app, State: 'dead', Failed: true };
    const f = buildPs(input({ allocations: failed }), now)[0];
    expect(f.rows[0].extra).toBe('F');
    expect(f.state).toBe('failed');
  });

  it('Consul: address and datacenter of the registered service, U for a failing check, C for an allocation its siblings outnumber', () => {
    const a = running();
    const entry = clone(health[0]);
    entry.Service.Address = '2001:db8:2::7';
    const failing = clone(entry);
    failing.Checks = failing.Checks!.map((c) => (c.ServiceID ? { ...c, Status: 'critical' } : c));
    // The node list is unreadable: the datacenter comes from Consul's node.
    const ok = buildPs(input({ allocations: a, nodes: undefined, health: new Map([['web', [entry]]]) }), now)[0];
    expect(ok.rows[0]).toMatchObject({ address: '2001:db8:2::7', datacenter: 'dc1', consulHealth: 'passing', extra: '' });
    expect(ok.rows[1]).toMatchObject({ consulHealth: null, extra: 'C', datacenter: '' });
    expect(ok.state).toBe('degraded');
    const bad = buildPs(input({ allocations: a.slice(0, 1), health: new Map([['web', [failing]]]) }), now)[0];
    expect(bad.rows[0]).toMatchObject({ consulHealth: 'critical', extra: 'U' });
    // Unknown health (Consul unreadable) flags nothing.
    expect(buildPs(input({ allocations: a, health: undefined }), now)[0].rows.map((r) => r.extra)).toEqual(['', '']);
  });

  it('job states', () => {
    const a = running();
    expect(jobState(stub(), a, [])).toBe('OK');
    expect(jobState({ ...stub(), JobSummary: { ...stub().JobSummary!, Summary: { web: { Queued: 1, Complete: 0, Failed: 0, Running: 2, Starting: 0, Lost: 0, Unknown: 0 } } } }, a, [])).toBe('degraded');
    expect(jobState(stub(), clone(allocs), [])).toBe('degraded');
    expect(jobState(stub(), [clone(allocs[2])], [])).toBe('pending');
    expect(jobState(stub(), [], [])).toBe('pending');
    expect(jobState({ ...stub(), Stop: true }, a, [])).toBe('stopping');
    expect(jobState({ ...stub(), Stop: true }, [], [])).toBe('dead');
    expect(jobState({ ...stub(), Status: 'dead' }, [], [])).toBe('dead');
    // A job with no allocations shown still has its line.
    const jobs = buildPs(input({ allocations: [] }), now);
    expect(jobs).toEqual([{ namespace: 'default', id: 'web', state: 'pending', rows: [] }]);
  });
});

describe('ps table', () => {
  it('ages and sizes as nomadctl printed them', () => {
    expect(humanAge(3 * 86400 + 5)).toBe('3 days ago');
    expect(humanAge(3600)).toBe('1 hour ago');
    expect(humanAge(59)).toBe('59 seconds ago');
    expect(humanAge(0)).toBe('now');
    expect(humanAge(null)).toBe('-');
    expect(formatBytes(948 * 1024 * 1024)).toBe('948 MiB');
    expect(formatBytes(1.2 * 1024 * 1024 * 1024)).toBe('1.2 GiB');
    expect(formatBytes(512 * 1024)).toBe('512 KiB');
  });

  it('colours keep the columns aligned; the help lists every Extra letter', () => {
    const row = { id: '01234567', execId: '0123456789', allocId: '0123456789-x', namespace: 'es', job: 'p-es-cerebro', jobState: 'failed' as const, group: 'g', task: 't', node: 'n1', datacenter: 'dc1', address: null, uptimeSeconds: null, cpuMHz: null, memoryMB: null, memoryMaxMB: null, usage: null, restarts: 0, clientStatus: 'failed', desiredStatus: 'run', taskState: 'dead', consulHealth: null, flags: ['failed' as const], extra: 'F' };
    const jobs = [{ namespace: 'es', id: 'p-es-cerebro', state: 'failed' as const, rows: [row] }];
    const plain = renderPs(jobs, { colour: false, long: false });
    const coloured = renderPs(jobs, { colour: true, long: false });
    expect(coloured).toContain('\u001b[31mp-es-cerebro failed\u001b[0m');
    expect(coloured.split('\u001b[31m').join('').split('\u001b[0m').join('')).toBe(plain);
    expect(plain.trimEnd().split('\n').pop()).toBe('Extra: F failed (allocation or task)');
    const help = psHelpText();
    for (const letter of ['F', 'P', 'R', 'O', 'C', 'U', 'D', 'L', 'T']) expect(help).toMatch(new RegExp(`^  ${letter}  \\S`, 'm'));
  });
});
