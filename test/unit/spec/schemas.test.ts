import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { specJsonSchemaText, specJsonSchema } from '../../../crd-schemas/json-schema';
import { defaultOperatorConfig, parseOperatorConfig } from '../../../crd-schemas/operator-config';
import { SpecLegacySchema, isLegacyDocument } from '../../../crd-schemas/spec-legacy';

const ROOT = join(__dirname, '..', '..', '..');

describe('JSON Schema export', () => {
  it('matches the committed crd-schemas/nomadgen.schema.json (run `make schemas` to refresh)', () => {
    const committed = readFileSync(join(ROOT, 'crd-schemas', 'nomadgen.schema.json'), 'utf8');
    expect(committed).toBe(specJsonSchemaText());
  });

  it('rejects unknown keys and lists every top-level field', () => {
    const schema = specJsonSchema() as { additionalProperties: boolean; properties: Record<string, unknown>; required: string[] };
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties).sort()).toEqual(['contact', 'group', 'id', 'meta', 'name', 'sync', 'tier']);
    expect(schema.required.sort()).toEqual(['contact', 'group', 'name', 'tier']);
  });
});

describe('operator config', () => {
  it('has defaults that let render work with no file', () => {
    const c = defaultOperatorConfig({ NOMAD_ADDR: 'http://[::1]:4646', CONSUL_HTTP_ADDR: 'http://[::1]:8500' });
    expect(c.platform).toEqual({ domain: 'cloud.internal.domain', region: 'global', datacenters: ['dc1', 'dc2'], nodeRole: 'nomad' });
    expect(c.clusters.default.tiers).toEqual(['production', 'quality', 'test']);
    expect(c.clusters.default.nomad.address).toBe('http://[::1]:4646');
    expect(c.clusters.default.consul.address).toBe('http://[::1]:8500');
    expect(c.source).toMatchObject({ pollInterval: '15s', fullResync: '*/10 * * * *' });
    expect(c.reconcile).toEqual({ workers: 8, selfHeal: true, prune: { enabled: true, purge: false, grace: '5m', maxShare: 1 }, statePrefix: 'nomadguard/state', versionTags: true, adopt: { namespaces: [], teams: [] } });
    expect(c.vault.mode).toBe('workload-identity');
    expect(c.traefik).toEqual({ entrypoints: { internal: 'websecure', public: 'public' }, certResolver: 'internal' });
  });

  it('merges a partial YAML file over the defaults', () => {
    const r = parseOperatorConfig('platform: { domain: example.org }\nclusters:\n  prod: { tiers: [production], nomad: { address: "https://[2001:db8::10]:4646" } }\n');
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.config.platform.domain).toBe('example.org');
    expect(r.config.platform.datacenters).toEqual(['dc1', 'dc2']);
    expect(Object.keys(r.config.clusters)).toEqual(['prod']);
    expect(r.config.clusters.prod.consul.address).toBe('http://127.0.0.1:8500');
  });

  it('reports unknown keys and bad values at their line', () => {
    const r = parseOperatorConfig('platform:\n  domian: x\nreconcile:\n  workers: 0\n', 'cfg.yaml');
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => `${d.code}@${d.line}:${d.col}`).sort()).toEqual(['CONFIG_INVALID@4:12', 'UNKNOWN_KEY@2:3']);
  });

  it('reports YAML syntax errors with a position', () => {
    const r = parseOperatorConfig('platform: {\n', 'cfg.yaml');
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]).toMatchObject({ code: 'YAML_SYNTAX', file: 'cfg.yaml' });
    expect(r.diagnostics[0].line).toBeGreaterThan(0);
  });
});

describe('legacy schema', () => {
  it('detects legacy documents', () => {
    expect(isLegacyDocument({ job: 'p-es-x', taskgroup: [] })).toBe(true);
    expect(isLegacyDocument({ name: 'x', group: [] })).toBe(false);
  });
  it('accepts nagios thresholds as numbers or strings', () => {
    const r = SpecLegacySchema.safeParse({ job: 'x', contact: 'c', taskgroup: [{ name: 'g' }], task: { g: [{ name: 't', image: 'i', nagiossms: 2, nagiosmail: '1' }] } });
    expect(r.success).toBe(true);
  });
});
