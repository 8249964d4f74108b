import { parseOperatorConfig } from '../../../crd-schemas/operator-config';
import { parsePolicy } from '../../../crd-schemas/policy';
import { formatDiagnostic } from '../../../lib/core/diagnostics';

const configErrors = (text: string): string[] => {
  const r = parseOperatorConfig(text, 'ng.yaml');
  return r.ok ? [] : r.diagnostics.map(formatDiagnostic);
};
const policyErrors = (text: string): string[] => {
  const r = parsePolicy(text, 'policy.yaml');
  return r.ok ? [] : r.diagnostics.map(formatDiagnostic);
};

describe('config and policy errors: file:line:col and the key as written', () => {
  it('a duplicate key in the config names the key and the line of its first definition', () => {
    const text = 'apiVersion: nomadguard/v1\nkind: OperatorConfig\nsource:\n  repo: /srv/specs\n  pollInterval: 5s\n  pollInterval: 6s\n';
    expect(configErrors(text)).toEqual(['ng.yaml:6:3: error[YAML_SYNTAX]: duplicate key "pollInterval" (first defined at line 5:3)']);
  });

  it('a duplicate key in the policy, quoted the second time, is named as written', () => {
    const text = 'apiVersion: nomadguard/v1\nkind: Policy\nteams:\n  es: {}\n  "es": { tiers: [test] }\n';
    expect(policyErrors(text)).toEqual(['policy.yaml:5:3: error[POLICY_SYNTAX]: the policy file is not valid YAML: duplicate key "es" (first defined at line 4:3)']);
  });

  it('every unknown config key is its own error at that key', () => {
    const text = 'apiVersion: nomadguard/v1\nkind: OperatorConfig\nreconcile: { workers: 2, Workerz: 3,\n  foo: 1 }\n';
    expect(configErrors(text)).toEqual([
      'ng.yaml:3:26: error[UNKNOWN_KEY]: unknown key "Workerz" in reconcile',
      'ng.yaml:4:3: error[UNKNOWN_KEY]: unknown key "foo" in reconcile',
    ]);
  });

  it('a shorthand policy rule is named and placed as written, not as the rules section it stands for', () => {
    const text = 'apiVersion: nomadguard/v1\nkind: Policy\nimages:\n  registries: 5\n  mutabletags: {}\nspread: { oddCount: maybe }\n';
    expect(policyErrors(text)).toEqual([
      'policy.yaml:4:3: error[POLICY_INVALID]: policy images.registries: Invalid input: expected array, received number',
      'policy.yaml:5:3: error[POLICY_INVALID]: policy: unknown key "mutabletags" in images',
      'policy.yaml:6:11: error[POLICY_INVALID]: policy spread.oddCount: Invalid option: expected one of "reject"|"roundUp"',
    ]);
  });

  it('a rule under rules keeps its path', () => {
    const text = 'apiVersion: nomadguard/v1\nkind: Policy\nrules:\n  images:\n    registries: 5\n';
    expect(policyErrors(text)).toEqual(['policy.yaml:5:5: error[POLICY_INVALID]: policy rules.images.registries: Invalid input: expected array, received number']);
  });
});
