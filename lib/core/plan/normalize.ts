/**
 * The server's view of a job, computed without a server: the defaults Nomad fills in on register
 * (shared/contracts/NOMAD-API.md §3) applied to a submitted or a read-back job, and the fields only the
 * server manages taken out. Both sides of a comparison go through here, so a sparse desired job and the
 * full job `GET /v1/job/:id` returns become the same value when they mean the same job.
 *
 * The rules are read from Nomad's source (hashicorp/nomad 2.0.6-dev, aa026cc9), applied in its order:
 * the agent's `api.Job.Canonicalize` (api/jobs.go, api/tasks.go, api/services.go, api/resources.go), the
 * conversion `ApiJobToStructJob` (command/agent/job_endpoint.go), then the RPC mutators of
 * nomad/job_endpoint.go `NewJobEndpoints`: `structs.Job.Canonicalize` (nomad/structs/structs.go), the Vault
 * and Consul cluster hooks, `jobImpliedConstraints` (nomad/job_endpoint_hooks.go), the node pool hook and the
 * identity constraint of nomad/job_endpoint_hook_implicit_identities.go. What depends on the server's own
 * configuration (identities it injects, Connect sidecar tasks) is not predicted here; compare.ts knows it.
 *
 * Pure and idempotent: `normalizeJob(normalizeJob(j, o), o)` deep-equals `normalizeJob(j, o)`. The input is
 * never modified: every object this module knows is rebuilt, fields it does not know are kept as they are.
 */
import type { Job } from '../nomad/types';

type Obj = Record<string, unknown>;

/** Where the job is registered: the facts of the server that change what it stores. */
export interface NormalizeOptions {
  /** The server's Nomad version (`1.10.3`); unset means the newest behaviour. Gates the versioned rules. */
  serverVersion?: string;
  /** The namespace that wins on register (`?namespace=` over the job's own); unset: the job's, else `default`. */
  namespace?: string;
  /** The agent's region, which replaces `global` and empty (command/agent/job_endpoint.go `regionForJob`). */
  region?: string;
}

/**
 * Fields the server sets on a job and a submitter never means: left out of every normalised job.
 * `Stop` is not among them (a stopped job differs from a running one).
 */
export const SERVER_MANAGED_FIELDS: readonly string[] = [
  'Status', 'StatusDescription', 'Stable', 'Version', 'SubmitTime', 'CreateIndex', 'ModifyIndex', 'JobModifyIndex',
  'NomadTokenID', 'VersionTag', 'Dispatched', 'DispatchIdempotencyToken', 'ParentID', 'Payload',
];

const S = 1_000_000_000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

/** Version gates, each the release the rule first applies in. */
const SINCE = {
  /** Empty Datacenters become `["*"]` (structs.go `Job.Canonicalize`). */
  datacentersWildcard: [1, 5, 0],
  /** NodePool `default` (job_endpoint_hook_node_pool_ce.go `Mutate`). */
  nodePool: [1, 6, 0],
  /** Every task gets the default workload identity (structs.go `Task.Canonicalize`). */
  defaultIdentity: [1, 7, 0],
  /** `Vault.Policies` and the deprecated disconnect fields are no longer copied (job_endpoint.go `ApiTaskToStructsTask`, `ApiTgToStructsTG`). */
  legacyDropped: [1, 10, 0],
} as const;

/** Parsed `major.minor.patch`; a missing version is newer than every release. */
function parseVersion(v: string | undefined): number[] {
  if (!v) return [Infinity, 0, 0];
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v);
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : [Infinity, 0, 0];
}

function atLeast(version: number[], since: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) if (version[i] !== since[i]) return version[i] > since[i];
  return true;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's nil for a JSON value: absent or null. */
function nil(v: unknown): boolean {
  return v === undefined || v === null;
}

/** The value, or `d` when it is nil (a pointer field's default). */
function or<T>(v: unknown, d: T): T {
  return nil(v) ? d : (v as T);
}

/** A non-empty string, else `d` (a string field whose zero value means "default"). */
function strOr(v: unknown, d: string): string {
  return typeof v === 'string' && v !== '' ? v : d;
}

/** Empty lists and maps are null (the `len(x) == 0 → nil` of every Canonicalize). */
function nonEmpty<T>(v: T): T | null {
  if (nil(v)) return null;
  if (Array.isArray(v)) return v.length ? v : null;
  if (isObj(v)) {
    for (const _k in v) return v;
    return null;
  }
  return v;
}

function objs(v: unknown): Obj[] {
  return Array.isArray(v) ? (v.filter(isObj) as Obj[]) : [];
}

/** Fills the nil fields of `over` from `base` (api `Merge`: a set field of `over` wins). */
function merged(base: Obj, over: unknown): Obj {
  const out: Obj = {};
  for (const k in base) out[k] = base[k];
  if (isObj(over)) for (const k in over) if (!nil(over[k])) out[k] = over[k];
  return out;
}

/** Sets the nil fields of `o` to `defaults` (api `Canonicalize` on a struct of pointers). */
function defaulted(o: Obj, defaults: Obj): Obj {
  const out: Obj = {};
  for (const k in defaults) out[k] = nil(o[k]) ? defaults[k] : o[k];
  return withRest(out, o);
}

