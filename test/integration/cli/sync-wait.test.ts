/**
 * `nomadguard sync --wait` in-process against a running operator (its HTTP API on a loopback port), a
 * real spec repository and the simulator on the real clock, scaled down. The operator polls git only
 * when asked (a long poll interval), so what the wait sees comes from the pass the sync rang.
 */
import pino from 'pino';
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { renderSpec } from '../../../lib/core/pipeline';
import { ConsulHttpClient } from '../../../lib/adapters/consul-http/consul-http-client';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { GitSpecSource } from '../../../lib/adapters/git-spec-source';
import { ConsulStateStore } from '../../../lib/adapters/state-store';
import { SystemClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { startOperator, type OperatorHandle } from '../../../controllers/manager';
import { main } from '../../../lib/cli/main';
import { serveOperator } from '../../../lib/cli/operator-server';
import type { Listener } from '../../../lib/server/http-listener';
import { TestRepo } from '../../helpers/git-repo';
import { INVALID_SPEC, spec } from '../reconciler/harness';

jest.setTimeout(60_000);

describe('nomadguard sync --wait', () => {
  let sim: Simulator;
  let repo: TestRepo;
  let nomad: NomadHttpClient;
  let consul: ConsulHttpClient;
  let op: OperatorHandle;
  let listener: Listener;

  beforeEach(async () => {
    sim = await Simulator.start({ seed: 5, timings: { timeScale: 0.01, allocStartMs: 20, evalMs: 5 } });
    repo = TestRepo.create();
    repo.write('web/shop/nomadgen.toml', spec('shop')).write('es/broken/nomadgen.toml', INVALID_SPEC.replace('name = "broken"', 'name = '));
    repo.commitAndPush('specs');
    nomad = new NomadHttpClient({ address: sim.nomadUrl, backoff: { maxAttempts: 1 } });
    consul = new ConsulHttpClient({ address: sim.consulUrl, backoff: { maxAttempts: 1 } });
    const base = defaultOperatorConfig({});
    const config = { ...base, source: { ...base.source, repo: repo.remote, name: 'specs', pollInterval: '1h' } };
    op = startOperator(
      {
        nomad,
        consul,
        source: new GitSpecSource({ repo: repo.remote, branch: 'main', workDir: repo.tempDir('work.git') }),
        state: new ConsulStateStore(consul, config.reconcile.statePrefix),
        clock: new SystemClock(),
        logger: pino({ level: 'silent' }),
        config,
        render: (input) => renderSpec(input, { config, policy: defaultPolicy() }),
        tuning: { healthPollMs: 50, backoffBaseMs: 50, backoffMaxMs: 500 },
      },
      { sighup: false, cron: false },
    );
    listener = await serveOperator(op, '127.0.0.1:0');
  });

  afterEach(async () => {
    await listener.close();
    await op.stop();
    nomad.close();
    consul.close();
    await sim.stop();
    repo.cleanup();
  });

  async function cli(args: string[], o: { interactive?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await main(args, {
      stdout: (t) => { out += t; },
      stderr: (t) => { err += t; },
      env: { NOMADGUARD_ADDR: listener.url },
      signal: new AbortController().signal,
      stdoutIsTTY: o.interactive ?? false,
    });
    return { code, out, err };
  }

  /** Every job as the specs committed so far say (the invalid spec makes it exit 1). */
  async function converge(): Promise<void> {
    const r = await cli(['sync', '--all', '--wait', '--interval', '20ms', '--timeout', '30s']);
    expect(r.out).toMatch(/^Sync failed \(exit 1\): 1 Healthy, 1 Invalid\.$/m);
  }

  it('waits for the version of the commit made just before the sync, not the Healthy one running, and exits 0', async () => {
    await converge();
    const first = await cli(['sync', 'web/t-web-shop', '--wait', '--interval', '20ms', '--timeout', '30s']);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^Sync converged \(exit 0\): 1 Healthy\.$/m);

    repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 256 }));
    repo.commitAndPush('shop memory');
    const r = await cli(['sync', 'web/t-web-shop', '--wait', '--interval', '20ms', '--timeout', '30s']);
    expect(r.err).toBe('');
    expect(r.out.split('\n')[0]).toBe('resync queued: web/t-web-shop');
    expect(r.out).toMatch(/^web\/t-web-shop: waiting for the operator to look again \(was Healthy\)$/m);
    expect(r.out).toMatch(/^web\/t-web-shop: Progressing: (deployment \w+ \d\/2 healthy, )?allocs \d\/2 healthy: /m);
    expect(r.out).toMatch(/^web\/t-web-shop: Healthy: (deployment successful 2\/2 healthy, )?allocs 2\/2 healthy: /m);
    expect(r.out).toMatch(/^Sync converged \(exit 0\): 1 Healthy\.$/m);
    expect(r.code).toBe(0);
    const live = await nomad.readJob('web', 't-web-shop');
    expect(live?.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(256);
  });

  it('exits 1 when a job of the team is invalid, and finds the team\'s jobs itself', async () => {
    await converge();
    const r = await cli(['sync', '--team', 'es', '--wait', '--interval', '20ms', '--timeout', '30s']);
    expect(r.out).toContain('resync queued: es/broken/nomadgen.toml');
    expect(r.out).toMatch(/^spec\/es\/broken\/nomadgen\.toml: Invalid: SpecInvalid: es\/broken\/nomadgen\.toml:1:\d+: /m);
    expect(r.out).toMatch(/^Sync failed \(exit 1\): 1 Invalid\.$/m);
    expect(r.code).toBe(1);
    expect((await cli(['sync', '--team', 'nobody'])).err).toContain('no job of team nobody is known to the operator');
  });

  it('exits 1 when a deployment fails, with --all; redraws in place on a terminal', async () => {
    await converge();
    sim.failImage(/shop:6\.6\.6/);
    repo.write('web/shop/nomadgen.toml', spec('shop', { image: 'registry.internal/acme/shop:6.6.6' }));
    repo.commitAndPush('bad image');
    const r = await cli(['sync', '--all', '--wait', '--interval', '20ms', '--timeout', '30s'], { interactive: true });
    expect(r.out).toContain('resync of every job queued');
    expect(r.out).toContain('\x1b[2K'); // each line cleared as it is drawn
    expect(r.out).toMatch(new RegExp(`${String.fromCharCode(27)}\\[\\d+A`)); // and the block drawn again over itself
    expect(r.out).toMatch(/web\/t-web-shop: Degraded: /);
    expect(r.out).toMatch(/^Sync failed \(exit 1\): 1 Degraded, 1 Invalid\.$/m);
    expect(r.code).toBe(1);
  });

  it('exits 3 when the timeout passes first, and keeps sync without --wait as it was', async () => {
    await converge();
    repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 512 }));
    repo.commitAndPush('shop memory');
    const r = await cli(['sync', 'web/t-web-shop', '--wait', '--interval', '20ms', '--timeout', '1ms']);
    expect(r.out).toMatch(/^Sync timed out after 0s \(exit 3\): 1 waiting\.$/m);
    expect(r.code).toBe(3);
    const plain = await cli(['sync', 'web/t-web-shop']);
    expect(plain).toEqual({ code: 0, out: 'resync queued: web/t-web-shop\n', err: '' });
    expect((await cli(['sync', 'web/t-web-shop', '--wait', '--timeout', 'soon'])).code).toBe(2);
  });
});
