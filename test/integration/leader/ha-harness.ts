/**
 * Several operator instances on one simulated cluster and one spec repository, on one FakeClock. Each
 * instance has its own Nomad and Consul clients reaching the simulator through its own cuttable network
 * path, its own git work copy, its own view of the shared state in Consul KV and its own elector: as
 * separate processes would, with nothing shared but the cluster and the repository.
 */
import pino from 'pino';
import { defaultOperatorConfig, type OperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { renderSpec } from '../../../lib/core/pipeline';
import { ConsulHttpClient } from '../../../lib/adapters/consul-http/consul-http-client';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { GitSpecSource } from '../../../lib/adapters/git-spec-source';
import { ConsulStateStore } from '../../../lib/adapters/state-store';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { startOperator, type OperatorHandle } from '../../../controllers/manager';
import { electorFor } from '../../../controllers/election-wiring';
import type { ConsulElector } from '../../../lib/adapters/leader/consul-elector';
import { OperatorMetrics } from '../../../lib/metrics/operator-metrics';
import { TestRepo } from '../../helpers/git-repo';
import { CuttableProxy } from '../../helpers/cuttable-proxy';

export const TTL = 15_000;
export const LOCK_DELAY = 5_000;
export const RETRY = 5_000;

/** One operator process. */
export interface HaInstance {
  name: string;
  op: OperatorHandle;
  metrics: OperatorMetrics;
  elector: ConsulElector;
  nomadPath: CuttableProxy;
  consulPath: CuttableProxy;
  /** Clock times this instance was elected (true) or lost the lease (false). */
  events: Array<{ at: number; leading: boolean }>;
  /** The process dies: nothing of it reaches Nomad or Consul any more, its loops stop, no release. */
  kill(): void;
  /** Its network is cut while it keeps running. */
  partition(): void;
  close(): Promise<void>;
}

export interface HaHarness {
  sim: Simulator;
  repo: TestRepo;
  clock: FakeClock;
  config: OperatorConfig;
  instances: HaInstance[];
  /** Starts an instance; `pollInterval` overrides the git poll (a slow poller sees others' writes first). */
  start(name: string, o?: { pollInterval?: string }): Promise<HaInstance>;
  /** Settles the cluster and moves the clock in steps until `cond`; never two instances leading at once. */
  until(cond: () => boolean | Promise<boolean>, maxMs: number, what: string): Promise<void>;
  close(): Promise<void>;
}

/** A simulator, a spec repository, and no instance yet. */
export async function startHa(reconcile: Partial<OperatorConfig['reconcile']> = {}): Promise<HaHarness> {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const sim = await Simulator.start({ clock, seed: 9 });
  const repo = TestRepo.create();
  repo.write('README.md', 'specs\n');
  repo.commitAndPush('init');
  const base = defaultOperatorConfig({});
  const config: OperatorConfig = {
    ...base,
    source: { ...base.source, repo: repo.remote, name: 'specs-repo', pollInterval: '2s' },
    reconcile: { ...base.reconcile, ...reconcile, prune: { ...base.reconcile.prune, grace: '0s', ...reconcile.prune } },
  };
  const h: HaHarness = {
    sim,
    repo,
    clock,
    config,
    instances: [],
    async start(name, o = {}) {
      const own: OperatorConfig = o.pollInterval ? { ...config, source: { ...config.source, pollInterval: o.pollInterval } } : config;
      const nomadPath = await CuttableProxy.start(sim.nomadUrl);
      const consulPath = await CuttableProxy.start(sim.consulUrl);
      const nomad = new NomadHttpClient({ address: nomadPath.url, backoff: { maxAttempts: 1 } });
      const consul = new ConsulHttpClient({ address: consulPath.url, backoff: { maxAttempts: 1 } });
      const logger = pino({ level: process.env.NOMADGUARD_TEST_LOG ?? 'silent' }).child({ instance: name });
      const source = new GitSpecSource({ repo: repo.remote, branch: 'main', workDir: repo.tempDir(`work-${name}-${h.instances.length}.git`) });
      const elector = electorFor(consul, clock, logger, config, repo.remote, 'default', config.reconcile.statePrefix, { instance: name, ttlMs: TTL, lockDelayMs: LOCK_DELAY, retryMs: RETRY });
      const metrics = new OperatorMetrics();
      const op = startOperator(
        {
          nomad,
          consul,
          source,
          state: new ConsulStateStore(consul, config.reconcile.statePrefix),
          clock,
          logger,
          config: own,
          render: (input) => renderSpec(input, { config: own, policy: defaultPolicy() }),
          tuning: { healthPollMs: 1000, backoffBaseMs: 100, backoffMaxMs: 1000, watchWait: '10s' },
          leadership: elector,
          metrics,
        },
        { cron: false, sighup: false },
      );
      let closed = false;
      const inst: HaInstance = {
        name,
        op,
        metrics,
        elector,
        nomadPath,
        consulPath,
        events: [],
        kill() {
          nomadPath.cut();
          consulPath.cut();
          op.manager.stop();
          void elector.stop({ release: false });
        },
        partition() {
          nomadPath.cut();
          consulPath.cut();
        },
        async close() {
          if (closed) return;
          closed = true;
          nomadPath.cut();
          consulPath.cut();
          await op.stop({ timeoutMs: 1000 });
          nomad.close();
          consul.close();
          await nomadPath.close();
          await consulPath.close();
        },
      };
      elector.subscribe((leading) => inst.events.push({ at: clock.now(), leading }));
      h.instances.push(inst);
      return inst;
    },
    async until(cond, maxMs, what) {
      const start = clock.now();
      for (;;) {
        // Real I/O first: time moves on only once the instances' requests have quieted (bounded), so a
        // loaded machine cannot let a lease or a grace lapse while a request is still on its way.
        let seen = -1;
        for (let i = 0, quiet = 0; i < 50 && quiet < 3; i++) {
          await new Promise((r) => setTimeout(r, 2));
          const total = Object.values(sim.requestCounts()).reduce((a, b) => a + b, 0);
          quiet = total === seen ? quiet + 1 : 0;
          seen = total;
        }
        await sim.settle();
        if (await cond()) return;
        if (clock.now() - start >= maxMs) throw new Error(`timed out waiting for ${what}`);
        await clock.advance(250);
        expect(h.instances.filter((i) => i.elector.isLeader()).map((i) => i.name).length).toBeLessThanOrEqual(1);
      }
    },
    async close() {
      for (const i of h.instances) await i.close();
      await sim.stop();
      repo.cleanup();
    },
  };
  return h;
}
