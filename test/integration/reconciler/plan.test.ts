import type { Job } from '../../../lib/core/nomad/types';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { main } from '../../../lib/cli/main';
import { Simulator } from '../../../lib/sim';
import { TestRepo } from '../../helpers/git-repo';
import { spec } from './harness';

/**
 * `nomadguard plan` exits 2 only when a pass would write: items the pass would leave unwritten
 * (detect-only drift, suspended specs, a scaled count, a prune in its grace period) are listed with
 * their reason and exit 0. Each case runs `run --once` first, then changes something, then plans.
 */
describe('nomadguard plan: exit 2 only when a pass would write', () => {
  let sim: Simulator;
  let repo: TestRepo;
  let nomad: NomadHttpClient;
  beforeEach(async () => {
    sim = await Simulator.start({ seed: 7, timings: { timeScale: 0.01, allocStartMs: 20, evalMs: 5 } });
    nomad = new NomadHttpClient({ address: sim.nomadUrl, backoff: { maxAttempts: 1 } });
    repo = TestRepo.create();
  });
  afterEach(async () => {
    nomad.close();
    await sim.stop();
    repo.cleanup();
  });

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const env = { NOMAD_ADDR: sim.nomadUrl, CONSUL_HTTP_ADDR: sim.consulUrl, PATH: process.env.PATH, NOMADGUARD_LOG_LEVEL: 'warn' };
    const code = await main(args, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, env, cwd: repo.dir, signal: new AbortController().signal });
    return { code, out, err };
  }

  /** Commits `specs`, runs one converging pass, and returns the work folder for later plans. */
  async function applied(specs: Record<string, string>): Promise<string> {
    for (const [file, text] of Object.entries(specs)) repo.write(file, text);
    repo.commitAndPush('specs');
    const work = repo.tempDir('work');
    const r = await cli('run', '--once', '--repo', repo.remote, '--work-dir', work, '--timeout', '120');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const p = await cli('plan', '--repo', repo.remote, '--work-dir', work);
    expect(p.code).toBe(0);
    return work;
  }

  async function editByHand(ns: string, id: string, change: (j: Job) => void): Promise<void> {
    const job = (await nomad.readJob(ns, id)) as Job;
    change(job);
    await nomad.registerJob({ namespace: ns, Job: job });
  }

  it('a manual edit in detect-only mode is listed as drift and is not a change (exit 0)', async () => {
    const work = await applied({ 'web/shop/nomadgen.toml': spec('shop', { mode: 'detect-only' }) });
    await editByHand('web', 't-web-shop', (j) => { j.TaskGroups[0].Count = 3; });
    const p = await cli('plan', '--repo', repo.remote, '--work-dir', work);
    expect(p.err).toBe('');
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/job\/web\/t-web-shop: update \(not written: drift \(detect-only: not reverted\)\)\n\s+~ group\[main\]\.Count: "3" => "2"/);
    expect(p.out).toMatch(/0 to create, 0 to update, 0 to delete, 0 unchanged, 0 invalid, 0 blocked, 1 not written\./);
  });

  it('the same manual edit in self-heal mode would be reverted: exit 2', async () => {
    const work = await applied({ 'web/shop/nomadgen.toml': spec('shop') });
    await editByHand('web', 't-web-shop', (j) => { j.TaskGroups[0].Count = 3; });
    const p = await cli('plan', '--repo', repo.remote, '--work-dir', work);
    expect(p.out).toMatch(/job\/web\/t-web-shop: update \(changed outside nomadguard\)\n\s+~ group\[main\]\.Count: "3" => "2"/);
    expect(p.out).toMatch(/0 to create, 1 to update, /);
    expect(p.code).toBe(2);
  });

  it('a changed spec that is suspended is listed as suspended and is not a change (exit 0); a real change is (exit 2)', async () => {
    const work = await applied({ 'web/shop/nomadgen.toml': spec('shop'), 'web/cart/nomadgen.toml': spec('cart') });
    repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 256, suspend: true }));
    repo.commitAndPush('shop: more memory, suspended');
    const p1 = await cli('plan', '--repo', repo.remote, '--work-dir', work);
    expect(p1.err).toBe('');
    expect(p1.code).toBe(0);
    expect(p1.out).toMatch(/job\/web\/t-web-shop: update \(not written: suspended\)\n(.*\n)*.*MemoryMB: "128" => "256"/);
    expect(p1.out).toContain('job/web/t-web-cart: unchanged');

    repo.write('web/cart/nomadgen.toml', spec('cart', { memory: 256 }));
    repo.commitAndPush('cart: more memory');
    const p2 = await cli('plan', '--repo', repo.remote, '--work-dir', work);
    expect(p2.out).toMatch(/job\/web\/t-web-cart: update\n(.*\n)*.*MemoryMB: "128" => "256"/);
    expect(p2.out).toContain('job/web/t-web-shop: update (not written: suspended)');
    expect(p2.out).toMatch(/0 to create, 1 to update, 0 to delete, 0 unchanged, 0 invalid, 0 blocked, 1 not written\./);
    expect(p2.code).toBe(2);
  });

  it('a count an autoscaler moved in a scaled group is no change, as in a pass (exit 0)', async () => {
    const work = await applied({ 'web/shop/nomadgen.toml': spec('shop', { scaling: { min: 1, max: 5 } }) });
    await editByHand('web', 't-web-shop', (j) => { j.TaskGroups[0].Count = 4; });
    const p = await cli('plan', '--repo', repo.remote, '--work-dir', work);
    expect(p.err).toBe('');
    expect(p.code).toBe(0);
    expect(p.out).toContain('job/web/t-web-shop: unchanged');
  });

  it('a removed spec inside its grace period is listed with the time its prune may happen, and the guard names --confirm-prune (exit 0)', async () => {
    const work = await applied({ 'web/shop/nomadgen.toml': spec('shop'), 'web/cart/nomadgen.toml': spec('cart'), 'ops/cron/nomadgen.toml': spec('cron', { check: false }) });
    repo.rm('web/cart/nomadgen.toml');
    repo.rm('ops/cron/nomadgen.toml');
    repo.commitAndPush('cart and cron gone');
    const p = await cli('plan', '--repo', repo.remote, '--work-dir', work);
    expect(p.err).toBe('');
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/job\/web\/t-web-cart: delete \(not written: prune after grace until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\)/);
    expect(p.out).toMatch(/job\/ops\/t-ops-cron: delete \(not written: prune refused by guard: needs --confirm-prune ops; .*\)/);
    expect(p.out).toMatch(/0 to delete, 1 unchanged, 0 invalid, 0 blocked, 2 not written\./);
    const confirmed = await cli('plan', '--repo', repo.remote, '--work-dir', work, '--confirm-prune', 'ops');
    expect(confirmed.code).toBe(0);
    expect(confirmed.out).toMatch(/job\/ops\/t-ops-cron: delete \(not written: prune after grace until /);
  });
});
