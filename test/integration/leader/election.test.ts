/**
 * Leader election against the simulator's Consul (sessions, TTL ×2, lock-delay on its FakeClock): two
 * electors, each reaching Consul through its own cuttable network path. Time moves only with the clock.
 */
import pino from 'pino';
import { ConsulElector } from '../../../lib/adapters/leader/consul-elector';
import { ConsulHttpClient } from '../../../lib/adapters/consul-http/consul-http-client';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { CuttableProxy } from '../../helpers/cuttable-proxy';

const KEY = 'nomadguard/state/leader/test';
const TTL = 15_000;
const LOCK_DELAY = 5_000;
const RETRY = 5_000;
const MARGIN = 3_000;

interface Instance {
  name: string;
  elector: ConsulElector;
  path: CuttableProxy;
  client: ConsulHttpClient;
  /** Clock times of elections (true) and losses (false). */
  events: Array<{ at: number; leading: boolean }>;
}

describe('leader election through Consul', () => {
  let clock: FakeClock;
  let sim: Simulator;
  let instances: Instance[];

  beforeEach(async () => {
    clock = new FakeClock(Date.UTC(2026, 0, 1));
    sim = await Simulator.start({ clock, seed: 5 });
    instances = [];
  });
  afterEach(async () => {
    for (const i of instances) {
      i.path.heal();
      await i.elector.stop();
      i.client.close();
      await i.path.close();
    }
    await sim.stop();
  });

  async function instance(name: string): Promise<Instance> {
    const path = await CuttableProxy.start(sim.consulUrl);
    const client = new ConsulHttpClient({ address: path.url, backoff: { maxAttempts: 1 } });
    const elector = new ConsulElector(client, clock, pino({ level: 'silent' }), { key: KEY, sessionName: `nomadguard ${name}`, holder: name, ttlMs: TTL, lockDelayMs: LOCK_DELAY, retryMs: RETRY, marginMs: MARGIN });
    const inst: Instance = { name, elector, path, client, events: [] };
    elector.subscribe((leading) => inst.events.push({ at: clock.now(), leading }));
    instances.push(inst);
    elector.start();
    return inst;
  }

  /** Moves the clock in small steps, letting the HTTP exchanges run, until `cond` (or `maxMs` of clock time). */
  async function until(cond: () => boolean, maxMs: number): Promise<number> {
    const start = clock.now();
    for (;;) {
      for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 2));
      if (cond()) return clock.now() - start;
      if (clock.now() - start >= maxMs) throw new Error(`not within ${maxMs} ms`);
      await clock.advance(250);
      // Never two writers at once.
      expect(instances.filter((i) => i.elector.isLeader()).length).toBeLessThanOrEqual(1);
    }
  }

  /** Lets `ms` of clock time pass with the HTTP exchanges running. */
  const pass = (ms: number): Promise<unknown> => until(() => false, ms).catch(() => undefined);

  const holderSession = (): string | undefined => sim.consul.kv.get(KEY)?.Session;

  it('one instance leads, the other follows; the lease is renewed every TTL/2 without a change of leader', async () => {
    const a = await instance('a');
    await until(() => a.elector.isLeader(), 2000);
    const b = await instance('b');
    await pass(0);
    await expect(until(() => b.elector.isLeader(), 60_000)).rejects.toThrow('not within');
    expect(a.elector.isLeader()).toBe(true);
    expect(a.events.map((e) => e.leading)).toEqual([true]);
    expect(b.elector.role()).toBe('follower');
    expect(sim.consul.sessions.size).toBe(2);
  });

  it('a killed leader (gone without a release): the successor leads after the session is invalidated (2×TTL) plus the lock-delay, not before', async () => {
    const a = await instance('a');
    await until(() => a.elector.isLeader(), 2000);
    const b = await instance('b');
    await pass(2000);
    const aSession = holderSession() as string;
    expect(aSession).toBeDefined();
    // The process is gone: nothing of it reaches Consul any more.
    a.path.cut();
    const killedAt = clock.now();
    let invalidatedAt: number | undefined;
    await until(() => {
      if (invalidatedAt === undefined && !sim.consul.sessions.has(aSession)) invalidatedAt = clock.now();
      return b.elector.isLeader();
    }, 2 * TTL + LOCK_DELAY + RETRY + 2000);
    const electedAt = b.events.find((e) => e.leading)?.at as number;
    expect(invalidatedAt).toBeDefined();
    // Consul invalidates 2×TTL after the last renewal, which was at most TTL/2 before the kill.
    expect(invalidatedAt as number).toBeGreaterThanOrEqual(killedAt + 2 * TTL - TTL / 2);
    expect(electedAt).toBeGreaterThanOrEqual((invalidatedAt as number) + LOCK_DELAY);
    expect(electedAt - killedAt).toBeLessThanOrEqual(2 * TTL + LOCK_DELAY + RETRY + 500);
    // The dead instance stopped counting itself the leader long before.
    const aLost = a.events.find((e) => !e.leading)?.at as number;
    expect(aLost).toBeLessThanOrEqual(killedAt + TTL - MARGIN);
  });

  it('a partitioned leader stops writing at its first failed renewal, before the lock can pass; it follows once healed', async () => {
    const a = await instance('a');
    await until(() => a.elector.isLeader(), 2000);
    const b = await instance('b');
    await pass(2000);
    a.path.cut();
    const cutAt = clock.now();
    await until(() => !a.elector.isLeader(), TTL);
    const aLost = a.events.find((e) => !e.leading)?.at as number;
    expect(aLost - cutAt).toBeLessThanOrEqual(TTL / 2 + 250);
    await until(() => b.elector.isLeader(), 2 * TTL + LOCK_DELAY + RETRY + 2000);
    const bElected = b.events.find((e) => e.leading)?.at as number;
    // Between the two: the rest of the server's 2×TTL and the lock-delay.
    expect(bElected - aLost).toBeGreaterThanOrEqual(TTL + LOCK_DELAY);
    a.path.heal();
    await pass(30_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(b.elector.isLeader()).toBe(true);
  });

  it('a clean stop releases the lock: the successor leads at once, without the lock-delay', async () => {
    const a = await instance('a');
    await until(() => a.elector.isLeader(), 2000);
    const b = await instance('b');
    await pass(2000);
    const stopping = a.elector.stop();
    expect(a.elector.isLeader()).toBe(false);
    await stopping;
    const took = await until(() => b.elector.isLeader(), 2000);
    expect(took).toBeLessThan(1000);
    expect(sim.consul.sessions.size).toBe(1);
  });

  it('a stop without release (writes still in flight) leaves the lock to its lock-delay', async () => {
    const a = await instance('a');
    await until(() => a.elector.isLeader(), 2000);
    const b = await instance('b');
    await pass(2000);
    const stoppedAt = clock.now();
    await a.elector.stop({ release: false });
    await until(() => b.elector.isLeader(), LOCK_DELAY + RETRY + 2000);
    expect((b.events.find((e) => e.leading)?.at as number) - stoppedAt).toBeGreaterThanOrEqual(LOCK_DELAY);
  });
});
