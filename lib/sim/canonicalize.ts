/**
 * What Nomad does to a submitted job before storing it (shared/contracts/NOMAD-API.md §3): client-side
 * `Canonicalize`, the server's canonicalize and implied-constraint mutators, key order as the server emits it.
 * The result is a new object; the input is never modified. Validation returns Nomad's multierror texts.
 */
import type { Job } from '../core/nomad/types';
import { compareVersions } from './version';

type Obj = Record<string, unknown>;

const S = 1_000_000_000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

/** Inputs to canonicalisation besides the job. */
export interface CanonicalizeContext {
  /** The Nomad version the simulator claims (gates `Vault.Policies` and `Datacenters: ["*"]`). */
  version: string;
  /** The agent's region (`global` by default). */
  region: string;
  /** The namespace that won the precedence rules (query > body > job > default). */
  namespace: string;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown): Obj {
  return isObj(v) ? v : {};
}

function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

function str(v: unknown, d = ''): string {
  return typeof v === 'string' ? v : d;
}

function num(v: unknown, d = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : d;
}

function bool(v: unknown, d = false): boolean {
  return typeof v === 'boolean' ? v : d;
}

/** `{}`/`[]`/undefined → null, otherwise a shallow copy. */
function mapOrNull(v: unknown): Obj | null {
  return isObj(v) && Object.keys(v).length > 0 ? { ...v } : null;
}

function listOrNull<T>(v: T[] | undefined | null): T[] | null {
  return Array.isArray(v) && v.length > 0 ? v : null;
}

function strList(v: unknown): string[] | null {
  return Array.isArray(v) && v.length > 0 ? v.map((x) => String(x)) : null;
}

/** Merges `over` on top of `base`, taking only keys set (not undefined/null) in `over`. */
function merge(base: Obj, over: unknown): Obj {
  const out: Obj = { ...base };
  if (!isObj(over)) return out;
  for (const k of Object.keys(base)) if (over[k] !== undefined && over[k] !== null) out[k] = over[k];
  return out;
}

function constraint(c: Obj): Obj {
  return { LTarget: str(c.LTarget), RTarget: str(c.RTarget), Operand: str(c.Operand, '=') || '=' };
}

function constraints(v: unknown): Obj[] | null {
  return listOrNull(arr(v).map(constraint));
}

function spreads(v: unknown): Obj[] | null {
  return listOrNull(
    arr(v).map((s) => ({
      Attribute: str(s.Attribute),
      Weight: num(s.Weight, 0) || 50,
      SpreadTarget: listOrNull(arr(s.SpreadTarget).map((t) => ({ Value: str(t.Value), Percent: num(t.Percent) }))),
    })),
  );
}

function affinities(v: unknown): Obj[] | null {
  return listOrNull(
    arr(v).map((a) => ({ LTarget: str(a.LTarget), RTarget: str(a.RTarget), Operand: str(a.Operand, '=') || '=', Weight: num(a.Weight, 0) || 50 })),
  );
}

const UPDATE_DEFAULTS: Obj = {
  Stagger: 30 * S,
  MaxParallel: 1,
  HealthCheck: 'checks',
  MinHealthyTime: 10 * S,
  HealthyDeadline: 5 * MIN,
  ProgressDeadline: 10 * MIN,
  AutoRevert: false,
  AutoPromote: false,
  Canary: 0,
};

const ZERO_UPDATE: Obj = { Stagger: 0, MaxParallel: 0, HealthCheck: '', MinHealthyTime: 0, HealthyDeadline: 0, ProgressDeadline: 0, AutoRevert: false, AutoPromote: false, Canary: 0 };

function restartDefaults(type: string): Obj {
  return type === 'batch' || type === 'sysbatch'
    ? { Attempts: 3, Interval: 24 * HOUR, Delay: 15 * S, Mode: 'fail', RenderTemplates: false }
    : { Attempts: 2, Interval: 30 * MIN, Delay: 15 * S, Mode: 'fail', RenderTemplates: false };
}

