/**
 * What a write costs a running service, and when the operator writes at all: job Meta holds only what never
 * moves (so a count change keeps the allocations), writes are decided from the operator's own hash and
 * index (never from Nomad's plan diff, which is blind to spreads, task lifecycles and update stagger), and
 * the record of a write survives a failing Consul without a second write to Nomad.
 */
import type { Job } from '../../../lib/core/nomad/types';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { renderSpec } from '../../../lib/core/pipeline';
import { jobHash } from '../../../lib/core/hash';
import { EXAMPLE_SPECS } from '../../../lib/dev/example-specs';
import { spec, startHarness, type Harness } from './harness';

const KEY = 'web/t-web-shop';

/** The IDs of the job's allocations that are meant to run, sorted. */
async function runningAllocIds(h: Harness, ns: string, id: string): Promise<string[]> {
  const allocs = (await h.nomad.jobAllocations(ns, id)).items;
  return allocs.filter((a) => a.DesiredStatus === 'run').map((a) => a.ID).sort();
}

/** Registers `job` by hand (as a human with `nomad job run` would), check-and-set on its current index. */
async function editByHand(h: Harness, edit: (job: Job) => void): Promise<void> {
  const live = (await h.nomad.readJob('web', 't-web-shop')) as Job;
  const job = structuredClone(live);
  edit(job);
  await h.nomad.registerJob({ namespace: 'web', Job: job, EnforceIndex: true, JobModifyIndex: live.JobModifyIndex });
  await h.sim.settle();
}

/** Restarts the operator with a render function that changes the rendered job after the pipeline (a policy or platform change). */
function restartWithRender(h: Harness, change: (job: Job) => void): void {
  h.restart(undefined, (input) => {
    const r = renderSpec(input, { config: h.config, policy: defaultPolicy() });
    if (r.job) {
      change(r.job);
      r.hash = jobHash(r.job);
    }
    return r;
  });
}

