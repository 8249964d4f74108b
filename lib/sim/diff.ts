/**
 * Job diffs in Nomad's structure (`structs/diff.go`): a `JobDiff` of `Fields`, `Objects` and `TaskGroups`,
 * each `Type` None/Added/Deleted/Edited. Primitive fields of the job, groups and tasks are reported only
 * when changed; inside an edited object (Config, Resources, Service, ...) unchanged siblings appear with
 * `Type: "None"` (contextual mode). Task `Config` is flattened (`image`, `ports[0]`, `auth[0].username`).
 *
 * The diff is as blind as Nomad's: what `Job.Diff`, `TaskGroup.Diff` and `Task.Diff` never look at is never
 * reported (see the `*_BLIND` sets). A group or task is `Edited` whenever it is not deep-equal to the old
 * one (`reflect.DeepEqual`), so a change only in a blind field gives an `Edited` group or task with no
 * Fields or Objects; the job is `Edited` only when one of its fields, objects or groups is not `None`.
 */
import type { DiffType, FieldDiff, Job, JobDiff, ObjectDiff, Task, TaskDiff, TaskGroup, TaskGroupDiff } from '../core/nomad/types';

type Obj = Record<string, unknown>;

/**
 * Job fields `Job.Diff` filters (its `filter` list) or never diffs: `Spreads`, and the pointer and slice
 * fields `flatmap.Flatten(job, filter, true)` skips without a dedicated diff (`VersionTag`, `Payload`).
 */
const JOB_FILTER = new Set(['ID', 'Status', 'StatusDescription', 'Version', 'Stable', 'CreateIndex', 'ModifyIndex', 'JobModifyIndex', 'Update', 'SubmitTime', 'NomadTokenID', 'VaultToken', 'TaskGroups', 'Payload', 'Spreads', 'VersionTag']);

/**
 * Group fields `TaskGroup.Diff` never diffs: `Spreads`, and the `*time.Duration` fields other than
 * `ShutdownDelay` (primitive-only flattening skips pointers). `Update.Stagger` is filtered separately.
 */
const GROUP_BLIND = new Set(['Name', 'Tasks', 'Spreads', 'MaxRunDuration', 'StopAfterClientDisconnect', 'MaxClientDisconnect']);

/** Task fields `Task.Diff` never diffs: pointer or slice fields without a dedicated diff. */
const TASK_BLIND = new Set(['Name', 'Config', 'Lifecycle', 'RestartPolicy', 'ScalingPolicies', 'CSIPluginConfig']);

/** Object names Nomad uses for list elements and nested structs. */
const NAMES: Record<string, string> = {
  Constraints: 'Constraint',
  Affinities: 'Affinity',
  Spreads: 'Spread',
  SpreadTarget: 'SpreadTarget',
  Services: 'Service',
  Checks: 'Check',
  Templates: 'Template',
  Artifacts: 'Artifact',
  Networks: 'Network',
  DynamicPorts: 'Dynamic Port',
  ReservedPorts: 'Static Port',
  Volumes: 'Volume',
  VolumeMounts: 'VolumeMount',
  Identities: 'Identity',
  Secrets: 'Secret',
  Update: 'Update',
};

/** String maps Nomad diffs as `Key[k]` fields; every other nested object is an ObjectDiff. */
const MAP_FIELDS = new Set(['Meta', 'Env', 'CanaryMeta', 'Header', 'GetterOptions', 'GetterHeaders']);

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPrimitive(v: unknown): boolean {
  return v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(0) : String(v);
  return String(v);
}

function empty(v: unknown): boolean {
  return v === null || v === undefined || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);
}

function fieldDiff(name: string, old: unknown, neu: unknown, contextual: boolean): FieldDiff | undefined {
  const o = text(old);
  const n = text(neu);
  const hasOld = old !== undefined && old !== null;
  const hasNew = neu !== undefined && neu !== null;
  let type: DiffType;
  if (!hasOld && !hasNew) return undefined;
  if (!hasOld) type = 'Added';
  else if (!hasNew) type = 'Deleted';
  else if (o !== n) type = 'Edited';
  else type = 'None';
  if (type === 'None' && !contextual) return undefined;
  return { Type: type, Name: name, Old: hasOld ? o : '', New: hasNew ? n : '', Annotations: null };
}

/** Flattens nested values into `a.b[0].c` keys (primitive leaves only). */
export function flatten(v: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (Array.isArray(v)) v.forEach((x, i) => flatten(x, `${prefix}[${i}]`, out));
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  else if (v !== null && v !== undefined) out[prefix] = v;
  return out;
}

