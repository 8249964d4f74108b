import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Job } from '../../../lib/core/nomad/types';
import { compareJobs, isSecretArgs, isSecretKey, type CompareOptions, type FieldChange } from '../../../lib/core/plan';
import { renderSpec } from '../../../lib/core/pipeline';
import { teamFromPath } from '../../../lib/core/spec/load';
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { EXAMPLE_SPECS } from '../../../lib/dev/example-specs';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { fixtureSpecs, renderFixture } from '../generate/golden-fixtures';
import { http } from '../sim/http';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'compare');
const read = (name: string): Job => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Job;

/**
 * The server-side job of the contract sample (`GET /v1/job/web` after registering it on Nomad 1.10–2.0 CE),
 * and the sparse API job that produced it. The check's `CheckRestart` is in the submitted job: Nomad stores
 * none for a check that sets no `check_restart` (api/services.go Service.Canonicalize), and the sample has one.
 */
const LIVE = read('nomad-job-read.json');
const DESIRED = read('desired-web.json');
const OPTS: CompareOptions = { serverVersion: '1.10.3', region: 'global' };

type Mutable = Record<string, unknown> & { TaskGroups: Array<Record<string, unknown> & { Tasks: Array<Record<string, unknown>>; Services: Array<Record<string, unknown> & { Checks: Array<Record<string, unknown>> }> }> };

/** The desired job with one change made by `edit`. */
function desiredWith(edit: (j: Mutable) => void): Job {
  const j = structuredClone(DESIRED) as unknown as Mutable;
  edit(j);
  return j as unknown as Job;
}

function liveWith(edit: (j: Mutable) => void): Job {
  const j = structuredClone(LIVE) as unknown as Mutable;
  edit(j);
  return j as unknown as Job;
}

const group = (j: Mutable) => j.TaskGroups[0];
const task = (j: Mutable) => j.TaskGroups[0].Tasks[0];
const svc = (j: Mutable) => j.TaskGroups[0].Services[0];

describe('compareJobs: the contract sample', () => {
  it('finds the submitted job equal to what Nomad stored for it', () => {
    expect(compareJobs(DESIRED, LIVE, OPTS)).toEqual({ equal: true, changes: [] });
  });

  it('finds it equal on the newest server and after a JSON round trip of either side', () => {
    expect(compareJobs(JSON.parse(JSON.stringify(DESIRED)) as Job, JSON.parse(JSON.stringify(LIVE)) as Job).equal).toBe(true);
  });

  it('finds the live job equal to itself, in either direction', () => {
    expect(compareJobs(LIVE, LIVE, OPTS).equal).toBe(true);
    expect(compareJobs(LIVE, DESIRED, OPTS).equal).toBe(true);
  });
});