function rescheduleDefaults(type: string): Obj | null {
  if (type === 'service') return { Attempts: 0, Interval: 0, Delay: 30 * S, DelayFunction: 'exponential', MaxDelay: HOUR, Unlimited: true };
  if (type === 'batch') return { Attempts: 1, Interval: 24 * HOUR, Delay: 5 * S, DelayFunction: 'constant', MaxDelay: 0, Unlimited: false };
  return null;
}

function ports(v: unknown): Obj[] | undefined {
  const list = arr(v).map((p) => {
    const out: Obj = { Label: str(p.Label) };
    if (num(p.Value)) out.Value = num(p.Value);
    if (num(p.To)) out.To = num(p.To);
    out.HostNetwork = str(p.HostNetwork) || 'default';
    return out;
  });
  return list.length ? list : undefined;
}

/** NetworkResource with the struct-level omitempty of Nomad ≥ 1.9 (zero fields left out). */
function network(n: Obj): Obj {
  const out: Obj = {};
  for (const k of ['Mode', 'Device', 'CIDR', 'IP', 'Hostname']) if (str(n[k])) out[k] = n[k];
  if (num(n.MBits)) out.MBits = n.MBits;
  if (isObj(n.DNS)) out.DNS = n.DNS;
  const reserved = ports(n.ReservedPorts);
  const dynamic = ports(n.DynamicPorts);
  if (reserved) out.ReservedPorts = reserved;
  if (dynamic) out.DynamicPorts = dynamic;
  return out;
}

function interpolate(name: string, vars: Record<string, string>): string {
  return name.replace(/\$\{(JOB|TASKGROUP|TASK|BASE|NOMAD_JOB_NAME|NOMAD_GROUP_NAME|NOMAD_TASK_NAME)\}/g, (_m, k: string) => {
    const key = k === 'NOMAD_JOB_NAME' ? 'JOB' : k === 'NOMAD_GROUP_NAME' ? 'TASKGROUP' : k === 'NOMAD_TASK_NAME' ? 'TASK' : k;
    return vars[key] ?? '';
  });
}

/**
 * A check's `CheckRestart`: the service's block with the check's own over it, `null` when neither sets
 * one, `Grace` 1s when unset (api/services.go: `Service.Canonicalize` calls `CheckRestart.Merge` then
 * `CheckRestart.Canonicalize`; command/agent/job_endpoint.go `ApiServicesToStructs` copies it only when set).
 * Of the check's block a positive `Limit`, a set `Grace` and a true `IgnoreWarnings` win.
 */
function checkRestart(service: unknown, own: unknown): Obj | null {
  const base = isObj(service) ? service : isObj(own) ? own : null;
  if (!base) return null;
  const out: Obj = { Limit: num(base.Limit), Grace: base.Grace, IgnoreWarnings: bool(base.IgnoreWarnings) };
  if (isObj(service) && isObj(own)) {
    if (num(own.Limit) > 0) out.Limit = own.Limit;
    if (own.Grace !== undefined && own.Grace !== null) out.Grace = own.Grace;
    if (own.IgnoreWarnings === true) out.IgnoreWarnings = true;
  }
  out.Grace = out.Grace === undefined || out.Grace === null ? S : num(out.Grace);
  return out;
}

function check(c: Obj, serviceOnUpdate: string, serviceName: string, taskName: string, serviceRestart: unknown): Obj {
  const restart = checkRestart(serviceRestart, c.CheckRestart);
  return {
    Name: str(c.Name) || `service: "${serviceName}" check`,
    Type: str(c.Type),
    Command: str(c.Command),
    Args: strList(c.Args),
    Path: str(c.Path),
    Protocol: str(c.Protocol),
    PortLabel: str(c.PortLabel),
    Expose: bool(c.Expose),
    AddressMode: str(c.AddressMode),
    Interval: num(c.Interval),
    Timeout: num(c.Timeout),
    InitialStatus: str(c.InitialStatus),
    Notes: str(c.Notes),
    TLSServerName: str(c.TLSServerName),
    TLSSkipVerify: bool(c.TLSSkipVerify),
    Method: str(c.Method),
    Header: mapOrNull(c.Header),
    CheckRestart: restart,
    GRPCService: str(c.GRPCService),
    GRPCUseTLS: bool(c.GRPCUseTLS),
    TaskName: str(c.TaskName) || taskName,
    SuccessBeforePassing: num(c.SuccessBeforePassing),
    FailuresBeforeCritical: num(c.FailuresBeforeCritical),
    FailuresBeforeWarning: num(c.FailuresBeforeWarning),
    Body: str(c.Body),
    OnUpdate: str(c.OnUpdate) || serviceOnUpdate,
  };
}

