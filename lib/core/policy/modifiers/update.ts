/**
 * update: every group gets the tier's update strategy (rolling, judged by health checks, reverting to the
 * last good version on failure), restart policy and reschedule policy. A group whose tasks have no check
 * is judged by task states instead, since a deployment waiting for checks that never run cannot succeed.
 */
import type { ReschedulePolicy, RestartPolicy, TaskGroup, UpdateStrategy } from '../../nomad/types';
import type { Rules } from '../../../../crd-schemas/policy';
import { nanos, sameJson } from '../helpers';
import type { Modification, ModifierRule } from '../types';

type TierLifecycle = Rules['update']['tiers']['production'];
interface Lifecycle {
  update: UpdateStrategy;
  restart: RestartPolicy;
  reschedule: ReschedulePolicy;
}

/** The tier's policies in the API's shape, computed once per policy object. */
const cache = new WeakMap<TierLifecycle, Lifecycle>();
function lifecycleOf(p: TierLifecycle): Lifecycle {
  let l = cache.get(p);
  if (!l) {
    l = {
      update: {
        Stagger: nanos(p.update.stagger),
        MaxParallel: p.update.maxParallel,
        HealthCheck: p.update.healthCheck,
        MinHealthyTime: nanos(p.update.minHealthyTime),
        HealthyDeadline: nanos(p.update.healthyDeadline),
        ProgressDeadline: nanos(p.update.progressDeadline),
        AutoRevert: p.update.autoRevert,
        AutoPromote: p.update.autoPromote,
        Canary: p.update.canary,
      },
      restart: { Attempts: p.restart.attempts, Interval: nanos(p.restart.interval), Delay: nanos(p.restart.delay), Mode: p.restart.mode },
      reschedule: {
        Attempts: p.reschedule.attempts,
        Interval: nanos(p.reschedule.interval),
        Delay: nanos(p.reschedule.delay),
        DelayFunction: p.reschedule.delayFunction,
        MaxDelay: nanos(p.reschedule.maxDelay),
        Unlimited: p.reschedule.unlimited,
      },
    };
    cache.set(p, l);
  }
  return l;
}

function hasChecks(tg: TaskGroup): boolean {
  return (tg.Services ?? []).some((s) => (s.Checks ?? []).length > 0) || tg.Tasks.some((t) => (t.Services ?? []).some((s) => (s.Checks ?? []).length > 0));
}

/** The `update` modifier rule (see the file comment for what it changes). */
export const update: ModifierRule<'update'> = {
  name: 'update',
  modify(job, spec, _ctx, params) {
    const modifications: Modification[] = [];
    const p = params.tiers[spec.tier];
    job.TaskGroups.forEach((tg, gi) => {
      const at = `TaskGroups[${gi}]`;
      const checks = hasChecks(tg);
      const healthCheck = p.update.healthCheck === 'checks' && !checks ? 'task_states' : p.update.healthCheck;
      const l = lifecycleOf(p);
      const u: UpdateStrategy = { ...l.update, HealthCheck: healthCheck };
      const r: RestartPolicy = { ...l.restart };
      const s: ReschedulePolicy = { ...l.reschedule };
      if (!sameJson(tg.Update, u)) {
        const why = healthCheck !== p.update.healthCheck ? ' (judged by task states: the group has no checks)' : '';
        modifications.push({ rule: 'update', path: `${at}.Update`, message: `tier ${JSON.stringify(spec.tier)} update strategy: ${u.MaxParallel} at a time, healthy by ${healthCheck}${why}, auto_revert ${u.AutoRevert}`, before: tg.Update ?? undefined, after: u });
        tg.Update = u;
      }
      if (!sameJson(tg.RestartPolicy, r)) {
        modifications.push({ rule: 'update', path: `${at}.RestartPolicy`, message: `tier ${JSON.stringify(spec.tier)} restart policy: ${r.Attempts} attempts per ${p.restart.interval}, then ${r.Mode}`, before: tg.RestartPolicy ?? undefined, after: r });
        tg.RestartPolicy = r;
      }
      if (!sameJson(tg.ReschedulePolicy, s)) {
        const how = s.Unlimited ? 'unlimited' : `${s.Attempts} per ${p.reschedule.interval}`;
        modifications.push({ rule: 'update', path: `${at}.ReschedulePolicy`, message: `tier ${JSON.stringify(spec.tier)} reschedule policy: ${how}, ${s.DelayFunction} delay from ${p.reschedule.delay} up to ${p.reschedule.maxDelay}`, before: tg.ReschedulePolicy ?? undefined, after: s });
        tg.ReschedulePolicy = s;
      }
    });
    return { modifications, diagnostics: [] };
  },
};