describe('compareJobs: one case per kind of change', () => {
  const cases: Array<{ name: string; desired?: (j: Mutable) => void; live?: (j: Mutable) => void; opts?: CompareOptions; changes: FieldChange[] }> = [
    {
      name: 'a spread target only (the plan diff has no spreads)',
      desired: (j) => { j.Spreads = [{ Attribute: '${node.datacenter}', Weight: 100, SpreadTarget: [{ Value: 'dc1', Percent: 70 }, { Value: 'dc2', Percent: 30 }] }]; },
      changes: [
        { path: 'Spreads[0].SpreadTarget[dc1].Percent', kind: 'changed', old: '50', new: '70' },
        { path: 'Spreads[0].SpreadTarget[dc2].Percent', kind: 'changed', old: '50', new: '30' },
      ],
    },
    {
      name: 'a group spread added',
      desired: (j) => { group(j).Spreads = [{ Attribute: '${meta.rack}', SpreadTarget: [{ Value: 'r1', Percent: 100 }] }]; },
      changes: [{ path: 'TaskGroups[web].Spreads[0]', kind: 'added' }],
    },
    {
      name: 'tags where live has none: one change per tag',
      live: (j) => { svc(j).Tags = null; },
      desired: (j) => { svc(j).Tags = ['a', 'b']; },
      changes: [{ path: 'TaskGroups[web].Services[web].Tags', kind: 'added', new: 'a' }, { path: 'TaskGroups[web].Services[web].Tags', kind: 'added', new: 'b' }],
    },
    {
      name: 'a task lifecycle only (not in the plan diff)',
      desired: (j) => { task(j).Lifecycle = { Hook: 'prestart', Sidecar: true }; },
      changes: [{ path: 'TaskGroups[web].Tasks[app].Lifecycle', kind: 'added' }],
    },
    {
      name: 'the update stagger only (not in the plan diff)',
      desired: (j) => { group(j).Update = { Stagger: 60e9 }; },
      changes: [{ path: 'TaskGroups[web].Update.Stagger', kind: 'changed', old: '30000000000', new: '60000000000' }],
    },
    {
      name: 'the image',
      desired: (j) => { (task(j).Config as Record<string, unknown>).image = 'ghcr.io/acme/web:1.5.0'; },
      changes: [{ path: 'TaskGroups[web].Tasks[app].Config.image', kind: 'changed', old: 'ghcr.io/acme/web:1.4.2', new: 'ghcr.io/acme/web:1.5.0' }],
    },
    {
      name: 'an env value, secret: no value shown',
      desired: (j) => { task(j).Env = { APP_ENV: 'hunter2' }; },
      changes: [{ path: 'TaskGroups[web].Tasks[app].Env.APP_ENV', kind: 'changed', secret: true }],
    },
    {
      name: 'an env key added, secret',
      desired: (j) => { task(j).Env = { APP_ENV: 'prod', EXTRA: 'x' }; },
      changes: [{ path: 'TaskGroups[web].Tasks[app].Env.EXTRA', kind: 'added', secret: true }],
    },
    {
      name: 'the count',
      desired: (j) => { group(j).Count = 4; },
      changes: [{ path: 'TaskGroups[web].Count', kind: 'changed', old: '3', new: '4' }],
    },
    {
      name: 'the count of a group under an autoscaler',
      desired: (j) => { group(j).Count = 4; },
      opts: { ignoreCounts: new Set(['web']) },
      changes: [],
    },
    {
      name: 'a meta value',
      desired: (j) => { j.Meta = { owner: 'web-team', 'gitops.commit': '3f2c1ab' }; },
      changes: [{ path: 'Meta.owner', kind: 'changed', old: 'platform', new: 'web-team' }],
    },
    {
      name: 'a legacy nomadguard.hash on the desired side only',
      desired: (j) => { j.Meta = { ...(j.Meta as object), 'nomadguard.hash': 'abc' }; },
      changes: [],
    },
    {
      name: 'legacy bookkeeping keys on the live side only, even where desired has no meta',
      desired: (j) => { delete j.Meta; },
      live: (j) => { j.Meta = { 'nomadguard.hash': 'abc', 'nomadguard.commit': 'c0ffee', 'nomadguard.modifications': 'spread' }; },
      changes: [],
    },
    {
      name: 'a service tag',
      desired: (j) => { (svc(j).Tags as string[]).push('canary'); },
      changes: [{ path: 'TaskGroups[web].Services[web].Tags', kind: 'added', new: 'canary' }],
    },
    {
      name: 'a service tag removed',
      desired: (j) => { svc(j).Tags = (svc(j).Tags as string[]).slice(1); },
      changes: [{ path: 'TaskGroups[web].Services[web].Tags', kind: 'removed', old: 'traefik.enable=true' }],
    },
    {
      name: 'a constraint added',
      desired: (j) => { (group(j).Constraints as unknown[]).push({ LTarget: '${meta.tier}', RTarget: 'production', Operand: '=' }); },
      changes: [{ path: 'TaskGroups[web].Constraints', kind: 'added', new: '${meta.tier} = production' }],
    },
    {
      name: 'a check interval',
      desired: (j) => { svc(j).Checks[0].Interval = 30e9; },
      changes: [{ path: 'TaskGroups[web].Services[web].Checks[http-alive].Interval', kind: 'changed', old: '10000000000', new: '30000000000' }],
    },
    {
      name: 'a template body, secret',
      desired: (j) => { (task(j).Templates as Array<Record<string, unknown>>)[0].EmbeddedTmpl = 'PASSWORD=x'; },
      changes: [{ path: 'TaskGroups[web].Tasks[app].Templates[secrets/app.env].EmbeddedTmpl', kind: 'changed', secret: true }],
    },
    {
      name: 'docker auth, secret',
      desired: (j) => { (task(j).Config as Record<string, unknown>).auth = [{ username: 'u', password: 'p' }]; },
      changes: [{ path: 'TaskGroups[web].Tasks[app].Config.auth', kind: 'added', secret: true }],
    },
    {
      name: 'a Vault block, secret',
      desired: (j) => { task(j).Vault = { Role: 'web' }; (group(j).Constraints as unknown[]).push({ LTarget: '${attr.vault.version}', RTarget: '>= 0.6.1', Operand: 'semver' }); },
      live: (j) => { (group(j).Constraints as unknown[]).push({ LTarget: '${attr.vault.version}', RTarget: '>= 0.6.1', Operand: 'semver' }); },
      changes: [{ path: 'TaskGroups[web].Tasks[app].Vault', kind: 'added', secret: true }],
    },
    {
      name: 'a meta key that looks secret',
      desired: (j) => { j.Meta = { ...(j.Meta as object), db_password: 'x' }; },
      changes: [{ path: 'Meta.db_password', kind: 'added', secret: true }],
    },
    {
      name: 'a task removed',
      live: (j) => { j.TaskGroups[0].Tasks.push({ ...task(j), Name: 'sidecar' }); },
      changes: [{ path: 'TaskGroups[web].Tasks[sidecar]', kind: 'removed' }],
    },
    {
      name: 'a job someone stopped',
      live: (j) => { j.Stop = true; },
      changes: [{ path: 'Stop', kind: 'changed', old: 'true', new: 'false' }],
    },
    {
      name: 'a datacenter',
      desired: (j) => { j.Datacenters = ['dc1', 'dc2', 'dc3']; },
      changes: [{ path: 'Datacenters', kind: 'added', new: 'dc3' }],
    },
  ];

  it.each(cases)('$name', ({ desired, live, opts, changes }) => {
    const d = desired ? desiredWith(desired) : DESIRED;
    const l = live ? liveWith(live) : LIVE;
    const result = compareJobs(d, l, { ...OPTS, ...opts });
    expect(result.changes).toEqual(changes);
    expect(result.equal).toBe(changes.length === 0);
  });
});

