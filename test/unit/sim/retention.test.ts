import type { Deployment, Job } from '../../../lib/core/nomad/types';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { retainVersions } from '../../../lib/sim/cluster';
import { http, serviceJob } from './http';

/** Job version retention as nomad/state/state_store.go `upsertJobVersion` does it (JobDefaultTrackedVersions = 6). */

const v = (version: number, extra: Partial<Job> = {}): Job => ({ ID: 'web', TaskGroups: [], Version: version, Stable: false, VersionTag: null, ...extra });
const tag = { Name: 'golden', Description: '', TaggedTime: 1 };

/** Writes versions 0..n one after the other, with `base[i]` as version i. */
function write(n: number, shape: (i: number) => Partial<Job> = () => ({})): Job[] {
  let kept: Job[] = [];
  for (let i = 0; i <= n; i++) kept = retainVersions(kept, v(i, shape(i)));
  return kept;
}

describe('retainVersions', () => {
  test('keeps the newest 6 untagged versions', () => {
    expect(write(9).map((j) => j.Version)).toEqual([9, 8, 7, 6, 5, 4]);
  });

  test('never drops the newest stable version: the one before it goes instead', () => {
    expect(write(6, (i) => ({ Stable: i === 0 })).map((j) => j.Version)).toEqual([6, 5, 4, 3, 2, 0]);
    expect(write(8, (i) => ({ Stable: i === 0 })).map((j) => j.Version)).toEqual([8, 7, 6, 5, 4, 0]);
  });

  test('an older stable version than the newest stable one is dropped as usual', () => {
    expect(write(7, (i) => ({ Stable: i === 0 || i === 3 })).map((j) => j.Version)).toEqual([7, 6, 5, 4, 3, 2]);
  });

  test('tagged versions are kept and not counted', () => {
    const kept = write(10, (i) => ({ VersionTag: i === 1 || i === 2 ? { ...tag, Name: `t${i}` } : null }));
    expect(kept.map((j) => j.Version)).toEqual([10, 9, 8, 7, 6, 5, 2, 1]);
  });
});