function service(s: Obj, vars: Record<string, string>, defaultName: string, taskName: string, jobNamespace: string): Obj {
  const name = interpolate(str(s.Name) || defaultName, vars);
  const onUpdate = str(s.OnUpdate) || 'require_healthy';
  const provider = str(s.Provider) || 'consul';
  const weights = isObj(s.Weights) ? { Passing: num(s.Weights.Passing) || 1, Warning: num(s.Weights.Warning) || 1 } : null;
  return {
    Name: name,
    TaskName: taskName,
    PortLabel: str(s.PortLabel),
    AddressMode: str(s.AddressMode) || 'auto',
    Address: str(s.Address),
    EnableTagOverride: bool(s.EnableTagOverride),
    Tags: strList(s.Tags),
    CanaryTags: strList(s.CanaryTags),
    Checks: listOrNull(arr(s.Checks).map((c) => check(c, onUpdate, name, taskName, s.CheckRestart))),
    Connect: isObj(s.Connect) ? s.Connect : null,
    Meta: mapOrNull(s.Meta),
    CanaryMeta: mapOrNull(s.CanaryMeta),
    Weights: weights,
    TaggedAddresses: mapOrNull(s.TaggedAddresses),
    Namespace: str(s.Namespace) || (provider === 'nomad' ? jobNamespace : 'default'),
    OnUpdate: onUpdate,
    Provider: provider,
    Cluster: str(s.Cluster) || 'default',
    Identity: isObj(s.Identity) ? s.Identity : null,
    Kind: str(s.Kind),
  };
}

/**
 * A group's or task's `consul` block (api/consul.go `Consul.Canonicalize`, nomad/job_endpoint_hook_consul.go
 * `mutateImpl`: `Cluster` ← `default`); `inherited` is the job's `ConsulNamespace`, merged only into a
 * group's existing block without a namespace (api/tasks.go `TaskGroup.Canonicalize`, `Consul.MergeNamespace`).
 * No block stays `null`.
 */
function consul(c: unknown, inherited = ''): Obj | null {
  if (!isObj(c)) return null;
  return { Namespace: str(c.Namespace) || inherited, Cluster: str(c.Cluster) || 'default', Partition: str(c.Partition) };
}

function template(t: Obj): Obj {
  const mode = str(t.ChangeMode) || 'restart';
  let signal = str(t.ChangeSignal).toUpperCase();
  if (mode === 'signal' && !signal) signal = 'SIGHUP';
  return {
    SourcePath: str(t.SourcePath),
    DestPath: str(t.DestPath),
    EmbeddedTmpl: str(t.EmbeddedTmpl),
    ChangeMode: mode,
    ChangeSignal: signal,
    ChangeScript: isObj(t.ChangeScript) ? t.ChangeScript : null,
    Once: bool(t.Once),
    Splay: t.Splay === undefined || t.Splay === null ? 5 * S : num(t.Splay),
    Perms: str(t.Perms) || '0644',
    Uid: t.Uid ?? null,
    Gid: t.Gid ?? null,
    LeftDelim: str(t.LeftDelim) || '{{',
    RightDelim: str(t.RightDelim) || '}}',
    Envvars: bool(t.Envvars),
    VaultGrace: num(t.VaultGrace),
    Wait: isObj(t.Wait) ? t.Wait : null,
    ErrMissingKey: bool(t.ErrMissingKey),
  };
}

