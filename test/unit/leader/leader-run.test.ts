/**
 * The leader run's re-read of the shared state after an election, when the state cannot be read: a stop
 * ends it at once, with no call and no timer left behind.
 */
import pino from 'pino';
import { LeaderRun } from '../../../controllers/leadership';
import type { OperatorDeps } from '../../../controllers/job-sync/types';
import type { Leadership } from '../../../lib/ports/leadership';
import { FakeClock } from '../../../lib/runtime/clock';

/** A lease held from the start. */
function heldLease(): Leadership {
  return {
    isLeader: () => true,
    role: () => 'leader',
    subscribe: () => () => undefined,
    start: () => undefined,
    stop: () => Promise.resolve(),
  };
}

describe('LeaderRun', () => {
  it('a stop while the shared state cannot be read (Consul down) ends the retries: no further read, no timer', async () => {
    const clock = new FakeClock(0);
    let reloads = 0;
    const reload = (): Promise<void> => {
      reloads++;
      return Promise.reject(new Error('consul GET /v1/kv/state: connect ECONNREFUSED'));
    };
    // Only `reload` is used by the run when there is no `follow`.
    const state = { reload } as unknown as OperatorDeps['state'];
    let resumed = 0;
    const run = new LeaderRun(heldLease(), { state, logger: pino({ level: 'silent' }), clock }, { resumed: () => resumed++ });
    run.start();
    await clock.advance(0);
    expect(reloads).toBe(1);
    await clock.advance(1_000);
    expect(reloads).toBe(2);
    expect(run.ready()).toBe(false);

    run.stop();
    await clock.advance(0);
    expect(clock.pending()).toBe(0);
    await clock.advance(120_000);
    expect(reloads).toBe(2);
    expect(resumed).toBe(0);
    expect(run.ready()).toBe(false);
  });
});