describe('compareJobs: what is not a difference', () => {
  it.each([
    { name: 'constraints in another order', edit: (j: Mutable) => { group(j).Constraints = [{ LTarget: '${attr.consul.version}', RTarget: '>= 1.8.0', Operand: 'semver' }, { LTarget: '', RTarget: 'true', Operand: 'distinct_hosts' }]; } },
    { name: 'tags in another order', edit: (j: Mutable) => { svc(j).Tags = [...(svc(j).Tags as string[])].reverse(); } },
    { name: 'datacenters in another order', edit: (j: Mutable) => { j.Datacenters = ['dc2', 'dc1']; } },
    { name: 'server defaults spelled out', edit: (j: Mutable) => { j.Priority = 50; j.Namespace = 'default'; task(j).KillTimeout = 5e9; group(j).EphemeralDisk = { SizeMB: 300 }; } },
    { name: 'an explicit zero the server also stores', edit: (j: Mutable) => { task(j).User = ''; task(j).Leader = false; } },
  ])('$name', ({ edit }) => {
    expect(compareJobs(desiredWith(edit), LIVE, OPTS).changes).toEqual([]);
  });

  it('ignores identities the server injects from its own configuration, and their constraint', () => {
    const live = liveWith((j) => {
      task(j).Identities = [{ Name: 'vault_default', Audience: ['vault.io'], TTL: 3600e9 }];
      (group(j).Constraints as unknown[]).push({ LTarget: '${attr.nomad.version}', RTarget: '>= 1.7.0-a', Operand: 'semver' });
    });
    expect(compareJobs(DESIRED, live, OPTS).equal).toBe(true);
    expect(compareJobs(DESIRED, live, { ...OPTS, ignoreImplicitIdentities: false }).changes.map((c) => c.path)).toEqual([
      'TaskGroups[web].Constraints',
      'TaskGroups[web].Tasks[app].Identities[vault_default]',
    ]);
  });

  it('still reports an identity the desired job asks for and the live one lacks, with the constraint it implies', () => {
    const desired = desiredWith((j) => { task(j).Identities = [{ Name: 'aws', Audience: ['sts.amazonaws.com'] }]; });
    expect(compareJobs(desired, LIVE, OPTS).changes).toEqual([
      { path: 'TaskGroups[web].Constraints', kind: 'added', new: '${attr.nomad.version} semver >= 1.7.0-a' },
      { path: 'TaskGroups[web].Tasks[app].Identities[aws]', kind: 'added' },
    ]);
  });
});