describe('simulator: version retention and auto-revert', () => {
  test('a stable version older than five failed ones is still there to auto-revert to', async () => {
    const sim = await Simulator.start({ clock: new FakeClock(Date.UTC(2026, 0, 1)), seed: 6 });
    try {
      sim.failImage('web:broken');
      const update = { Update: { MaxParallel: 1, MinHealthyTime: 5e9, HealthyDeadline: 60e9, AutoRevert: true } };
      const job = (image: string, rev: number) => serviceJob('web', { Meta: { rev: String(rev) } }, update, image);
      await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job('ghcr.io/acme/web:1.0.0', 0) });
      await sim.settle();
      // Five versions that never deploy (each replaces the one before), then a failing one.
      for (let rev = 1; rev <= 5; rev++) await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job('ghcr.io/acme/web:1.0.0', rev) });
      await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job('ghcr.io/acme/web:broken', 6) });
      const held = (await http<{ Versions: Job[] }>('GET', `${sim.nomadUrl}/v1/job/web/versions`)).json.Versions;
      expect(held.map((j) => [j.Version, j.Stable])).toEqual([[6, false], [5, false], [4, false], [3, false], [2, false], [0, true]]);
      await sim.settle();
      const d = (await http<Deployment[]>('GET', `${sim.nomadUrl}/v1/job/web/deployments`)).json.find((x) => x.JobVersion === 6);
      expect(d?.StatusDescription).toBe('Failed due to unhealthy allocations - rolling back to job version 0');
      const now = (await http<Job>('GET', `${sim.nomadUrl}/v1/job/web`)).json;
      expect(now).toMatchObject({ Version: 7, Stable: true, Meta: { rev: '0' } });
      const versions = (await http<{ Versions: Job[] }>('GET', `${sim.nomadUrl}/v1/job/web/versions`)).json.Versions;
      expect(versions.map((j) => j.Version)).toEqual([7, 6, 5, 4, 3, 0]);
      expect(sim.errors).toEqual([]);
    } finally {
      await sim.stop();
    }
  });

  test('untagging a version past the six newest untagged ones drops the oldest, as any version write does', async () => {
    const sim = await Simulator.start({ clock: new FakeClock(Date.UTC(2026, 0, 1)), seed: 6 });
    try {
      const job = (rev: number) => serviceJob('web', { Meta: { rev: String(rev) } }, { Update: { MaxParallel: 0 } });
      await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job(0) });
      expect((await http('PUT', `${sim.nomadUrl}/v1/job/web/versions/golden/tag`, { Version: 0 })).status).toBe(200);
      for (let rev = 1; rev <= 6; rev++) await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job(rev) });
      const versions = async () => (await http<{ Versions: Job[] }>('GET', `${sim.nomadUrl}/v1/job/web/versions`)).json.Versions.map((j) => j.Version);
      expect(await versions()).toEqual([6, 5, 4, 3, 2, 1, 0]);
      expect((await http('DELETE', `${sim.nomadUrl}/v1/job/web/versions/golden/tag`)).status).toBe(200);
      expect(await versions()).toEqual([6, 5, 4, 3, 2, 1]);
      // Tagging again writes the version row and trims once more: six untagged versions stay.
      expect((await http('PUT', `${sim.nomadUrl}/v1/job/web/versions/again/tag`, { Version: 1 })).status).toBe(200);
      expect(await versions()).toEqual([6, 5, 4, 3, 2, 1]);
      await sim.settle();
      expect(sim.errors).toEqual([]);
    } finally {
      await sim.stop();
    }
  });

  test('untagging the newest stable version past the six newest untagged ones keeps it and drops the one before', async () => {
    const sim = await Simulator.start({ clock: new FakeClock(Date.UTC(2026, 0, 1)), seed: 6 });
    try {
      const job = (rev: number) => serviceJob('web', { Meta: { rev: String(rev) } });
      await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job(0) });
      await sim.settle();
      expect((await http('PUT', `${sim.nomadUrl}/v1/job/web/versions/golden/tag`, { Version: 0 })).status).toBe(200);
      for (let rev = 1; rev <= 6; rev++) await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job(rev) });
      await http('DELETE', `${sim.nomadUrl}/v1/job/web/versions/golden/tag`);
      const held = (await http<{ Versions: Job[] }>('GET', `${sim.nomadUrl}/v1/job/web/versions`)).json.Versions;
      expect(held.map((j) => [j.Version, j.Stable, j.VersionTag])).toEqual([[6, false, null], [5, false, null], [4, false, null], [3, false, null], [2, false, null], [0, true, null]]);
    } finally {
      await sim.stop();
    }
  });

  test('a version tagged on the stored job is never dropped', async () => {
    const sim = await Simulator.start({ clock: new FakeClock(Date.UTC(2026, 0, 1)), seed: 6 });
    try {
      const job = (rev: number) => serviceJob('web', { Meta: { rev: String(rev) } }, { Update: { MaxParallel: 0 } });
      await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job(0) });
      const rec = sim.cluster.record('default', 'web');
      if (!rec) throw new Error('no job');
      rec.versions = rec.versions.map((j) => (j.Version === 0 ? { ...j, VersionTag: tag } : j));
      for (let rev = 1; rev <= 8; rev++) await http('POST', `${sim.nomadUrl}/v1/jobs`, { Job: job(rev) });
      const versions = (await http<{ Versions: Job[] }>('GET', `${sim.nomadUrl}/v1/job/web/versions`)).json.Versions;
      expect(versions.map((j) => j.Version)).toEqual([8, 7, 6, 5, 4, 3, 0]);
      await sim.settle();
      expect(sim.errors).toEqual([]);
    } finally {
      await sim.stop();
    }
  });
});
