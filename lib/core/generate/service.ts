/**
 * The Consul service of a task and its check. Durations default to 10s interval / 2s timeout; a check
 * restarts the task after three failures, but not during the spec's `grace` (default 60s) after start.
 */
import type { CheckSpec, TaskSpec } from '../../../crd-schemas/spec-v1';
import type { Service, ServiceCheck } from '../nomad/types';
import { parseDuration } from '../spec/duration';
import { isCheckPath, isTag, isTraefikTag } from './grammar';

/** Check defaults, as durations. */
export const CHECK_DEFAULTS = { interval: '10s', timeout: '2s', grace: '60s', restartLimit: 3 } as const;

/** The defaults in nanoseconds, parsed once rather than per check. */
const DEFAULT_NANOS = new Map<string, number>(
  [CHECK_DEFAULTS.interval, CHECK_DEFAULTS.timeout, CHECK_DEFAULTS.grace].map((d) => [d, parseDuration(d) as number]),
);

/** A duration from the spec in nanoseconds, or the default when it is absent or unreadable (the policy reports that). */
function nanos(text: string | undefined, fallback: string): number {
  return (text !== undefined ? parseDuration(text) : undefined) ?? DEFAULT_NANOS.get(fallback) ?? (parseDuration(fallback) as number);
}

/** The service check of a task's `check`; an http check's path is the spec's when it follows the check path grammar, else "/". */
export function serviceCheck(check: CheckSpec, taskName: string): ServiceCheck {
  const out: ServiceCheck = { Name: `${taskName}-${check.type}`, Type: check.type };
  // Only a path that follows the check path grammar is emitted (the policy reports any other); Nomad would
  // interpolate it and resolve it against the task's address, see isCheckPath.
  if (check.type === 'http') out.Path = check.path !== undefined && isCheckPath(check.path) ? check.path : '/';
  if (check.type === 'script') {
    if (check.command !== undefined) out.Command = check.command;
    if (check.args) out.Args = [...check.args];
  }
  out.Interval = nanos(check.interval, CHECK_DEFAULTS.interval);
  out.Timeout = nanos(check.timeout, CHECK_DEFAULTS.timeout);
  out.CheckRestart = { Limit: CHECK_DEFAULTS.restartLimit, Grace: nanos(check.grace, CHECK_DEFAULTS.grace), IgnoreWarnings: false };
  return out;
}

/**
 * The service of a task, or undefined when the task has neither a port nor a check. Only the spec's tags
 * that follow the tag grammar and are outside traefik's namespace are registered: traefik tags come from
 * the policy's traefik modifier alone (the policy reports the tags left out).
 */
export function taskService(task: TaskSpec, name: string): Service | undefined {
  if (task.port === undefined && task.check === undefined) return undefined;
  const service: Service = { Name: name, Provider: 'consul' };
  if (task.port !== undefined) service.PortLabel = String(task.port);
  service.Tags = task.tags ? task.tags.filter((t) => isTag(t) && !isTraefikTag(t)) : [];
  if (task.check) service.Checks = [serviceCheck(task.check, task.name)];
  return service;
}
