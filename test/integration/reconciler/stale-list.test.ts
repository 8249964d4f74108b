import type { JobListStub } from '../../../lib/core/nomad/types';
import type { Indexed, ListJobsOptions } from '../../../lib/ports/nomad-api';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { Manager } from '../../../controllers/manager';
import { spec, startHarness, type Harness } from './harness';

/** A Nomad client whose next job list, once armed, is fetched at once but delivered only when released. */
class HeldListClient extends NomadHttpClient {
  private hold?: { fetched: () => void; release: Promise<void> };

  /** Arms the hold; resolves `fetched` once the held list has been read from Nomad. */
  armHold(): { fetched: Promise<void>; release: () => void } {
    let release!: () => void;
    let fetched!: () => void;
    const fetchedP = new Promise<void>((r) => { fetched = r; });
    this.hold = { fetched, release: new Promise<void>((r) => { release = r; }) };
    return { fetched: fetchedP, release };
  }

  override async listJobs(opts?: ListJobsOptions): Promise<Indexed<JobListStub[]>> {
    const hold = this.hold;
    this.hold = undefined;
    const r = await super.listJobs(opts);
    if (hold) {
      hold.fetched();
      await hold.release;
    }
    return r;
  }
}

describe('reconciler: a job list fetched before our own write', () => {
  let h: Harness;
  beforeEach(async () => { h = await startHarness(); });
  afterEach(async () => { await h.close(); });

  it('arriving after the write neither undoes it in the live cache nor costs a plan call or a conflict', async () => {
    const nomad = new HeldListClient({ address: h.sim.nomadUrl, backoff: { maxAttempts: 1 } });
    h.deps = { ...h.deps, nomad };
    h.manager = new Manager(h.deps);
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();

    h.repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 256 }));
    h.repo.commitAndPush('shop: more memory');
    const first = await h.manager.pass();
    expect(first.enqueue).toEqual(['web/t-web-shop']);

    // A second pass lists Nomad before the update is written; its list arrives after the write.
    const held = nomad.armHold();
    const second = h.manager.pass();
    await held.fetched;
    await h.manager.drain();
    const written = h.manager.controller.live.get('web/t-web-shop')?.JobModifyIndex;
    expect((await h.nomad.readJob('web', 't-web-shop'))?.JobModifyIndex).toBe(written);
    h.sim.resetRequestCounts();
    held.release();
    const summary = await second;

    expect(h.manager.controller.live.get('web/t-web-shop')?.JobModifyIndex).toBe(written);
    expect(summary.actions).toEqual({ unchanged: 1 }); // still followed (queued), but decided in sync
    await h.manager.drain(); // the workers take what the pass queued before any newer list
    const calls = Object.keys(h.sim.requestCounts('nomad'));
    // Tagging the written version with its commit is no job write (it moves no JobModifyIndex).
    expect(calls.filter((c) => !c.endsWith('/tag') && (c.includes('plan') || c.startsWith('PUT') || c.startsWith('POST')))).toEqual([]);
    await h.converge();
    const st = h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop');
    expect(st?.lastError).toBeFalsy();
    expect(st?.phase).toBe('Healthy');
    nomad.close();
  });
});
