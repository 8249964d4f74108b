/**
 * The elector's lease, logs, timers and stop against the simulator's Consul, with faults the network
 * cannot give (a call sent and never answered, a refusal) and a wall clock that steps.
 */
import { ForbiddenError } from '../../../lib/ports/errors';
import { electorFixture, MARGIN, RETRY, TTL, type ElectorFixture } from './elector-fixture';

describe('ConsulElector', () => {
  let f: ElectorFixture;
  beforeEach(async () => {
    f = await electorFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  async function elected(): Promise<void> {
    f.elector.start();
    await f.until(() => f.elector.isLeader(), 2000);
  }

  it('times the lease on the monotonic clock: a step back of the wall clock does not lengthen it', async () => {
    await elected();
    const touched = f.clock.monotonic();
    // Consul stops answering (renewals are sent, never answered), and NTP steps the wall clock back a minute.
    f.consul.set('hang');
    f.own.wallOffset = -60_000;
    await f.until(() => !f.elector.isLeader(), TTL);
    expect(f.clock.monotonic() - touched).toBeLessThanOrEqual(TTL - MARGIN + 250);
  });

  it('warns at the first failure of a streak, then at debug, and tells the recovery once', async () => {
    // A token without session:write: every session creation is refused.
    f.consul.set('fail', ['sessionCreate'], () => new ForbiddenError({ service: 'consul', method: 'PUT', route: '/v1/session/create', status: 403, serverMessage: 'Permission denied' }));
    f.elector.start();
    await f.until(() => f.consul.count('sessionCreate') >= 3, 4 * RETRY);
    const failed = f.logs.filter((l) => l.msg === 'leader election: Consul failed; retrying');
    expect(failed.map((l) => l.level)).toEqual([40, ...failed.slice(1).map(() => 20)]);
    expect(failed.length).toBeGreaterThanOrEqual(3);
    f.consul.set('pass', ['sessionCreate']);
    await f.until(() => f.elector.isLeader(), 2 * RETRY);
    expect(f.logs.filter((l) => l.msg === 'leader election works again').map((l) => l.level)).toEqual([30]);
  });

  it('a renewal answered while stopping sets no timer again: nothing of the elector is left pending', async () => {
    await elected();
    // The campaign's next read and the next renewal are sent; their answers come only once the stop has begun.
    f.consul.set('hold', ['kvGet', 'sessionRenew']);
    await f.clock.advance(TTL / 2);
    expect(f.consul.count('sessionRenew')).toBe(1);
    const stopping = f.elector.stop();
    // The renewal is answered (it succeeds) while the stop still waits for the campaign's read.
    f.consul.releaseHeld('sessionRenew');
    await f.settle();
    f.consul.releaseHeld('kvGet');
    await stopping;
    await f.settle();
    expect(f.own.pending()).toBe(0);
    const renewals = f.consul.count('sessionRenew');
    await f.clock.advance(TTL);
    await f.settle();
    expect(f.consul.count('sessionRenew')).toBe(renewals);
  });

  it('a lock taken on a session whose lease already ran out is not taken again at once: it pauses, as after a refusal', async () => {
    await elected();
    // Renewals are sent and never answered: the session lives on at Consul (2×TTL), the lease here has run out.
    f.consul.set('hang', ['sessionRenew']);
    await f.until(() => f.clock.monotonic() >= Date.UTC(2026, 0, 1) + TTL + 5_000, 2 * TTL);
    expect(f.elector.isLeader()).toBe(false);
    const puts = f.consul.count('kvPut');
    expect(puts).toBeGreaterThanOrEqual(2);
    // No time passes: the pause holds the next acquire back; without one they follow each other at once.
    for (let i = 0; i < 10; i++) await f.settle();
    expect(f.consul.count('kvPut')).toBeLessThanOrEqual(puts + 1);
  });

  it('stop ends within its bound when Consul does not answer, and leaves no timer', async () => {
    await elected();
    f.consul.set('hang');
    let stopped = false;
    const stopping = f.elector.stop().then(() => (stopped = true));
    expect(f.elector.isLeader()).toBe(false);
    await f.clock.advance(4_999);
    expect(stopped).toBe(false);
    await f.clock.advance(1);
    await stopping;
    expect(stopped).toBe(true);
    expect(f.own.pending()).toBe(0);
    expect(f.logs.some((l) => l.level === 40 && l.msg === 'could not give the lock up in time: it passes when the session expires')).toBe(true);
  });
});
