import { ConsulHttpClient } from '../../../lib/adapters/consul-http/consul-http-client';
import { OperatorReadiness } from '../../../controllers/readiness';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { closedPort } from '../cli/process';
import { spec, startHarness, type Harness } from './harness';

/** What `/readyz` reports of a real operator: the source read, Nomad and Consul answered. */
describe('operator readiness', () => {
  let h: Harness;
  beforeEach(async () => { h = await startHarness(); });
  afterEach(async () => { await h.close(); });

  it('is not ready before the first pass, and ready once the source was read and Nomad and Consul answered', async () => {
    const readiness = new OperatorReadiness(h.manager);
    expect(await readiness.report()).toEqual({
      source: { ok: false, reason: 'the spec source was not read yet' },
      nomad: { ok: false, reason: 'Nomad has not answered a job list yet' },
      consul: { ok: true },
    });
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    expect(await readiness.report()).toEqual({ source: { ok: true }, nomad: { ok: true }, consul: { ok: true } });
  });

  it('names Nomad and Consul when they do not answer', async () => {
    const port = await closedPort();
    const nomad = new NomadHttpClient({ address: `http://127.0.0.1:${port}`, backoff: { maxAttempts: 1 } });
    const consul = new ConsulHttpClient({ address: `http://127.0.0.1:${port}`, backoff: { maxAttempts: 1 } });
    try {
      const manager = h.restart();
      // The same operator with clients of a cluster that is not there.
      manager.deps.nomad = nomad;
      manager.deps.consul = consul;
      await expect(manager.pass()).rejects.toThrow(/Nomad/);
      const report = await new OperatorReadiness(manager).report();
      expect(report.nomad).toEqual({ ok: false, reason: expect.stringMatching(/^Nomad: /) as unknown as string });
      expect(report.consul).toEqual({ ok: false, reason: expect.stringMatching(/^Consul: /) as unknown as string });
    } finally {
      nomad.close();
      consul.close();
    }
  });
});
