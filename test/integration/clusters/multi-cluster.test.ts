/**
 * Two simulated clusters behind one operator: each spec lands in the cluster of its tier only, a spec of a
 * tier no cluster serves is Invalid once, one cluster's Nomad failing does not stop the other, and the
 * status, metrics and logs name the cluster.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { buildClusterSet, mergeStatus, type ClusterSet } from '../../../controllers/clusters/cluster-set';
import { Manager } from '../../../controllers/manager';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { createStatusApp } from '../../../lib/server/status-app';
import { TestRepo } from '../../helpers/git-repo';
import { spec } from '../reconciler/harness';

interface LogLine {
  level: number;
  msg: string;
  cluster?: string;
  [k: string]: unknown;
}

function capture(): { logger: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as LogLine);
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** Job IDs (namespace/ID) a simulated Nomad runs. */
async function jobsOf(sim: Simulator): Promise<string[]> {
  const res = await fetch(`${sim.nomadUrl}/v1/jobs?namespace=*`);
  const jobs = (await res.json()) as Array<{ ID: string; Namespace: string; Status: string }>;
  return jobs.filter((j) => j.Status !== 'dead').map((j) => `${j.Namespace}/${j.ID}`).sort();
}

describe('an operator of two clusters', () => {
  let clock: FakeClock;
  let simA: Simulator;
  let simB: Simulator;
  let repo: TestRepo;
  let set: ClusterSet | undefined;
  let managers: Manager[] = [];

  beforeEach(async () => {
    clock = new FakeClock(Date.UTC(2026, 0, 1));
    simA = await Simulator.start({ clock, seed: 3 });
    simB = await Simulator.start({ clock, seed: 4, datacenters: ['dc3', 'dc4'] });
    repo = TestRepo.create();
    repo.write('README.md', 'specs\n');
    repo.commitAndPush('init');
  });

  afterEach(async () => {
    for (const m of managers) m.stop();
    managers = [];
    set?.close();
    set = undefined;
    await simA.stop();
    await simB.stop();
    repo.cleanup();
  });

  /** Writes the config (clusters a and b as given) and builds one manager per cluster. */
  async function start(clusters: { a: string[]; b: string[] }, logger: pino.Logger, o: { oneConsul?: boolean } = {}): Promise<void> {
    const dir = repo.tempDir('operator');
    fs.mkdirSync(dir, { recursive: true });
    const config = [
      'source: { repo: ' + JSON.stringify(repo.remote) + ', name: specs-repo }',
      'reconcile: { prune: { grace: 0s } }',
      'clusters:',
      `  a: { tiers: [${clusters.a.join(', ')}], nomad: { address: "${simA.nomadUrl}" }, consul: { address: "${simA.consulUrl}" } }`,
      `  b: { tiers: [${clusters.b.join(', ')}], datacenters: [dc3, dc4], nomad: { address: "${simB.nomadUrl}" }, consul: { address: "${o.oneConsul ? simA.consulUrl : simB.consulUrl}" } }`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'nomadguard.yaml'), config);
    set = await buildClusterSet({ configFile: 'nomadguard.yaml', env: {}, cwd: dir, workDir: path.join(dir, 'work'), clock, logger, httpAttempts: 1, election: false, tuning: { healthPollMs: 1000, backoffBaseMs: 100, backoffMaxMs: 1000 } });
    managers = set.members.map((m) => new Manager(m.deps));
  }

  /** Passes every cluster (a failing one is left failing), then reconciles and settles until all are idle. */
  async function converge(): Promise<void> {
    for (const m of managers) await m.pass().catch(() => undefined);
    for (let i = 0; i < 60; i++) {
      for (const m of managers) await m.drain();
      await simA.settle();
      await simB.settle();
      if (managers.every((m) => m.idle())) return;
      await clock.advance(1000);
    }
    throw new Error('did not converge');
  }

  const status = () => mergeStatus(managers.map((m) => m.status()));

  it('puts each spec in the cluster of its tier, names the cluster everywhere, and goes on when the other cluster fails', async () => {
    const { logger, lines } = capture();
    await start({ a: ['production'], b: ['quality', 'test'] }, logger);
    repo.write('web/shop/nomadgen.toml', spec('shop', { tier: 'production' }));
    repo.write('web/blog/nomadgen.toml', spec('blog', { tier: 'quality' }));
    repo.write('data/cache/nomadgen.toml', spec('cache', { tier: 'test' }));
    repo.commitAndPush('three tiers');
    await converge();

    expect(await jobsOf(simA)).toEqual(['web/p-web-shop']);
    expect(await jobsOf(simB)).toEqual(['data/t-data-cache', 'web/q-web-blog']);
    // Rendered with the cluster's own datacenters.
    const blog = (await (await fetch(`${simB.nomadUrl}/v1/job/q-web-blog?namespace=web`)).json()) as { Datacenters: string[] };
    expect(blog.Datacenters).toEqual(['dc3', 'dc4']);

    const s = status();
    expect(s.jobs.map((j) => [j.cluster, j.key, j.phase])).toEqual([
      ['b', 'data/t-data-cache', 'Healthy'],
      ['a', 'web/p-web-shop', 'Healthy'],
      ['b', 'web/q-web-blog', 'Healthy'],
    ]);
    expect(s.sources.map((x) => [x.cluster, x.name, x.healthy])).toEqual([
      ['a', 'specs-repo', true],
      ['b', 'specs-repo', true],
    ]);
    // The HTTP API serves both clusters merged.
    const app = createStatusApp({ status, sync: () => undefined });
    const api = (await (await app(new Request('http://localhost/api/v1/status'))).json()) as typeof s;
    expect(api.jobs.map((j) => j.cluster)).toEqual(['b', 'a', 'b']);
    const metrics = await (set as ClusterSet).metrics!.registry.metrics();
    expect(metrics).toContain('nomadguard_jobs{phase="Healthy",cluster="a"} 1');
    expect(metrics).toContain('nomadguard_jobs{phase="Healthy",cluster="b"} 2');
    expect(lines.some((l) => l.cluster === 'a' && l.msg === 'reconciled')).toBe(true);
    expect(lines.some((l) => l.cluster === 'b' && l.msg === 'reconciled')).toBe(true);

    // Cluster b's Nomad fails; a change for cluster a still lands.
    simB.fault({ route: 'ALL', kind: 'error', status: 500, api: 'nomad' });
    repo.write('web/shop/nomadgen.toml', spec('shop', { tier: 'production', image: 'registry.internal/acme/shop:1.0.1' }));
    repo.write('web/blog/nomadgen.toml', spec('blog', { tier: 'quality', image: 'registry.internal/acme/blog:1.0.1' }));
    repo.commitAndPush('new images');
    await converge();

    const shop = (await (await fetch(`${simA.nomadUrl}/v1/job/p-web-shop?namespace=web`)).json()) as { TaskGroups: Array<{ Tasks: Array<{ Config: { image: string } }> }> };
    expect(shop.TaskGroups[0].Tasks[0].Config.image).toBe('registry.internal/acme/shop:1.0.1');
    const after = status();
    expect(after.jobs.find((j) => j.key === 'web/p-web-shop')?.phase).toBe('Healthy');
    expect(after.sources.map((x) => [x.cluster, x.healthy, x.lastError?.reason])).toEqual([
      ['a', true, undefined],
      ['b', false, 'NomadUnavailable'],
    ]);
    expect(after.jobs.find((j) => j.key === 'web/q-web-blog')?.lastError?.reason).toBe('NomadUnavailable');
    const failing = await (set as ClusterSet).metrics!.registry.metrics();
    expect(failing).toContain('nomadguard_pass_errors_total{reason="NomadUnavailable",cluster="b"} 1');
    expect(failing).toContain('nomadguard_source_healthy{source="specs-repo",cluster="a"} 1');
    expect(failing).toContain('nomadguard_source_healthy{source="specs-repo",cluster="b"} 0');
    expect(lines.some((l) => l.cluster === 'b' && l.level === 50 && /pass failed/.test(l.msg))).toBe(true);
    expect(lines.some((l) => l.cluster === 'a' && l.level === 50)).toBe(false);
  });

  it('reports a spec whose tier no cluster serves as Invalid once, naming the tier and the clusters', async () => {
    const { logger } = capture();
    await start({ a: ['production'], b: ['quality'] }, logger);
    repo.write('web/shop/nomadgen.toml', spec('shop', { tier: 'production' }));
    repo.write('data/cache/nomadgen.toml', spec('cache', { tier: 'test' }));
    repo.commitAndPush('a test spec');
    await converge();

    expect(await jobsOf(simA)).toEqual(['web/p-web-shop']);
    expect(await jobsOf(simB)).toEqual([]);
    const unrouted = status().jobs.filter((j) => j.key === 'data/t-data-cache');
    expect(unrouted.map((j) => [j.cluster, j.phase])).toEqual([['a', 'Invalid']]);
    const message = unrouted[0].conditions.find((c) => c.type === 'Synced')?.message;
    expect(message).toBe('data/cache/nomadgen.toml:2:1: tier "test" is served by no configured cluster; the clusters are a (production), b (quality)');
  });

  it('keeps the records of clusters sharing one Consul apart, each under its own name', async () => {
    const { logger } = capture();
    await start({ a: ['production'], b: ['quality', 'test'] }, logger, { oneConsul: true });
    repo.write('web/shop/nomadgen.toml', spec('shop', { tier: 'production' }));
    repo.write('data/cache/nomadgen.toml', spec('cache', { tier: 'test' }));
    repo.commitAndPush('two tiers');
    // Each cluster writes its job and its record (cluster b's services register in its own simulated Consul,
    // so its health is not followed to the end here).
    for (const m of managers) {
      await m.pass();
      await m.drain();
    }
    const keys = (await (await fetch(`${simA.consulUrl}/v1/kv/nomadguard/state?keys`)).json()) as string[];
    expect(keys.filter((k) => k.includes('/jobs/')).sort()).toEqual(['nomadguard/state/a/jobs/web/p-web-shop', 'nomadguard/state/b/jobs/data/t-data-cache']);
    expect(await jobsOf(simA)).toEqual(['web/p-web-shop']);
    expect(await jobsOf(simB)).toEqual(['data/t-data-cache']);
  });
});
