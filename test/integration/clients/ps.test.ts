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

async function run(argv: string[], env: NodeJS.ProcessEnv, clock: Clock, cwd = process.cwd()): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { env, clock, cwd, stdout: (t) => (out += t), stderr: (t) => (err += t), signal: new AbortController().signal });
  return { code, out, err };
}

describe('nomadguard ps', () => {
  let sim: Simulator;
  let clock: FakeClock;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 21, namespaces: ['es'] });
    env = { NOMAD_ADDR: sim.nomadUrl, CONSUL_HTTP_ADDR: sim.consulUrl };
    const nomad = new NomadHttpClient({ address: sim.nomadUrl, clock });
    try {
      await nomad.registerJob({ namespace: 'es', Job: webJob('p-es-cerebro', { namespace: 'es', count: 2 }) });
      sim.failImage('acme/web:bad');
      await nomad.registerJob({ namespace: 'default', Job: webJob('t-web-broken', { count: 1, image: 'registry.internal/acme/web:bad' }) });
      await sim.settle();
    } finally {
      nomad.close();
    }
    await clock.advance(125_000);
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('--json: one row per allocation and task with node, datacenter, IPv6 address, uptime, resources and flags', async () => {
    const { code, out, err } = await run(['ps', '--json'], env, clock);
    expect(err).toBe('');
    expect(code).toBe(0);
    const rows = JSON.parse(out) as PsRow[];
    const cerebro = rows.filter((r) => r.job === 'p-es-cerebro');
    expect(cerebro).toHaveLength(2);
    const nodes = sim.nodes;
    for (const r of cerebro) {
      expect(r.id).toHaveLength(8);
      expect(r.allocId.startsWith(r.id)).toBe(true);
      expect(r).toMatchObject({ namespace: 'es', group: 'main', task: 'app', cpuMHz: 300, memoryMB: 256, memoryMaxMB: 512, consulHealth: 'passing', flags: [] });
      const node = nodes.find((n) => n.Name === r.node);
      expect(node).toBeDefined();
      expect(r.datacenter).toBe(node!.Datacenter);
      expect(r.address).not.toBeNull();
      const prefix = ipaddr.parseCIDR(String(node!.Prefix));
      expect(ipaddr.parse(r.address!).match(prefix)).toBe(true);
      expect(r.uptimeSeconds).toBeGreaterThanOrEqual(120);
    }
    expect(new Set(cerebro.map((r) => r.datacenter))).toEqual(new Set(['dc1', 'dc2']));
    const broken = rows.filter((r) => r.job === 't-web-broken');
    expect(broken.length).toBeGreaterThan(0);
    expect(broken.some((r) => r.flags.includes('unhealthy'))).toBe(true);
  });

  it('table output is aligned and filters by substring or glob', async () => {
    const { code, out } = await run(['ps', 'p-*-cerebro'], env, clock);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAMESPACE\s+JOB\s+GROUP\s+TASK\s+NODE\s+DC\s+ADDRESS\s+UPTIME\s+CPU\s+MEM\s+FLAGS$/);
    const rows = lines.slice(1, -1);
    expect(rows).toHaveLength(2);
    const jobCol = lines[0].indexOf('JOB');
    for (const r of rows) expect(r.slice(jobCol, jobCol + 'p-es-cerebro'.length)).toBe('p-es-cerebro');
    expect(rows.every((r) => /300MHz\s+256\/512MiB\s+-$/.test(r))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^flags: F failed/);
    const none = await run(['ps', 'nothing-matches'], env, clock);
    expect(none.out).toBe('no allocations\n');
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
