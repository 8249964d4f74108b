/**
 * Diff noise: what Nomad's plan reports that is not a change anyone made. Server-set fields, the
 * submitting token, contextual `None` siblings, and nomadguard's own bookkeeping meta (the commit moves
 * on every spec commit; the hash moves whenever anything else does). What survives is what a human
 * would call the change.
 */
import type { DiffType, FieldDiff, JobDiff, ObjectDiff, TaskDiff, TaskGroupDiff } from '../nomad/types';
import { META } from './types';

/** Field names never worth showing, at any level. */
export const NOISE_FIELDS: ReadonlySet<string> = new Set([
  'NomadTokenID', 'Status', 'StatusDescription', 'Version', 'Stable', 'SubmitTime',
  'CreateIndex', 'ModifyIndex', 'JobModifyIndex', 'Dispatched',
]);

/** Meta keys of our own that change without the job changing. */
export const NOISE_META_KEYS: ReadonlySet<string> = new Set([META.commit, META.hash]);

function keepField(f: FieldDiff, inMeta: boolean): boolean {
  if (f.Type === 'None') return false;
  if (NOISE_FIELDS.has(f.Name)) return false;
  if (inMeta && NOISE_META_KEYS.has(f.Name)) return false;
  if (!inMeta && f.Name.startsWith('Meta[') && NOISE_META_KEYS.has(f.Name.slice(5, -1))) return false;
  return true;
}

function filterFields(fields: FieldDiff[] | null | undefined, inMeta: boolean): FieldDiff[] {
  return (fields ?? []).filter((f) => keepField(f, inMeta));
}

function filterObjects(objects: ObjectDiff[] | null | undefined): ObjectDiff[] {
  const out: ObjectDiff[] = [];
  for (const o of objects ?? []) {
    if (o.Type === 'None') continue;
    const inMeta = o.Name === 'Meta';
    const Fields = filterFields(o.Fields, inMeta);
    const Objects = filterObjects(o.Objects);
    if (Fields.length === 0 && Objects.length === 0 && o.Type === 'Edited') continue;
    if (Fields.length === 0 && Objects.length === 0 && inMeta) continue; // only our bookkeeping was added/removed
    out.push({ ...o, Fields, Objects });
  }
  return out;
}

function filterTasks(tasks: TaskDiff[] | null | undefined): TaskDiff[] {
  const out: TaskDiff[] = [];
  for (const t of tasks ?? []) {
    if (t.Type === 'None') continue;
    const Fields = filterFields(t.Fields, false);
    const Objects = filterObjects(t.Objects);
    if (t.Type === 'Edited' && Fields.length === 0 && Objects.length === 0) continue;
    out.push({ ...t, Fields, Objects });
  }
  return out;
}

function filterGroups(groups: TaskGroupDiff[] | null | undefined): TaskGroupDiff[] {
  const out: TaskGroupDiff[] = [];
  for (const g of groups ?? []) {
    if (g.Type === 'None') continue;
    const Fields = filterFields(g.Fields, false);
    const Objects = filterObjects(g.Objects);
    const Tasks = filterTasks(g.Tasks);
    if (g.Type === 'Edited' && Fields.length === 0 && Objects.length === 0 && Tasks.length === 0) continue;
    out.push({ ...g, Fields, Objects, Tasks });
  }
  return out;
}

/**
 * Returns `diff` without noise. An `Edited` diff left with nothing becomes `None`: the job is unchanged.
 * `Added`/`Deleted` diffs keep their type.
 */
export function filterDiffNoise(diff: JobDiff | null | undefined): JobDiff {
  if (!diff) return { Type: 'None', ID: '', Fields: [], Objects: [], TaskGroups: [] };
  const Fields = filterFields(diff.Fields, false);
  const Objects = filterObjects(diff.Objects);
  const TaskGroups = filterGroups(diff.TaskGroups);
  const empty = Fields.length === 0 && Objects.length === 0 && TaskGroups.length === 0;
  const Type: DiffType = diff.Type === 'Edited' && empty ? 'None' : diff.Type;
  return { ...diff, Type, Fields, Objects, TaskGroups };
}

/** True when a (filtered) diff changes something. `Diff.Type == "None"` is the only reliable "no change". */
export function diffChanges(diff: JobDiff | null | undefined): boolean {
  return filterDiffNoise(diff).Type !== 'None';
}

/**
 * Returns `diff` without `Count` changes of the named groups (groups under an autoscaler: their live
 * count is theirs, registered with `PreserveCounts`). A diff left with nothing is `None`.
 */
export function ignoreScaledCounts(diff: JobDiff, scaledGroups: ReadonlySet<string>): JobDiff {
  if (scaledGroups.size === 0 || diff.Type !== 'Edited') return diff;
  const TaskGroups = (diff.TaskGroups ?? [])
    .map((g) => (scaledGroups.has(g.Name) ? { ...g, Fields: (g.Fields ?? []).filter((f) => f.Name !== 'Count') } : g))
    .filter((g) => g.Type !== 'Edited' || (g.Fields ?? []).length > 0 || (g.Objects ?? []).length > 0 || (g.Tasks ?? []).length > 0);
  const empty = (diff.Fields ?? []).length === 0 && (diff.Objects ?? []).length === 0 && TaskGroups.length === 0;
  return { ...diff, TaskGroups, Type: empty ? 'None' : diff.Type };
}
