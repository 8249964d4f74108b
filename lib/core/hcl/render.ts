/**
 * A Nomad job (API JSON) as an HCL2 jobspec a Nomad user recognises and `nomad job run` accepts: `job`,
 * `group`, `task`, `config`, `service`/`check`, `template`, `vault`, `resources`, `constraint`, `spread`,
 * `update`, `restart`, `reschedule`, `scaling`, `meta`, `env`. Durations are written as "30s"-style strings;
 * every string is escaped so HCL reads back exactly the JSON value (a `${...}` stays literal for Nomad's
 * runtime interpolation).
 */
import type { Constraint, Job, ReschedulePolicy, RestartPolicy, Service, ServiceCheck, Spread, Task, TaskGroup, Template, UpdateStrategy, Vault } from '../nomad/types';
import { formatDuration } from '../spec/duration';
import { HclWriter, isIdentifier, type HclValue } from './writer';

/** Writes `name = value` when the value is defined. */
function opt(w: HclWriter, name: string, value: HclValue | undefined | null): void {
  if (value !== undefined && value !== null) w.attr(name, value);
}

/** Writes a duration attribute (nanoseconds -> "30s"). */
function dur(w: HclWriter, name: string, ns: number | undefined): void {
  if (ns !== undefined) w.attr(name, formatDuration(ns));
}

/** A string map: a block when every key is an identifier, else a map attribute. Preceded by a blank line. */
function stringMap(w: HclWriter, name: string, map: Record<string, string> | null | undefined): void {
  if (!map) return;
  const keys = Object.keys(map);
  if (keys.length === 0) return;
  w.blank();
  if (keys.every(isIdentifier)) {
    w.open(name);
    for (const k of keys) w.attr(k, map[k]);
    w.close();
  } else w.attr(name, map);
}

function constraint(w: HclWriter, c: Constraint): void {
  w.blank().open('constraint');
  if (c.Operand === 'distinct_hosts') w.attr('distinct_hosts', c.RTarget === 'true');
  else {
    if (c.LTarget !== '') w.attr('attribute', c.LTarget);
    if (c.Operand !== '=') w.attr('operator', c.Operand);
    w.attr('value', c.RTarget);
  }
  w.close();
}

function spread(w: HclWriter, s: Spread): void {
  w.blank().open('spread').attr('attribute', s.Attribute).attr('weight', s.Weight);
  for (const t of s.SpreadTarget ?? []) w.open('target', t.Value).attr('percent', t.Percent).close();
  w.close();
}

function update(w: HclWriter, u: UpdateStrategy): void {
  w.blank().open('update');
  opt(w, 'max_parallel', u.MaxParallel);
  opt(w, 'health_check', u.HealthCheck);
  dur(w, 'min_healthy_time', u.MinHealthyTime);
  dur(w, 'healthy_deadline', u.HealthyDeadline);
  dur(w, 'progress_deadline', u.ProgressDeadline);
  opt(w, 'auto_revert', u.AutoRevert);
  opt(w, 'auto_promote', u.AutoPromote);
  opt(w, 'canary', u.Canary);
  dur(w, 'stagger', u.Stagger);
  w.close();
}

function restart(w: HclWriter, r: RestartPolicy): void {
  w.blank().open('restart');
  opt(w, 'attempts', r.Attempts);
  dur(w, 'interval', r.Interval);
  dur(w, 'delay', r.Delay);
  opt(w, 'mode', r.Mode);
  w.close();
}

function reschedule(w: HclWriter, r: ReschedulePolicy): void {
  w.blank().open('reschedule');
  opt(w, 'attempts', r.Attempts);
  dur(w, 'interval', r.Interval);
  dur(w, 'delay', r.Delay);
  opt(w, 'delay_function', r.DelayFunction);
  dur(w, 'max_delay', r.MaxDelay);
  opt(w, 'unlimited', r.Unlimited);
  w.close();
}

function check(w: HclWriter, c: ServiceCheck): void {
  w.open('check');
  opt(w, 'name', c.Name);
  opt(w, 'type', c.Type);
  opt(w, 'path', c.Path);
  opt(w, 'command', c.Command);
  opt(w, 'args', c.Args);
  opt(w, 'port', c.PortLabel);
  opt(w, 'address_mode', c.AddressMode);
  dur(w, 'interval', c.Interval);
  dur(w, 'timeout', c.Timeout);
  if (c.CheckRestart) {
    w.open('check_restart');
    opt(w, 'limit', c.CheckRestart.Limit);
    dur(w, 'grace', c.CheckRestart.Grace);
    opt(w, 'ignore_warnings', c.CheckRestart.IgnoreWarnings);
    w.close();
  }
  w.close();
}

function service(w: HclWriter, s: Service): void {
  w.blank().open('service');
  opt(w, 'name', s.Name);
  opt(w, 'port', s.PortLabel);
  opt(w, 'provider', s.Provider);
  opt(w, 'address_mode', s.AddressMode);
  if (s.Tags && s.Tags.length > 0) w.attr('tags', s.Tags);
  if (s.CanaryTags && s.CanaryTags.length > 0) w.attr('canary_tags', s.CanaryTags);
  stringMap(w, 'meta', s.Meta);
  for (const c of s.Checks ?? []) check(w, c);
  w.close();
}

