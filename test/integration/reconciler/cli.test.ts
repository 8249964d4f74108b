import * as fs from 'node:fs';
import { main } from '../../../lib/cli/main';
import { Simulator } from '../../../lib/sim';
import { TestRepo } from '../../helpers/git-repo';
import { INVALID_SPEC, spec } from './harness';

/** `nomadguard run --once` and `plan` in-process, against a simulator on the real clock (scaled down). */
describe('nomadguard run --once and plan', () => {
  let sim: Simulator;
  let repo: TestRepo;
  beforeAll(async () => {
    sim = await Simulator.start({ seed: 5, timings: { timeScale: 0.01, allocStartMs: 20, evalMs: 5 } });
    repo = TestRepo.create();
  });
  afterAll(async () => {
    await sim.stop();
    repo.cleanup();
  });

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const env = { NOMAD_ADDR: sim.nomadUrl, CONSUL_HTTP_ADDR: sim.consulUrl, PATH: process.env.PATH, NOMADGUARD_LOG_LEVEL: 'info' };
    const code = await main(args, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, env, cwd: repo.dir, signal: new AbortController().signal });
    return { code, out, err };
  }

  it('plans, applies once until converged, then plans nothing; an invalid spec makes --once exit 1', async () => {
    repo.write('web/shop/nomadgen.toml', spec('shop')).write('ops/cron/nomadgen.toml', spec('cron', { count: 1, check: false }));
    repo.commitAndPush('specs');
    const work = repo.tempDir('work');

    const p1 = await cli('plan', '--repo', repo.remote, '--work-dir', work);
    expect(p1.err).toBe('');
    expect(p1.code).toBe(2);
    expect(p1.out).toContain('job/web/t-web-shop: create');
    expect(p1.out).toContain('job/ops/t-ops-cron: create');

    const r1 = await cli('run', '--once', '--repo', repo.remote, '--work-dir', work, '--timeout', '120');
    expect(r1.err).toBe('');
    expect(r1.out).toContain('"msg":"converged"');
    expect(r1.code).toBe(0);

    const p2 = await cli('plan', '--repo', repo.remote, '--work-dir', work);
    expect(p2.code).toBe(0);
    expect(p2.out).toContain('job/web/t-web-shop: unchanged');

    repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 256 }));
    repo.commitAndPush('shop memory');
    const p3 = await cli('plan', '--repo', repo.remote, '--work-dir', work);
    expect(p3.code).toBe(2);
    expect(p3.out).toMatch(/job\/web\/t-web-shop: update\n(.*\n)*.*MemoryMB: "128" => "256"/);

    repo.write('web/broken/nomadgen.toml', INVALID_SPEC);
    repo.commitAndPush('broken');
    const p4 = await cli('plan', '--repo', repo.remote, '--work-dir', work);
    expect(p4.out).toMatch(/^spec\/web\/broken\/nomadgen\.toml: invalid .*web\/broken\/nomadgen\.toml:11:3: error\[UNKNOWN_KEY\]/m);
    expect(p4.out).toMatch(/, 1 invalid, /);
    const r2 = await cli('run', '--once', '--repo', repo.remote, '--work-dir', work, '--timeout', '120');
    expect(r2.code).toBe(1);
    expect(r2.out).toContain('"msg":"not converged"');
    expect(fs.existsSync(work)).toBe(true);
  });

  it('fails with a clear message without a repository', async () => {
    const r = await cli('run', '--once');
    expect(r.code).toBe(1);
    expect(r.err).toContain('no spec repository');
  });
});