describe('reconciler: writes keep what Nomad would keep', () => {
  let h: Harness;
  beforeEach(async () => { h = await startHarness(); });
  afterEach(async () => { await h.close(); });

  it('a count change in git keeps the running allocations (same IDs, updated in place) and places only the difference', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { count: 2 }));
    h.repo.commitAndPush('shop');
    await h.converge();
    const before = await runningAllocIds(h, 'web', 't-web-shop');
    expect(before).toHaveLength(2);

    h.repo.write('web/shop/nomadgen.toml', spec('shop', { count: 4 }));
    h.repo.commitAndPush('shop: 4 instances');
    await h.converge();
    const after = await runningAllocIds(h, 'web', 't-web-shop');
    expect(after).toHaveLength(4);
    expect(after).toEqual(expect.arrayContaining(before));
    const job = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    const allocs = (await h.nomad.jobAllocations('web', 't-web-shop')).items.filter((a) => a.DesiredStatus === 'run');
    expect(allocs.every((a) => a.JobVersion === job.Version && a.ClientStatus === 'running')).toBe(true);
    const st = h.manager.status().jobs.find((j) => j.key === KEY);
    expect(st?.phase).toBe('Healthy');
    expect(st?.allocImpact?.join('\n')).toMatch(/group\[main\]: 2 in-place, 2 place/);
  });

  it('make dev\'s first suggested step (the example shop, count 2 -> 4 by its sed) keeps the running allocations', async () => {
    const shop = EXAMPLE_SPECS.find((e) => e.path === 'web/shop/nomadgen.toml') as { path: string; text: string };
    h.repo.write(shop.path, shop.text);
    h.repo.commitAndPush('shop');
    await h.converge();
    const before = await runningAllocIds(h, 'web', 'p-web-shop');
    expect(before).toHaveLength(2);
    h.repo.write(shop.path, shop.text.replace(/count = 2 /, 'count = 4 '));
    h.repo.commitAndPush('shop: 4 instances');
    await h.converge();
    const after = await runningAllocIds(h, 'web', 'p-web-shop');
    expect(after).toHaveLength(4);
    expect(after).toEqual(expect.arrayContaining(before));
    expect(h.manager.status().jobs.find((j) => j.key === 'web/p-web-shop')?.phase).toBe('Healthy');
  });

  it('an image change replaces the allocations', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    const before = await runningAllocIds(h, 'web', 't-web-shop');
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { image: 'registry.internal/acme/shop:1.1.0' }));
    h.repo.commitAndPush('shop 1.1.0');
    await h.converge();
    const after = await runningAllocIds(h, 'web', 't-web-shop');
    expect(after).toHaveLength(2);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
    expect(h.manager.status().jobs.find((j) => j.key === KEY)?.phase).toBe('Healthy');
  });

  it('a commit that changes one spec touches no other job (no new version, same allocations)', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog'));
    h.repo.commitAndPush('two');
    await h.converge();
    const blog = (await h.nomad.readJob('web', 't-web-blog')) as Job;
    const blogAllocs = await runningAllocIds(h, 'web', 't-web-blog');
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { count: 4 }));
    h.repo.commitAndPush('shop: 4 instances');
    await h.converge();
    const after = (await h.nomad.readJob('web', 't-web-blog')) as Job;
    expect([after.Version, after.JobModifyIndex]).toEqual([blog.Version, blog.JobModifyIndex]);
    expect(await runningAllocIds(h, 'web', 't-web-blog')).toEqual(blogAllocs);
  });

  it.each([
    ['a spread-only change', (j: Job) => { j.TaskGroups[0].Spreads = [{ Attribute: '${node.datacenter}', Weight: 60, SpreadTarget: [{ Value: 'dc1', Percent: 50 }, { Value: 'dc2', Percent: 50 }] }]; }],
    ['a lifecycle-only change', (j: Job) => { j.TaskGroups[0].Tasks[0].Lifecycle = { Hook: 'poststart', Sidecar: true }; }],
    ['an update-stagger-only change', (j: Job) => { j.TaskGroups[0].Update = { ...(j.TaskGroups[0].Update ?? {}), Stagger: 45_000_000_000 }; }],
  ])('%s in the desired job is written, though Nomad\'s plan diff cannot see it', async (_name, change) => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    const before = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    restartWithRender(h, change);
    await h.converge();
    const after = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    expect(after.JobModifyIndex).toBeGreaterThan(before.JobModifyIndex ?? 0);
    const expected = structuredClone(after);
    change(expected);
    expect(JSON.stringify(after.TaskGroups[0].Spreads)).toBe(JSON.stringify(expected.TaskGroups[0].Spreads));
    expect(after.TaskGroups[0].Tasks[0].Lifecycle ?? null).toEqual(expected.TaskGroups[0].Tasks[0].Lifecycle ?? null);
    expect(after.TaskGroups[0].Update?.Stagger).toBe(expected.TaskGroups[0].Update?.Stagger);
    // And once written, the next pass is one call again.
    await h.converge();
    h.sim.resetRequestCounts();
    expect((await h.manager.pass()).enqueue).toEqual([]);
    expect(h.sim.requestCounts('nomad')).toEqual({ 'GET /v1/jobs': 1 });
  });

  it.each([
    ['a spread', (j: Job) => { (j.TaskGroups[0].Spreads ?? [])[0].Weight = 20; }],
    ['a task lifecycle', (j: Job) => { j.TaskGroups[0].Tasks[0].Lifecycle = { Hook: 'poststart', Sidecar: true }; }],
    ['the update stagger', (j: Job) => { j.TaskGroups[0].Update = { ...(j.TaskGroups[0].Update ?? {}), Stagger: 7_000_000_000 }; }],
  ])('%s changed by hand is reverted, though Nomad\'s plan diff cannot see it', async (_name, edit) => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    const desired = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    await editByHand(h, edit);
    await h.converge();
    const after = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    expect(JSON.stringify(after.TaskGroups[0].Spreads)).toBe(JSON.stringify(desired.TaskGroups[0].Spreads));
    expect(after.TaskGroups[0].Tasks[0].Lifecycle ?? null).toEqual(desired.TaskGroups[0].Tasks[0].Lifecycle ?? null);
    expect(after.TaskGroups[0].Update?.Stagger).toBe(desired.TaskGroups[0].Update?.Stagger);
    expect(h.manager.status().jobs.find((j) => j.key === KEY)?.history.map((e) => e.event)).toContain('DriftReverted');
  });

  it('an operator that starts with an empty state store verifies with a read and registers nothing already as desired', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    const before = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    await h.consul.kvDelete(`${h.config.reconcile.statePrefix}/`, { recurse: true });
    h.restart();
    h.sim.resetRequestCounts();
    await h.converge();
    const counts = h.sim.requestCounts('nomad');
    expect(Object.keys(counts).filter((r) => r.startsWith('POST') && !r.includes('plan'))).toEqual([]);
    expect(counts['GET /v1/job/:id']).toBeGreaterThanOrEqual(1);
    const after = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    expect([after.Version, after.JobModifyIndex]).toEqual([before.Version, before.JobModifyIndex]);
    expect(h.deps.state.get(KEY)).toMatchObject({ jobModifyIndex: before.JobModifyIndex, scheme: 2 });
    h.sim.resetRequestCounts();
    expect((await h.manager.pass()).enqueue).toEqual([]);
    expect(h.sim.requestCounts('nomad')).toEqual({ 'GET /v1/jobs': 1 });
  });

  it('a job an older release wrote (bookkeeping in job Meta, a record without a hash scheme) is verified, not rewritten; its legacy keys go at its next real change', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    const commit = h.repo.commitAndPush('shop');
    await h.converge();
    const written = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    const legacyMeta = { ...written.Meta, 'nomadguard.hash': 'hash-of-an-older-release', 'nomadguard.commit': commit, 'nomadguard.modifications': 'spread,update,traefik,ipv6' };
    const older = await h.nomad.registerJob({ namespace: 'web', Job: { ...written, Meta: legacyMeta }, EnforceIndex: true, JobModifyIndex: written.JobModifyIndex });
    await h.deps.state.put(KEY, { jobModifyIndex: older.JobModifyIndex, hash: 'hash-of-an-older-release', commit, spec: 'web/shop/nomadgen.toml' });
    await h.sim.settle();
    const before = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    const allocs = await runningAllocIds(h, 'web', 't-web-shop');

    h.restart();
    h.sim.resetRequestCounts();
    await h.converge();
    const counts = h.sim.requestCounts('nomad');
    expect(Object.keys(counts).filter((r) => r.startsWith('POST') && !r.includes('plan'))).toEqual([]);
    const after = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    expect([after.Version, after.JobModifyIndex]).toEqual([before.Version, before.JobModifyIndex]);
    expect(after.Meta?.['nomadguard.hash']).toBe('hash-of-an-older-release');
    expect(await runningAllocIds(h, 'web', 't-web-shop')).toEqual(allocs);
    expect(h.deps.state.get(KEY)).toMatchObject({ jobModifyIndex: before.JobModifyIndex, scheme: 2 });

    h.repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 256 }));
    h.repo.commitAndPush('shop: more memory');
    await h.converge();
    const changed = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    expect(changed.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(256);
    for (const k of ['nomadguard.hash', 'nomadguard.commit', 'nomadguard.modifications']) expect(changed.Meta).not.toHaveProperty([k]);
  });

  it('the record of a write that Consul KV refused is retried until it lands, without a second register', async () => {
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    h.sim.fault({ route: 'PUT /v1/kv/:key*', api: 'consul', kind: 'error', status: 500, body: 'rpc error: No cluster leader', count: 3 });
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 256 }));
    h.repo.commitAndPush('shop: more memory');
    h.sim.resetRequestCounts();
    await h.manager.pass();
    await h.manager.drain();
    const failing = h.manager.status().jobs.find((j) => j.key === KEY);
    expect(failing?.lastError?.reason).toBe('StateStoreUnavailable');
    expect(failing?.lastError?.message).toMatch(/consul/i);
    await h.converge();
    expect(h.sim.requestCounts('nomad')['POST /v1/jobs'] ?? 0).toBe(1);
    const job = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    const kv = await h.consul.kvGet(`${h.config.reconcile.statePrefix}/jobs/web/t-web-shop`);
    expect(JSON.parse(kv.value?.Value ?? '{}')).toMatchObject({ jobModifyIndex: job.JobModifyIndex, scheme: 2 });
    expect(h.manager.status().jobs.find((j) => j.key === KEY)?.phase).toBe('Healthy');
  });
});