/**
 * `known`, plus the fields of `src` it does not set (fields this module does not know are kept), but not
 * those in `drop`. Building the known fields first as one literal keeps every normalised object of a kind
 * the same shape, which is what makes normalising cheap.
 */
function withRest(known: Obj, src: Obj, drop?: ReadonlySet<string>): Obj {
  for (const k in src) if (!(k in known) && src[k] !== undefined && !drop?.has(k)) known[k] = src[k];
  return known;
}

// api/jobs.go DefaultUpdateStrategy.
const UPDATE_DEFAULTS: Obj = {
  Stagger: 30 * S, MaxParallel: 1, HealthCheck: 'checks', MinHealthyTime: 10 * S, HealthyDeadline: 5 * MIN,
  ProgressDeadline: 10 * MIN, AutoRevert: false, AutoPromote: false, Canary: 0,
};

// api/tasks.go DefaultMigrateStrategy (same as structs.go DefaultMigrateStrategy).
const MIGRATE_DEFAULTS: Obj = { MaxParallel: 1, HealthCheck: 'checks', MinHealthyTime: 10 * S, HealthyDeadline: 5 * MIN };

// api/tasks.go defaultServiceJobRestartPolicy / defaultBatchJobRestartPolicy.
function restartDefaults(type: string): Obj {
  return type === 'service' || type === 'system'
    ? { Attempts: 2, Interval: 30 * MIN, Delay: 15 * S, Mode: 'fail', RenderTemplates: false }
    : { Attempts: 3, Interval: 24 * HOUR, Delay: 15 * S, Mode: 'fail', RenderTemplates: false };
}

// api/tasks.go NewDefaultReschedulePolicy; system and sysbatch groups get none (TaskGroup.Canonicalize).
function rescheduleDefaults(type: string): Obj {
  if (type === 'service') return { Attempts: 0, Interval: 0, Delay: 30 * S, DelayFunction: 'exponential', MaxDelay: HOUR, Unlimited: true };
  if (type === 'batch') return { Attempts: 1, Interval: 24 * HOUR, Delay: 5 * S, DelayFunction: 'constant', MaxDelay: 0, Unlimited: false };
  return { Attempts: 0, Interval: 0, Delay: 0, DelayFunction: '', MaxDelay: 0, Unlimited: false };
}

/** Whether an update block says anything (api/jobs.go `UpdateStrategy.Empty`). */
function updateEmpty(u: Obj): boolean {
  return !u.Stagger && !u.MaxParallel && !u.HealthCheck && !u.MinHealthyTime && !u.HealthyDeadline && !u.ProgressDeadline && !u.AutoRevert && !u.AutoPromote && !u.Canary;
}

/** What a normalisation needs to know of the job around a group or task. */
interface Ctx {
  version: number[];
  jobId: string;
  jobName: string;
  namespace: string;
  type: string;
  jobUpdate: Obj | null;
  jobReschedule: unknown;
  jobMigrate: unknown;
  consulNamespace: string;
  vaultNamespace: string;
  /** Secret providers of every task of the job, in order of first use (Job.Secrets). */
  secretProviders: string[];
}

/**
 * Returns `job` as the server stores it, without the server-managed fields. Idempotent.
 *
 * @example normalizeJob({ ID: 'web', TaskGroups: [] }, { region: 'eu' }).Region === 'eu'
 */
