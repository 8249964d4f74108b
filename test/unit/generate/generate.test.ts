import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import type { SpecV1 } from '../../../crd-schemas/spec-v1';
import { generateJob, type GenerateContext } from '../../../lib/core/generate';
import type { Job } from '../../../lib/core/nomad/types';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { applyModifiers, exposedHosts, isExposed } from '../../../lib/core/policy';
import { equalTargets } from '../../../lib/core/policy/modifiers/spread';
import { createHash } from 'node:crypto';
import { jobHash } from '../../../lib/core/hash';
import { renderSpec } from '../../../lib/core/pipeline';

const ctx = (over: Partial<GenerateContext> = {}): GenerateContext => ({ team: 'es', file: 'es/app/nomadgen.toml', commit: 'abc', source: 'repo', config: defaultOperatorConfig(), ...over });

const spec = (over: Partial<SpecV1> = {}, task: Partial<SpecV1['group'][0]['task'][0]> = {}, count?: number): SpecV1 => ({
  name: 'app', tier: 'production', contact: 'c@example.com',
  group: [{ name: 'main', ...(count !== undefined ? { count } : {}), task: [{ name: 'app', image: 'registry.internal/es/app:1.0.0', ...task }] }],
  ...over,
});

/** The generated job with the default policy's modifiers applied (the platform's parts), as the pipeline renders it. */
const full = (s: SpecV1, c: GenerateContext) => applyModifiers(generateJob(s, c), s, { team: c.team, file: c.file, config: c.config, vaultMode: c.config.vault.mode }, defaultPolicy()).job;