describe('compareJobs: credentials in hand-made live changes never leave it', () => {
  const PW = /S3CRETPW|METAPW|ARGPW|TAGPW|KEYPW/;
  const shown = (changes: FieldChange[]): string => JSON.stringify(changes);

  it('keys an artifact by its source without credentials and hides the source values', () => {
    const live = liveWith((j) => { task(j).Artifacts = [{ GetterSource: 'https://bob:S3CRETPW@git.internal/x.tgz', RelativeDest: 'local/' }]; });
    const changes = compareJobs(DESIRED, live, OPTS).changes;
    expect(changes).toEqual([{ path: 'TaskGroups[web].Tasks[app].Artifacts[https://git.internal/x.tgz]', kind: 'removed' }]);
    expect(shown(changes)).not.toMatch(PW);
  });

  it('pairs an artifact whose credentials changed by its stripped source and marks the change secret', () => {
    const desired = desiredWith((j) => { task(j).Artifacts = [{ GetterSource: 'https://bob:KEYPW@git.internal/x.tgz', RelativeDest: 'local/' }]; });
    const live = liveWith((j) => { task(j).Artifacts = [{ GetterSource: 'https://bob:S3CRETPW@git.internal/x.tgz', RelativeDest: 'local/' }]; });
    const changes = compareJobs(desired, live, OPTS).changes;
    expect(changes).toEqual([{ path: 'TaskGroups[web].Tasks[app].Artifacts[https://git.internal/x.tgz].GetterSource', kind: 'changed', secret: true }]);
  });

  it('keys an artifact by its source with secret query values replaced, and hides the source values', () => {
    const live = liveWith((j) => { task(j).Artifacts = [{ GetterSource: 'git::https://git.internal/x?ref=v1&sshkey=S3CRETPW', RelativeDest: 'local/' }]; });
    const changes = compareJobs(DESIRED, live, OPTS).changes;
    expect(changes).toEqual([{ path: 'TaskGroups[web].Tasks[app].Artifacts[git::https://git.internal/x?ref=v1&sshkey=(redacted)]', kind: 'removed' }]);
    const desired = desiredWith((j) => { task(j).Artifacts = [{ GetterSource: 'git::https://git.internal/x?ref=v1&sshkey=KEYPW', RelativeDest: 'local/' }]; });
    expect(compareJobs(desired, live, OPTS).changes).toEqual([{ path: 'TaskGroups[web].Tasks[app].Artifacts[git::https://git.internal/x?ref=v1&sshkey=(redacted)].GetterSource', kind: 'changed', secret: true }]);
  });

  it('hides a Meta value holding a URL with credentials, on either side', () => {
    const live = liveWith((j) => { j.Meta = { ...(j.Meta as object), dsn: 'postgres://u:METAPW@h/db' }; });
    expect(compareJobs(DESIRED, live, OPTS).changes).toEqual([{ path: 'Meta.dsn', kind: 'removed', secret: true }]);
    const desired = desiredWith((j) => { j.Meta = { ...(j.Meta as object), dsn: 'postgres://u:KEYPW@h/db' }; });
    expect(compareJobs(desired, live, OPTS).changes).toEqual([{ path: 'Meta.dsn', kind: 'changed', secret: true }]);
  });

  it('strips credentials from any key segment', () => {
    const live = liveWith((j) => { j.Meta = { ...(j.Meta as object), 'https://a:hunter2@h/': 'x' }; });
    expect(compareJobs(DESIRED, live, OPTS).changes).toEqual([{ path: 'Meta.https://h/', kind: 'removed', old: 'x' }]);
  });

  it('hides a tag holding a URL with credentials', () => {
    const live = liveWith((j) => { svc(j).Tags = [...(svc(j).Tags as string[]), 'https://u:TAGPW@h/']; });
    const changes = compareJobs(DESIRED, live, OPTS).changes;
    expect(changes).toEqual([{ path: 'TaskGroups[web].Services[web].Tags', kind: 'removed', secret: true }]);
  });

  it.each([
    ['--db-password=ARGPW'],
    ['-api_token=ARGPW'],
    ['SECRET=ARGPW'],
    ['--password', 'ARGPW'],
    ['--registry', 'https://u:ARGPW@h/'],
  ])('hides Config.args holding %s', (...secretArgs: string[]) => {
    const live = liveWith((j) => { task(j).Config = { ...(task(j).Config as object), args: ['--port=80', ...secretArgs] }; });
    const desired = desiredWith((j) => { task(j).Config = { ...(task(j).Config as object), args: ['--port=80'] }; });
    const changes = compareJobs(desired, live, OPTS).changes;
    expect(changes).toEqual([{ path: 'TaskGroups[web].Tasks[app].Config.args', kind: 'changed', secret: true }]);
    expect(compareJobs(DESIRED, live, OPTS).changes).toEqual([{ path: 'TaskGroups[web].Tasks[app].Config.args', kind: 'removed', secret: true }]);
  });

  it('still shows arguments that set no secret option', () => {
    const live = liveWith((j) => { task(j).Config = { ...(task(j).Config as object), args: ['--port=80', '--verbose', 'serve'] }; });
    expect(compareJobs(DESIRED, live, OPTS).changes).toEqual([{ path: 'TaskGroups[web].Tasks[app].Config.args', kind: 'removed', old: '["--port=80","--verbose","serve"]' }]);
  });
});