export function normalizeJob(job: Job, opts: NormalizeOptions = {}): Job {
  const j = job as Obj;
  const version = parseVersion(opts.serverVersion);
  const type = or<string>(j.Type, 'service');
  // api/jobs.go Job.Canonicalize: the job update block is completed first, then pushed into the groups.
  const jobUpdate: Obj | null = isObj(j.Update) ? defaulted(j.Update, UPDATE_DEFAULTS) : type === 'service' || type === 'system' ? { ...UPDATE_DEFAULTS } : null;
  const id = or<string>(j.ID, '');
  const name = or<string>(j.Name, id);
  const namespace = opts.namespace || strOr(j.Namespace, 'default');
  const ctx: Ctx = {
    version, jobId: id, jobName: name, namespace, type, jobUpdate,
    jobReschedule: j.Reschedule, jobMigrate: j.Migrate,
    consulNamespace: or<string>(j.ConsulNamespace, ''), vaultNamespace: or<string>(j.VaultNamespace, ''),
    secretProviders: secretProviders(j.TaskGroups),
  };

  // command/agent/job_endpoint.go regionForJob: `global` and empty take the agent's region; multiregion jobs stay global.
  const region = or<string>(j.Region, '');
  const dcs = Array.isArray(j.Datacenters) ? (j.Datacenters as string[]) : [];
  const pool = or<string>(j.NodePool, '');
  // ApiJobToStructJob keeps Stagger and MaxParallel of the job update, only when MaxParallel > 0.
  const kept = jobUpdate !== null && Number(jobUpdate.MaxParallel) > 0;
  const out: Obj = {
    ID: id,
    Name: name,
    Namespace: namespace,
    Region: !nil(j.Multiregion) ? 'global' : region === '' || region === 'global' ? opts.region || 'global' : region,
    Type: type,
    // api/jobs.go JobDefaultPriority; jobCanonicalizer also turns 0 into the server's default (50 unless configured).
    Priority: or<number>(j.Priority, 0) || 50,
    AllAtOnce: or<boolean>(j.AllAtOnce, false),
    Stop: or<boolean>(j.Stop, false),
    ConsulNamespace: ctx.consulNamespace,
    VaultNamespace: ctx.vaultNamespace,
    Datacenters: dcs.length === 0 && atLeast(version, SINCE.datacentersWildcard) ? ['*'] : dcs,
    // Before 1.6 there are no node pools: the field stays as sent.
    NodePool: atLeast(version, SINCE.nodePool) ? pool || 'default' : pool,
    Meta: nonEmpty(j.Meta ?? null),
    Constraints: nonEmpty(constraints(j.Constraints)),
    Affinities: nonEmpty(affinities(j.Affinities)),
    Spreads: nonEmpty(spreads(j.Spreads)),
    Update: {
      Stagger: kept ? jobUpdate.Stagger : 0, MaxParallel: kept ? jobUpdate.MaxParallel : 0,
      HealthCheck: '', MinHealthyTime: 0, HealthyDeadline: 0, ProgressDeadline: 0, AutoRevert: false, AutoPromote: false, Canary: 0,
    },
    Periodic: isObj(j.Periodic) ? periodic(j.Periodic) : null,
    // structs.go ParameterizedJobConfig.Canonicalize: payload `optional` by default.
    ParameterizedJob: isObj(j.ParameterizedJob) ? { ...j.ParameterizedJob, Payload: strOr(j.ParameterizedJob.Payload, 'optional') } : null,
    TaskGroups: objs(j.TaskGroups).map((g) => group(g, ctx)),
  };
  return withRest(out, j, JOB_DROPPED) as Job;
}

/** Server-managed fields, and job Reschedule and Migrate (merged into every group, not stored at job level: ApiJobToStructJob). */
const JOB_DROPPED: ReadonlySet<string> = new Set([...SERVER_MANAGED_FIELDS, 'Reschedule', 'Migrate']);

