/**
 * Checks on the finished job, run after the modifiers: facts only the generated job knows.
 * - authorisation: the job lands in the team's own namespace (AUTH_NAMESPACE);
 * - secrets: the Vault access every task asks for is within the team's allowance (VAULT_POLICY_DENIED).
 *   In `policies` mode (Nomad before 1.10) the task's `Vault.Policies` must be among the team's
 *   `vaultPolicies`. In `workload-identity` mode (Nomad 1.10 dropped `vault { policies }`) the task's
 *   `Vault.Role` must be one of the team's roles, and a leftover `Policies` list must be within the team's
 *   policies too: Vault refuses a token whose policies are not a subset of the role's allowed policies, and
 *   the task would only fail on the node at start. Undeclared teams (open policy) have no Vault allowance
 *   to check against.
 */
import type { Diagnostic } from '../diagnostics';
import type { Job } from '../nomad/types';
import type { SpecV1 } from '../../../crd-schemas/spec-v1';
import type { Policy } from '../../../crd-schemas/policy';
import { effectiveTeam, listText } from './helpers';
import type { PolicyContext } from './types';

/** Where a task's secrets are in the spec (the Vault block exists because of them), else the task. */
function taskPath(spec: SpecV1, group: string, task: string): Array<string | number> {
  const gi = spec.group.findIndex((g) => g.name === group);
  if (gi < 0) return ['name'];
  const ti = spec.group[gi].task.findIndex((t) => t.name === task);
  if (ti < 0) return ['group', gi, 'name'];
  return spec.group[gi].task[ti].secrets ? ['group', gi, 'task', ti, 'secrets'] : ['group', gi, 'task', ti, 'name'];
}

/** The findings of the post-modifier checks whose rules are enabled. */
export function checkJob(job: Job, spec: SpecV1, ctx: PolicyContext, policy: Policy): Diagnostic[] {
  const out: Diagnostic[] = [];
  const team = effectiveTeam(policy, ctx.team);
  if (policy.rules.authorisation.enabled && job.Namespace !== undefined && job.Namespace !== team.namespace) {
    out.push({
      code: 'AUTH_NAMESPACE',
      severity: policy.rules.authorisation.severity ?? 'error',
      message: `the job would land in namespace ${JSON.stringify(job.Namespace)}, but team ${JSON.stringify(ctx.team)} deploys only into its own namespace ${JSON.stringify(team.namespace)}.`,
      path: ['name'],
    });
  }
  if (!policy.rules.secrets.enabled || !team.declared) return out;
  const severity = policy.rules.secrets.severity ?? 'error';
  const allowedPolicies = team.vaultPolicies;
  for (const tg of job.TaskGroups) {
    for (const t of tg.Tasks) {
      const v = t.Vault;
      if (!v) continue;
      const path = taskPath(spec, tg.Name, t.Name);
      const asked = v.Policies ?? [];
      if (ctx.vaultMode === 'workload-identity' && v.Role !== undefined && v.Role !== '' && !team.vaultRoles.includes(v.Role)) {
        out.push({
          code: 'VAULT_POLICY_DENIED',
          severity,
          message: `task ${JSON.stringify(t.Name)} would log in to Vault with role ${JSON.stringify(v.Role)}, but team ${JSON.stringify(ctx.team)} may use only ${listText(team.vaultRoles)}; ask the platform team to grant the role, or read only secrets the team's role can read.`,
          path,
        });
      }
      const denied = asked.filter((p) => !(allowedPolicies ?? []).includes(p));
      if (asked.length > 0 && denied.length > 0) {
        const allowed = allowedPolicies && allowedPolicies.length > 0 ? listText(allowedPolicies) : 'none';
        const why =
          ctx.vaultMode === 'workload-identity'
            ? `Vault would refuse the token at task start on the node ("token policies must be subset of the role's allowed policies"): role ${JSON.stringify(v.Role ?? team.vaultRole)} of team ${JSON.stringify(ctx.team)} grants only ${allowed}`
            : `team ${JSON.stringify(ctx.team)} may ask only for ${allowed}`;
        out.push({
          code: 'VAULT_POLICY_DENIED',
          severity,
          message: `task ${JSON.stringify(t.Name)} asks Vault for the polic${denied.length > 1 ? 'ies' : 'y'} ${listText(denied)}, but ${why}. Keep the secrets under the team's prefix, or ask the platform team to allow the policy for the team.`,
          path,
        });
      }
    }
  }
  return out;
}