function vault(v: unknown, version: string): Obj | null {
  if (!isObj(v)) return null;
  const out: Obj = {};
  if (compareVersions(version, '1.10.0') < 0) out.Policies = strList(v.Policies);
  Object.assign(out, {
    Role: str(v.Role),
    Namespace: str(v.Namespace),
    Cluster: str(v.Cluster) || 'default',
    Env: bool(v.Env, true),
    DisableFile: bool(v.DisableFile),
    ChangeMode: str(v.ChangeMode) || 'restart',
    ChangeSignal: str(v.ChangeSignal) ? str(v.ChangeSignal).toUpperCase() : 'SIGHUP',
    AllowTokenExpiration: bool(v.AllowTokenExpiration),
  });
  return out;
}

function resources(r: unknown): Obj {
  const o = obj(r);
  const cores = num(o.Cores);
  const cpu = o.CPU === undefined || o.CPU === null ? (cores ? 0 : 100) : num(o.CPU);
  return {
    CPU: cpu,
    Cores: cores,
    MemoryMB: o.MemoryMB === undefined || o.MemoryMB === null ? 300 : num(o.MemoryMB),
    MemoryMaxMB: num(o.MemoryMaxMB),
    DiskMB: num(o.DiskMB),
    IOPS: num(o.IOPS),
    Networks: listOrNull(arr(o.Networks).map(network)),
    Devices: listOrNull(arr(o.Devices)),
    NUMA: isObj(o.NUMA) ? o.NUMA : null,
    SecretsMB: num(o.SecretsMB),
  };
}

const DEFAULT_IDENTITY: Obj = {
  Name: 'default',
  Audience: ['nomadproject.io'],
  ChangeMode: '',
  ChangeSignal: '',
  Env: false,
  File: false,
  Filepath: '',
  ServiceName: '',
  TTL: 0,
  ExtraClaims: null,
};

function task(t: Obj, groupRestart: Obj, vars: Record<string, string>, ctx: CanonicalizeContext, jobNamespace: string): Obj {
  const name = str(t.Name);
  const tvars = { ...vars, TASK: name, BASE: `${vars.JOB}-${vars.TASKGROUP}-${name}` };
  const services = arr(t.Services).map((s) => service(s, tvars, `${vars.JOB}-${vars.TASKGROUP}-${name}`, name, jobNamespace));
  const lc = obj(t.LogConfig);
  return {
    Name: name,
    Driver: str(t.Driver),
    User: str(t.User),
    Config: mapOrNull(t.Config),
    Env: mapOrNull(t.Env),
    Services: listOrNull(services),
    Vault: vault(t.Vault, ctx.version),
    Secrets: listOrNull(arr(t.Secrets)),
    Consul: consul(t.Consul),
    Templates: listOrNull(arr(t.Templates).map(template)),
    Constraints: constraints(t.Constraints),
    Affinities: affinities(t.Affinities),
    Resources: resources(t.Resources),
    RestartPolicy: merge(groupRestart, t.RestartPolicy),
    DispatchPayload: isObj(t.DispatchPayload) ? t.DispatchPayload : null,
    Lifecycle: isObj(t.Lifecycle) && str(t.Lifecycle.Hook) ? { Hook: str(t.Lifecycle.Hook), Sidecar: bool(t.Lifecycle.Sidecar) } : null,
    Meta: mapOrNull(t.Meta),
    KillTimeout: t.KillTimeout === undefined || t.KillTimeout === null ? 5 * S : num(t.KillTimeout),
    LogConfig: { MaxFiles: num(lc.MaxFiles) || 10, MaxFileSizeMB: num(lc.MaxFileSizeMB) || 10, Disabled: bool(lc.Disabled) || lc.Enabled === false },
    Artifacts: listOrNull(
      arr(t.Artifacts).map((a) => ({
        GetterSource: str(a.GetterSource),
        GetterOptions: mapOrNull(a.GetterOptions),
        GetterHeaders: mapOrNull(a.GetterHeaders),
        GetterMode: str(a.GetterMode) || 'any',
        GetterInsecure: bool(a.GetterInsecure),
        RelativeDest: str(a.RelativeDest) || 'local/',
        Chown: bool(a.Chown),
      })),
    ),
    Leader: bool(t.Leader),
    ShutdownDelay: num(t.ShutdownDelay),
    VolumeMounts: listOrNull(arr(t.VolumeMounts)),
    ScalingPolicies: listOrNull(arr(t.ScalingPolicies)),
    KillSignal: str(t.KillSignal),
    Kind: str(t.Kind),
    CSIPluginConfig: isObj(t.CSIPluginConfig) ? t.CSIPluginConfig : null,
    Identity: compareVersions(ctx.version, '1.7.0') >= 0 ? merge(DEFAULT_IDENTITY, t.Identity) : null,
    Identities: listOrNull(arr(t.Identities)),
    Actions: listOrNull(arr(t.Actions)),
    Schedule: isObj(t.Schedule) ? t.Schedule : null,
  };
}