describe('isSecretArgs', () => {
  it.each([
    [['--db-password=x'], true], [['token=x'], true], [['-auth', 'x'], true], [['--port=80', 'serve'], false], [['--password'], false], [[], false],
  ])('%j -> %s', (args, secret) => {
    expect(isSecretArgs(args)).toBe(secret);
  });
});

describe('compareJobs: malformed jobs', () => {
  it('compares jobs of the wrong shapes without throwing, and finds them different', () => {
    const odd = { ID: 'web', TaskGroups: [{ Name: 'web', Count: '3', Tasks: [{ Name: 1, Vault: { ChangeSignal: 9 }, Artifacts: [{ GetterSource: 5 }], Identities: [{ ChangeSignal: 1 }] }], Services: 'x' }] } as unknown as Job;
    const result = compareJobs(odd, LIVE, OPTS);
    expect(result.equal).toBe(false);
    expect(compareJobs(odd, odd, OPTS).equal).toBe(true);
  });
});

describe('isSecretKey', () => {
  it.each([
    ['DB_PASSWORD', true], ['api-token', true], ['ssh_private_key', true], ['auth', true], ['AWS_SECRET_ACCESS_KEY', true], ['Credentials', true],
    ['image', false], ['JAVA_OPTS', false], ['owner', false], ['Count', false],
  ])('%s -> %s', (name, secret) => {
    expect(isSecretKey(name)).toBe(secret);
  });
});

describe('compareJobs: every job the pipeline renders', () => {
  const rendered = renderedJobs();

  it('has jobs to compare', () => {
    expect(rendered.length).toBeGreaterThanOrEqual(EXAMPLE_SPECS.length);
  });

  it.each(rendered.map((r) => [r.name, r.job] as const))('%s equals itself read back with server fields', (_name, job) => {
    const live = { ...(JSON.parse(JSON.stringify(job)) as Job), ...SERVER_FIELDS };
    expect(compareJobs(job, live, { region: 'global' }).changes).toEqual([]);
  });

  // Not proof (the simulator is ours too), a second opinion on the normalisation.
  describe('cross-check: what the simulator stores after registering them', () => {
    const SIM_VERSION = '1.10.3';
    let sim: Simulator;
    beforeAll(async () => {
      const namespaces = [...new Set(rendered.map((r) => r.job.Namespace ?? 'default'))].filter((n) => n !== 'default');
      sim = await Simulator.start({ clock: new FakeClock(), seed: 3, namespaces, datacenters: ['dc1', 'dc2', 'dc3'], version: SIM_VERSION });
    });
    afterAll(async () => {
      await sim.stop();
    });

    it.each(rendered.map((r) => [r.name, r.job] as const))('%s', async (_name, job) => {
      const ns = job.Namespace ?? 'default';
      const reg = await http('POST', `${sim.nomadUrl}/v1/jobs?namespace=${ns}`, { Job: job });
      expect(reg.status).toBe(200);
      const live = await http<Job>('GET', `${sim.nomadUrl}/v1/job/${encodeURIComponent(job.ID)}?namespace=${ns}`);
      expect(compareJobs(job, live.json, { serverVersion: SIM_VERSION, region: 'global', namespace: ns }).changes).toEqual([]);
    });
  });
});

/** What a read adds to a job (NOMAD-API.md §2, GET /v1/job/:id). */
const SERVER_FIELDS = {
  Status: 'running', StatusDescription: '', Stable: true, Version: 4, SubmitTime: 1761645103118412000,
  CreateIndex: 1042, ModifyIndex: 1187, JobModifyIndex: 1171, NomadTokenID: '', VersionTag: null, Dispatched: false, ParentID: '',
};

/** The valid example specs of `nomadguard dev` and the golden fixture specs, rendered. */
function renderedJobs(): Array<{ name: string; job: Job }> {
  const env = { config: defaultOperatorConfig({ NOMAD_ADDR: 'http://127.0.0.1:4646' }), policy: defaultPolicy() };
  const out: Array<{ name: string; job: Job }> = [];
  for (const spec of EXAMPLE_SPECS) {
    const r = renderSpec({ text: spec.text, file: spec.path, team: teamFromPath(spec.path) as string }, env);
    if (r.ok && r.job) out.push({ name: `example ${spec.path}`, job: r.job });
  }
  for (const file of fixtureSpecs()) {
    const r = renderFixture(file);
    if (r.job) out.push({ name: `fixture ${file}`, job: r.job }); // web/tools renders with policy errors, still a job
  }
  return out;
}
