/**
 * Adoption against the simulator: a job an older pipeline (or a human) deployed without the nomadguard
 * marker is taken over by the spec naming its ID when its namespace or team is enabled for adoption, at
 * its live JobModifyIndex; when only the marker differs nothing is written and every allocation keeps
 * running. Elsewhere it stays `UnmanagedJobExists`, and a job another source manages is never adopted.
 */
import type { Job } from '../../../lib/core/nomad/types';
import { withoutMarker } from '../../../lib/core/plan';
import { planReport } from '../../../controllers/plan-report';
import { main } from '../../../lib/cli/main';
import { spec, startHarness, type Harness } from './harness';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const FILE = 'web/shop/nomadgen.toml';

/** Deploys `text` rendered for web/shop by hand, without the marker (as the old pipeline did), and waits for it to run. */
async function deployByHand(hh: Harness, text: string, edit: (j: Job) => Job = (j) => j): Promise<{ job: Job; allocs: string[] }> {
  const r = hh.deps.render({ text, file: FILE, team: 'web', source: 'specs-repo' });
  if (!r.job) throw new Error(JSON.stringify(r.diagnostics));
  await hh.nomad.upsertNamespace({ Name: 'web' });
  await hh.nomad.registerJob({ namespace: 'web', Job: edit(withoutMarker(r.job)) });
  for (let i = 0; i < 5; i++) {
    await hh.sim.settle();
    await hh.clock.advance(1000);
  }
  const job = (await hh.nomad.readJob('web', 't-web-shop')) as Job;
  return { job, allocs: await runningAllocs(hh) };
}

async function runningAllocs(hh: Harness): Promise<string[]> {
  const { items: value } = await hh.nomad.jobAllocations('web', 't-web-shop');
  return value.filter((a) => a.DesiredStatus === 'run').map((a) => a.ID).sort();
}

function synced(hh: Harness): { reason?: string; message?: string } | undefined {
  return hh.manager.status().jobs.find((j) => j.key === 'web/t-web-shop')?.conditions.find((c) => c.type === 'Synced');
}