function addImplied(list: Obj[] | null, c: Obj): Obj[] {
  const out = list ? [...list] : [];
  if (!out.some((x) => x.LTarget === c.LTarget)) out.push(c);
  return out;
}

function group(g: Obj, job: Obj, type: string, ctx: CanonicalizeContext): Obj {
  const name = str(g.Name);
  const vars = { JOB: str(job.Name), TASKGROUP: name };
  const jobNamespace = ctx.namespace;
  const scaling = isObj(g.Scaling) ? g.Scaling : null;
  const count = g.Count === undefined || g.Count === null ? (scaling && typeof scaling.Min === 'number' ? scaling.Min : 1) : num(g.Count);

  let update: Obj | null = null;
  if (type === 'service' || type === 'system' || isObj(g.Update)) {
    update = merge(merge(UPDATE_DEFAULTS, job.Update), g.Update);
    const explicitZero = (isObj(g.Update) && g.Update.MaxParallel === 0) || (isObj(job.Update) && job.Update.MaxParallel === 0 && !(isObj(g.Update) && g.Update.MaxParallel));
    if (explicitZero) update = null;
  }
  const migrate = type === 'service' ? merge({ MaxParallel: 1, HealthCheck: 'checks', MinHealthyTime: 10 * S, HealthyDeadline: 5 * MIN }, merge(obj(job.Migrate), g.Migrate)) : null;
  const restart = merge(restartDefaults(type), g.RestartPolicy);
  const reschedBase = rescheduleDefaults(type);
  const reschedule = reschedBase ? merge(merge(reschedBase, job.Reschedule), g.ReschedulePolicy) : null;
  const tasks = arr(g.Tasks).map((t) => task(t, restart, vars, ctx, jobNamespace));
  const services = arr(g.Services).map((s) => service(s, vars, `${vars.JOB}-${name}`, '', jobNamespace));
  const networks = arr(g.Networks).map(network);

  let cons = constraints(g.Constraints);
  if (tasks.some((t) => t.Vault)) cons = addImplied(cons, { LTarget: '${attr.vault.version}', RTarget: '>= 0.6.1', Operand: 'semver' });
  const signals = new Set<string>();
  for (const t of tasks) {
    const v = t.Vault as Obj | null;
    if (v && v.ChangeMode === 'signal') signals.add(str(v.ChangeSignal));
    for (const tpl of (t.Templates as Obj[] | null) ?? []) if (tpl.ChangeMode === 'signal') signals.add(str(tpl.ChangeSignal));
    if (str(t.KillSignal)) signals.add(str(t.KillSignal));
  }
  if (signals.size) cons = addImplied(cons, { LTarget: '${attr.os.signals}', RTarget: [...signals].sort().join(','), Operand: 'set_contains' });
  if (services.some((s) => s.Provider === 'consul')) cons = addImplied(cons, { LTarget: '${attr.consul.version}', RTarget: '>= 1.8.0', Operand: 'semver' });
  if (services.some((s) => s.Provider === 'nomad')) {
    cons = addImplied(cons, { LTarget: '${attr.nomad.service_discovery}', RTarget: 'true', Operand: '=' });
    if (services.some((s) => s.Provider === 'nomad' && s.Checks)) cons = addImplied(cons, { LTarget: '${attr.nomad.version}', RTarget: '>= 1.4.0', Operand: 'semver' });
  }
  if (networks.some((n) => n.Mode === 'bridge')) {
    for (const p of ['bridge', 'firewall', 'host-local', 'loopback', 'portmap']) {
      cons = addImplied(cons, { LTarget: `\${attr.plugins.cni.version.${p}}`, RTarget: '>= 0.4.0', Operand: 'semver' });
    }
  }
  for (const t of tasks) {
    const ts = (t.Services as Obj[] | null) ?? [];
    if (ts.some((s) => s.Provider === 'consul')) t.Constraints = addImplied(t.Constraints as Obj[] | null, { LTarget: '${attr.consul.version}', RTarget: '>= 1.8.0', Operand: 'semver' });
    if (ts.some((s) => s.Provider === 'nomad')) t.Constraints = addImplied(t.Constraints as Obj[] | null, { LTarget: '${attr.nomad.service_discovery}', RTarget: 'true', Operand: '=' });
    if (t.Identities) cons = addImplied(cons, { LTarget: '${attr.nomad.version}', RTarget: '>= 1.7.0-a', Operand: 'semver' });
  }

  return {
    Name: name,
    Count: count,
    Update: update,
    Migrate: migrate,
    Constraints: listOrNull(cons ?? []),
    Scaling: scaling,
    RestartPolicy: restart,
    Disconnect: isObj(g.Disconnect) ? { ...g.Disconnect, Replace: g.Disconnect.Replace ?? true, Reconcile: str(g.Disconnect.Reconcile) || 'best_score' } : null,
    Tasks: tasks,
    EphemeralDisk: merge({ Sticky: false, SizeMB: 300, Migrate: false }, g.EphemeralDisk),
    Meta: mapOrNull(g.Meta),
    ReschedulePolicy: reschedule,
    Affinities: affinities(g.Affinities),
    Spreads: spreads(g.Spreads),
    Networks: listOrNull(networks),
    Consul: consul(g.Consul, str(job.ConsulNamespace)),
    Services: listOrNull(services),
    Volumes: mapOrNull(g.Volumes),
    ShutdownDelay: g.ShutdownDelay ?? null,
    MaxRunDuration: g.MaxRunDuration ?? null,
    StopAfterClientDisconnect: g.StopAfterClientDisconnect ?? null,
    MaxClientDisconnect: g.MaxClientDisconnect ?? null,
    PreventRescheduleOnLost: bool(g.PreventRescheduleOnLost),
  };
}

