/**
 * Dual-datacenter placement: a group with more than one instance is spread evenly over every datacenter
 * (percentages summing to 100, the remainder going to the first ones) and never puts two instances on one
 * host. An odd count is left as it is here; the policy decides whether to round it up or reject it.
 */
import type { Constraint, Spread } from '../../nomad/types';
import type { PlatformFn } from '../context';

/** The `distinct_hosts` constraint. */
export const DISTINCT_HOSTS: Constraint = { LTarget: '', RTarget: 'true', Operand: 'distinct_hosts' };

/** An even spread over `datacenters` on `${node.datacenter}`. */
export function evenSpread(datacenters: readonly string[]): Spread {
  const n = datacenters.length;
  const base = Math.floor(100 / n);
  const extra = 100 - base * n;
  return {
    Attribute: '${node.datacenter}',
    Weight: 100,
    SpreadTarget: datacenters.map((dc, i) => ({ Value: dc, Percent: base + (i < extra ? 1 : 0) })),
  };
}

/** Adds the spread and distinct_hosts to every group whose count is above one. */
export const spread: PlatformFn = (job, ctx) => ({
  ...job,
  TaskGroups: job.TaskGroups.map((g) => {
    if ((g.Count ?? 1) <= 1) return g;
    const constraints = (g.Constraints ?? []).filter((c) => c.Operand !== 'distinct_hosts');
    return { ...g, Constraints: [...constraints, { ...DISTINCT_HOSTS }], Spreads: [evenSpread(ctx.config.platform.datacenters)] };
  }),
});
