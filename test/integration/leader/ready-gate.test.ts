/**
 * An instance that has just won the lock writes nothing until it has re-read the shared state: its
 * records and confirmations are the old leader's until then, and a write from them would undo the
 * old leader's last work.
 */
import { Manager } from '../../../controllers/manager';
import type { Leadership } from '../../../lib/ports/leadership';
import { NotLeaderError } from '../../../lib/ports/leadership';
import { startHarness, type Harness } from '../reconciler/harness';

/** Holds the lock from the start; nothing else. */
const holding: Leadership = {
  isLeader: () => true,
  role: () => 'leader',
  subscribe: () => () => undefined,
  start: () => undefined,
  stop: async () => undefined,
};

describe('high availability: writes wait for the shared state', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('elected but the shared state not yet re-read: a record write is refused, then allowed once it is read', async () => {
    h = await startHarness();
    let reloaded!: () => void;
    const reading = new Promise<void>((resolve) => (reloaded = resolve));
    const state = Object.assign(Object.create(h.deps.state) as typeof h.deps.state, { reload: () => reading });
    const m = new Manager({ ...h.deps, state, leadership: holding });
    m.leader.start();
    const record = { jobModifyIndex: 1, hash: 'h', scheme: 2 };
    await expect(m.controller.deps.state.put('web/t-web-shop', record)).rejects.toBeInstanceOf(NotLeaderError);
    reloaded();
    await new Promise((r) => setImmediate(r));
    expect(m.leader.ready()).toBe(true);
    await expect(m.controller.deps.state.put('web/t-web-shop', record)).resolves.toBeUndefined();
    m.stop();
  });
});
