/**
 * Team names come from spec folders, so a folder named after an Object.prototype member is just another
 * undeclared team: it never finds an inherited member of the policy's teams.
 */
import { renderSpec } from '../../../lib/core/pipeline';
import { declaredTeam, effectiveTeam } from '../../../lib/core/policy/helpers';
import { policyFrom } from '../../../crd-schemas/policy';
import { CONFIG, specText } from './harness';

const NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'];

describe('team folders named after Object.prototype members', () => {
  const policy = policyFrom({ teams: { es: { tiers: ['test'] } } });

  it.each(NAMES)('%s is not a declared team', (name) => {
    expect(declaredTeam(policy, name)).toBeUndefined();
    expect(effectiveTeam(policy, name).declared).toBe(false);
  });

  it.each(NAMES.filter((n) => /^[a-zA-Z0-9-]+$/.test(n)))('a production spec under %s/ is refused as an unknown team, with no Vault role of that name', (name) => {
    const text = specText({ tier: 'production', task: '  secrets = ["x/db"]' });
    const r = renderSpec({ text, file: `${name}/app/nomadgen.toml`, team: name }, { config: CONFIG, policy });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toContain('AUTH_UNKNOWN_TEAM');
  });

  it('a declared team is still found', () => {
    expect(declaredTeam(policy, 'es')?.tiers).toEqual(['test']);
    expect(effectiveTeam(policy, 'es').declared).toBe(true);
  });

  it('in open mode the folder is an ordinary team: its own namespace, its own role, no inherited allowance', () => {
    const open = policyFrom({});
    const r = renderSpec({ text: specText({ tier: 'test', task: '  secrets = ["constructor/db"]' }), file: 'constructor/app/nomadgen.toml', team: 'constructor' }, { config: CONFIG, policy: open });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.job?.Namespace).toBe('constructor');
    expect(JSON.stringify(r.job?.TaskGroups[0].Tasks[0].Vault)).not.toContain('function');
  });
});