describe('reconciler: a cluster shared by two sources', () => {
  let h: Harness;
  beforeEach(async () => { h = await startHarness(); });
  afterEach(async () => { await h.close(); });

  it('another source\'s job is neither touched nor reported, so `run --once` can converge', async () => {
    await h.nomad.upsertNamespace({ Name: 'ops' });
    const theirs = { ID: 'p-ops-theirs', Name: 'p-ops-theirs', Namespace: 'ops', Datacenters: ['dc1'], Type: 'service', Meta: { 'nomadguard.managed': 'true', 'nomadguard.source': 'another-repo', 'nomadguard.spec': 'ops/theirs/nomadgen.toml' }, TaskGroups: [{ Name: 'main', Count: 1, Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: 'registry.internal/ops/theirs:1.0.0' } }] }] } as Job;
    const registered = await h.nomad.registerJob({ namespace: 'ops', Job: theirs });
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    expect(h.manager.status().jobs.map((j) => [j.key, j.phase])).toEqual([[KEY, 'Healthy']]);
    expect((await h.nomad.readJob('ops', 'p-ops-theirs'))?.JobModifyIndex).toBe(registered.JobModifyIndex);
  });
});

describe('reconciler: version tags name the commit a version came from (Nomad 1.9+)', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  it('tags the version the operator wrote with git-<12 hex>, the commit subject and the spec path', async () => {
    h = await startHarness({ version: '1.10.3' });
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    const c1 = h.repo.commitAndPush('shop: first deploy');
    await h.converge();
    const versions = (await h.nomad.jobVersions('web', 't-web-shop')).versions;
    const tagged = versions.find((v) => v.VersionTag);
    expect(tagged?.VersionTag).toMatchObject({ Name: `git-${c1.slice(0, 12)}`, Description: 'shop: first deploy (web/shop/nomadgen.toml)' });
    expect(h.manager.status().jobs.find((j) => j.key === KEY)?.phase).toBe('Healthy');
  });

  it.each([
    ['below Nomad 1.9', { version: '1.8.4' }],
    ['when the config turns it off', { reconcile: { versionTags: false } }],
  ])('skips tagging %s, and the write and its follow are not affected', async (_when, o) => {
    h = await startHarness(o);
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    expect(Object.keys(h.sim.requestCounts('nomad')).filter((r) => r.includes('tag'))).toEqual([]);
    expect(h.manager.status().jobs.find((j) => j.key === KEY)?.phase).toBe('Healthy');
  });
});