describe('generateJob', () => {
  it('names the job <tier letter>-<team>-<name> in the team namespace with the platform placement', () => {
    const job = generateJob(spec({ tier: 'quality' }), ctx());
    expect(job).toMatchObject({ ID: 'q-es-app', Name: 'q-es-app', Namespace: 'es', Region: 'global', Datacenters: ['dc1', 'dc2'], Type: 'service' });
    expect(job.Constraints).toEqual([
      { LTarget: '${meta.tier}', RTarget: 'quality', Operand: '=' },
      { LTarget: '${meta.role}', RTarget: 'nomad', Operand: '=' },
    ]);
    expect(job.Meta).toEqual({ contact: 'c@example.com', 'nomadguard.managed': 'true', 'nomadguard.source': 'repo', 'nomadguard.spec': 'es/app/nomadgen.toml' });
  });

  it('does not let spec meta override the nomadguard keys', () => {
    const job = generateJob(spec({ meta: { 'nomadguard.managed': 'false', team: 'x' } }), ctx());
    expect(job.Meta?.['nomadguard.managed']).toBe('true');
    expect(job.Meta?.team).toBe('x');
  });

  it('defaults resources and uses docker with journald logging and IPv6 advertising', () => {
    const t = full(spec(), ctx()).TaskGroups[0].Tasks[0];
    expect(t.Driver).toBe('docker');
    expect(t.Resources).toEqual({ CPU: 100, MemoryMB: 256 });
    expect(t.Config).toMatchObject({ image: 'registry.internal/es/app:1.0.0', advertise_ipv6_address: true, logging: [{ type: 'journald', config: [{ tag: 'p-es-app' }] }] });
    expect(t.Services).toBeUndefined();
  });

  it('spreads a group with count > 1 evenly and keeps instances on distinct hosts', () => {
    const g = full(spec({}, {}, 4), ctx()).TaskGroups[0];
    expect(g.Count).toBe(4);
    expect(g.Constraints).toEqual([{ LTarget: '', RTarget: 'true', Operand: 'distinct_hosts' }]);
    expect(g.Spreads).toEqual([{ Attribute: '${node.datacenter}', Weight: 100, SpreadTarget: [{ Value: 'dc1', Percent: 50 }, { Value: 'dc2', Percent: 50 }] }]);
    const single = full(spec({}, {}, 1), ctx()).TaskGroups[0];
    expect(single.Spreads).toBeUndefined();
    expect(single.Constraints).toBeUndefined();
  });

  it('splits spread percentages so they sum to 100', () => {
    expect(equalTargets(['a', 'b', 'c']).map((t) => t.Percent)).toEqual([34, 33, 33]);
    expect(equalTargets(['a', 'b', 'c', 'd', 'e', 'f', 'g']).reduce((sum, t) => sum + t.Percent, 0)).toBe(100);
  });

  it('sets per-tier update, restart and reschedule policies with auto-revert', () => {
    const prod = full(spec({}, { port: 8080, check: { type: 'http', path: '/' } }), ctx()).TaskGroups[0];
    const test = full(spec({ tier: 'test' }), ctx()).TaskGroups[0];
    expect(prod.Update).toMatchObject({ HealthCheck: 'checks', AutoRevert: true, MinHealthyTime: 30e9 });
    expect(test.Update).toMatchObject({ AutoRevert: true, MinHealthyTime: 10e9 });
    expect(prod.ReschedulePolicy?.Unlimited).toBe(true);
    expect(test.ReschedulePolicy?.Unlimited).toBe(false);
    expect(prod.RestartPolicy).toMatchObject({ Attempts: 2, Mode: 'fail' });
  });

  it('registers a service with a driver-address check that restarts after the grace period', () => {
    const t = full(spec({}, { port: 8080, check: { type: 'http', path: '/h', grace: '2m' } }), ctx()).TaskGroups[0].Tasks[0];
    const s = t.Services![0];
    expect(s).toMatchObject({ Name: 'p-es-app', PortLabel: '8080', AddressMode: 'driver', Provider: 'consul' });
    expect(s.Checks![0]).toEqual({ Name: 'app-http', Type: 'http', Path: '/h', Interval: 10e9, Timeout: 2e9, CheckRestart: { Limit: 3, Grace: 120e9, IgnoreWarnings: false }, AddressMode: 'driver' });
  });

  it('never emits an http check path outside the check path grammar, whatever the policy lets through', () => {
    for (const path of ['//169.254.169.254/latest/meta-data/', '/${X}', '/a/../b', '/a b']) {
      const c = generateJob(spec({}, { port: 8080, check: { type: 'http', path } }), ctx()).TaskGroups[0].Tasks[0].Services![0].Checks![0];
      expect(c.Path).toBe('/');
    }
  });

  it('gives script checks no address mode', () => {
    const t = full(spec({}, { check: { type: 'script', command: '/bin/true' } }), ctx()).TaskGroups[0].Tasks[0];
    expect(t.Services![0].Checks![0].AddressMode).toBeUndefined();
    expect(t.Services![0].Checks![0].Command).toBe('/bin/true');
  });

  describe('traefik exposure', () => {
    const tags = (task: Partial<SpecV1['group'][0]['task'][0]>) => full(spec({}, { port: 8080, ...task }), ctx()).TaskGroups[0].Tasks[0].Services?.[0].Tags ?? [];
    it('exposes a task with an http check on https://<job id>.<domain>', () => {
      expect(tags({ check: { type: 'http' } })).toEqual([
        'traefik.enable=true',
        'traefik.http.routers.p-es-app.rule=Host(`p-es-app.cloud.internal.domain`)',
        'traefik.http.routers.p-es-app.entrypoints=websecure',
        'traefik.http.routers.p-es-app.tls=true',
        'traefik.http.routers.p-es-app.tls.certresolver=internal',
        'traefik.http.routers.p-es-app.service=p-es-app',
        'traefik.http.services.p-es-app.loadbalancer.server.port=8080',
      ]);
    });
    it('opts out with http.expose = false and in with http.expose = true', () => {
      expect(tags({ check: { type: 'http' }, http: { expose: false } })).toEqual(['traefik.enable=false']);
      expect(tags({ check: { type: 'tcp' } })).toEqual(['traefik.enable=false']);
      expect(tags({ check: { type: 'tcp' }, http: { expose: true } })).toContain('traefik.enable=true');
    });
    it('adds the public entrypoint for internet and a PathPrefix when asked', () => {
      const t = tags({ check: { type: 'http' }, http: { internet: true, path_prefix: '/api' }, tags: ['mine'] });
      expect(t[0]).toBe('mine');
      expect(t).toContain('traefik.http.routers.p-es-app.entrypoints=websecure,public');
      expect(t).toContain('traefik.http.routers.p-es-app.rule=Host(`p-es-app.cloud.internal.domain`) && PathPrefix(`/api`)');
    });
    it('reports the hosts a job is served on', () => {
      const job = full(spec({}, { port: 1, check: { type: 'http' }, http: { path_prefix: '/x' } }), ctx());
      expect(exposedHosts(job)).toEqual(['p-es-app.cloud.internal.domain/x']);
    });
    it('needs a port to expose', () => {
      expect(isExposed({ name: 't', image: 'i', check: { type: 'http' } })).toBe(false);
    });
  });

  it('reads secrets through Vault: a role under workload identity, policies otherwise, one env template each', () => {
    const s = spec({}, { secrets: ['es/app', 'es/db'] });
    const wi = full(s, ctx()).TaskGroups[0].Tasks[0];
    expect(wi.Vault).toEqual({ Role: 'es', ChangeMode: 'restart' });
    expect(wi.Templates!.map((t) => [t.DestPath, t.Envvars])).toEqual([['secrets/es-app.env', true], ['secrets/es-db.env', true]]);
    expect(wi.Templates![0].EmbeddedTmpl).toContain('secret "kv/data/es/app"');
    const config = defaultOperatorConfig();
    config.vault.mode = 'policies';
    expect(full(s, ctx({ config, vaultPolicies: ['es-ro'] })).TaskGroups[0].Tasks[0].Vault).toEqual({ Policies: ['es-ro'], ChangeMode: 'restart' });
  });

  it('writes firewall rules and nagios thresholds as task meta', () => {
    const t = full(spec({}, { firewall: { ingress: ['g/a', '2001:db8::/48'], egress: ['g/b'] }, meta: { 'nagios.sms': '2' } }), ctx()).TaskGroups[0].Tasks[0];
    expect(t.Meta).toEqual({ 'firewall.egress': 'g/b', 'firewall.ingress': 'g/a,2001:db8::/48', 'nagios.sms': '2' });
  });
});

