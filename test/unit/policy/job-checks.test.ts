import { defaultPolicy } from '../../../crd-schemas/policy';
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { applyModifiers } from '../../../lib/core/policy';
import { resolvePositions } from '../../../lib/core/spec/load';
import type { Job } from '../../../lib/core/nomad/types';
import { baseJob, ctxFor, declaredPolicy, loadText, positionOf, specText } from './harness';

const policiesMode = defaultOperatorConfig();
policiesMode.vault.mode = 'policies';

interface Case {
  team?: string;
  mode?: 'policies' | 'workload-identity';
  vault: Job['TaskGroups'][number]['Tasks'][number]['Vault'];
  open?: boolean;
  namespace?: string;
  expect: null | { code: string; message: RegExp; at: string };
}

const SECRETS = '  secrets = ["es/cerebro"]';

const cases: Array<[string, Case]> = [
  ['workload identity: the team role passes', { vault: { Role: 'es' }, expect: null }],
  ['workload identity: a declared extra role name passes', { team: 'web', vault: { Role: 'web-apps' }, expect: null }],
  ['workload identity: another team\'s role is denied', { vault: { Role: 'web-apps' }, expect: { code: 'VAULT_POLICY_DENIED', message: /role "web-apps", but team "es" may use only "es"/, at: 'secrets =' } }],
  ['workload identity: leftover policies outside the role are denied with Vault\'s reason', {
    vault: { Role: 'es', Policies: ['es-read', 'admin'] },
    expect: { code: 'VAULT_POLICY_DENIED', message: /policy "admin".*token policies must be subset of the role's allowed policies.*grants only "es-read"/, at: 'secrets =' },
  }],
  ['policies mode: allowed policies pass', { mode: 'policies', vault: { Policies: ['es-read'] }, expect: null }],
  ['policies mode: a policy outside the allowance is denied', { mode: 'policies', vault: { Policies: ['es-read', 'es-write'] }, expect: { code: 'VAULT_POLICY_DENIED', message: /policy "es-write", but team "es" may ask only for "es-read"/, at: 'secrets =' } }],
  ['open policy: undeclared teams have no Vault allowance to check', { open: true, mode: 'policies', vault: { Policies: ['anything'] }, expect: null }],
  ['namespace: a job outside the team namespace', { vault: { Role: 'es' }, namespace: 'web', expect: { code: 'AUTH_NAMESPACE', message: /namespace "web", but team "es" deploys only into its own namespace "es"/, at: 'name    =' } }],
];

describe('checks on the finished job', () => {
  it.each(cases)('%s', (_name, c) => {
    const text = specText({ tier: 'test', count: 1, task: SECRETS.replace('es/', `${c.team ?? 'es'}/`) });
    const { spec, positions } = loadText(text);
    const team = c.team ?? 'es';
    const job = baseJob(spec, team);
    job.TaskGroups[0].Tasks[0].Vault = c.vault;
    if (c.namespace) job.Namespace = c.namespace;
    const config = c.mode === 'policies' ? policiesMode : defaultOperatorConfig();
    const r = applyModifiers(job, spec, ctxFor(team, undefined, config), c.open ? defaultPolicy() : declaredPolicy());
    resolvePositions(r.diagnostics, positions);
    if (c.expect === null) {
      expect(r.diagnostics).toEqual([]);
      return;
    }
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: c.expect.code, severity: 'error', ...positionOf(text, c.expect.at) });
    expect(r.diagnostics[0].message).toMatch(c.expect.message);
  });
});
