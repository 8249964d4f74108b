/**
 * A Nomad job (API JSON) as an HCL2 jobspec a Nomad user recognises and `nomad job run` accepts: `job`,
 * `group`, `task`, `config`, `service`/`check`, `template`, `vault`, `resources`, `constraint`, `spread`,
 * `update`, `restart`, `reschedule`, `scaling`, `meta`, `env`. Durations are written as "30s"-style strings;
 * every string is escaped so HCL reads back exactly the JSON value (a `${...}` stays literal for Nomad's
 * runtime interpolation).
 */
import type { Constraint, Job, ReschedulePolicy, RestartPolicy, Service, ServiceCheck, Spread, Task, TaskGroup, Template, UpdateStrategy, Vault } from '../nomad/types';
import { formatDuration } from '../spec/duration';
import { heredocable, isIdentifier, renderBody, type HclBody, type HclItem, type HclValue } from './writer';

const attr = (name: string, value: HclValue): HclItem => ({ kind: 'attr', name, value });
const block = (type: string, body: HclBody, ...labels: string[]): HclItem => ({ kind: 'block', type, labels, body });
const blank: HclItem = { kind: 'blank' };

/** Appends `name = value` when the value is defined. */
function opt(body: HclBody, name: string, value: HclValue | undefined | null): void {
  if (value !== undefined && value !== null) body.push(attr(name, value));
}

/** Appends a duration attribute (nanoseconds -> "30s"). */
function dur(body: HclBody, name: string, ns: number | undefined): void {
  if (ns !== undefined) body.push(attr(name, formatDuration(ns)));
}

/** A string map as a block when every key is an identifier, else as a map attribute. */
function stringMap(name: string, map: Record<string, string> | null | undefined): HclItem[] {
  if (!map || Object.keys(map).length === 0) return [];
  if (Object.keys(map).every(isIdentifier)) return [block(name, Object.entries(map).map(([k, v]) => attr(k, v)))];
  return [attr(name, map)];
}

function constraint(c: Constraint): HclItem {
  if (c.Operand === 'distinct_hosts') return block('constraint', [attr('distinct_hosts', c.RTarget === 'true')]);
  const body: HclBody = [];
  if (c.LTarget !== '') body.push(attr('attribute', c.LTarget));
  if (c.Operand !== '=') body.push(attr('operator', c.Operand));
  body.push(attr('value', c.RTarget));
  return block('constraint', body);
}

function spread(s: Spread): HclItem {
  const body: HclBody = [attr('attribute', s.Attribute), attr('weight', s.Weight)];
  for (const t of s.SpreadTarget ?? []) body.push(block('target', [attr('percent', t.Percent)], t.Value));
  return block('spread', body);
}

function update(u: UpdateStrategy): HclItem {
  const b: HclBody = [];
  opt(b, 'max_parallel', u.MaxParallel);
  opt(b, 'health_check', u.HealthCheck);
  dur(b, 'min_healthy_time', u.MinHealthyTime);
  dur(b, 'healthy_deadline', u.HealthyDeadline);
  dur(b, 'progress_deadline', u.ProgressDeadline);
  opt(b, 'auto_revert', u.AutoRevert);
  opt(b, 'auto_promote', u.AutoPromote);
  opt(b, 'canary', u.Canary);
  dur(b, 'stagger', u.Stagger);
  return block('update', b);
}

function restart(r: RestartPolicy): HclItem {
  const b: HclBody = [];
  opt(b, 'attempts', r.Attempts);
  dur(b, 'interval', r.Interval);
  dur(b, 'delay', r.Delay);
  opt(b, 'mode', r.Mode);
  return block('restart', b);
}

function reschedule(r: ReschedulePolicy): HclItem {
  const b: HclBody = [];
  opt(b, 'attempts', r.Attempts);
  dur(b, 'interval', r.Interval);
  dur(b, 'delay', r.Delay);
  opt(b, 'delay_function', r.DelayFunction);
  dur(b, 'max_delay', r.MaxDelay);
  opt(b, 'unlimited', r.Unlimited);
  return block('reschedule', b);
}

function check(c: ServiceCheck): HclItem {
  const b: HclBody = [];
  opt(b, 'name', c.Name);
  opt(b, 'type', c.Type);
  opt(b, 'path', c.Path);
  opt(b, 'command', c.Command);
  opt(b, 'args', c.Args ?? undefined);
  opt(b, 'port', c.PortLabel);
  opt(b, 'address_mode', c.AddressMode);
  dur(b, 'interval', c.Interval);
  dur(b, 'timeout', c.Timeout);
  if (c.CheckRestart) {
    const r: HclBody = [];
    opt(r, 'limit', c.CheckRestart.Limit);
    dur(r, 'grace', c.CheckRestart.Grace);
    opt(r, 'ignore_warnings', c.CheckRestart.IgnoreWarnings);
    b.push(block('check_restart', r));
  }
  return block('check', b);
}

function service(s: Service): HclItem {
  const b: HclBody = [];
  opt(b, 'name', s.Name);
  opt(b, 'port', s.PortLabel);
  opt(b, 'provider', s.Provider);
  opt(b, 'address_mode', s.AddressMode);
  if (s.Tags && s.Tags.length > 0) b.push(attr('tags', s.Tags));
  if (s.CanaryTags && s.CanaryTags.length > 0) b.push(attr('canary_tags', s.CanaryTags));
  b.push(...stringMap('meta', s.Meta));
  for (const c of s.Checks ?? []) b.push(check(c));
  return block('service', b);
}