function secretProviders(groups: unknown): string[] {
  const out: string[] = [];
  for (const g of objs(groups)) for (const t of objs(g.Tasks)) for (const s of objs(t.Secrets)) {
    const p = or<string>(s.Provider, '');
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** api/jobs.go PeriodicConfig.Canonicalize. */
function periodic(p: Obj): Obj {
  return { ...defaulted(p, { Enabled: true, Spec: '', Specs: [], SpecType: 'cron', ProhibitOverlap: false }), TimeZone: strOr(p.TimeZone, 'UTC') };
}

function constraints(v: unknown): Obj[] {
  return objs(v).map((c) => ({ LTarget: or<string>(c.LTarget, ''), RTarget: or<string>(c.RTarget, ''), Operand: or<string>(c.Operand, '') }));
}

/** api/tasks.go Affinity.Canonicalize: weight 50 when unset. */
function affinities(v: unknown): Obj[] {
  return objs(v).map((a) => ({ LTarget: or<string>(a.LTarget, ''), RTarget: or<string>(a.RTarget, ''), Operand: or<string>(a.Operand, ''), Weight: or<number>(a.Weight, 50) }));
}

/** api/tasks.go Spread.Canonicalize: weight 50 when unset; targets as given (ApiSpreadToStructs). */
function spreads(v: unknown): Obj[] {
  return objs(v).map((s) => ({
    Attribute: or<string>(s.Attribute, ''),
    Weight: or<number>(s.Weight, 50),
    SpreadTarget: nonEmpty(objs(s.SpreadTarget).map((t) => ({ Value: or<string>(t.Value, ''), Percent: or<number>(t.Percent, 0) }))),
  }));
}

function group(g: Obj, ctx: Ctx): Obj {
  const name = or<string>(g.Name, '');
  // api/tasks.go TaskGroup.Canonicalize: count from scaling.min, else 1.
  const scaling = isObj(g.Scaling) ? g.Scaling : null;
  const count = nil(g.Count) ? (scaling && !nil(scaling.Min) ? Number(scaling.Min) : 1) : Number(g.Count);

  // Update: the job's merged under the group's, inherited only when it says something; then defaults.
  let update: Obj | null = null;
  if (ctx.jobUpdate && isObj(g.Update)) update = merged(ctx.jobUpdate, g.Update);
  else if (isObj(g.Update)) update = g.Update;
  else if (ctx.jobUpdate && !updateEmpty(ctx.jobUpdate)) update = ctx.jobUpdate;

  // Reschedule: the job's merged under the group's; defaults by job type; system and sysbatch have none.
  let resched: Obj | null = null;
  if (isObj(ctx.jobReschedule)) resched = merged(ctx.jobReschedule, g.ReschedulePolicy);
  else if (isObj(g.ReschedulePolicy)) resched = g.ReschedulePolicy;
  if (!resched && ctx.type !== 'system' && ctx.type !== 'sysbatch') resched = {};

  // Migrate: the job's merged under the group's; service groups always have one.
  let migrate: Obj | null = null;
  if (isObj(ctx.jobMigrate)) migrate = merged(ctx.jobMigrate, g.Migrate);
  else if (isObj(g.Migrate)) migrate = g.Migrate;
  if (!migrate && ctx.type === 'service') migrate = {};

  const restart = merged(restartDefaults(ctx.type), g.RestartPolicy);
  const legacyDropped = atLeast(ctx.version, SINCE.legacyDropped);
  const services = objs(g.Services).map((s) => service(s, ctx, name, null));
  const tasks = objs(g.Tasks).map((t) => task(t, ctx, name, restart));
  const networkList = nonEmpty(networks(g.Networks));
  const out: Obj = {
    Name: name,
    Count: count,
    Update: update ? defaulted(update, UPDATE_DEFAULTS) : null,
    Migrate: migrate ? defaulted(migrate, MIGRATE_DEFAULTS) : null,
    Constraints: null,
    Scaling: scaling ? scalingPolicy(scaling, ctx, name, count) : null,
    RestartPolicy: restart,
    // nomad/structs/group.go DisconnectStrategy.Canonicalize.
    Disconnect: isObj(g.Disconnect) ? { ...g.Disconnect, Replace: or<boolean>(g.Disconnect.Replace, true), Reconcile: strOr(g.Disconnect.Reconcile, 'best_score') } : null,
    Tasks: tasks,
    EphemeralDisk: defaulted(isObj(g.EphemeralDisk) ? g.EphemeralDisk : {}, { Sticky: false, SizeMB: 300, Migrate: false }),
    Meta: nonEmpty(g.Meta ?? null),
    ReschedulePolicy: resched ? defaulted(resched, rescheduleDefaults(ctx.type)) : null,
    Affinities: nonEmpty(affinities(g.Affinities)),
    Spreads: nonEmpty(spreads(g.Spreads)),
    Networks: networkList,
    // api/consul.go MergeNamespace + Canonicalize, job_endpoint_hook_consul.go cluster default.
    Consul: isObj(g.Consul) ? { ...g.Consul, Namespace: strOr(g.Consul.Namespace, ctx.consulNamespace), Cluster: strOr(g.Consul.Cluster, 'default') } : null,
    Services: nonEmpty(services),
    Volumes: nonEmpty(g.Volumes ?? null),
    // Deprecated in 1.8, not copied by ApiTgToStructsTG since 1.10.
    StopAfterClientDisconnect: legacyDropped ? null : g.StopAfterClientDisconnect ?? null,
    MaxClientDisconnect: legacyDropped ? null : g.MaxClientDisconnect ?? null,
    PreventRescheduleOnLost: legacyDropped ? false : or<boolean>(g.PreventRescheduleOnLost, false),
  };
  const groupConstraints = constraints(g.Constraints);
  impliedConstraints(networkList, groupConstraints, services, tasks, ctx);
  out.Constraints = nonEmpty(groupConstraints);
  return withRest(out, g);
}

/** command/agent/scaling_endpoint.go ApiScalingPolicyToStructs + structs.go ScalingPolicy.Canonicalize; ID and indexes are the server's. */
function scalingPolicy(p: Obj, ctx: Ctx, groupName: string, count: number, taskName?: string): Obj {
  const target: Record<string, string> = { Namespace: ctx.namespace, Job: ctx.jobId, Group: groupName };
  if (taskName !== undefined) target.Task = taskName;
  const out: Obj = {
    Type: strOr(p.Type, 'horizontal'), Enabled: or<boolean>(p.Enabled, true), Min: or<number>(p.Min, count), Max: or<number>(p.Max, -1),
    Policy: nonEmpty(p.Policy ?? null), Target: target,
  };
  return withRest(out, p, SCALING_DROPPED);
}

const SCALING_DROPPED: ReadonlySet<string> = new Set(['ID', 'CreateIndex', 'ModifyIndex']);

/** structs.go NetworkResource.Canonicalize: ports get host network `default`; empty port lists are nil. */
function networks(v: unknown): Obj[] {
  return objs(v).map((n) => withRest({ DynamicPorts: ports(n.DynamicPorts), ReservedPorts: ports(n.ReservedPorts) }, n));
}

function ports(list: unknown): Obj[] | null {
  return nonEmpty(objs(list).map((p) => withRest({ Label: or<string>(p.Label, ''), HostNetwork: strOr(p.HostNetwork, 'default') }, p)));
}

/** `${JOB}`, `${TASKGROUP}`, `${TASK}`, `${BASE}` in a service name (structs services.go Service.Canonicalize via args.ReplaceEnv). */
function interpolate(name: string, job: string, groupName: string, taskName: string): string {
  if (!name.includes('${')) return name;
  const vars: Record<string, string> = { JOB: job, TASKGROUP: groupName, TASK: taskName, BASE: `${job}-${groupName}-${taskName}` };
  return name.replace(/\$\{([a-zA-Z0-9_\-.]+)\}/g, (m, k: string) => vars[k] ?? m);
}

/**
 * A group service (`taskName` null) or task service. api/services.go Service.Canonicalize, then
 * ApiServicesToStructs, then structs services.go Service.Canonicalize and ServiceCheck.Canonicalize.
 */
function service(s: Obj, ctx: Ctx, groupName: string, taskName: string | null): Obj {
  const defaultName = taskName === null ? `${ctx.jobName}-${groupName}` : `${ctx.jobName}-${groupName}-${taskName}`;
  // Group services are canonicalised with the task name "group" (TaskGroup.Canonicalize).
  const name = interpolate(strOr(s.Name, defaultName), ctx.jobName, groupName, taskName ?? 'group');
  const ownTask = taskName === null ? or<string>(s.TaskName, '') : strOr(s.TaskName, taskName);
  const onUpdate = strOr(s.OnUpdate, 'require_healthy');
  const provider = strOr(s.Provider, 'consul');
  // job_endpoint_hook_implicit_identities.go handleConsulService: a Consul service's own identity is
  // renamed after the service (Service.MakeUniqueIdentityName).
  let identity: Obj | null = isObj(s.Identity) ? s.Identity : null;
  if (identity && provider === 'consul') {
    const port = or<string>(s.PortLabel, '');
    const unique = ownTask ? `consul-service_${ownTask}-${name}-${port}` : `consul-service_${name}-${port}`;
    identity = { ...identity, Name: unique, ServiceName: name };
  }
  // The service-level check_restart is merged into each check and not stored itself.
  const serviceRestart = isObj(s.CheckRestart) ? s.CheckRestart : null;
  const out: Obj = {
    Name: name,
    TaskName: ownTask,
    PortLabel: or<string>(s.PortLabel, ''),
    AddressMode: strOr(s.AddressMode, 'auto'),
    Tags: nonEmpty(s.Tags ?? null),
    CanaryTags: nonEmpty(s.CanaryTags ?? null),
    Checks: nonEmpty(objs(s.Checks).map((c) => check(c, name, ownTask, taskName === null, onUpdate, serviceRestart))),
    Meta: nonEmpty(s.Meta ?? null),
    CanaryMeta: nonEmpty(s.CanaryMeta ?? null),
    Weights: isObj(s.Weights)
      ? { ...s.Weights, Passing: Number(s.Weights.Passing) > 0 ? s.Weights.Passing : 1, Warning: Number(s.Weights.Warning) > 0 ? s.Weights.Warning : 1 }
      : null,
    TaggedAddresses: nonEmpty(s.TaggedAddresses ?? null),
    Namespace: provider === 'nomad' ? ctx.namespace : strOr(s.Namespace, 'default'),
    OnUpdate: onUpdate,
    Provider: provider,
    Cluster: strOr(s.Cluster, 'default'),
    Identity: identity,
  };
  return withRest(out, s, SERVICE_DROPPED);
}

const SERVICE_DROPPED: ReadonlySet<string> = new Set(['CheckRestart']);

function check(c: Obj, serviceName: string, serviceTask: string, groupService: boolean, serviceOnUpdate: string, serviceRestart: Obj | null): Obj {
  // ApiServicesToStructs copies a check's task only for group services; ServiceCheck.Canonicalize
  // then sets the service's task when it is empty.
  const own = groupService ? or<string>(c.TaskName, '') : '';
  const out: Obj = {
    Name: strOr(c.Name, `service: "${serviceName}" check`),
    Type: or<string>(c.Type, ''),
    Args: nonEmpty(c.Args ?? null),
    Header: isObj(c.Header) && nonEmpty(c.Header) ? headers(c.Header) : null,
    // api/services.go: CheckRestart is the service's merged with the check's, and stays nil when neither
    // sets one. NOMAD-API.md §3 says every check gets `{Limit 0, Grace 1s}`; the source says otherwise (test/contracts/README.md).
    CheckRestart: checkRestart(serviceRestart, isObj(c.CheckRestart) ? c.CheckRestart : null),
    TaskName: own || serviceTask,
    SuccessBeforePassing: Math.max(0, or<number>(c.SuccessBeforePassing, 0)),
    FailuresBeforeCritical: Math.max(0, or<number>(c.FailuresBeforeCritical, 0)),
    FailuresBeforeWarning: Math.max(0, or<number>(c.FailuresBeforeWarning, 0)),
    OnUpdate: strOr(c.OnUpdate, serviceOnUpdate),
  };
  return withRest(out, c);
}

function headers(h: Obj): Obj {
  const out: Obj = {};
  for (const k of Object.keys(h)) out[k] = nonEmpty(h[k] ?? null);
  return out;
}

/** api/services.go CheckRestart.Merge (a positive limit, a set grace, a true ignore-warnings of the check win) and Canonicalize. */
function checkRestart(svc: Obj | null, own: Obj | null): Obj | null {
  const base = svc ?? own;
  if (!base) return null;
  const out: Obj = { Limit: or<number>(base.Limit, 0), Grace: base.Grace, IgnoreWarnings: or<boolean>(base.IgnoreWarnings, false) };
  if (svc && own) {
    if (Number(own.Limit) > 0) out.Limit = own.Limit;
    if (!nil(own.Grace)) out.Grace = own.Grace;
    if (own.IgnoreWarnings === true) out.IgnoreWarnings = true;
  }
  out.Grace = or<number>(out.Grace, S);
  return out;
}

function task(t: Obj, ctx: Ctx, groupName: string, groupRestart: Obj): Obj {
  const name = or<string>(t.Name, '');
  // api/tasks.go LogConfig.Canonicalize; `Enabled` is not carried to the server (apiLogConfigToStructs).
  const lc = isObj(t.LogConfig) ? t.LogConfig : {};
  const ids = identities(t, ctx);
  const out: Obj = {
    Name: name,
    Driver: or<string>(t.Driver, ''),
    User: or<string>(t.User, ''),
    Config: nonEmpty(t.Config ?? null),
    Env: nonEmpty(t.Env ?? null),
    Services: nonEmpty(objs(t.Services).map((s) => service(s, ctx, groupName, name))),
    Vault: isObj(t.Vault) ? vault(t.Vault, ctx) : null,
    Secrets: nonEmpty(objs(t.Secrets).map((s) => ({ ...s, Config: nonEmpty(s.Config ?? null), Env: nonEmpty(s.Env ?? null) }))),
    Consul: isObj(t.Consul) ? { ...t.Consul, Cluster: strOr(t.Consul.Cluster, 'default') } : null,
    Templates: nonEmpty(objs(t.Templates).map(template)),
    // Filled by impliedConstraints: the Consul constraint of task services lands here.
    Constraints: constraints(t.Constraints),
    Affinities: nonEmpty(affinities(t.Affinities)),
    Resources: resources(isObj(t.Resources) ? t.Resources : {}),
    RestartPolicy: merged(groupRestart, t.RestartPolicy),
    Lifecycle: isObj(t.Lifecycle) ? t.Lifecycle : null,
    Meta: nonEmpty(t.Meta ?? null),
    // api/tasks.go 5s; structs.go Task.Canonicalize also turns 0 into DefaultKillTimeout.
    KillTimeout: or<number>(t.KillTimeout, 0) || 5 * S,
    LogConfig: { MaxFiles: or<number>(lc.MaxFiles, 10), MaxFileSizeMB: or<number>(lc.MaxFileSizeMB, 10), Disabled: or<boolean>(lc.Disabled, false) },
    Artifacts: nonEmpty(objs(t.Artifacts).map(artifact)),
    Leader: or<boolean>(t.Leader, false),
    ShutdownDelay: or<number>(t.ShutdownDelay, 0),
    // ApiTaskToStructsTask drops mounts without a volume; api/tasks.go VolumeMount.Canonicalize.
    VolumeMounts: nonEmpty(
      objs(t.VolumeMounts).filter((m) => !nil(m.Volume)).map((m) => ({ ...m, ReadOnly: or<boolean>(m.ReadOnly, false), PropagationMode: or<string>(m.PropagationMode, 'private'), SELinuxLabel: or<string>(m.SELinuxLabel, '') })),
    ),
    ScalingPolicies: nonEmpty(objs(t.ScalingPolicies).map((p) => scalingPolicy(p, ctx, groupName, 0, name))),
    KillSignal: or<string>(t.KillSignal, ''),
    Kind: or<string>(t.Kind, ''),
    Identity: ids.identity,
    Identities: ids.identities,
  };
  return withRest(out, t);
}

/** api/resources.go Resources.Canonicalize, then ApiResourcesToStructs (which does not carry DiskMB). */
function resources(r: Obj): Obj {
  const out: Obj = {
    CPU: nil(r.CPU) ? (nil(r.Cores) ? 100 : 0) : r.CPU,
    Cores: or<number>(r.Cores, 0),
    MemoryMB: or<number>(r.MemoryMB, 300),
    MemoryMaxMB: or<number>(r.MemoryMaxMB, 0),
    DiskMB: 0,
    IOPS: or<number>(r.IOPS, 0),
    Networks: nonEmpty(networks(r.Networks)),
    Devices: nonEmpty(objs(r.Devices).map((d) => ({ ...d, Count: or<number>(d.Count, 1), Affinities: nonEmpty(affinities(d.Affinities)), Constraints: nonEmpty(constraints(d.Constraints)) }))),
    // structs numa.go NUMA.Canonicalize.
    NUMA: isObj(r.NUMA) ? { ...r.NUMA, Affinity: strOr(r.NUMA.Affinity, 'none'), Devices: nonEmpty(r.NUMA.Devices ?? null) } : null,
    SecretsMB: or<number>(r.SecretsMB, 0),
  };
  return withRest(out, r);
}

/** api/tasks.go TaskArtifact.Canonicalize. */
function artifact(a: Obj): Obj {
  const mode = or<string>(a.GetterMode, 'any');
  const source = String(or<string>(a.GetterSource, ''));
  const base = source.split('/').pop() ?? '';
  const dest = nil(a.RelativeDest) ? (mode === 'file' ? `local/${base}` : 'local/') : a.RelativeDest;
  return withRest({ GetterSource: source, GetterOptions: nonEmpty(a.GetterOptions ?? null), GetterHeaders: nonEmpty(a.GetterHeaders ?? null), GetterMode: mode, GetterInsecure: or<boolean>(a.GetterInsecure, false), RelativeDest: dest, Chown: or<boolean>(a.Chown, false) }, a);
}

/**
 * api/tasks.go Vault.Canonicalize, ApiTaskToStructsTask (job Vault namespace inherited, `Policies` gone from
 * 1.10), structs.go Vault.Canonicalize (signal upper-cased) and the Vault hook (cluster `default`).
 */
function vault(v: Obj, ctx: Ctx): Obj {
  const legacyDropped = atLeast(ctx.version, SINCE.legacyDropped);
  const out: Obj = {
    Role: or<string>(v.Role, ''),
    Namespace: or<string>(v.Namespace, '') || ctx.vaultNamespace,
    Cluster: strOr(v.Cluster, 'default'),
    Env: or<boolean>(v.Env, true),
    DisableFile: or<boolean>(v.DisableFile, false),
    ChangeMode: strOr(v.ChangeMode, 'restart'),
    ChangeSignal: String(or<string>(v.ChangeSignal, 'SIGHUP')).toUpperCase(),
    AllowTokenExpiration: or<boolean>(v.AllowTokenExpiration, false),
  };
  if (!legacyDropped) out.Policies = nonEmpty(v.Policies ?? null);
  return withRest(out, v, legacyDropped ? VAULT_DROPPED : undefined);
}

const VAULT_DROPPED: ReadonlySet<string> = new Set(['Policies']);

/** api/tasks.go Template.Canonicalize and ChangeScript.Canonicalize; structs.go Template.Canonicalize. */
function template(t: Obj): Obj {
  const mode = or<string>(t.ChangeMode, 'restart');
  const signal = nil(t.ChangeSignal) ? (mode === 'signal' ? 'SIGHUP' : '') : String(t.ChangeSignal).toUpperCase();
  const cs = isObj(t.ChangeScript)
    ? { ...t.ChangeScript, Command: or<string>(t.ChangeScript.Command, ''), Args: nonEmpty(t.ChangeScript.Args ?? null), Timeout: or<number>(t.ChangeScript.Timeout, 5 * S), FailOnError: or<boolean>(t.ChangeScript.FailOnError, false), RunOnFirstRender: or<boolean>(t.ChangeScript.RunOnFirstRender, false) }
    : null;
  const out: Obj = {
    SourcePath: or<string>(t.SourcePath, ''), DestPath: or<string>(t.DestPath, ''), EmbeddedTmpl: or<string>(t.EmbeddedTmpl, ''),
    ChangeMode: mode, ChangeSignal: signal, ChangeScript: cs, Once: or<boolean>(t.Once, false), Splay: or<number>(t.Splay, 5 * S),
    Perms: or<string>(t.Perms, '0644'), Uid: t.Uid ?? null, Gid: t.Gid ?? null, LeftDelim: or<string>(t.LeftDelim, '{{'), RightDelim: or<string>(t.RightDelim, '}}'),
    Envvars: or<boolean>(t.Envvars, false), VaultGrace: or<number>(t.VaultGrace, 0), Wait: isObj(t.Wait) ? t.Wait : null, ErrMissingKey: or<boolean>(t.ErrMissingKey, false),
  };
  return withRest(out, t);
}

/** structs workload_id.go WorkloadIdentity.Canonicalize. */
function identity(w: Obj): Obj {
  const name = strOr(w.Name, 'default');
  return withRest({ Name: name, Audience: name === 'default' ? ['nomadproject.io'] : nonEmpty(w.Audience ?? null), ChangeSignal: String(or<string>(w.ChangeSignal, '')).toUpperCase() }, w);
}

/** structs.go Task.Canonicalize (1.7+): the `default` identity moves out of Identities into Identity, and always exists. */
function identities(t: Obj, ctx: Ctx): { identity: Obj | null; identities: Obj[] | null } {
  if (!atLeast(ctx.version, SINCE.defaultIdentity)) return { identity: isObj(t.Identity) ? t.Identity : null, identities: nonEmpty(objs(t.Identities)) };
  let own: Obj | null = isObj(t.Identity) ? identity(t.Identity) : null;
  const rest: Obj[] = [];
  for (const w of objs(t.Identities)) {
    const c = identity(w);
    if (c.Name === 'default') own = c;
    else rest.push(c);
  }
  return { identity: own ?? identity({}), identities: nonEmpty(rest) };
}

const SEMVER = 'semver';
const CNI_PLUGINS = ['bridge', 'firewall', 'host-local', 'loopback', 'portmap'];

/** Adds `c` unless the list already has it: by LTarget (`left`, a user constraint on the attribute wins) or whole. */
function ensure(list: Obj[], c: Obj, match: 'left' | 'full'): void {
  for (const x of list) {
    if (x.LTarget !== c.LTarget) continue;
    if (match === 'left' || (x.RTarget === c.RTarget && x.Operand === c.Operand)) return;
  }
  list.push(c);
}

function semver(lt: string, rt: string): Obj {
  return { LTarget: lt, RTarget: rt, Operand: SEMVER };
}

/**
 * The constraints the server adds to a group (and to tasks with Consul services): nomad/job_endpoint_hooks.go
 * `jobImpliedConstraints` and the identity version constraint of job_endpoint_hook_implicit_identities.go.
 * Nomad appends the identity constraint on every register; one copy is kept here (constraints compare as sets).
 */
function impliedConstraints(groupNetworks: Obj[] | null, list: Obj[], services: Obj[], tasks: Obj[], ctx: Ctx): void {
  // Vault: one per task with a Vault block, per cluster (vaultConstraintFn).
  for (const t of [...tasks].sort((a, b) => (String(a.Name) < String(b.Name) ? -1 : 1))) {
    const v = t.Vault as Obj | null;
    if (!v) continue;
    const cluster = String(v.Cluster ?? '');
    ensure(list, cluster !== '' && cluster !== 'default' ? semver(`\${attr.vault.${cluster}.version}`, '>= 1.11.0') : semver('${attr.vault.version}', '>= 0.6.1'), 'left');
  }
  // Secrets providers (secretsConstraintFn). Nomad walks the providers of every group of the job here, so
  // each group gets those of all groups; that is what it stores, so that is what is kept.
  for (const provider of ctx.secretProviders) ensure(list, { LTarget: `\${attr.plugins.secrets.${provider}.version}`, RTarget: '', Operand: 'is_set' }, 'left');
  // NUMA (RequiredNUMA: any affinity other than none).
  if (tasks.some((t) => { const n = (t.Resources as Obj).NUMA as Obj | null; return !!n && n.Affinity !== 'none'; })) {
    ensure(list, semver('${attr.nomad.version}', '>= 1.6.3-dev'), 'full');
    ensure(list, { LTarget: '${attr.kernel.name}', RTarget: 'linux', Operand: '=' }, 'full');
  }
  // Signals (Job.RequiredSignals, getSignalConstraint): sorted, unique, comma-joined.
  const signals = new Set<string>();
  for (const t of tasks) {
    const v = t.Vault as Obj | null;
    if (v && v.ChangeMode === 'signal') signals.add(String(v.ChangeSignal));
    if (t.KillSignal) signals.add(String(t.KillSignal));
    for (const tpl of (t.Templates as Obj[] | null) ?? []) if (tpl.ChangeMode === 'signal') signals.add(String(tpl.ChangeSignal));
  }
  if (signals.size) ensure(list, { LTarget: '${attr.os.signals}', RTarget: [...signals].sort().join(','), Operand: 'set_contains' }, 'full');
  // Nomad service discovery (RequiredNativeServiceDiscovery).
  const all = [...services, ...tasks.flatMap((t) => (t.Services as Obj[] | null) ?? [])];
  const nomadServices = all.filter((s) => s.Provider === 'nomad');
  if (nomadServices.length) ensure(list, { LTarget: '${attr.nomad.service_discovery}', RTarget: 'true', Operand: '=' }, 'full');
  if (nomadServices.some((s) => s.Checks)) ensure(list, semver('${attr.nomad.version}', '>= 1.4.0'), 'full');
  // Consul service discovery (consulConstraintFn): group services on the group, task services on their task.
  const consul = (s: Obj): Obj => (s.Cluster !== 'default' && s.Cluster !== '' ? semver(`\${attr.consul.${String(s.Cluster)}.version}`, '>= 1.8.0') : semver('${attr.consul.version}', '>= 1.8.0'));
  if (all.some((s) => s.Provider === 'consul')) {
    for (const s of services) if (s.Provider === 'consul') ensure(list, consul(s), 'left');
    for (const t of tasks) {
      const own = t.Constraints as Obj[];
      for (const s of (t.Services as Obj[] | null) ?? []) if (s.Provider === 'consul') ensure(own, consul(s), 'left');
    }
  }
  // Bridge networking (RequiredBridgeNetwork).
  if ((groupNetworks ?? []).some((n) => n.Mode === 'bridge')) {
    for (const p of CNI_PLUGINS) ensure(list, semver(`\${attr.plugins.cni.version.${p}}`, '>= 0.4.0'), 'left');
  }
  // Transparent proxy (RequiredTransparentProxy).
  if (services.some((s) => {
    const sidecar = isObj(s.Connect) ? (s.Connect as Obj).SidecarService : null;
    return isObj(sidecar) && isObj(sidecar.Proxy) && !nil((sidecar.Proxy as Obj).TransparentProxy);
  })) {
    ensure(list, semver('${attr.plugins.cni.version.consul-cni}', '>= 1.4.2'), 'left');
    ensure(list, semver('${attr.nomad.version}', '>= 1.8.0-dev'), 'left');
  }
  // Scheduled tasks (RequiredScheduleTask).
  if (tasks.some((t) => isObj(t.Schedule))) ensure(list, semver('${attr.nomad.version}', '>= 1.8.0-dev'), 'left');
  // Workload identities beyond the default (jobImplicitIdentitiesHook.Mutate).
  const identityAware = atLeast(ctx.version, SINCE.defaultIdentity);
  if (identityAware && (all.some((s) => isObj(s.Identity)) || tasks.some((t) => t.Identities))) ensure(list, semver('${attr.nomad.version}', '>= 1.7.0-a'), 'full');
  for (const t of tasks) t.Constraints = nonEmpty(t.Constraints as Obj[]);
}