describe('hash', () => {
  const render = (text: string) => renderSpec({ text, file: 'es/app/nomadgen.toml', team: 'es', commit: 'abc' }, { config: defaultOperatorConfig(), policy: defaultPolicy() });
  const SPEC_A = [
    'name = "app"', 'tier = "test"', 'contact = "a@example.com"', 'meta = { b = "2", a = "1" }',
    '[[group]]', 'name = "main"', 'count = 2', 'meta = { z = "1", y = "2" }',
    '[[group.task]]', 'name = "app"', 'image = "registry.internal/es/app:1.0.0"', 'port = 8080', 'cpu = 200',
    'env = { ZED = "1", ALPHA = "2" }', 'check = { type = "http", path = "/health", interval = "5s" }',
    'docker = { labels = { y = "1", x = "2" }, devices = [{ host_path = "/dev/a", container_path = "/dev/b" }], cap_drop = ["ALL"] }',
  ].join('\n');
  // The same spec with every table and key written in another order.
  const SPEC_B = [
    'contact = "a@example.com"', 'meta = { a = "1", b = "2" }', 'tier = "test"', 'name = "app"',
    '[[group]]', 'meta = { y = "2", z = "1" }', 'count = 2', 'name = "main"',
    '[[group.task]]', 'docker = { cap_drop = ["ALL"], devices = [{ container_path = "/dev/b", host_path = "/dev/a" }], labels = { x = "2", y = "1" } }',
    'check = { interval = "5s", path = "/health", type = "http" }', 'env = { ALPHA = "2", ZED = "1" }',
    'cpu = 200', 'port = 8080', 'image = "registry.internal/es/app:1.0.0"', 'name = "app"',
  ].join('\n');

  it('depends on what the spec says, not on the order it says it in', () => {
    const a = render(SPEC_A);
    const b = render(SPEC_B);
    expect(a.job).toBeDefined();
    expect(b.diagnostics.map((d) => d.code)).toEqual(a.diagnostics.map((d) => d.code));
    expect(JSON.stringify(b.job)).toBe(JSON.stringify(a.job));
    expect(b.hash).toBe(a.hash);
    expect(render(SPEC_A.replace('cpu = 200', 'cpu = 300')).hash).not.toBe(a.hash);
  });
  it('ignores the commit, and changes with the job', () => {
    const job = generateJob(spec(), ctx());
    expect(jobHash(generateJob(spec(), ctx({ commit: 'other' })))).toBe(jobHash(job));
    expect(jobHash(generateJob(spec({}, { cpu: 200 }), ctx()))).not.toBe(jobHash(job));
    expect(jobHash(job)).toMatch(/^[0-9a-f]{32}$/);
  });
  it('is returned next to the job, never written into it: job Meta holds only what does not move', () => {
    const r = render(SPEC_A);
    const rendered = r.job!;
    expect(r.hash).toBe(jobHash(rendered));
    expect(Object.keys(rendered.Meta ?? {})).toEqual(Object.keys(rendered.Meta ?? {}).sort());
    for (const k of ['nomadguard.hash', 'nomadguard.commit', 'nomadguard.modifications']) expect(rendered.Meta).not.toHaveProperty([k]);
    for (const g of rendered.TaskGroups ?? []) for (const k of ['nomadguard.hash', 'nomadguard.commit', 'nomadguard.modifications']) expect(g.Meta ?? {}).not.toHaveProperty([k]);
  });
  it('is the same on every machine (fixed expectation for a fixed job)', () => {
    const job = { ID: 'x', Meta: { a: '1' }, Skipped: undefined, TaskGroups: [{ Name: 'g', Count: 2 }] } as unknown as Job;
    // sha256 of {"ID":"x","Meta":{"a":"1"},"TaskGroups":[{"Name":"g","Count":2}]}, first 16 bytes.
    expect(jobHash(job)).toBe(createHash('sha256').update('{"ID":"x","Meta":{"a":"1"},"TaskGroups":[{"Name":"g","Count":2}]}').digest('hex').slice(0, 32));
    expect(jobHash(job)).toBe('1e419ebd045f6f8a8b6523c7331aa94b');
  });
});
