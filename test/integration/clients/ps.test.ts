/** `nomadguard ps` in-process against the simulator. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ipaddr from 'ipaddr.js';
import { main } from '../../../lib/cli/main';
import type { PsRow } from '../../../lib/cli/commands/ps';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { FakeClock, SystemClock, type Clock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { webJob } from './helpers';

async function run(argv: string[], env: NodeJS.ProcessEnv, clock: Clock, cwd = process.cwd(), tty = false): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { env, clock, cwd, stdout: (t) => (out += t), stderr: (t) => (err += t), signal: new AbortController().signal, stdoutIsTTY: tty });
  return { code, out, err };
}

const spec = (p: string): Record<string, string> => ({ 'nomadguard.spec': p });
const STATS = 'GET /v1/client/allocation/:id/stats';

describe('nomadguard ps', () => {
  let sim: Simulator;
  let clock: FakeClock;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 21, namespaces: ['es', 'web', 'one', 'many'] });
    env = { NOMAD_ADDR: sim.nomadUrl, CONSUL_HTTP_ADDR: sim.consulUrl };
    const nomad = new NomadHttpClient({ address: sim.nomadUrl, clock });
    try {
      await nomad.registerJob({ namespace: 'es', Job: webJob('p-es-cerebro', { namespace: 'es', count: 2, meta: spec('es/cerebro/nomadgen.toml') }) });
      await nomad.registerJob({ namespace: 'es', Job: webJob('q-es-flaky', { namespace: 'es', count: 4, meta: spec('es/flaky/nomadgen.toml') }) });
      sim.failImage('acme/web:bad');
      await nomad.registerJob({ namespace: 'web', Job: webJob('t-web-broken', { namespace: 'web', count: 1, image: 'registry.internal/acme/web:bad', meta: spec('web/broken/nomadgen.toml') }) });
      const unmanaged = webJob('other', { count: 1 });
      unmanaged.Meta = null;
      await nomad.registerJob({ namespace: 'default', Job: unmanaged });
      await nomad.registerJob({ namespace: 'one', Job: webJob('t-one-svc', { namespace: 'one', count: 1, meta: spec('one/svc/nomadgen.toml') }) });
      await nomad.registerJob({ namespace: 'many', Job: webJob('t-many-svc', { namespace: 'many', count: 50, meta: spec('many/svc/nomadgen.toml') }) });
      await sim.settle();
    } finally {
      nomad.close();
    }
    await clock.advance(125_000);
    await sim.settle();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('--json: one row per allocation and task with node, datacenter, IPv6 address, uptime, resources, usage and flags', async () => {
    const { code, out, err } = await run(['ps', '--json', 'cerebro', 'broken'], env, clock);
    expect(err).toBe('');
    expect(code).toBe(0);
    const rows = JSON.parse(out) as PsRow[];
    const cerebro = rows.filter((r) => r.job === 'p-es-cerebro');
    expect(cerebro).toHaveLength(2);
    for (const r of cerebro) {
      expect(r.id).toHaveLength(8);
      expect(r.execId).toHaveLength(10);
      expect(r.allocId.startsWith(r.execId)).toBe(true);
      expect(r).toMatchObject({ namespace: 'es', jobState: 'OK', group: 'main', task: 'app', cpuMHz: 300, memoryMB: 256, memoryMaxMB: 512, consulHealth: 'passing', flags: [], extra: '' });
      const node = sim.nodes.find((n) => n.Name === r.node);
      expect(node).toBeDefined();
      expect(r.datacenter).toBe(node!.Datacenter);
      expect(ipaddr.parse(r.address!).match(ipaddr.parseCIDR(String(node!.Prefix)))).toBe(true);
      expect(r.uptimeSeconds).toBeGreaterThanOrEqual(120);
      expect(r.usage!.cpuMHz).toBeGreaterThan(0);
      expect(r.usage!.cpuMHz).toBeLessThanOrEqual(300);
      expect(r.usage!.memoryBytes).toBeGreaterThan(0);
      expect(r.usage!.memoryMaxBytes).toBeGreaterThanOrEqual(r.usage!.memoryBytes);
    }
    expect(new Set(cerebro.map((r) => r.datacenter))).toEqual(new Set(['dc1', 'dc2']));
    const broken = rows.filter((r) => r.job === 't-web-broken');
    expect(broken).toHaveLength(1);
    expect(broken[0].flags).toEqual(['unhealthy', 'deployment-unhealthy']);
    expect(broken[0]).toMatchObject({ extra: 'UD', jobState: 'degraded' });
  });

  it('the table: a job line with its state, then Exec ID, Job/Task, Node, DC, Address, Uptime, CPU, Mem(max), Extra', async () => {
    const { code, out } = await run(['ps', 'p-*-cerebro'], env, clock);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Exec ID +\|Job\/Task +\|Node +\|DC +\|Address +\|Uptime +\|CPU +\|Mem\(max\) +\|Extra$/);
    expect(lines[1]).toMatch(/^ {11}\|p-es-cerebro OK \|/);
    expect(lines).toHaveLength(4);
    const bars = (l: string): number[] => [...l].flatMap((c, i) => (c === '|' ? [i] : []));
    for (const l of lines.slice(1)) expect(bars(l).slice(0, 8)).toEqual(bars(lines[0]));
    for (const l of lines.slice(2)) {
      expect(l).toMatch(/^[0-9a-f]{8}-[0-9a-f] \|p-es-cerebro +\|\S+ +\|dc[12] +\|2001:db8:[0-9a-f:]+ +\|2 minutes ago +\|\d+ +\|\d+ MiB\(\d+ MiB\) +\|$/);
    }
    expect(out).not.toContain('\u001b[');
    const none = await run(['ps', 'nothing-matches'], env, clock);
    expect(none.out).toBe('no allocations\n');
  });

  it('matches by team, spec name or job ID; without an argument shows every job the token sees', async () => {
    const jobsOf = async (args: string[]): Promise<string[]> => {
      const { code, out } = await run(['ps', '--json', '--no-stats', ...args], env, clock);
      expect(code).toBe(0);
      return [...new Set((JSON.parse(out) as PsRow[]).map((r) => r.job))].sort();
    };
    expect(await jobsOf(['es'])).toEqual(['p-es-cerebro', 'q-es-flaky']);
    expect(await jobsOf(['es/cerebro'])).toEqual(['p-es-cerebro']);
    expect(await jobsOf(['web/broken/nomadgen.toml', 'flaky'])).toEqual(['q-es-flaky', 't-web-broken']);
    expect(await jobsOf(['q-es-flaky'])).toEqual(['q-es-flaky']);
    expect(await jobsOf(['other'])).toEqual(['other']);
    const all = await jobsOf([]);
    expect(all).toEqual(['other', 'p-es-cerebro', 'q-es-flaky', 't-many-svc', 't-one-svc', 't-web-broken']);
    const bad = await run(['ps', 'x"y'], env, clock);
    expect(bad.code).toBe(2);
  });

  it('flags a restarted, OOM-killed, failed and unregistered allocation, and the job is degraded', async () => {
    const first = (JSON.parse((await run(['ps', '--json', '--no-stats', 'flaky'], env, clock)).out) as PsRow[]).sort((x, y) => x.allocId.localeCompare(y.allocId));
    expect(first.map((r) => r.extra)).toEqual(['', '', '', '']);
    const [a, b, c, d] = first.map((r) => r.allocId);
    sim.allocIncident(a, 'restart');
    sim.allocIncident(b, 'oom');
    sim.allocIncident(c, 'fail');
    sim.allocIncident(d, 'deregister');
    await clock.advance(60_000);
    const { code, out } = await run(['ps', '--json', 'flaky'], env, clock);
    expect(code).toBe(0);
    const byId = new Map((JSON.parse(out) as PsRow[]).map((r) => [r.allocId, r]));
    expect(byId.get(a)).toMatchObject({ extra: 'R', restarts: 1, jobState: 'degraded' });
    // A restart starts the task again: its uptime counts from then.
    expect(byId.get(a)!.uptimeSeconds).toBeLessThan(first[0].uptimeSeconds!);
    expect(byId.get(b)!.extra).toBe('RO');
    expect(byId.get(c)).toMatchObject({ extra: 'F', usage: null, uptimeSeconds: null });
    expect(byId.get(d)).toMatchObject({ extra: 'C', consulHealth: null });
    const table = (await run(['ps', 'flaky'], env, clock)).out;
    expect(table).toContain('|q-es-flaky degraded |');
    expect(table.trimEnd().split('\n').pop()).toBe('Extra: F failed (allocation or task), R restarted (task Restarts > 0), O OOM-killed at least once, C not registered in Consul while its group siblings are');
  });

  it('colours only on a terminal, and not with NO_COLOR', async () => {
    const tty = await run(['ps', '--no-stats', 'cerebro'], env, clock, process.cwd(), true);
    expect(tty.out).toContain('\u001b[32mp-es-cerebro OK\u001b[0m');
    const noColour = await run(['ps', '--no-stats', 'cerebro'], { ...env, NO_COLOR: '1' }, clock, process.cwd(), true);
    expect(noColour.out).not.toContain('\u001b[');
    const long = await run(['ps', '--no-stats', '--long', 'cerebro'], env, clock);
    expect(long.out).toMatch(/^[0-9a-f-]{36} \|p-es-cerebro/m);
  });

  it('makes the same Nomad calls for 1 and 50 allocations, plus one stats read per running allocation shown', async () => {
    const calls = async (args: string[]): Promise<{ nomad: Record<string, number>; consul: Record<string, number> }> => {
      sim.resetRequestCounts();
      const { code } = await run(['ps', ...args], env, clock);
      expect(code).toBe(0);
      return { nomad: sim.requestCounts('nomad'), consul: sim.requestCounts('consul') };
    };
    const one = await calls(['one']);
    const many = await calls(['many']);
    expect(one.nomad[STATS]).toBe(1);
    expect(many.nomad[STATS]).toBe(50);
    const { [STATS]: s1, ...rest1 } = one.nomad;
    const { [STATS]: s50, ...rest50 } = many.nomad;
    expect(s1 + s50).toBe(51);
    expect(rest50).toEqual(rest1);
    expect(rest1).toEqual({ 'GET /v1/jobs': 1, 'GET /v1/allocations': 1, 'GET /v1/nodes': 1 });
    expect(many.consul).toEqual(one.consul);
    expect(one.consul).toEqual({ 'GET /v1/catalog/services': 1, 'GET /v1/health/service/:name': 1 });
    const noStats = await calls(['--no-stats', 'many']);
    expect(noStats.nomad).toEqual(rest1);
  });

  it('reads the full allocation of a running bridge allocation that Consul gives no address for: its own network\'s address', async () => {
    const nomad = new NomadHttpClient({ address: sim.nomadUrl, clock });
    try {
      const bridged = webJob('p-default-bridged', { count: 2 });
      const group = bridged.TaskGroups![0];
      group.Networks = [{ Mode: 'bridge', DynamicPorts: [{ Label: 'http', To: 8080 }] }] as typeof group.Networks;
      group.Tasks![0].Services = null;
      await nomad.registerJob({ namespace: 'default', Job: bridged });
      await sim.settle();
      await clock.advance(30_000);
      await sim.settle();
      sim.resetRequestCounts();
      const { code, out } = await run(['ps', '--json', '--no-stats', 'bridged'], env, clock);
      expect(code).toBe(0);
      expect(sim.requestCounts('nomad')['GET /v1/allocation/:id']).toBe(2);
      const rows = JSON.parse(out) as PsRow[];
      expect(rows).toHaveLength(2);
      for (const r of rows) {
        const full = await nomad.allocation(r.allocId, { namespace: 'default' });
        const own = (full.NetworkStatus as { AddressIPv6: string }).AddressIPv6;
        expect(ipaddr.parse(own).kind()).toBe('ipv6');
        expect(r.address).toBe(own);
      }
    } finally {
      nomad.close();
    }
  });

  it('a node list or a Consul the token may not read degrades the view instead of failing it', async () => {
    sim.fault({ route: 'GET /v1/nodes', kind: 'error', status: 403, body: 'Permission denied', count: 1 });
    const noNodes = await run(['ps', '--json', '--no-stats', 'cerebro'], env, clock);
    expect(noNodes.code).toBe(0);
    expect(noNodes.err).toMatch(/^nomadguard ps: warning: nodes unavailable \(datacenters from Consul\): .*Permission denied/);
    expect(new Set((JSON.parse(noNodes.out) as PsRow[]).map((r) => r.datacenter))).toEqual(new Set(['dc1', 'dc2']));
    sim.fault({ api: 'consul', route: 'ALL', kind: 'error', status: 403, body: 'ACL not found' });
    try {
      const noConsul = await run(['ps', '--json', '--no-stats', 'flaky'], env, clock);
      expect(noConsul.code).toBe(0);
      expect(noConsul.err).toMatch(/warning: Consul health unavailable/);
      const rows = JSON.parse(noConsul.out) as PsRow[];
      expect(rows.every((r) => r.consulHealth === null && !r.flags.includes('unregistered') && !r.flags.includes('unhealthy'))).toBe(true);
    } finally {
      sim.clearFaults();
    }
  });

  it('reads the cluster from --config', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-ps-'));
    try {
      fs.writeFileSync(path.join(dir, 'nomadguard.yaml'), `clusters:\n  prod:\n    tiers: [production]\n    nomad: { address: "${sim.nomadUrl}" }\n    consul: { address: "${sim.consulUrl}" }\n`);
      const { code, out } = await run(['ps', '--json', '--config', 'nomadguard.yaml', 'cerebro'], {}, clock, dir);
      expect(code).toBe(0);
      expect((JSON.parse(out) as PsRow[]).map((r) => r.job)).toEqual(['p-es-cerebro', 'p-es-cerebro']);
      fs.writeFileSync(path.join(dir, 'bad.yaml'), 'clusters:\n  prod:\n    tierz: [x]\n');
      const bad = await run(['ps', '--config', 'bad.yaml'], {}, clock, dir);
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/bad\.yaml:\d+:\d+: error\[/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with one clear line when Nomad is unreachable', async () => {
    // The real clock: the client's short backoff between refused connections elapses on its own.
    const { code, err } = await run(['ps'], { NOMAD_ADDR: 'http://127.0.0.1:1', CONSUL_HTTP_ADDR: sim.consulUrl }, new SystemClock());
    expect(code).toBe(1);
    expect(err).toMatch(/^nomadguard: nomad GET \/v1\/jobs: ECONNREFUSED/);
  });
});

describe('nomadguard ps with ACLs', () => {
  let sim: Simulator;
  let clock: FakeClock;

  beforeAll(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 5, acl: true, namespaces: ['es', 'web'] });
    const nomad = new NomadHttpClient({ address: sim.nomadUrl, clock, token: sim.managementToken });
    try {
      await nomad.registerJob({ namespace: 'es', Job: webJob('p-es-cerebro', { namespace: 'es', count: 1, meta: spec('es/cerebro/nomadgen.toml') }) });
      await nomad.registerJob({ namespace: 'web', Job: webJob('p-web-shop', { namespace: 'web', count: 1, meta: spec('web/shop/nomadgen.toml') }) });
      await sim.settle();
    } finally {
      nomad.close();
    }
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('shows what the token may read, and fails with 403 where it may read nothing', async () => {
    const token = sim.createToken({ namespace: 'es', policy: 'read' });
    const env = { NOMAD_ADDR: sim.nomadUrl, CONSUL_HTTP_ADDR: sim.consulUrl, NOMAD_TOKEN: token };
    const mine = await run(['ps', '--json'], env, clock);
    expect(mine.code).toBe(0);
    expect([...new Set((JSON.parse(mine.out) as PsRow[]).map((r) => r.job))]).toEqual(['p-es-cerebro']);
    const other = await run(['ps', '--namespace', 'web'], env, clock);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/^nomadguard: nomad GET \/v1\/jobs: .*Permission denied/);
    const stranger = await run(['ps'], { ...env, NOMAD_TOKEN: '00000000-0000-0000-0000-000000000000' }, clock);
    expect(stranger.code).toBe(1);
    expect(stranger.err).toMatch(/Permission denied/);
    expect(stranger.err).not.toContain('00000000-0000-0000-0000-000000000000');
  });
});
