import { defaultPolicy, parsePolicy, RULE_NAMES } from '../../../crd-schemas/policy';

describe('policy schema', () => {
  it('defaults to an open policy with every rule enabled', () => {
    const p = defaultPolicy();
    expect(p.teams).toBeUndefined();
    expect(p.firewallGroups).toBeUndefined();
    for (const name of RULE_NAMES) expect(p.rules[name].enabled).toBe(true);
    expect(p.rules.images.mutableTags).toEqual({ production: 'error', default: 'warning' });
    expect(p.rules.spread.oddCount).toBe('reject');
    expect(p.rules.resources).toMatchObject({ maxGroups: 20, maxTasksPerGroup: 20, maxInstances: 200 });
  });

  it('the docker rule is an allow-list whose defaults are what a plain service needs', () => {
    const d = defaultPolicy().rules.docker;
    expect(d.options).not.toContain('devices');
    expect(d).toMatchObject({ allowedCapabilities: [], networkModes: ['', 'default', 'bridge'], maxShmSize: 268435456, ulimits: { nofile: 65536, nproc: 8192 }, sysctls: ['net.core.somaxconn'] });
    expect(d.securityOpts.every((o) => o.startsWith('no-new-privileges'))).toBe(true);
    const r = parsePolicy('rules:\n  docker: { options: [devices] }\n', 'policy.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]).toMatchObject({ code: 'POLICY_INVALID', line: 2 });
  });

  it('parses the documented example and fills in team defaults', () => {
    const text = [
      'apiVersion: nomadguard/v1',
      'kind: Policy',
      'teams:',
      '  es:  { tiers: [production, quality, test], vaultPolicies: [es-ro], secretPrefix: es/ }',
      '  web: { tiers: [quality, test], internet: true }',
      'firewallGroups: [g/netscaler, g/elasticsearch]',
      'rules:',
      '  spread: { oddCount: roundUp }',
      '  images: { registries: [registry.internal] }',
      'placement:',
      '  - { match: { team: es, tier: production }, constraint: { attribute: "${node.class}", value: es } }',
      '',
    ].join('\n');
    const r = parsePolicy(text, 'policy.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.policy.teams?.web.tiers).toEqual(['quality', 'test']);
    expect(r.policy.teams?.es.firewallGroups).toEqual([]);
    expect([r.policy.teams?.es.internet, r.policy.teams?.web.internet]).toEqual([false, true]);
    expect(r.policy.rules.spread.oddCount).toBe('roundUp');
    expect(r.policy.rules.images.mutableTags.production).toBe('error');
    expect(r.policy.placement[0].constraint).toEqual({ attribute: '${node.class}', value: 'es', operator: '=' });
  });

  it('accepts the design document example with images and spread at the top level', () => {
    const text = [
      'apiVersion: nomadguard/v1',
      'kind: Policy',
      'teams:',
      '  es:  { tiers: [production, quality, test], vaultPolicies: [es-ro], secretPrefix: es/ }',
      '  web: { tiers: [quality, test] }',
      'firewallGroups: [g/netscaler, g/elasticsearch, g/monitoring]',
      'images: { registries: [registry.internal], mutableTags: { production: error, default: warning } }',
      'spread: { oddCount: reject }',
      'placement:',
      '  - { match: { team: es, tier: production }, constraint: { attribute: "${node.class}", value: es } }',
      '',
    ].join('\n');
    const r = parsePolicy(text, 'policy.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.policy.rules.images.registries).toEqual(['registry.internal']);
    expect(r.policy.rules.spread.oddCount).toBe('reject');
  });

  it('reports an unknown rule name at its line and column', () => {
    const r = parsePolicy('kind: Policy\nrules:\n  spred: { enabled: false }\n', 'policy.yaml');
    expect(r.ok).toBe(false);
    expect(r.diagnostics).toMatchObject([{ code: 'POLICY_INVALID', file: 'policy.yaml', line: 3, col: 3 }]);
    expect(r.diagnostics[0].message).toContain('"spred"');
  });

  it('reports YAML syntax errors with a position', () => {
    const r = parsePolicy('teams:\n  es: { tiers: [production\n', 'policy.yaml');
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]).toMatchObject({ code: 'POLICY_SYNTAX', file: 'policy.yaml' });
    expect(r.diagnostics[0].line).toBeGreaterThan(0);
  });
});

describe('per-tier settings', () => {
  it('merge over the tier defaults instead of replacing them', () => {
    const r = parsePolicy('rules:\n  update:\n    tiers:\n      production: { restart: { attempts: 5 } }\n', 'policy.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.policy.rules.update.tiers.production.restart.attempts).toBe(5);
    expect(r.policy.rules.update.tiers.production.update.minHealthyTime).toBe('30s');
    expect(r.policy.rules.update.tiers.test.reschedule).toMatchObject({ attempts: 5, unlimited: false });
  });
});