function vault(v: Vault): HclItem {
  const b: HclBody = [];
  opt(b, 'role', v.Role);
  opt(b, 'policies', v.Policies ?? undefined);
  opt(b, 'namespace', v.Namespace);
  opt(b, 'cluster', v.Cluster);
  opt(b, 'change_mode', v.ChangeMode);
  opt(b, 'change_signal', v.ChangeSignal);
  opt(b, 'env', v.Env);
  opt(b, 'disable_file', v.DisableFile);
  return block('vault', b);
}

function template(t: Template): HclItem {
  const b: HclBody = [];
  if (t.EmbeddedTmpl !== undefined) b.push(heredocable(t.EmbeddedTmpl) ? { kind: 'heredoc', name: 'data', text: t.EmbeddedTmpl } : attr('data', t.EmbeddedTmpl));
  opt(b, 'source', t.SourcePath);
  opt(b, 'destination', t.DestPath);
  opt(b, 'env', t.Envvars);
  opt(b, 'change_mode', t.ChangeMode);
  opt(b, 'change_signal', t.ChangeSignal);
  opt(b, 'perms', t.Perms);
  return block('template', b);
}

/** Docker options written as blocks in Nomad's documentation; everything else is an attribute. */
const CONFIG_BLOCKS = new Set(['logging', 'labels', 'ulimit', 'sysctl', 'mount', 'auth']);

/** Driver config: blocks for block-style options (a list of objects is repeated blocks), attributes otherwise. */
function configBody(config: Record<string, unknown>, nested = false): HclBody {
  const b: HclBody = [];
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined || v === null) continue;
    const isObj = typeof v === 'object' && !Array.isArray(v);
    const isObjList = Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x));
    if ((CONFIG_BLOCKS.has(k) || (nested && k === 'config')) && (isObj || isObjList)) {
      const items = (isObj ? [v] : v) as Array<Record<string, unknown>>;
      for (const item of items) {
        if (Object.keys(item).every(isIdentifier)) b.push(block(k, configBody(item, true)));
        else b.push(attr(k, item as HclValue));
      }
    } else b.push(attr(k, v as HclValue));
  }
  return b;
}

function task(t: Task): HclItem {
  const b: HclBody = [attr('driver', t.Driver)];
  opt(b, 'user', t.User);
  if (t.Config) b.push(blank, block('config', configBody(t.Config)));
  if (t.Env && Object.keys(t.Env).length > 0) b.push(blank, ...stringMap('env', t.Env));
  if (t.Meta && Object.keys(t.Meta).length > 0) b.push(blank, ...stringMap('meta', t.Meta));
  if (t.Resources) {
    const r: HclBody = [];
    opt(r, 'cpu', t.Resources.CPU);
    opt(r, 'cores', t.Resources.Cores);
    opt(r, 'memory', t.Resources.MemoryMB);
    opt(r, 'memory_max', t.Resources.MemoryMaxMB);
    b.push(blank, block('resources', r));
  }
  for (const c of t.Constraints ?? []) b.push(blank, constraint(c));
  for (const s of t.Services ?? []) b.push(blank, service(s));
  if (t.Vault) b.push(blank, vault(t.Vault));
  for (const tpl of t.Templates ?? []) b.push(blank, template(tpl));
  if (t.RestartPolicy) b.push(blank, restart(t.RestartPolicy));
  dur(b, 'kill_timeout', t.KillTimeout);
  return block('task', b, t.Name);
}

function group(g: TaskGroup): HclItem {
  const b: HclBody = [];
  opt(b, 'count', g.Count);
  for (const c of g.Constraints ?? []) b.push(blank, constraint(c));
  for (const s of g.Spreads ?? []) b.push(blank, spread(s));
  if (g.Scaling) {
    const s: HclBody = [];
    opt(s, 'enabled', g.Scaling.Enabled);
    opt(s, 'min', g.Scaling.Min);
    opt(s, 'max', g.Scaling.Max);
    b.push(blank, block('scaling', s));
  }
  if (g.Meta && Object.keys(g.Meta).length > 0) b.push(blank, ...stringMap('meta', g.Meta));
  if (g.Update) b.push(blank, update(g.Update));
  if (g.RestartPolicy) b.push(blank, restart(g.RestartPolicy));
  if (g.ReschedulePolicy) b.push(blank, reschedule(g.ReschedulePolicy));
  for (const t of g.Tasks) b.push(blank, task(t));
  return block('group', b, g.Name);
}

/** The job as HCL2 jobspec text (ends with a newline). */
export function renderHcl(job: Job): string {
  const b: HclBody = [];
  opt(b, 'namespace', job.Namespace);
  opt(b, 'region', job.Region);
  opt(b, 'datacenters', job.Datacenters);
  opt(b, 'type', job.Type);
  opt(b, 'node_pool', job.NodePool);
  opt(b, 'priority', job.Priority);
  if (job.Meta && Object.keys(job.Meta).length > 0) b.push(blank, ...stringMap('meta', job.Meta));
  for (const c of job.Constraints ?? []) b.push(blank, constraint(c));
  for (const s of job.Spreads ?? []) b.push(blank, spread(s));
  for (const g of job.TaskGroups) b.push(blank, group(g));
  return `${renderBody([block('job', b, job.ID)], '')}\n`;
}
