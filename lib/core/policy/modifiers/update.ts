/**
 * update: every group gets the tier's update strategy (rolling, judged by health checks, reverting to the
 * last good version on failure), restart policy and reschedule policy. A group whose tasks have no check
 * is judged by task states instead, since a deployment waiting for checks that never run cannot succeed.
 */
import type { ReschedulePolicy, RestartPolicy, TaskGroup, UpdateStrategy } from '../../nomad/types';
import { nanos } from '../helpers';
import type { Modification, ModifierRule } from '../types';

function hasChecks(tg: TaskGroup): boolean {
  return (tg.Services ?? []).some((s) => (s.Checks ?? []).length > 0) || tg.Tasks.some((t) => (t.Services ?? []).some((s) => (s.Checks ?? []).length > 0));
}

function changed(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) !== JSON.stringify(b ?? null);
}

export const update: ModifierRule<'update'> = {
  name: 'update',
  modify(job, spec, _ctx, params) {
    const modifications: Modification[] = [];
    const p = params.tiers[spec.tier];
    job.TaskGroups.forEach((tg, gi) => {
      const at = `TaskGroups[${gi}]`;
      const checks = hasChecks(tg);
      const healthCheck = p.update.healthCheck === 'checks' && !checks ? 'task_states' : p.update.healthCheck;
      const u: UpdateStrategy = {
        Stagger: nanos(p.update.stagger),
        MaxParallel: p.update.maxParallel,
        HealthCheck: healthCheck,
        MinHealthyTime: nanos(p.update.minHealthyTime),
        HealthyDeadline: nanos(p.update.healthyDeadline),
        ProgressDeadline: nanos(p.update.progressDeadline),
        AutoRevert: p.update.autoRevert,
        AutoPromote: p.update.autoPromote,
        Canary: p.update.canary,
      };
      const r: RestartPolicy = { Attempts: p.restart.attempts, Interval: nanos(p.restart.interval), Delay: nanos(p.restart.delay), Mode: p.restart.mode };
      const s: ReschedulePolicy = {
        Attempts: p.reschedule.attempts,
        Interval: nanos(p.reschedule.interval),
        Delay: nanos(p.reschedule.delay),
        DelayFunction: p.reschedule.delayFunction,
        MaxDelay: nanos(p.reschedule.maxDelay),
        Unlimited: p.reschedule.unlimited,
      };
      if (changed(tg.Update, u)) {
        const why = healthCheck !== p.update.healthCheck ? ' (judged by task states: the group has no checks)' : '';
        modifications.push({ rule: 'update', path: `${at}.Update`, message: `tier "${spec.tier}" update strategy: ${u.MaxParallel} at a time, healthy by ${healthCheck}${why}, auto_revert ${u.AutoRevert}`, before: tg.Update ?? undefined, after: u });
        tg.Update = u;
      }
      if (changed(tg.RestartPolicy, r)) {
        modifications.push({ rule: 'update', path: `${at}.RestartPolicy`, message: `tier "${spec.tier}" restart policy: ${r.Attempts} attempts per ${p.restart.interval}, then ${r.Mode}`, before: tg.RestartPolicy ?? undefined, after: r });
        tg.RestartPolicy = r;
      }
      if (changed(tg.ReschedulePolicy, s)) {
        const how = s.Unlimited ? 'unlimited' : `${s.Attempts} per ${p.reschedule.interval}`;
        modifications.push({ rule: 'update', path: `${at}.ReschedulePolicy`, message: `tier "${spec.tier}" reschedule policy: ${how}, ${s.DelayFunction} delay from ${p.reschedule.delay} up to ${p.reschedule.maxDelay}`, before: tg.ReschedulePolicy ?? undefined, after: s });
        tg.ReschedulePolicy = s;
      }
    });
    return { modifications, diagnostics: [] };
  },
};
