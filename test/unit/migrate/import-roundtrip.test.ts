/**
 * Import round trip: every example of `nomadguard dev` and every golden fixture is rendered (the running
 * job), imported back to a spec, and that spec rendered again: the two jobs compare equal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultOperatorConfig, type OperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy, parsePolicy, type Policy } from '../../../crd-schemas/policy';
import { EXAMPLE_SPECS } from '../../../lib/dev/example-specs';
import { importJob } from '../../../lib/core/import/import';
import { renderSpec } from '../../../lib/core/pipeline';
import { compareJobs } from '../../../lib/core/plan/compare';
import { teamFromPath } from '../../../lib/core/spec/load';
import { fixtureSpecs, goldenConfig, SPECS } from '../generate/golden-fixtures';

const SOURCE = 'ssh://git@gitea.internal/platform/nomad-specs.git';
const POLICY_FIXTURES = join(__dirname, '..', '..', 'fixtures', 'policy');

interface Case {
  name: string;
  file: string;
  text: string | Uint8Array;
  config: OperatorConfig;
  policy: Policy;
}

function fixturePolicy(): Policy {
  const r = parsePolicy(readFileSync(join(POLICY_FIXTURES, 'policy.yaml'), 'utf8'), 'policy.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.policy;
}

function policyConfig(mode: OperatorConfig['vault']['mode']): OperatorConfig {
  const c = defaultOperatorConfig({ NOMAD_ADDR: 'http://127.0.0.1:4646' });
  c.vault = { ...c.vault, mode };
  return c;
}

const cases: Case[] = [
  ...EXAMPLE_SPECS.map((e) => ({ name: `example ${e.path}`, file: e.path, text: e.text, config: defaultOperatorConfig({}), policy: defaultPolicy() })),
  ...fixtureSpecs().map((f) => ({ name: `golden ${f}`, file: f, text: readFileSync(join(SPECS, f)), config: goldenConfig(f), policy: defaultPolicy() })),
  ...['workload-identity', 'policies'].flatMap((mode) =>
    ['shop/web', 'shop/storefront', 'pay/ledger', 'ops/cron-runner', 'gpu/trainer'].map((p) => ({ name: `golden policy ${p} (${mode})`, file: `${p}/nomadgen.toml`, text: readFileSync(join(POLICY_FIXTURES, 'specs', p, 'nomadgen.toml')), config: policyConfig(mode as OperatorConfig['vault']['mode']), policy: fixturePolicy() })),
  ),
];

describe('import round trip', () => {
  it.each(cases)('$name', (c) => {
    const team = teamFromPath(c.file) as string;
    const first = renderSpec({ text: c.text, file: c.file, team, source: SOURCE }, { config: c.config, policy: c.policy });
    if (!first.job) return; // the invalid example of `nomadguard dev` renders no job
    const imported = importJob(first.job, { config: c.config, policy: c.policy, source: SOURCE });
    const codes = (ds: ReadonlyArray<{ severity: string; code: string }>): string[] => ds.filter((d) => d.severity === 'error').map((d) => d.code).sort();
    // A fixture the policy refuses (web/tools) is refused the same way once imported.
    expect(imported.errors).toHaveLength(codes(first.diagnostics).length);
    expect(imported.notExpressible).toEqual([]);
    expect(imported.added).toEqual([]);
    expect(imported.file).toBe(c.file);
    const again = renderSpec({ text: imported.text, file: imported.file, team, source: SOURCE }, { config: c.config, policy: c.policy });
    expect(codes(again.diagnostics)).toEqual(codes(first.diagnostics));
    const cmp = compareJobs(again.job!, first.job, { namespace: team });
    expect(cmp.changes).toEqual([]);
    expect(again.hash).toBe(first.hash);
  });
});
