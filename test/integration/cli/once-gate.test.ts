/**
 * `run --once` as a CI gate, `plan` and `ps` as a user runs them: the built CLI as a process against
 * `nomadguard sim` as a process (deployments scaled down), one test per exit code and per failure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TestRepo } from '../../helpers/git-repo';
import { INVALID_SPEC, spec } from '../reconciler/harness';
import { closedPort, nomadguard, requireBuild, startSim, type SimProcess } from './process';

jest.setTimeout(120_000);

const SUMMARY = /^Once at [0-9a-f]{12}: /m;

describe('nomadguard run --once, plan and ps as processes', () => {
  let sim: SimProcess;
  const repos: TestRepo[] = [];
  // A cluster per test: each test's repository is another source, whose jobs this one would report.
  beforeEach(async () => {
    requireBuild();
    sim = await startSim(['--seed', '5', '--time-scale', '0.01']);
  });
  afterEach(async () => {
    expect(await sim.stop()).toBe(0);
  });
  afterAll(() => {
    for (const r of repos) r.cleanup();
  });

  /** A spec repository with these files committed. */
  function repoWith(files: Record<string, string>): TestRepo {
    const repo = TestRepo.create();
    repos.push(repo);
    for (const [file, text] of Object.entries(files)) repo.write(file, text);
    repo.commitAndPush('specs');
    return repo;
  }

  const env = (): Record<string, string> => ({ NOMAD_ADDR: sim.nomad, CONSUL_HTTP_ADDR: sim.consul });
  const once = (repo: TestRepo, ...more: string[]): ReturnType<typeof nomadguard> =>
    nomadguard(['run', '--once', '--repo', repo.remote, '--work-dir', repo.tempDir('work'), '--listen', 'off', ...more], env());

  it('exits 0 once every job it wrote is Healthy', async () => {
    const repo = repoWith({ 'web/shop/nomadgen.toml': spec('shop') });
    const r = await once(repo, '--timeout', '120');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^Once at [0-9a-f]{12}: converged \(exit 0\): 1 Healthy\.$/m);
    expect(r.code).toBe(0);
    const again = await nomadguard(['plan', '--repo', repo.remote, '--work-dir', repo.tempDir('plan')], env());
    expect(again.out).toContain('job/web/t-web-shop: unchanged');
    expect(again.code).toBe(0);
  });

  it('exits 1 on an invalid spec next to a valid one, reporting both; plan exits 1 and still plans the valid one', async () => {
    const repo = repoWith({ 'ops/cron/nomadgen.toml': spec('cron', { count: 1 }), 'ops/broken/nomadgen.toml': INVALID_SPEC });
    const p = await nomadguard(['plan', '--repo', repo.remote, '--work-dir', repo.tempDir('plan')], env());
    expect(p.out).toContain('job/ops/t-ops-cron: create');
    expect(p.out).toMatch(/^spec\/ops\/broken\/nomadgen\.toml: invalid /m);
    expect(p.code).toBe(1);

    const r = await once(repo, '--timeout', '120');
    expect(r.out).toMatch(/^spec\/ops\/broken\/nomadgen\.toml: Invalid: SpecInvalid: ops\/broken\/nomadgen\.toml:11:3: /m);
    expect(r.out).toMatch(/: failed \(exit 1\): 1 Healthy, 1 Invalid\.$/m);
    expect(r.code).toBe(1);
  });

  it('exits 1 when a deployment never gets healthy, with the job phase and reason', async () => {
    await sim.control('POST', '/_sim/fail-image', { pattern: 'acme/bad:6.6.6' });
    const repo = repoWith({ 'data/bad/nomadgen.toml': spec('bad', { image: 'registry.internal/acme/bad:6.6.6' }) });
    const r = await once(repo, '--timeout', '120');
    expect(r.out).toMatch(/^data\/t-data-bad: Degraded: \w+: .+$/m);
    expect(r.out).toMatch(/: failed \(exit 1\): 1 Degraded\.$/m);
    expect(r.code).toBe(1);
  });

  it('exits 3 when --timeout passes while a deployment is still progressing', async () => {
    const repo = repoWith({ 'web/slow/nomadgen.toml': spec('slow') });
    const r = await once(repo, '--timeout', '1');
    expect(r.out).toMatch(/^web\/t-web-slow: Progressing: /m);
    expect(r.out).toMatch(/: timed out after 1s while progressing \(exit 3\): 1 Progressing\.$/m);
    expect(r.code).toBe(3);
  });

  it('with the job list answering 500, plan, run --once and ps exit 1 with one line and write nothing', async () => {
    const repo = repoWith({ 'list/shop/nomadgen.toml': spec('shop') });
    await sim.control('POST', '/_sim/faults', { route: 'GET /v1/jobs', kind: 'error', status: 500, api: 'nomad' });
    await sim.control('DELETE', '/_sim/requests');
    for (const args of [['plan', '--repo', repo.remote, '--work-dir', repo.tempDir('plan')], ['run', '--once', '--listen', 'off', '--repo', repo.remote, '--work-dir', repo.tempDir('work')], ['ps']]) {
      const r = await nomadguard(args, env());
      expect(r.err).toMatch(/^nomadguard: .*500.*\n$/);
      expect(r.code).toBe(1);
    }
    const counts = (await sim.control('GET', '/_sim/requests')) as Record<string, number>;
    expect(counts['POST /v1/jobs'] ?? 0).toBe(0);
    // The client's retries before it gave up are in the debug log, with the route and the status.
    const debug = await nomadguard(['run', '--once', '--listen', 'off', '--repo', repo.remote, '--work-dir', repo.tempDir('work')], { ...env(), NOMADGUARD_LOG_LEVEL: 'debug' });
    const retries = debug.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'http request retrying');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toMatchObject({ level: 20, service: 'nomad', method: 'GET', route: '/v1/jobs', status: 500 });
  });

  it('with registrations answering 500, run --once reports the job and exits 1; nothing was written', async () => {
    const repo = repoWith({ 'reg/shop/nomadgen.toml': spec('shop') });
    await sim.control('POST', '/_sim/faults', { route: 'POST /v1/jobs', kind: 'error', status: 500, api: 'nomad' });
    const r = await once(repo, '--timeout', '3');
    expect(r.out).toMatch(/^reg\/t-reg-shop: Error: NomadUnavailable: nomad POST \/v1\/jobs: 500/m);
    expect(r.code).toBe(1);
    await sim.control('DELETE', '/_sim/faults');
    expect((await fetch(`${sim.nomad}/v1/job/t-reg-shop?namespace=reg`)).status).toBe(404);
  });

  it('with Consul down at start-up, run --once says it keeps the state in a local file, and converges', async () => {
    const repo = repoWith({ 'kv/shop/nomadgen.toml': spec('shop') });
    const work = repo.tempDir('work');
    const r = await nomadguard(['run', '--once', '--listen', 'off', '--repo', repo.remote, '--work-dir', work, '--timeout', '120'], { NOMAD_ADDR: sim.nomad, CONSUL_HTTP_ADDR: `http://127.0.0.1:${await closedPort()}` });
    const warn = r.out.split('\n').find((l) => l.includes('Consul not reachable'));
    expect(warn).toContain(JSON.stringify(path.join(work, 'state.json')));
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(work, 'state.json'))).toBe(true);
  });

  it('with Consul down at start-up, a running operator does not start on a local file beside the leader: exit 1, one line', async () => {
    const repo = repoWith({ 'kv/shop/nomadgen.toml': spec('shop') });
    const work = repo.tempDir('work');
    const r = await nomadguard(['run', '--listen', 'off', '--repo', repo.remote, '--work-dir', work], { NOMAD_ADDR: sim.nomad, CONSUL_HTTP_ADDR: `http://127.0.0.1:${await closedPort()}` });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^nomadguard: Consul at http:\/\/127\.0\.0\.1:\d+ did not answer .*give --state-file to run a single instance on a local file\n$/);
    expect(fs.existsSync(path.join(work, 'state.json'))).toBe(false);
    expect((await fetch(`${sim.nomad}/v1/job/t-kv-shop?namespace=kv`)).status).toBe(404);
  });

  it('with Nomad unreachable, plan, run --once and ps exit 1 with one line on stderr', async () => {
    const repo = repoWith({ 'web/shop/nomadgen.toml': spec('shop') });
    const port = await closedPort();
    const down = { NOMAD_ADDR: `http://127.0.0.1:${port}`, CONSUL_HTTP_ADDR: `http://127.0.0.1:${port}` };
    for (const args of [['plan', '--repo', repo.remote, '--work-dir', repo.tempDir('plan')], ['run', '--once', '--listen', 'off', '--repo', repo.remote, '--work-dir', repo.tempDir('work')], ['ps']]) {
      const r = await nomadguard(args, down);
      expect(r.err).toMatch(/^nomadguard: .*ECONNREFUSED.*\n$/);
      expect(r.code).toBe(1);
      expect(r.out).not.toMatch(SUMMARY);
    }
  });
});

describe('nomadguard run --once with ACLs on', () => {
  it('says what a missing token may not do and exits 1', async () => {
    requireBuild();
    const sim = await startSim(['--seed', '5', '--acl']);
    const repo = TestRepo.create();
    try {
      repo.write('web/shop/nomadgen.toml', spec('shop')).commitAndPush('shop');
      const r = await nomadguard(['run', '--once', '--listen', 'off', '--repo', repo.remote, '--work-dir', repo.tempDir('work'), '--state-file', repo.tempDir('state') + '/state.json'], { NOMAD_ADDR: sim.nomad, CONSUL_HTTP_ADDR: sim.consul });
      expect(r.err).toBe('nomadguard: run --once: the pass failed: Nomad: the token may not read the agent (GET /v1/agent/self, for the Nomad version): Permission denied\n');
      expect(r.code).toBe(1);
    } finally {
      await sim.stop();
      repo.cleanup();
    }
  });
});
