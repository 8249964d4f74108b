/**
 * `run --once` with two clusters in the config, as a user runs it: the built CLI as a process against two
 * `nomadguard sim` processes. Each spec lands in its tier's cluster; an unreachable cluster fails the run
 * with one line naming it while the other still converges.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TestRepo } from '../../helpers/git-repo';
import { spec } from '../reconciler/harness';
import { closedPort, nomadguard, requireBuild, startSim, type SimProcess } from './process';

jest.setTimeout(120_000);

async function jobsOf(nomad: string): Promise<string[]> {
  const jobs = (await (await fetch(`${nomad}/v1/jobs?namespace=*`)).json()) as Array<{ ID: string }>;
  return jobs.map((j) => j.ID).sort();
}

describe('nomadguard run --once over two clusters', () => {
  let a: SimProcess;
  let b: SimProcess;
  let repo: TestRepo;
  beforeEach(async () => {
    requireBuild();
    [a, b] = await Promise.all([startSim(['--seed', '5', '--time-scale', '0.01']), startSim(['--seed', '6', '--time-scale', '0.01'])]);
    repo = TestRepo.create();
    repo.write('web/shop/nomadgen.toml', spec('shop', { tier: 'production' })).write('web/blog/nomadgen.toml', spec('blog', { tier: 'test' }));
    repo.commitAndPush('specs');
  });
  afterEach(async () => {
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
    repo.cleanup();
  });

  function config(bNomad: string, bConsul: string): string {
    const file = path.join(repo.tempDir('cfg'), 'nomadguard.yaml');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      [
        `source: { repo: ${JSON.stringify(repo.remote)} }`,
        'clusters:',
        `  a: { tiers: [production], nomad: { address: "${a.nomad}" }, consul: { address: "${a.consul}" } }`,
        `  b: { tiers: [quality, test], nomad: { address: "${bNomad}" }, consul: { address: "${bConsul}" } }`,
        '',
      ].join('\n'),
    );
    return file;
  }

  it('puts each job in the cluster of its tier and exits 0 once both converged', async () => {
    const cfg = config(b.nomad, b.consul);
    const before = await nomadguard(['plan', '--config', cfg, '--work-dir', repo.tempDir('plan')], {});
    expect(before.out).toMatch(/^cluster a:\njob\/web\/p-web-shop: create$/m);
    expect(before.out).toMatch(/^cluster b:\njob\/web\/t-web-blog: create$/m);
    expect(before.out).toMatch(/^Plan at [0-9a-f]{12} \(cluster b\): 1 to create, /m);
    expect(before.code).toBe(2);
    const r = await nomadguard(['run', '--once', '--config', cfg, '--work-dir', repo.tempDir('work'), '--listen', 'off', '--timeout', '120'], {});
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^Once at [0-9a-f]{12}: converged \(exit 0\): 2 Healthy\.$/m);
    expect(r.code).toBe(0);
    expect(await jobsOf(a.nomad)).toEqual(['p-web-shop']);
    expect(await jobsOf(b.nomad)).toEqual(['t-web-blog']);
    const after = await nomadguard(['plan', '--config', cfg, '--work-dir', repo.tempDir('plan')], {});
    expect(after.out).toContain('job/web/p-web-shop: unchanged');
    expect(after.out).toContain('job/web/t-web-blog: unchanged');
    expect(after.code).toBe(0);
  });

  it('exits 1 naming the unreachable cluster, after the other converged', async () => {
    const port = await closedPort();
    const r = await nomadguard(['run', '--once', '--config', config(`http://127.0.0.1:${port}`, `http://127.0.0.1:${port}`), '--work-dir', repo.tempDir('work'), '--listen', 'off', '--timeout', '120'], {});
    expect(r.out).toMatch(/^cluster b: the pass failed: Nomad: /m);
    expect(r.out).toMatch(/^Once at [0-9a-f]{12}: failed \(exit 1\): 1 Healthy\.$/m);
    expect(r.code).toBe(1);
    expect(await jobsOf(a.nomad)).toEqual(['p-web-shop']);
  });
});