function vault(w: HclWriter, v: Vault): void {
  w.blank().open('vault');
  opt(w, 'role', v.Role);
  opt(w, 'policies', v.Policies);
  opt(w, 'namespace', v.Namespace);
  opt(w, 'cluster', v.Cluster);
  opt(w, 'change_mode', v.ChangeMode);
  opt(w, 'change_signal', v.ChangeSignal);
  opt(w, 'env', v.Env);
  opt(w, 'disable_file', v.DisableFile);
  w.close();
}

function template(w: HclWriter, t: Template): void {
  w.blank().open('template');
  if (t.EmbeddedTmpl !== undefined) w.text('data', t.EmbeddedTmpl);
  opt(w, 'source', t.SourcePath);
  opt(w, 'destination', t.DestPath);
  opt(w, 'env', t.Envvars);
  opt(w, 'change_mode', t.ChangeMode);
  opt(w, 'change_signal', t.ChangeSignal);
  opt(w, 'perms', t.Perms);
  w.close();
}

/** Docker options written as blocks in Nomad's documentation; everything else is an attribute. */
const CONFIG_BLOCKS = new Set(['logging', 'labels', 'ulimit', 'sysctl', 'mount', 'auth']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Driver config: blocks for block-style options (a list of objects is repeated blocks), attributes otherwise. */
function configBody(w: HclWriter, config: Record<string, unknown>, nested: boolean): void {
  for (const k of Object.keys(config)) {
    const v = config[k];
    if (v === undefined || v === null) continue;
    if (CONFIG_BLOCKS.has(k) || (nested && k === 'config')) {
      const items = isPlainObject(v) ? [v] : Array.isArray(v) && v.length > 0 && v.every(isPlainObject) ? v : undefined;
      if (items) {
        for (const item of items) {
          if (Object.keys(item).every(isIdentifier)) {
            w.open(k);
            configBody(w, item, true);
            w.close();
          } else w.attr(k, item as HclValue);
        }
        continue;
      }
    }
    w.attr(k, v as HclValue);
  }
}

function task(w: HclWriter, t: Task): void {
  w.blank().open('task', t.Name).attr('driver', t.Driver);
  opt(w, 'user', t.User);
  if (t.Config) {
    w.blank().open('config');
    configBody(w, t.Config, false);
    w.close();
  }
  stringMap(w, 'env', t.Env);
  stringMap(w, 'meta', t.Meta);
  if (t.Resources) {
    w.blank().open('resources');
    opt(w, 'cpu', t.Resources.CPU);
    opt(w, 'cores', t.Resources.Cores);
    opt(w, 'memory', t.Resources.MemoryMB);
    opt(w, 'memory_max', t.Resources.MemoryMaxMB);
    w.close();
  }
  for (const c of t.Constraints ?? []) constraint(w, c);
  for (const s of t.Services ?? []) service(w, s);
  if (t.Vault) vault(w, t.Vault);
  for (const tpl of t.Templates ?? []) template(w, tpl);
  if (t.RestartPolicy) restart(w, t.RestartPolicy);
  if (t.KillTimeout !== undefined) w.blank();
  dur(w, 'kill_timeout', t.KillTimeout);
  w.close();
}

function group(w: HclWriter, g: TaskGroup): void {
  w.blank().open('group', g.Name);
  opt(w, 'count', g.Count);
  for (const c of g.Constraints ?? []) constraint(w, c);
  for (const s of g.Spreads ?? []) spread(w, s);
  if (g.Scaling) {
    w.blank().open('scaling');
    opt(w, 'enabled', g.Scaling.Enabled);
    opt(w, 'min', g.Scaling.Min);
    opt(w, 'max', g.Scaling.Max);
    w.close();
  }
  stringMap(w, 'meta', g.Meta);
  if (g.Update) update(w, g.Update);
  if (g.RestartPolicy) restart(w, g.RestartPolicy);
  if (g.ReschedulePolicy) reschedule(w, g.ReschedulePolicy);
  for (const t of g.Tasks) task(w, t);
  w.close();
}

/** The job as HCL2 jobspec text (ends with a newline). */
export function renderHcl(job: Job): string {
  const w = new HclWriter().open('job', job.ID);
  opt(w, 'namespace', job.Namespace);
  opt(w, 'region', job.Region);
  opt(w, 'datacenters', job.Datacenters);
  opt(w, 'type', job.Type);
  opt(w, 'node_pool', job.NodePool);
  opt(w, 'priority', job.Priority);
  stringMap(w, 'meta', job.Meta);
  for (const c of job.Constraints ?? []) constraint(w, c);
  for (const s of job.Spreads ?? []) spread(w, s);
  for (const g of job.TaskGroups) group(w, g);
  return w.close().toString();
}