function sortFields(list: FieldDiff[]): FieldDiff[] {
  return list.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

function sortObjects(list: ObjectDiff[]): ObjectDiff[] {
  return list.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

/** Go's `reflect.DeepEqual` on decoded JSON: map key order does not matter, list order does. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (!isObj(a) || !isObj(b)) return false;
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
}

/** `obj` without `skip`'s keys. */
function without(obj: Obj | undefined, skip: Set<string>): Obj | undefined {
  return obj ? Object.fromEntries(Object.entries(obj).filter(([k]) => !skip.has(k))) : undefined;
}

function orNull<T>(list: T[]): T[] | null {
  return list.length ? list : null;
}

/** Field diffs of the primitive members (and primitive maps as `Key[k]`) of two objects. */
function primitiveFields(old: Obj | undefined, neu: Obj | undefined, skip: Set<string>, contextual: boolean): FieldDiff[] {
  const keys = new Set([...Object.keys(old ?? {}), ...Object.keys(neu ?? {})]);
  const out: FieldDiff[] = [];
  for (const k of keys) {
    if (skip.has(k)) continue;
    const o = old?.[k];
    const n = neu?.[k];
    if (isPrimitive(o) && isPrimitive(n)) {
      const f = fieldDiff(k, o, n, contextual);
      if (f) out.push(f);
    } else if (MAP_FIELDS.has(k) && (isObj(o) || empty(o)) && (isObj(n) || empty(n)) && [o, n].every((m) => !isObj(m) || Object.values(m).every(isPrimitive))) {
      const mk = new Set([...Object.keys(isObj(o) ? o : {}), ...Object.keys(isObj(n) ? n : {})]);
      for (const m of mk) {
        const f = fieldDiff(`${k}[${m}]`, isObj(o) ? o[m] : undefined, isObj(n) ? n[m] : undefined, contextual);
        if (f) out.push(f);
      }
    }
  }
  return sortFields(out);
}

function typeOf(old: unknown, neu: unknown, changed: boolean): DiffType {
  if (empty(old) && !empty(neu)) return 'Added';
  if (!empty(old) && empty(neu)) return 'Deleted';
  return changed ? 'Edited' : 'None';
}

/** A string-set diff (`Datacenters`, `Tags`): one field per element added, deleted or (contextually) kept. */
function stringSetDiff(name: string, old: unknown, neu: unknown, contextual: boolean): ObjectDiff | undefined {
  const o = Array.isArray(old) ? old.map(text) : [];
  const n = Array.isArray(neu) ? neu.map(text) : [];
  const fields: FieldDiff[] = [];
  for (const x of new Set([...o, ...n])) {
    const inO = o.includes(x);
    const inN = n.includes(x);
    if (inO && inN) {
      if (contextual) fields.push({ Type: 'None', Name: name, Old: x, New: x, Annotations: null });
    } else fields.push({ Type: inO ? 'Deleted' : 'Added', Name: name, Old: inO ? x : '', New: inN ? x : '', Annotations: null });
  }
  if (!fields.some((f) => f.Type !== 'None')) return undefined;
  return { Type: typeOf(o, n, true), Name: name, Fields: sortFields(fields), Objects: null };
}

/** A nested object's diff; undefined when unchanged. */
export function objectDiff(name: string, old: unknown, neu: unknown, contextual: boolean): ObjectDiff | undefined {
  const o = isObj(old) && !empty(old) ? old : undefined;
  const n = isObj(neu) && !empty(neu) ? neu : undefined;
  if (!o && !n) return undefined;
  const both = !!o && !!n;
  const fields = primitiveFields(o, n, new Set(), both ? contextual : false);
  if (!both) for (const f of fields) f.Type = o ? 'Deleted' : 'Added';
  const objects = nestedObjects(o, n, contextual, new Set());
  const changed = fields.some((f) => f.Type !== 'None') || objects.length > 0;
  if (!changed) return undefined;
  return { Type: typeOf(o, n, true), Name: name, Fields: orNull(fields), Objects: orNull(objects) };
}

/** A flattened diff (task `Config`): every leaf as a field. */
function flatObjectDiff(name: string, old: unknown, neu: unknown, contextual: boolean): ObjectDiff | undefined {
  const o = flatten(old);
  const n = flatten(neu);
  const hasO = Object.keys(o).length > 0;
  const hasN = Object.keys(n).length > 0;
  if (!hasO && !hasN) return undefined;
  const fields = primitiveFields(o, n, new Set(), hasO && hasN ? contextual : false);
  if (!fields.some((f) => f.Type !== 'None')) return undefined;
  return { Type: typeOf(hasO ? o : null, hasN ? n : null, true), Name: name, Fields: orNull(fields), Objects: null };
}

function listKey(parent: string, item: unknown, index: number): string {
  if (!isObj(item)) return String(index);
  if (parent === 'Services') return `${text(item.Name)}/${text(item.PortLabel)}/${text(item.TaskName)}`;
  if (parent === 'Checks') return text(item.Name);
  if (parent === 'Templates') return text(item.DestPath);
  if (parent === 'DynamicPorts' || parent === 'ReservedPorts') return text(item.Label);
  if (parent === 'Networks') return String(index);
  return JSON.stringify(item);
}

/** Diffs the non-primitive members of two objects (nested structs, lists, string sets). */
function nestedObjects(o: Obj | undefined, n: Obj | undefined, contextual: boolean, skip: Set<string>): ObjectDiff[] {
  const out: ObjectDiff[] = [];
  const keys = new Set([...Object.keys(o ?? {}), ...Object.keys(n ?? {})]);
  for (const k of keys) {
    if (skip.has(k)) continue;
    const ov = o?.[k];
    const nv = n?.[k];
    if (isPrimitive(ov) && isPrimitive(nv)) continue;
    const arr = Array.isArray(ov) || Array.isArray(nv);
    if (arr) {
      const oa = Array.isArray(ov) ? ov : [];
      const na = Array.isArray(nv) ? nv : [];
      if ([...oa, ...na].every(isPrimitive)) {
        const d = stringSetDiff(k, oa, na, contextual);
        if (d) out.push(d);
        continue;
      }
      const name = NAMES[k] ?? k;
      const om = new Map(oa.map((x, i) => [listKey(k, x, i), x]));
      const nm = new Map(na.map((x, i) => [listKey(k, x, i), x]));
      for (const key of new Set([...om.keys(), ...nm.keys()])) {
        const d = objectDiff(name, om.get(key), nm.get(key), contextual);
        if (d) out.push(d);
      }
      continue;
    }
    const ovIsMap = isObj(ov) && Object.values(ov).every(isPrimitive);
    const nvIsMap = isObj(nv) && Object.values(nv).every(isPrimitive);
    if ((ovIsMap || empty(ov)) && (nvIsMap || empty(nv)) && MAP_FIELDS.has(k)) {
      continue; // reported as `Key[k]` fields by primitiveFields
    }
    const d = objectDiff(NAMES[k] ?? k, ov, nv, contextual);
    if (d) out.push(d);
  }
  return sortObjects(out);
}

/**
 * A group's plan annotations (scheduler/annotate.go `annotateTaskGroup`): `updates` are the non-zero
 * desired updates by type; given at all, they also turn on the Count and task annotations.
 */
export interface GroupUpdates {
  updates: Record<string, number>;
}

/** Task objects whose changes scheduler/annotate.go `annotateTask` counts as in place. */
const IN_PLACE_OBJECTS = new Set(['Service', 'Constraint', 'Affinity', 'Spread']);

/**
 * A task's annotation as scheduler/annotate.go `annotateTask` derives it from the task diff alone: in an
 * added or deleted group, `forces create` / `forces destroy`; otherwise any field but `KillTimeout`, or any
 * object but services, constraints, affinities, spreads and a `LogConfig` without a `Disabled` field,
 * forces a create/destroy update, and anything else an in-place one.
 */
function taskAnnotation(task: TaskDiff, groupType: DiffType): string[] | null {
  if (task.Type === 'None') return null;
  if (groupType === 'Added' || groupType === 'Deleted') {
    if (task.Type === 'Added') return ['forces create'];
    if (task.Type === 'Deleted') return ['forces destroy'];
  }
  const destructive =
    (task.Fields ?? []).some((f) => f.Name !== 'KillTimeout') ||
    (task.Objects ?? []).some((o) => (o.Name === 'LogConfig' ? (o.Fields ?? []).some((f) => f.Name === 'Disabled') : !IN_PLACE_OBJECTS.has(o.Name)));
  return [destructive ? 'forces create/destroy update' : 'forces in-place update'];
}

function taskDiff(old: Task | undefined, neu: Task | undefined, contextual: boolean): TaskDiff {
  const name = (neu ?? old)?.Name ?? '';
  const o = old as Obj | undefined;
  const n = neu as Obj | undefined;
  const fields = primitiveFields(o, n, TASK_BLIND, false);
  if (!o || !n) for (const f of fields) f.Type = o ? 'Deleted' : 'Added';
  const objects: ObjectDiff[] = [];
  const cfg = flatObjectDiff('Config', o?.Config, n?.Config, contextual);
  if (cfg) objects.push(cfg);
  objects.push(...nestedObjects(o, n, contextual, TASK_BLIND));
  // Task.Diff: Edited whenever the tasks differ, even only in a field it does not diff.
  const type: DiffType = !o ? 'Added' : !n ? 'Deleted' : !deepEqual(o, n) ? 'Edited' : 'None';
  return { Type: type, Name: name, Fields: orNull(fields), Objects: orNull(sortObjects(objects)), Annotations: null };
}

function groupDiff(old: TaskGroup | undefined, neu: TaskGroup | undefined, contextual: boolean, upd: GroupUpdates | undefined): TaskGroupDiff {
  const name = (neu ?? old)?.Name ?? '';
  const o = old as Obj | undefined;
  const n = neu as Obj | undefined;
  const fields = primitiveFields(o, n, GROUP_BLIND, false);
  if (!o || !n) for (const f of fields) f.Type = o ? 'Deleted' : 'Added';
  // scheduler/annotate.go annotateCountChange (plans only): a missing side counts as 0.
  for (const f of upd ? fields : []) {
    if (f.Name !== 'Count') continue;
    const before = Number(f.Old || 0);
    const after = Number(f.New || 0);
    if (before !== after) f.Annotations = [after > before ? 'forces create' : 'forces destroy'];
  }
  // TaskGroup.Diff: `primitiveObjectDiff(tg.Update, other.Update, []string{"Stagger"}, ...)`.
  const stagger = new Set(['Stagger']);
  const noStagger = (g: Obj | undefined): Obj | undefined => (g && isObj(g.Update) ? { ...g, Update: without(g.Update, stagger) } : g);
  const objects = nestedObjects(noStagger(o), noStagger(n), contextual, GROUP_BLIND);
  const tasks: TaskDiff[] = [];
  const oldTasks = new Map((old?.Tasks ?? []).map((t) => [t.Name, t]));
  const newTasks = new Map((neu?.Tasks ?? []).map((t) => [t.Name, t]));
  for (const t of [...new Set([...oldTasks.keys(), ...newTasks.keys()])].sort()) {
    tasks.push(taskDiff(oldTasks.get(t), newTasks.get(t), contextual));
  }
  // TaskGroup.Diff: Edited whenever the groups differ, even only in a field it does not diff.
  const type: DiffType = !o ? 'Added' : !n ? 'Deleted' : !deepEqual(o, n) ? 'Edited' : 'None';
  // Annotations exist only on a plan (scheduler.Annotate); `versions?diffs=true` has none.
  if (upd) for (const t of tasks) t.Annotations = taskAnnotation(t, type);
  return { Type: type, Name: name, Fields: orNull(fields), Objects: orNull(objects), Tasks: orNull(tasks), Updates: upd ? upd.updates : null };
}

/** The contextual diff between a stored job (or undefined) and a submitted one, both canonical. */
export function jobDiff(old: Job | undefined, neu: Job, updates: Record<string, GroupUpdates> = {}): JobDiff {
  const o = old ? (Object.fromEntries(Object.entries(old).filter(([k]) => !JOB_FILTER.has(k))) as Obj) : undefined;
  const n = Object.fromEntries(Object.entries(neu).filter(([k]) => !JOB_FILTER.has(k))) as Obj;
  const fields = primitiveFields(o, n, new Set(), false);
  if (!o) for (const f of fields) f.Type = 'Added';
  const objects = nestedObjects(o, n, true, new Set());
  const groups: TaskGroupDiff[] = [];
  const og = new Map((old?.TaskGroups ?? []).map((g) => [g.Name, g]));
  const ng = new Map(neu.TaskGroups.map((g) => [g.Name, g]));
  for (const name of [...new Set([...og.keys(), ...ng.keys()])].sort()) groups.push(groupDiff(og.get(name), ng.get(name), true, updates[name]));
  const changed = fields.length > 0 || objects.length > 0 || groups.some((g) => g.Type !== 'None');
  return { Type: !old ? 'Added' : changed ? 'Edited' : 'None', ID: neu.ID, Fields: orNull(fields), Objects: orNull(objects), TaskGroups: orNull(groups) };
}
