import pino from 'pino';
import { Writable } from 'node:stream';
import { OperatorMetrics } from '../../../lib/metrics/operator-metrics';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { Manager } from '../../../controllers/manager';
import { spec, startHarness, type Harness } from './harness';

/** Log lines as objects, for counting what a failure streak logged. */
function capture(): { logger: pino.Logger; lines: Array<{ level: number; msg: string; [k: string]: unknown }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as { level: number; msg: string });
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** A pass that cannot read Nomad shows it: on the source, on the jobs, in a metric and in the log. */
describe('a failing pass', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('marks the source and the jobs, counts each failed pass, and logs once per streak and once on recovery', async () => {
    h = await startHarness();
    const metrics = new OperatorMetrics();
    const { logger, lines } = capture();
    h.deps = { ...h.deps, metrics, logger };
    h.manager = new Manager(h.deps);
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    expect(h.manager.status().jobs[0].phase).toBe('Healthy');

    h.sim.fault({ route: 'GET /v1/jobs', kind: 'error', status: 500, api: 'nomad' });
    for (let i = 0; i < 3; i++) await expect(h.manager.pass()).rejects.toThrow(/^Nomad: nomad GET \/v1\/jobs: 500/);
    const failed = h.manager.status();
    expect(failed.sources[0].healthy).toBe(false);
    expect(failed.sources[0].lastError).toMatchObject({ reason: 'NomadUnavailable' });
    expect(failed.sources[0].lastError?.message).toMatch(/^Nomad: /);
    expect(failed.jobs[0].lastError).toMatchObject({ reason: 'NomadUnavailable' });
    expect(failed.jobs[0].conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NomadUnavailable' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('nomadguard_pass_errors_total{reason="NomadUnavailable"} 3');
    expect(text).toMatch(/nomadguard_source_healthy\{source="specs-repo"\} 0/);
    expect(lines.filter((l) => l.level >= 50 && /pass failed/.test(l.msg))).toHaveLength(1);

    h.sim.clearFaults();
    await h.converge();
    const ok = h.manager.status();
    expect(ok.sources[0].healthy).toBe(true);
    expect(ok.sources[0].lastError).toBeUndefined();
    expect(ok.jobs[0].lastError).toBeUndefined();
    expect(ok.jobs[0].phase).toBe('Healthy');
    expect(lines.filter((l) => /pass succeeded again/.test(l.msg))).toHaveLength(1);
    expect(await metrics.registry.metrics()).toMatch(/nomadguard_source_healthy\{source="specs-repo"\} 1/);
  });

  it('loses no commit: a change fetched by a pass whose job list failed is applied by the next pass', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    const first = h.repo.commitAndPush('shop');
    await h.converge();
    await h.converge(); // a steady pass: every decision kept as settled
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 192 }));
    const moved = h.repo.commitAndPush('shop 192');
    h.sim.fault({ route: 'GET /v1/jobs', kind: 'error', status: 500, count: 1, api: 'nomad' });
    await expect(h.manager.pass()).rejects.toThrow();
    const source = h.manager.status().sources[0];
    expect(source.lastFetchedCommit).toBe(moved);
    expect(source.lastProcessedCommit).toBe(first);
    await h.converge();
    expect((await h.nomad.readJob('web', 't-web-shop'))?.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(192);
    expect(h.manager.status().sources[0].lastProcessedCommit).toBe(moved);
  });

  it('says what a token without rights may not do, and that the source is not healthy', async () => {
    h = await startHarness({ aclNamespaces: ['web'] });
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    const anonymous = new NomadHttpClient({ address: h.sim.nomadUrl, backoff: { maxAttempts: 1 } });
    try {
      h.deps = { ...h.deps, nomad: anonymous };
      h.manager = new Manager(h.deps);
      await expect(h.manager.pass()).rejects.toThrow('Nomad: the token may not read the agent (GET /v1/agent/self, for the Nomad version): Permission denied');
      expect(h.manager.status().sources[0]).toMatchObject({ healthy: false, lastError: { reason: 'NomadForbidden' } });
    } finally {
      anonymous.close();
    }
  });
});
