/**
 * spread: a group with more than one instance runs in every datacenter of the cluster in equal shares —
 * a `spread` on `${node.datacenter}` with equal targets — and never twice on one host (`distinct_hosts`).
 * Equal shares need a count that divides evenly (even, with two datacenters); otherwise the policy's
 * `oddCount` decides: `reject` (COUNT_ODD) or `roundUp` to the next multiple.
 *
 * A group of one instance stays in one datacenter without a constraint: the job keeps every datacenter
 * in `Datacenters`, so Nomad places it in whichever has room and reschedules it into the other one when
 * its datacenter fails. Pinning it would trade that failover for nothing.
 */
import type { Constraint, Spread } from '../../nomad/types';
import { sameJson } from '../helpers';
import type { Modification, ModifierRule } from '../types';

/** Equal integer percentages over `dcs` that sum to 100 (the first ones take the remainder). */
export function equalTargets(dcs: readonly string[]): Array<{ Value: string; Percent: number }> {
  const base = Math.floor(100 / dcs.length);
  const extra = 100 - base * dcs.length;
  return dcs.map((dc, i) => ({ Value: dc, Percent: base + (i < extra ? 1 : 0) }));
}

const DISTINCT_HOSTS: Constraint = { LTarget: '', RTarget: 'true', Operand: 'distinct_hosts' };

/** The `spread` modifier rule (see the file comment for what it changes). */
export const spread: ModifierRule<'spread'> = {
  name: 'spread',
  modify(job, spec, ctx, params) {
    const modifications: Modification[] = [];
    const diagnostics = [];
    const dcs = ctx.config.platform.datacenters;
    for (let gi = 0; gi < job.TaskGroups.length; gi++) {
      const tg = job.TaskGroups[gi];
      const at = `TaskGroups[${gi}]`;
      const specIndex = spec.group.findIndex((g) => g.name === tg.Name);
      let count = tg.Count ?? 1;
      if (count <= 1) continue;
      if (dcs.length > 1 && count % dcs.length !== 0) {
        const up = count + dcs.length - (count % dcs.length);
        const what = dcs.length === 2 ? 'an even number' : `a multiple of ${dcs.length}`;
        if (params.oddCount === 'reject') {
          diagnostics.push({
            code: 'COUNT_ODD',
            severity: 'error' as const,
            message: `count ${count} of group ${JSON.stringify(tg.Name)} cannot be split equally over the ${dcs.length} datacenters (${dcs.join(', ')}); use ${what}, e.g. ${up} (or 1 for a single instance).`,
            path: specIndex >= 0 ? ['group', specIndex, spec.group[specIndex].count === undefined ? 'name' : 'count'] : ['group'],
          });
          continue;
        }
        modifications.push({
          rule: 'spread',
          path: `${at}.Count`,
          message: `count ${count} rounded up to ${up} so both datacenters run the same number of instances`,
          before: count,
          after: up,
        });
        tg.Count = up;
        count = up;
      }
      if (dcs.length > 1) {
        const wanted: Spread = { Attribute: '${node.datacenter}', Weight: params.weight, SpreadTarget: equalTargets(dcs) };
        const before = tg.Spreads ?? null;
        const others = (tg.Spreads ?? []).filter((s) => s.Attribute !== wanted.Attribute);
        const after = [...others, wanted];
        if (!sameJson(before, after)) {
          tg.Spreads = after;
          modifications.push({
            rule: 'spread',
            path: `${at}.Spreads`,
            message: `${count} instances spread evenly over ${dcs.map((d) => JSON.stringify(d)).join(', ')} (${wanted.SpreadTarget!.map((t) => `${t.Percent}%`).join('/')})`,
            before,
            after,
          });
        }
      }
      const constraints = tg.Constraints ?? [];
      if (!constraints.some((c) => c.Operand === 'distinct_hosts')) {
        tg.Constraints = [...constraints, { ...DISTINCT_HOSTS }];
        modifications.push({ rule: 'spread', path: `${at}.Constraints`, message: 'instances never share a host (distinct_hosts)', after: DISTINCT_HOSTS });
      }
    }
    return { modifications, diagnostics };
  },
};
