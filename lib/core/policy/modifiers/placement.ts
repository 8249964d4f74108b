/**
 * placement: the policy's placement rules, in order, pin matching jobs (by team, job ID glob and tier) to a
 * node pool and/or constrain them to a node class or any node attribute. A later rule's node pool replaces
 * an earlier one's; constraints accumulate (an identical constraint is added once).
 */
import type { PlacementRule } from '../../../../crd-schemas/policy';
import type { Constraint } from '../../nomad/types';
import { globMatch } from '../helpers';
import type { Modification, ModifierRule } from '../types';

function asList<T>(v: T | T[] | undefined): T[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

/** Whether a placement rule applies to a job of `team` with ID `jobId` in `tier`. */
export function placementMatches(rule: PlacementRule, team: string, jobId: string, tier: string): boolean {
  const teams = asList(rule.match.team);
  const tiers = asList(rule.match.tier) as string[] | undefined;
  return (!teams || teams.includes(team)) && (!tiers || tiers.includes(tier)) && (rule.match.job === undefined || globMatch(rule.match.job, jobId));
}

function sameConstraint(a: Constraint, b: Constraint): boolean {
  return a.LTarget === b.LTarget && a.RTarget === b.RTarget && a.Operand === b.Operand;
}

/** The `placement` modifier rule (see the file comment for what it changes). */
export const placement: ModifierRule<'placement'> = {
  name: 'placement',
  modify(job, spec, ctx, _params, policy) {
    const modifications: Modification[] = [];
    policy.placement.forEach((rule, ri) => {
      if (!placementMatches(rule, ctx.team, job.ID, spec.tier)) return;
      const label = rule.name ?? `placement[${ri}]`;
      if (rule.nodePool !== undefined && job.NodePool !== rule.nodePool) {
        modifications.push({ rule: 'placement', path: 'NodePool', message: `${label}: runs in node pool ${JSON.stringify(rule.nodePool)}`, before: job.NodePool, after: rule.nodePool });
        job.NodePool = rule.nodePool;
      }
      const wanted: Constraint[] = [];
      if (rule.nodeClass !== undefined) wanted.push({ LTarget: '${node.class}', RTarget: rule.nodeClass, Operand: '=' });
      if (rule.constraint) wanted.push({ LTarget: rule.constraint.attribute, RTarget: rule.constraint.value, Operand: rule.constraint.operator });
      for (const c of wanted) {
        const existing = job.Constraints ?? [];
        if (existing.some((e) => sameConstraint(e, c))) continue;
        job.Constraints = [...existing, c];
        modifications.push({ rule: 'placement', path: 'Constraints', message: `${label}: only on nodes where ${c.LTarget} ${c.Operand} ${JSON.stringify(c.RTarget)}`, after: c });
      }
    });
    return { modifications, diagnostics: [] };
  },
};
