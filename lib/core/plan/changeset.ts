/**
 * The changeset: a plan as one line per job, `job/<ns>/<id>: create|update|delete|unchanged`, each
 * followed by its field changes (`+` added, `-` removed, `~` changed), like `nomad job plan` but short.
 * Secret fields (see `redact.ts`) are printed by name only: `~ Env[DB_PASSWORD]: (value changed)`.
 */
import type { FieldDiff, JobDiff, ObjectDiff } from '../nomad/types';
import { filterDiffNoise } from './noise';
import { isRedacted, redactDiff } from './redact';

/** What a pass would do to one job, as printed. */
export type ChangeAction = 'create' | 'update' | 'delete' | 'adopt' | 'unchanged' | 'blocked' | 'invalid';

/** One job's entry in a changeset. */
export interface ChangeEntry {
  subject: string;
  action: ChangeAction;
  /** Nomad's plan diff (noise is filtered when printed). */
  diff?: JobDiff | null;
  /** The changes the project's own comparison found where Nomad's plan diff shows none (its blind spots). */
  changes?: string[];
  /** The allocation impact per group, from Nomad's plan (`allocImpact`). */
  impact?: string[];
  /** Why, for blocked/invalid/unchanged-with-a-reason entries and for changes a pass would not write. */
  note?: string;
  /**
   * True when a pass would write to Nomad for this entry (register, stop, purge; a create also creates a
   * missing namespace). False for a create/update/delete a pass holds back (detect-only drift, suspended,
   * prune guard, prune grace). Absent: true for create/update/delete, false otherwise.
   */
  write?: boolean;
}

/** True when a pass would write to Nomad for `entry` (see `ChangeEntry.write`). */
export function writes(entry: ChangeEntry): boolean {
  const change = entry.action === 'create' || entry.action === 'update' || entry.action === 'delete';
  // An adoption writes to Nomad only when the job differs from the spec by more than the marker.
  if (entry.action === 'adopt') return entry.write === true;
  return change && entry.write !== false;
}

/** True when a pass would write anything: `plan` exits 2, else 0. */
export function hasChanges(entries: readonly ChangeEntry[]): boolean {
  return entries.some(writes);
}

/** `job/<ns>/<id>`. */
export function subjectOf(namespace: string, jobId: string): string {
  return `job/${namespace}/${jobId}`;
}

const SIGN: Record<string, string> = { Added: '+', Deleted: '-', Edited: '~', None: ' ' };

function fieldLine(prefix: string, f: FieldDiff): string {
  const name = prefix ? `${prefix}.${f.Name}` : f.Name;
  if (isRedacted(f)) return f.Type === 'Added' || f.Type === 'Deleted' ? `${SIGN[f.Type]} ${name}: (value hidden)` : `~ ${name}: (value changed)`;
  if (f.Type === 'Added') return `+ ${name}: ${JSON.stringify(f.New)}`;
  if (f.Type === 'Deleted') return `- ${name}: ${JSON.stringify(f.Old)}`;
  return `~ ${name}: ${JSON.stringify(f.Old)} => ${JSON.stringify(f.New)}`;
}

function objectLines(prefix: string, objects: ObjectDiff[] | null | undefined, out: string[]): void {
  for (const o of objects ?? []) {
    const path = prefix ? `${prefix}.${o.Name}` : o.Name;
    const fields = o.Fields ?? [];
    const children = o.Objects ?? [];
    if (fields.length === 0 && children.length === 0) out.push(`${SIGN[o.Type] ?? '~'} ${path}`);
    for (const f of fields) out.push(fieldLine(path, f));
    objectLines(path, children, out);
  }
}

/** The field-level lines of a diff, noise filtered and secrets redacted (`redactDiff`), in Nomad's order. */
export function diffLines(diff: JobDiff | null | undefined): string[] {
  const d = redactDiff(filterDiffNoise(diff));
  const out: string[] = [];
  for (const f of d.Fields ?? []) out.push(fieldLine('', f));
  objectLines('', d.Objects, out);
  for (const g of d.TaskGroups ?? []) {
    const gp = `group[${g.Name}]`;
    if (g.Type === 'Added' || g.Type === 'Deleted') out.push(`${SIGN[g.Type]} ${gp}`);
    for (const f of g.Fields ?? []) out.push(fieldLine(gp, f));
    objectLines(gp, g.Objects, out);
    for (const t of g.Tasks ?? []) {
      const tp = `${gp}.task[${t.Name}]`;
      if (t.Type === 'Added' || t.Type === 'Deleted') out.push(`${SIGN[t.Type]} ${tp}`);
      for (const f of t.Fields ?? []) out.push(fieldLine(tp, f));
      objectLines(tp, t.Objects, out);
    }
  }
  return out;
}

/**
 * Prints a changeset: one line per job, sorted by subject, then its indented field lines.
 * @example formatChangeset([{subject: 'job/es/p-es-a', action: 'create'}]) // ['job/es/p-es-a: create']
 */
export function formatChangeset(entries: readonly ChangeEntry[]): string[] {
  const out: string[] = [];
  for (const e of [...entries].sort((a, b) => a.subject.localeCompare(b.subject))) {
    out.push(`${e.subject}: ${e.action}${e.note ? ` (${e.note})` : ''}`);
    if (e.action === 'update' || e.action === 'adopt' || e.action === 'blocked') for (const l of [...diffLines(e.diff), ...(e.changes ?? []), ...(e.impact ?? [])]) out.push(`    ${l}`);
  }
  return out;
}

/** Counts of a changeset: create/update/delete count only entries a pass would write; the others are `held`. */
export type ChangeSummary = Record<ChangeAction | 'held', number>;

/** Counts of a changeset by action (see `ChangeSummary`). */
export function summarize(entries: readonly ChangeEntry[]): ChangeSummary {
  const s: ChangeSummary = { create: 0, update: 0, delete: 0, adopt: 0, unchanged: 0, blocked: 0, invalid: 0, held: 0 };
  for (const e of entries) {
    const change = e.action === 'create' || e.action === 'update' || e.action === 'delete' || (e.action === 'adopt' && e.write === false && e.note?.startsWith('not written') === true);
    s[change && !writes(e) ? 'held' : e.action]++;
  }
  return s;
}