describe('adoption', () => {
  it('takes over a job whose only difference is the marker without a write: its allocations keep their IDs', async () => {
    h = await startHarness({ reconcile: { adopt: { namespaces: ['web'], teams: [] } } });
    const { job, allocs } = await deployByHand(h, spec('shop'));
    expect(allocs).toHaveLength(2);
    h.repo.write(FILE, spec('shop'));
    h.repo.commitAndPush('shop');

    const plan = await planReport(h.deps);
    expect(plan.entries).toEqual([expect.objectContaining({ subject: 'job/web/t-web-shop', action: 'adopt', write: false })]);
    expect(plan.changes).toBe(false);

    await h.converge();
    const after = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    expect(after.JobModifyIndex).toBe(job.JobModifyIndex);
    expect(after.Version).toBe(job.Version);
    expect(await runningAllocs(h)).toEqual(allocs);
    expect(synced(h)?.reason).toBe('Adopted');
    expect(h.deps.state.get('web/t-web-shop')).toMatchObject({ adopted: true, jobModifyIndex: job.JobModifyIndex });

    // Owned from now on: a count change is written (without the marker) and Nomad keeps the running allocations.
    h.repo.write(FILE, spec('shop', { count: 4 }));
    h.repo.commitAndPush('shop x4');
    await h.converge();
    const scaled = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    expect(scaled.TaskGroups[0].Count).toBe(4);
    expect(scaled.Meta?.['nomadguard.managed']).toBeUndefined();
    const now = await runningAllocs(h);
    expect(now).toHaveLength(4);
    expect(now).toEqual(expect.arrayContaining(allocs));

    // A hand edit of an adopted job is drift like any other, reverted by self-heal.
    await h.nomad.registerJob({ namespace: 'web', Job: { ...scaled, TaskGroups: [{ ...scaled.TaskGroups[0], Count: 1 }] } });
    await h.converge();
    expect((await h.nomad.readJob('web', 't-web-shop'))?.TaskGroups[0].Count).toBe(4);

    // Its spec removed, an adopted job is pruned like any job the operator owns.
    h.repo.rm(FILE);
    h.repo.commitAndPush('shop gone');
    await h.converge();
    expect(synced(h)?.reason).toBe('PruneGuard'); // the only job of its namespace: the guard asks first
    await h.converge({ confirmPrune: new Set(['web']) });
    expect((await h.nomad.readJob('web', 't-web-shop'))?.Stop).toBe(true);
    expect(h.deps.state.get('web/t-web-shop')).toBeUndefined();
  });

  it('adopts a job that differs from its spec by writing the spec at the live JobModifyIndex; plan shows the diff and the allocation impact', async () => {
    h = await startHarness({ reconcile: { adopt: { namespaces: [], teams: ['web'] } } });
    const { job } = await deployByHand(h, spec('shop'), (j) => ({ ...j, TaskGroups: [{ ...j.TaskGroups[0], Count: 1 }] }));
    h.repo.write(FILE, spec('shop'));
    h.repo.commitAndPush('shop');
    const plan = await planReport(h.deps);
    const entry = plan.entries.find((e) => e.subject === 'job/web/t-web-shop');
    expect(entry).toMatchObject({ action: 'adopt', write: true });
    expect(entry?.impact?.join('\n')).toMatch(/group\[main\]: .*1 place/);
    expect(plan.changes).toBe(true);
    const before = await runningAllocs(h);
    await h.converge();
    const after = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    expect(after.JobModifyIndex).toBeGreaterThan(job.JobModifyIndex as number);
    expect(after.TaskGroups[0].Count).toBe(2);
    expect(after.Meta?.['nomadguard.managed']).toBeUndefined();
    expect(await runningAllocs(h)).toEqual(expect.arrayContaining(before));
    expect(h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop')?.history?.some((e) => e.event === 'Adopted')).toBe(true);
  });

  it('without adoption the job stays UnmanagedJobExists and untouched', async () => {
    h = await startHarness();
    const { job, allocs } = await deployByHand(h, spec('shop'));
    h.repo.write(FILE, spec('shop'));
    h.repo.commitAndPush('shop');
    const plan = await planReport(h.deps);
    expect(plan.entries).toEqual([expect.objectContaining({ action: 'blocked', note: expect.stringContaining('UnmanagedJobExists') })]);
    await h.converge();
    expect((await h.nomad.readJob('web', 't-web-shop'))?.JobModifyIndex).toBe(job.JobModifyIndex);
    expect(await runningAllocs(h)).toEqual(allocs);
    expect(synced(h)?.reason).toBe('UnmanagedJobExists');
    expect(h.deps.state.get('web/t-web-shop')).toBeUndefined();
  });

  it('plan --adopt NS lists the adoption; without it the job is blocked', async () => {
    h = await startHarness();
    await deployByHand(h, spec('shop'));
    h.repo.write(FILE, spec('shop'));
    h.repo.commitAndPush('shop');
    const plan = async (...more: string[]): Promise<{ code: number; out: string }> => {
      let out = '';
      const env = { NOMAD_ADDR: h!.sim.nomadUrl, CONSUL_HTTP_ADDR: h!.sim.consulUrl, PATH: process.env.PATH };
      const code = await main(['plan', '--repo', h!.repo.remote, '--work-dir', h!.repo.tempDir('plan'), ...more], { stdout: (t) => { out += t; }, stderr: (t) => { out += t; }, env, cwd: h!.repo.dir, signal: new AbortController().signal });
      return { code, out };
    };
    const off = await plan();
    expect(off.out).toMatch(/^job\/web\/t-web-shop: blocked \(UnmanagedJobExists: /m);
    expect(off.code).toBe(0);
    const on = await plan('--adopt', 'web');
    expect(on.out).toMatch(/^job\/web\/t-web-shop: adopt \(taken over at JobModifyIndex \d+ without a write: only the nomadguard marker differs, the allocations keep running\)$/m);
    expect(on.out).toMatch(/, 1 to adopt\.\n$/);
    expect(on.code).toBe(0);
  });

  it('never adopts a job another source wrote, even in an adopted namespace', async () => {
    h = await startHarness({ reconcile: { adopt: { namespaces: ['web'], teams: [] } } });
    const { job } = await deployByHand(h, spec('shop'), (j) => ({ ...j, Meta: { ...(j.Meta ?? {}), 'nomadguard.source': 'other-repo' } }));
    h.repo.write(FILE, spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    expect((await h.nomad.readJob('web', 't-web-shop'))?.JobModifyIndex).toBe(job.JobModifyIndex);
    expect(synced(h)?.reason).toBe('OtherSource');
  });
});
