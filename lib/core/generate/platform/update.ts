/**
 * How groups roll out and recover, per tier: rolling updates gated on health checks with auto-revert,
 * restart attempts before a task fails, and rescheduling of failed allocations (unlimited in production).
 */
import type { ReschedulePolicy, RestartPolicy, UpdateStrategy } from '../../nomad/types';
import { SECOND } from '../../nomad/types';
import type { Tier } from '../../../../crd-schemas/spec-v1';
import type { PlatformFn } from '../context';

const MINUTE = 60 * SECOND;

/** The update strategy of a tier. */
export function updateFor(tier: Tier): UpdateStrategy {
  return {
    Stagger: 30 * SECOND,
    MaxParallel: 1,
    HealthCheck: 'checks',
    MinHealthyTime: (tier === 'production' ? 30 : 10) * SECOND,
    HealthyDeadline: 5 * MINUTE,
    ProgressDeadline: 10 * MINUTE,
    AutoRevert: true,
    AutoPromote: false,
    Canary: 0,
  };
}

/** The restart policy of a tier. */
export function restartFor(tier: Tier): RestartPolicy {
  return { Attempts: tier === 'production' ? 2 : 3, Interval: 30 * MINUTE, Delay: 15 * SECOND, Mode: 'fail' };
}

/** The reschedule policy of a tier. */
export function rescheduleFor(tier: Tier): ReschedulePolicy {
  return tier === 'production'
    ? { Attempts: 0, Interval: 0, Delay: 30 * SECOND, DelayFunction: 'exponential', MaxDelay: 60 * MINUTE, Unlimited: true }
    : { Attempts: 5, Interval: 60 * MINUTE, Delay: 30 * SECOND, DelayFunction: 'exponential', MaxDelay: 10 * MINUTE, Unlimited: false };
}

/** Sets Update, RestartPolicy and ReschedulePolicy of every group from the spec's tier. */
export const update: PlatformFn = (job, ctx) => ({
  ...job,
  TaskGroups: job.TaskGroups.map((g) => ({
    ...g,
    Update: updateFor(ctx.spec.tier),
    RestartPolicy: restartFor(ctx.spec.tier),
    ReschedulePolicy: rescheduleFor(ctx.spec.tier),
  })),
});
