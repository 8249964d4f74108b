import { gateNomadWrites, gateStateWrites, NOMAD_ACCESS } from '../../../lib/adapters/leader/gate';
import { FileStateStore } from '../../../lib/adapters/state-store';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { NotLeaderError } from '../../../lib/ports/leadership';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

describe('the write gate', () => {
  it('classifies every method of the Nomad client: nothing the client offers is left unclassified', () => {
    const methods = Object.getOwnPropertyNames(NomadHttpClient.prototype).filter((m) => m !== 'constructor' && typeof (NomadHttpClient.prototype as unknown as Record<string, unknown>)[m] === 'function');
    const unclassified = methods.filter((m) => !(m in NOMAD_ACCESS) && /^(register|deregister|upsert|delete|tag|untag|revert|dispatch|scale|stop|purge|create|update|put|post)/i.test(m));
    expect(unclassified).toEqual([]);
  });

  it('refuses a write without the lease, before anything is sent, and lets reads through', async () => {
    const nomad = new NomadHttpClient({ address: 'http://127.0.0.1:1', backoff: { maxAttempts: 1 } });
    let leading = false;
    const gated = gateNomadWrites(nomad, () => leading);
    await expect(gated.registerJob({ namespace: 'web', Job: { ID: 'x' } as never })).rejects.toBeInstanceOf(NotLeaderError);
    await expect(gated.deregisterJob('web', 'x')).rejects.toThrow('not the leader: Nomad.deregisterJob not written');
    // A read is sent (and fails on the closed port, not on the gate).
    await expect(gated.readJob('web', 'x')).rejects.not.toBeInstanceOf(NotLeaderError);
    leading = true;
    await expect(gated.deregisterJob('web', 'x')).rejects.not.toBeInstanceOf(NotLeaderError);
    nomad.close();
  });

  it('gates the state store the same way: records are written only with the lease', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nomadguard-gate-'));
    const store = new FileStateStore(path.join(dir, 'state.json'));
    await store.load();
    let leading = false;
    const gated = gateStateWrites(store, () => leading);
    await expect(gated.put('web/x', { jobModifyIndex: 1, hash: 'h' })).rejects.toBeInstanceOf(NotLeaderError);
    expect(gated.get('web/x')).toBeUndefined();
    leading = true;
    await gated.put('web/x', { jobModifyIndex: 1, hash: 'h' });
    expect(gated.get('web/x')?.hash).toBe('h');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
