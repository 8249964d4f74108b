/**
 * `run --once` takes no part in the election, so it must not write beside a leader of the same source and
 * state: it refuses while a session holds the lock, and runs once nobody does.
 */
import pino from 'pino';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { renderSpec } from '../../../lib/core/pipeline';
import { ConsulHttpClient } from '../../../lib/adapters/consul-http/consul-http-client';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { GitSpecSource } from '../../../lib/adapters/git-spec-source';
import { ConsulStateStore } from '../../../lib/adapters/state-store';
import { runOnce } from '../../../controllers/manager';
import { electorFor } from '../../../controllers/election-wiring';
import type { OperatorDeps } from '../../../controllers/job-sync/types';
import { spec } from '../reconciler/harness';
import { startHa, TTL, type HaHarness } from './ha-harness';

describe('run --once beside a leader', () => {
  let h: HaHarness;
  let nomad: NomadHttpClient;
  let consul: ConsulHttpClient;
  afterEach(async () => {
    nomad.close();
    consul.close();
    await h.close();
  });

  it('refuses while another instance leads the same source and state, naming it; runs once nobody does', async () => {
    h = await startHa();
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    nomad = new NomadHttpClient({ address: h.sim.nomadUrl, backoff: { maxAttempts: 1 } });
    consul = new ConsulHttpClient({ address: h.sim.consulUrl, backoff: { maxAttempts: 1 } });
    const logger = pino({ level: 'silent' });
    const config = h.config;
    const deps = (): OperatorDeps => ({
      nomad,
      consul,
      source: new GitSpecSource({ repo: h.repo.remote, branch: 'main', workDir: h.repo.tempDir(`once-${Math.random().toString(36).slice(2)}.git`) }),
      state: new ConsulStateStore(consul, config.reconcile.statePrefix),
      clock: h.clock,
      logger,
      config,
      render: (input) => renderSpec(input, { config, policy: defaultPolicy() }),
      leadership: electorFor(consul, h.clock, logger, config, h.repo.remote, 'default', config.reconcile.statePrefix, { instance: 'once' }),
    });
    const a = await h.start('a');
    await h.until(() => a.elector.isLeader(), 5000, 'a to lead');
    await expect(runOnce(deps(), { timeoutMs: 1000 })).rejects.toThrow(/^an operator leads this source with this state \(\{"instance":"a"/);
    // a dies without releasing: the lock passes when its session expires, and only then may a pass run.
    a.kill();
    const probe = deps().leadership;
    await h.until(async () => (await probe?.heldBy?.()) === undefined, 2 * TTL + 5000, 'the lock to pass');
    let settled: unknown;
    void runOnce(deps(), { timeoutMs: 60_000 }).then(
      (r) => (settled = r),
      (e: unknown) => (settled = e),
    );
    await h.until(() => settled !== undefined, 120_000, 'the once pass to end');
    expect(settled).not.toBeInstanceOf(Error);
    expect(await nomad.readJob('web', 't-web-shop')).toBeDefined();
  });
});
