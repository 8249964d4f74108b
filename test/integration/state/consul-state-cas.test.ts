/**
 * The Consul state store against the simulator's KV: a record another writer changed since this store
 * last saw it is not overwritten. Under a correct lease that cannot happen, so when it does the newer
 * record wins and the write fails, to be decided again.
 */
import { ConsulHttpClient } from '../../../lib/adapters/consul-http/consul-http-client';
import { ConsulStateStore } from '../../../lib/adapters/state-store';
import { Simulator } from '../../../lib/sim';

describe('ConsulStateStore check-and-set', () => {
  let sim: Simulator;
  let consul: ConsulHttpClient;
  beforeEach(async () => {
    sim = await Simulator.start({ seed: 5 });
    consul = new ConsulHttpClient({ address: sim.consulUrl, backoff: { maxAttempts: 1 } });
  });
  afterEach(async () => {
    consul.close();
    await sim.stop();
  });

  it('a record changed by another writer is kept, and the write fails naming the key', async () => {
    const mine = new ConsulStateStore(consul, 'ng/state');
    const other = new ConsulStateStore(consul, 'ng/state');
    await mine.load();
    await mine.put('web/t-web-shop', { jobModifyIndex: 10, hash: 'h1', scheme: 2 });
    await other.load();
    await other.put('web/t-web-shop', { jobModifyIndex: 12, hash: 'h2', scheme: 2, failedHash: 'h2' });
    await expect(mine.put('web/t-web-shop', { jobModifyIndex: 11, hash: 'h1', scheme: 2 })).rejects.toThrow(/web\/t-web-shop .*another writer/);
    const stored = await consul.kvGet('ng/state/jobs/web/t-web-shop');
    expect(JSON.parse(stored.value?.Value ?? '{}')).toMatchObject({ hash: 'h2', failedHash: 'h2' });
    expect(mine.get('web/t-web-shop')).toMatchObject({ hash: 'h2', failedHash: 'h2' });
  });

  it('a write whose first attempt already stored the same record is not a conflict', async () => {
    const mine = new ConsulStateStore(consul, 'ng/state');
    await mine.load();
    const record = { jobModifyIndex: 10, hash: 'h1', scheme: 2 };
    await consul.kvPut('ng/state/jobs/web/t-web-shop', JSON.stringify(record));
    await expect(mine.put('web/t-web-shop', record)).resolves.toBeUndefined();
  });
});