/** The server-side form of a submitted job (user fields only; server-managed fields are set by the caller). */
export function canonicalizeJob(input: Job | Obj, ctx: CanonicalizeContext): Job {
  const job = input as Obj;
  const id = str(job.ID);
  const type = str(job.Type) || 'service';
  const named: Obj = { ...job, Name: str(job.Name) || id };
  const region = !str(job.Region) || job.Region === 'global' ? ctx.region : str(job.Region);
  const dcs = Array.isArray(job.Datacenters) && job.Datacenters.length ? job.Datacenters.map(String) : compareVersions(ctx.version, '1.5.0') >= 0 ? ['*'] : [];
  const jobUpdate =
    type === 'batch' || type === 'sysbatch'
      ? { ...ZERO_UPDATE }
      : { ...ZERO_UPDATE, Stagger: isObj(job.Update) && num(job.Update.Stagger) ? num(job.Update.Stagger) : 30 * S, MaxParallel: isObj(job.Update) && typeof job.Update.MaxParallel === 'number' ? job.Update.MaxParallel : 1 };
  const out: Obj = {
    Stop: bool(job.Stop),
    Region: region,
    Namespace: ctx.namespace,
    ID: id,
    ParentID: str(job.ParentID),
    Name: named.Name,
    Type: type,
    Priority: num(job.Priority) || 50,
    AllAtOnce: bool(job.AllAtOnce),
    Datacenters: dcs,
    NodePool: str(job.NodePool) || 'default',
    Constraints: constraints(job.Constraints),
    Affinities: affinities(job.Affinities),
    Spreads: spreads(job.Spreads),
    TaskGroups: arr(job.TaskGroups).map((g) => group(g, named, type, ctx)),
    Update: jobUpdate,
    Multiregion: isObj(job.Multiregion) ? job.Multiregion : null,
    Periodic: isObj(job.Periodic) ? job.Periodic : null,
    ParameterizedJob: isObj(job.ParameterizedJob) ? job.ParameterizedJob : null,
    Dispatched: bool(job.Dispatched),
    DispatchIdempotencyToken: str(job.DispatchIdempotencyToken),
    Payload: job.Payload ?? null,
    Meta: mapOrNull(job.Meta),
    ConsulNamespace: str(job.ConsulNamespace),
    VaultNamespace: str(job.VaultNamespace),
    NomadTokenID: '',
    Status: 'pending',
    StatusDescription: '',
    Stable: false,
    Version: 0,
    SubmitTime: 0,
    CreateIndex: 0,
    ModifyIndex: 0,
    JobModifyIndex: 0,
    UI: isObj(job.UI) ? job.UI : null,
    VersionTag: isObj(job.VersionTag) ? job.VersionTag : null,
  };
  if (compareVersions(ctx.version, '1.6.0') < 0) delete out.NodePool;
  return out as unknown as Job;
}

