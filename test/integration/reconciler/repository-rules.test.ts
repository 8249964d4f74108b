import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { policyFrom } from '../../../crd-schemas/policy';
import { renderSpec } from '../../../lib/core/pipeline';
import { GitSpecSource } from '../../../lib/adapters/git-spec-source';
import { DesiredState } from '../../../controllers/job-sync/desired-state';
import { TestRepo } from '../../helpers/git-repo';
import { spec, startHarness, type Harness } from './harness';

/** The status of a key, or of a keyless spec (its spec path). */
function statusOf(h: Harness, key: string) {
  return h.manager.status().jobs.find((j) => j.key === key);
}

describe('reconciler: two specs claiming one job ID or one host', () => {
  let h: Harness;
  beforeEach(async () => { h = await startHarness(); });
  afterEach(async () => { await h.close(); });

  it('x/y-z and x-y/z both give t-x-y-z: the first by path is deployed, the other is Invalid naming it', async () => {
    h.repo.write('x/y-z/nomadgen.toml', spec('y-z')).write('x-y/z/nomadgen.toml', spec('z')).write('data/cache/nomadgen.toml', spec('cache'));
    h.repo.commitAndPush('three specs, two with one job ID');
    await h.converge();
    // "x-y/z/..." sorts before "x/y-z/..." ("-" before "/"): it holds the job ID.
    expect((await h.nomad.readJob('x-y', 't-x-y-z'))?.Meta?.['nomadguard.spec']).toBe('x-y/z/nomadgen.toml');
    expect(await h.nomad.readJob('x', 't-x-y-z')).toBeUndefined();
    const loser = statusOf(h, 'x/t-x-y-z');
    expect(loser?.phase).toBe('Invalid');
    expect(loser?.conditions.find((c) => c.type === 'Synced')?.message).toContain('x-y/z/nomadgen.toml');
    expect(loser?.conditions.find((c) => c.type === 'Synced')?.message).toContain('t-x-y-z');
    expect(statusOf(h, 'x-y/t-x-y-z')?.phase).toBe('Healthy');
    expect(statusOf(h, 'data/t-data-cache')?.phase).toBe('Healthy');
  });

  it('a spec added later never takes the job ID of a running service, whatever its path', async () => {
    h.repo.write('x/y-z/nomadgen.toml', spec('y-z')).write('data/cache/nomadgen.toml', spec('cache'));
    h.repo.commitAndPush('the holder');
    await h.converge();
    const holder = await h.nomad.readJob('x', 't-x-y-z');
    const cache = await h.nomad.readJob('data', 't-data-cache');
    expect(holder?.Meta?.['nomadguard.spec']).toBe('x/y-z/nomadgen.toml');

    h.repo.write('x-y/z/nomadgen.toml', spec('z', { image: 'registry.internal/evil/z:1.0.0' }));
    h.repo.commitAndPush('a clashing spec, earlier by path');
    await h.converge();
    expect(await h.nomad.readJob('x-y', 't-x-y-z')).toBeUndefined();
    const after = await h.nomad.readJob('x', 't-x-y-z');
    expect(after?.JobModifyIndex).toBe(holder?.JobModifyIndex);
    expect((await h.nomad.readJob('data', 't-data-cache'))?.JobModifyIndex).toBe(cache?.JobModifyIndex);
    const loser = statusOf(h, 'x-y/t-x-y-z');
    expect(loser?.phase).toBe('Invalid');
    expect(loser?.conditions.find((c) => c.type === 'Synced')?.message).toContain('x/y-z/nomadgen.toml');
    expect(statusOf(h, 'x/t-x-y-z')?.phase).toBe('Healthy');
  });

  it("a job whose task service is named like another team's job: the running one keeps the service name", async () => {
    // Job t-x-y exposes two tasks, so its services are t-x-y-w and t-x-y-z; x-y/z would register t-x-y-z too.
    const twoTasks = `${spec('y')}  http   = { expose = true }\n\n  [[group.task]]\n  name   = "z"\n  image  = "registry.internal/acme/z:1.0.0"\n  port   = 8081\n  check  = { type = "http", path = "/health" }\n`.replace('name   = "y"', 'name   = "w"');
    h.repo.write('x/y/nomadgen.toml', twoTasks);
    h.repo.commitAndPush('two exposed tasks');
    await h.converge();
    const holder = await h.nomad.readJob('x', 't-x-y');
    expect(holder?.TaskGroups[0].Tasks.map((t) => t.Services?.[0].Name)).toEqual(['t-x-y-w', 't-x-y-z']);
    h.repo.write('x-y/z/nomadgen.toml', spec('z'));
    h.repo.commitAndPush('a job named like the service');
    await h.converge();
    expect(await h.nomad.readJob('x-y', 't-x-y-z')).toBeUndefined();
    expect((await h.nomad.readJob('x', 't-x-y'))?.JobModifyIndex).toBe(holder?.JobModifyIndex);
    const loser = statusOf(h, 'x-y/t-x-y-z');
    expect(loser?.phase).toBe('Invalid');
    expect(loser?.conditions.find((c) => c.type === 'Synced')?.message).toContain('x/y/nomadgen.toml');
  });

  /** x/app: job t-x-app with tasks web and api, so its services are t-x-app-api and t-x-app-web. */
  const appWebApi = (cpu = 100) =>
    `${spec('app')}\n  [[group.task]]\n  name   = "api"\n  image  = "registry.internal/acme/api:1.0.0"\n  cpu    = ${cpu}\n  memory = 128\n  port   = 8081\n  check  = { type = "http", path = "/health" }\n`.replace('name   = "app"', 'name   = "web"');

  it.each([
    ['a validator error', appWebApi(10_000_000)],
    ['a spec that renders nothing', `${appWebApi()}  memroy = 512\n`],
  ])("a running job whose spec turns invalid (%s) keeps its services: another team's new job cannot take one", async (_what, broken) => {
    h.repo.write('x/app/nomadgen.toml', appWebApi());
    h.repo.commitAndPush('two tasks');
    await h.converge();
    const holder = await h.nomad.readJob('x', 't-x-app');
    expect(holder?.TaskGroups[0].Tasks.map((t) => t.Services?.[0].Name)).toEqual(['t-x-app-web', 't-x-app-api']);
    h.repo.write('x/app/nomadgen.toml', broken).write('x-app/web/nomadgen.toml', spec('web'));
    h.repo.commitAndPush('the holder breaks; a job named like its service');
    await h.converge();
    expect(statusOf(h, 'x/t-x-app')?.phase ?? statusOf(h, 'x/app/nomadgen.toml')?.phase).toBe('Invalid');
    expect((await h.nomad.readJob('x', 't-x-app'))?.JobModifyIndex).toBe(holder?.JobModifyIndex);
    expect(await h.nomad.readJob('x-app', 't-x-app-web')).toBeUndefined();
    const loser = statusOf(h, 'x-app/t-x-app-web');
    expect(loser?.phase).toBe('Invalid');
    expect(loser?.conditions.find((c) => c.type === 'Synced')?.message).toContain('x/app/nomadgen.toml');

    h.repo.write('x/app/nomadgen.toml', spec('app'));
    h.repo.commitAndPush('the holder is valid again, with one task');
    await h.converge();
    expect((await h.nomad.readJob('x', 't-x-app'))?.TaskGroups[0].Tasks.map((t) => t.Services?.[0].Name)).toEqual(['t-x-app']);
    expect((await h.nomad.readJob('x-app', 't-x-app-web'))?.Meta?.['nomadguard.spec']).toBe('x-app/web/nomadgen.toml');
  });

  it("an operator restarted after the holder broke and a job named like its service was added still refuses that job", async () => {
    h.repo.write('x/app/nomadgen.toml', appWebApi());
    h.repo.commitAndPush('two tasks');
    await h.converge();
    const holder = await h.nomad.readJob('x', 't-x-app');
    // While the operator is down: the holder breaks, and another team adds a job named like its service.
    h.repo.write('x/app/nomadgen.toml', `${appWebApi()}  memroy = 512\n`).write('x-app/web/nomadgen.toml', spec('web'));
    h.repo.commitAndPush('the holder breaks; a job named like its service');
    h.restart();
    await h.converge({ full: true });
    expect((await h.nomad.readJob('x', 't-x-app'))?.JobModifyIndex).toBe(holder?.JobModifyIndex);
    expect(await h.nomad.readJob('x-app', 't-x-app-web')).toBeUndefined();
    expect(statusOf(h, 'x-app/t-x-app-web')?.phase).toBe('Invalid');
  });

  it('a running job named like the service of a job whose spec turns invalid keeps deploying', async () => {
    h.repo.write('x/app/nomadgen.toml', spec('app')).write('x-app/web/nomadgen.toml', spec('web'));
    h.repo.commitAndPush('two jobs side by side');
    await h.converge();
    h.repo.write('x/app/nomadgen.toml', `${spec('app')}  memroy = 512\n`).write('x-app/web/nomadgen.toml', spec('web', { memory: 256 }));
    h.repo.commitAndPush('one breaks, the other changes');
    await h.converge();
    expect((await h.nomad.readJob('x-app', 't-x-app-web'))?.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(256);
    expect(statusOf(h, 'x-app/t-x-app-web')?.phase).toBe('Healthy');
  });

  it('two specs of one team naming one job: the running one keeps it, the later one is Invalid naming it', async () => {
    h.repo.write('web/shop-b/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    const before = await h.nomad.readJob('web', 't-web-shop');
    h.repo.write('web/shop-a/nomadgen.toml', spec('shop', { image: 'registry.internal/evil/shop:1.0.0' }));
    h.repo.commitAndPush('a second shop, earlier by path');
    await h.converge();
    const after = await h.nomad.readJob('web', 't-web-shop');
    expect(after?.JobModifyIndex).toBe(before?.JobModifyIndex);
    expect(after?.Meta?.['nomadguard.spec']).toBe('web/shop-b/nomadgen.toml');
    const loser = statusOf(h, 'web/shop-a/nomadgen.toml');
    expect(loser?.phase).toBe('Invalid');
    expect(loser?.conditions.find((c) => c.type === 'Synced')?.message).toContain('web/shop-b/nomadgen.toml');
  });
});

describe('desired state: the host rule and the live view', () => {
  // With uniqueJobId switched off, x/y-z and x-y/z still clash by their host t-x-y-z.<domain>.
  const policy = policyFrom({ rules: { uniqueJobId: { enabled: false } } });
  const config = defaultOperatorConfig({});
  let repo: TestRepo;
  beforeEach(() => {
    repo = TestRepo.create();
    repo.write('x/y-z/nomadgen.toml', spec('y-z')).write('x-y/z/nomadgen.toml', spec('z'));
    repo.commitAndPush('two specs, one host');
  });
  afterEach(() => repo.cleanup());

  const desiredState = (holders?: Map<string, string>) =>
    new DesiredState(
      new GitSpecSource({ repo: repo.remote, branch: 'main', workDir: repo.tempDir(`work-${holders ? 'live' : 'none'}.git`) }),
      (input) => renderSpec(input, { config, policy }),
      { sourceId: 'specs', defaultMode: 'self-heal', policy, ...(holders ? { holders: () => holders } : {}) },
    );

  it('without a live view the first by path keeps the host; the other is invalid with DUPLICATE_HOST naming it', async () => {
    const d = desiredState();
    expect((await d.refresh()).ok).toBe(true);
    expect(d.get('x-y/t-x-y-z')?.state).toBe('valid');
    const loser = d.atSpec('x/y-z/nomadgen.toml');
    expect(loser).toMatchObject({ state: 'invalid', key: 'x/t-x-y-z', diagnostics: [{ code: 'DUPLICATE_HOST', severity: 'error', file: 'x/y-z/nomadgen.toml' }] });
    if (loser?.state !== 'invalid') throw new Error('expected invalid');
    expect(loser.diagnostics[0].message).toContain('"t-x-y-z.cloud.internal.domain"');
    expect(loser.diagnostics[0].message).toContain('x-y/z/nomadgen.toml');
  });

  it('the spec the live job names keeps the host, even when it is later by path', async () => {
    const d = desiredState(new Map([['x/t-x-y-z', 'x/y-z/nomadgen.toml']]));
    expect((await d.refresh()).ok).toBe(true);
    expect(d.get('x/t-x-y-z')?.state).toBe('valid');
    expect(d.atSpec('x-y/z/nomadgen.toml')).toMatchObject({ state: 'invalid', diagnostics: [{ code: 'DUPLICATE_HOST', message: expect.stringContaining('x/y-z/nomadgen.toml') }] });
  });

  it('a displaced spec deploys once the holder is deleted', async () => {
    const d = desiredState();
    await d.refresh();
    repo.rm('x-y/z/nomadgen.toml');
    repo.commitAndPush('the holder goes');
    await d.refresh();
    expect(d.get('x/t-x-y-z')?.state).toBe('valid');
    expect(d.entries().map((e) => [e.spec, e.state])).toEqual([['x/y-z/nomadgen.toml', 'valid']]);
  });
});
