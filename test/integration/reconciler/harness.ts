/**
 * An operator against the simulator and a real git repository, on one FakeClock. `converge()` runs the
 * operator and the simulated cluster alternately until nothing is left to do: reconciles, then the
 * cluster's pending transitions (`sim.settle()`), then the clock up to the next requeue.
 */
import pino from 'pino';
import { defaultOperatorConfig, type OperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { renderSpec } from '../../../lib/core/pipeline';
import type { Job } from '../../../lib/core/nomad/types';
import { ConsulHttpClient } from '../../../lib/adapters/consul-http/consul-http-client';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { GitSpecSource } from '../../../lib/adapters/git-spec-source';
import { ConsulStateStore } from '../../../lib/adapters/state-store';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { Manager } from '../../../controllers/manager';
import type { OperatorDeps } from '../../../controllers/job-sync/types';
import type { PassRequest } from '../../../lib/runtime/triggers';
import { TestRepo } from '../../helpers/git-repo';

/** A minimal valid spec. */
export function spec(name: string, o: { tier?: string; image?: string; count?: number; mode?: string; suspend?: boolean; memory?: number; check?: boolean; scaling?: { min: number; max: number } } = {}): string {
  const sync = o.mode || o.suspend ? `[sync]\n${o.mode ? `mode = "${o.mode}"\n` : ''}${o.suspend ? 'suspend = true\n' : ''}\n` : '';
  return `name    = "${name}"
tier    = "${o.tier ?? 'test'}"
contact = "team@example.com"
${sync}
[[group]]
name  = "main"
count = ${o.count ?? 2}
${o.scaling ? `scaling = { min = ${o.scaling.min}, max = ${o.scaling.max} }\n` : ''}
  [[group.task]]
  name   = "${name}"
  image  = "${o.image ?? `registry.internal/acme/${name}:1.0.0`}"
  cpu    = 100
  memory = ${o.memory ?? 128}
  port   = 8080
${o.check === false ? '' : '  check  = { type = "http", path = "/health", grace = "10s" }\n'}`;
}

export const INVALID_SPEC = `name = "broken"\ntier = "test"\ncontact = "x@example.com"\n\n[[group]]\nname = "main"\n\n  [[group.task]]\n  name = "broken"\n  image = "registry.internal/acme/broken:1.0.0"\n  memroy = 512\n`;

export interface Harness {
  sim: Simulator;
  repo: TestRepo;
  clock: FakeClock;
  nomad: NomadHttpClient;
  consul: ConsulHttpClient;
  deps: OperatorDeps;
  manager: Manager;
  config: OperatorConfig;
  /** A fresh operator (as after a restart) on the same cluster, repo and state prefix; `render` replaces the pipeline. */
  restart(overrides?: Partial<OperatorConfig['reconcile']>, render?: OperatorDeps['render']): Manager;
  /** Pass, then reconcile / settle / advance until idle. */
  converge(req?: Partial<PassRequest>, maxRounds?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a simulator, an empty spec repo and an operator on them. */
export async function startHarness(o: { reconcile?: Partial<OperatorConfig['reconcile']>; version?: string; aclNamespaces?: string[] } = {}): Promise<Harness> {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const sim = await Simulator.start({ clock, seed: 3, ...(o.version ? { version: o.version } : {}), ...(o.aclNamespaces ? { acl: true, namespaces: o.aclNamespaces } : {}) });
  const token = o.aclNamespaces ? sim.createToken({ namespace: o.aclNamespaces, policy: 'write' }) : undefined;
  const repo = TestRepo.create();
  repo.write('README.md', 'specs\n');
  repo.commitAndPush('init');
  const nomad = new NomadHttpClient({ address: sim.nomadUrl, token, backoff: { maxAttempts: 1 } });
  const consul = new ConsulHttpClient({ address: sim.consulUrl, backoff: { maxAttempts: 1 } });
  const base = defaultOperatorConfig({});
  const makeConfig = (r?: Partial<OperatorConfig['reconcile']>): OperatorConfig => ({
    ...base,
    source: { ...base.source, repo: repo.remote, name: 'specs-repo' },
    reconcile: { ...base.reconcile, ...o.reconcile, ...r, prune: { ...base.reconcile.prune, grace: '0s', ...o.reconcile?.prune, ...r?.prune } },
  });
  const makeDeps = (config: OperatorConfig): OperatorDeps => ({
    nomad,
    consul,
    source: new GitSpecSource({ repo: repo.remote, branch: 'main', workDir: repo.tempDir('work.git') }),
    state: new ConsulStateStore(consul, config.reconcile.statePrefix),
    clock,
    logger: pino({ level: process.env.NOMADGUARD_TEST_LOG ?? 'silent' }),
    config,
    render: (input) => renderSpec(input, { config, policy: defaultPolicy() }),
    tuning: { healthPollMs: 1000, backoffBaseMs: 100, backoffMaxMs: 1000 },
  });
  const config = makeConfig();
  const h: Harness = {
    sim,
    repo,
    clock,
    nomad,
    consul,
    config,
    deps: makeDeps(config),
    manager: undefined as unknown as Manager,
    restart(overrides, render) {
      h.deps = makeDeps(makeConfig(overrides));
      if (render) h.deps.render = render;
      h.manager = new Manager(h.deps);
      return h.manager;
    },
    async converge(req = {}, maxRounds = 60) {
      await h.manager.pass({ full: false, forced: new Set(), confirmPrune: new Set(), reasons: ['test'], ...req });
      for (let i = 0; i < maxRounds; i++) {
        await h.manager.drain();
        await sim.settle();
        if (h.manager.idle()) return;
        await clock.advance(1000);
      }
      throw new Error('did not converge');
    },
    async close() {
      h.manager.stop();
      nomad.close();
      consul.close();
      await sim.stop();
      repo.cleanup();
    },
  };
  h.manager = new Manager(h.deps);
  return h;
}

/**
 * Three services (web/shop, web/blog, data/cache) converged, then both web specs removed in one commit and
 * converged again: the prune guard holds the web namespace until it is confirmed.
 */
export async function webFolderEmptied(h: Harness): Promise<void> {
  h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog')).write('data/cache/nomadgen.toml', spec('cache'));
  h.repo.commitAndPush('three');
  await h.converge();
  h.repo.rm('web/shop/nomadgen.toml').rm('web/blog/nomadgen.toml');
  h.repo.commitAndPush('web folder emptied');
  await h.converge();
}

/**
 * web/shop converged on 1.0.0, then a commit moves it to an image that fails its deployment, converged
 * until Nomad auto-reverted it. Returns the reverted live job; the simulator still fails that image.
 */
export async function shopAutoReverted(h: Harness): Promise<Job | undefined> {
  h.repo.write('web/shop/nomadgen.toml', spec('shop'));
  h.repo.commitAndPush('shop');
  await h.converge();
  h.sim.failImage(/shop:6\.6\.6/);
  h.repo.write('web/shop/nomadgen.toml', spec('shop', { image: 'registry.internal/acme/shop:6.6.6' }));
  h.repo.commitAndPush('bad image');
  await h.converge();
  return h.nomad.readJob('web', 't-web-shop');
}