/** Formats errors as go-multierror does: `N error(s) occurred:\n\t* a\n\t* b\n\n`. */
export function multiError(errors: string[]): string {
  const n = errors.length;
  return `${n} error${n === 1 ? '' : 's'} occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`;
}

/** Nomad's validation of a canonical job; empty when valid. `namespaceExists` reports unknown namespaces. */
export function validateJob(job: Job, namespaceExists: boolean): string[] {
  const errs: string[] = [];
  if (!namespaceExists) errs.push(`job "${job.ID}" is in nonexistent namespace "${job.Namespace}"`);
  if (!['service', 'batch', 'system', 'sysbatch'].includes(String(job.Type))) errs.push(`Invalid job type: "${job.Type}"`);
  if (/\s/.test(job.ID)) errs.push('Job ID contains a space');
  if (job.ID.includes('\u0000')) errs.push('Job ID contains a null character');
  if (!job.Datacenters || job.Datacenters.length === 0) errs.push('Missing job datacenters');
  const p = job.Priority ?? 50;
  if (p < 1 || p > 100) errs.push('Job priority must be between [1, 100]');
  if (!job.TaskGroups || job.TaskGroups.length === 0) errs.push('Missing job task groups');
  // Job.Validate (nomad/structs/structs.go): a registered job's tag description is at most 1000 bytes.
  const tagDescription = isObj(job.VersionTag) ? str(job.VersionTag.Description) : '';
  if (Buffer.byteLength(tagDescription) > 1000) errs.push(`Tagged version description must be under 1000 characters, currently ${Buffer.byteLength(tagDescription)}`);
  const seen = new Set<string>();
  (job.TaskGroups ?? []).forEach((g, i) => {
    const gErrs: string[] = [];
    if (!g.Name) errs.push(`Job task group ${i + 1} missing name`);
    else if (seen.has(g.Name)) errs.push(`Job task group ${i + 1} redefines '${g.Name}' from group ${[...seen].indexOf(g.Name) + 1}`);
    seen.add(g.Name);
    if ((g.Count ?? 0) < 0) gErrs.push('Task group count can\'t be negative');
    if (!g.Tasks || g.Tasks.length === 0) gErrs.push('Missing tasks for task group');
    const taskNames = new Set<string>();
    (g.Tasks ?? []).forEach((t, j) => {
      if (!t.Name) gErrs.push(`Task ${j + 1} missing name`);
      else if (taskNames.has(t.Name)) gErrs.push(`Task ${j + 1} redefines '${t.Name}'`);
      taskNames.add(t.Name);
      if (t.Name && !t.Driver) gErrs.push(`Task ${t.Name} validation failed: ${multiError(['Missing task driver'])}`);
    });
    if (gErrs.length) errs.push(`Task group ${g.Name} validation failed: ${multiError(gErrs)}`);
  });
  return errs;
}
