import type { FieldDiff, JobDiff } from '../../../lib/core/nomad/types';
import { applyPruneGuard, changeEntry, decide, formatChangeset, hasChanges, judgePlan, needsPlanCall, preservesCounts, summarize, writes, type ChangeEntry, type DecideOptions, type PlanItem } from '../../../lib/core/plan';
import { SOURCE, stub, valid } from './fixtures';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const opts: DecideOptions = { source: SOURCE, now: NOW, sourceHealthy: true, prune: { enabled: true, graceMs: 300_000 } };

const f = (Name: string, Old: string, New: string): FieldDiff => ({ Type: 'Edited', Name, Old, New, Annotations: null });
const countDiff = (from: string, to: string): JobDiff => ({
  Type: 'Edited', ID: 'a', Fields: null, Objects: null,
  TaskGroups: [{ Type: 'Edited', Name: 'main', Fields: [f('Count', from, to)], Objects: null, Tasks: [], Updates: null }],
});
const metaOnly: JobDiff = { Type: 'Edited', ID: 'a', Fields: null, Objects: [{ Type: 'Edited', Name: 'Meta', Fields: [f('nomadguard.commit', 'a', 'b')], Objects: null }], TaskGroups: null };

/** One item of `decide` for a single job. */
function itemOf(o: { hash: string; liveHash: string; index?: number; record?: number; mode?: 'self-heal' | 'detect-only'; suspended?: boolean; scaled?: boolean }): PlanItem {
  const d = valid('es', 'a', o.hash, { mode: o.mode ?? 'self-heal', suspended: o.suspended ?? false });
  if (o.scaled) d.job.TaskGroups = [{ Name: 'main', Count: 2, Scaling: { Min: 1, Max: 5, Enabled: true } } as never];
  const records = o.record === undefined ? new Map() : new Map([['es/a', { jobModifyIndex: o.record, hash: o.liveHash, scheme: 2 }]]);
  const [item] = decide([d], [stub('es', 'a', { hash: o.liveHash, index: o.index ?? 10 })], records, opts);
  return item;
}

const none: JobDiff = { Type: 'None', ID: 'a', Fields: null, Objects: null, TaskGroups: null };
const same = { equal: true };
const differs = { equal: false };

describe('judgePlan: the verdict the pass and plan share', () => {
  it.each([
    { name: 'drift the comparison finds real, in self-heal, is written', item: { hash: 'h', liveHash: 'h', index: 12, record: 10 }, diff: countDiff('3', '2'), comparison: differs, outcome: 'write' },
    { name: 'drift in detect-only is held', item: { hash: 'h', liveHash: 'h', index: 12, record: 10, mode: 'detect-only' as const }, diff: countDiff('3', '2'), comparison: differs, outcome: 'held' },
    { name: 'a spec change of a suspended spec is held', item: { hash: 'h2', liveHash: 'h1', record: 10, suspended: true }, diff: countDiff('2', '3'), outcome: 'held' },
    { name: 'drift the comparison finds equal (a scaled count, our legacy meta) is in sync', item: { hash: 'h', liveHash: 'h', index: 12, record: 10, scaled: true }, diff: countDiff('4', '2'), comparison: same, outcome: 'in-sync' },
    { name: 'verify whose plan shows only legacy meta and whose comparison is equal is in sync', item: { hash: 'h', liveHash: 'h' }, diff: metaOnly, comparison: same, outcome: 'in-sync' },
    { name: 'verify that Nomad\'s plan calls None (a spread-only change, its blind spot) but the comparison does not is written', item: { hash: 'h', liveHash: 'h' }, diff: none, comparison: differs, outcome: 'write' },
    { name: 'drift that Nomad\'s plan calls None but the comparison does not is written', item: { hash: 'h', liveHash: 'h', index: 12, record: 10 }, diff: none, comparison: differs, outcome: 'write' },
    { name: 'drift with no comparison is never taken as in sync', item: { hash: 'h', liveHash: 'h', index: 12, record: 10 }, diff: none, comparison: undefined, outcome: 'write' },
    { name: 'a new hash whose plan diff is None (spread-only, lifecycle-only, stagger-only) is written', item: { hash: 'h2', liveHash: 'h1', record: 10 }, diff: none, outcome: 'write' },
    { name: 'a new hash with a real diff is written', item: { hash: 'h2', liveHash: 'h1', record: 10 }, diff: countDiff('2', '3'), outcome: 'write' },
    { name: 'a new hash on a job that moved since our record, found already as desired, is in sync (a lost record: no second write)', item: { hash: 'h2', liveHash: 'h1', index: 12, record: 10 }, diff: none, comparison: same, outcome: 'in-sync' },
    { name: 'a new hash on a job that moved since our record, found different, is written', item: { hash: 'h2', liveHash: 'h1', index: 12, record: 10 }, diff: countDiff('2', '3'), comparison: differs, outcome: 'write' },
  ])('$name', ({ item, diff, comparison, outcome }) => {
    const it = itemOf(item);
    expect(needsPlanCall(it)).toBe(true);
    expect(judgePlan(it, diff, comparison).outcome).toBe(outcome);
  });

  it('keeps live counts only when registering over a scaled live job', () => {
    const it = itemOf({ hash: 'h2', liveHash: 'h1', record: 10, scaled: true });
    expect(preservesCounts((it.desired as NonNullable<PlanItem['desired']>).job, 'update')).toBe(true);
    expect(preservesCounts((it.desired as NonNullable<PlanItem['desired']>).job, 'create')).toBe(false);
    expect(preservesCounts(valid('es', 'b', 'h').job, 'update')).toBe(false);
  });
});

describe('changeEntry and counting: only what a pass writes is a change', () => {
  it('detect-only drift is listed with its diff but is no change', () => {
    const it = itemOf({ hash: 'h', liveHash: 'h', index: 12, record: 10, mode: 'detect-only' });
    const e = changeEntry(it, NOW, judgePlan(it, countDiff('3', '2'))) as ChangeEntry;
    expect(e).toMatchObject({ action: 'update', write: false, note: 'not written: drift (detect-only: not reverted)' });
    expect(formatChangeset([e])).toEqual(['job/es/a: update (not written: drift (detect-only: not reverted))', '    ~ group[main].Count: "3" => "2"']);
    expect(hasChanges([e])).toBe(false);
  });

  it('a suspended create or update is no change; the same items unsuspended are', () => {
    const create = decide([valid('es', 'a', 'h', { suspended: true })], [], new Map(), opts)[0];
    const update = itemOf({ hash: 'h2', liveHash: 'h1', record: 10, suspended: true });
    const held = [changeEntry(create, NOW), changeEntry(update, NOW, judgePlan(update, countDiff('2', '3')))] as ChangeEntry[];
    expect(held.map((e) => e.note)).toEqual(['not written: suspended', 'not written: suspended']);
    expect(hasChanges(held)).toBe(false);
    const live = itemOf({ hash: 'h2', liveHash: 'h1', record: 10 });
    expect(hasChanges([changeEntry(live, NOW, judgePlan(live, countDiff('2', '3'))) as ChangeEntry])).toBe(true);
    expect(hasChanges([changeEntry(decide([valid('es', 'a', 'h')], [], new Map(), opts)[0], NOW) as ChangeEntry])).toBe(true);
  });

  it('a scaled count moved by the autoscaler is listed unchanged', () => {
    const it = itemOf({ hash: 'h', liveHash: 'h', index: 12, record: 10, scaled: true });
    expect(changeEntry(it, NOW, judgePlan(it, countDiff('4', '2'), { equal: true }))).toEqual({ subject: 'job/es/a', action: 'unchanged', write: false });
  });

  it('prunes in their grace period and prunes the guard refuses are listed with the reason, not counted', () => {
    const items = decide([], [stub('es', 'a', { hash: 'h' }), stub('ops', 'c', { hash: 'h' }), stub('es', 'b', { hash: 'h' })], new Map([['es/b', { jobModifyIndex: 10, hash: 'h', absentSince: NOW - 300_000 }]]), opts);
    const { items: guarded } = applyPruneGuard(items, { source: SOURCE, maxShare: 1, confirmed: new Set(['es']) });
    const entries = guarded.map((i) => changeEntry(i, NOW) as ChangeEntry);
    expect(entries.map((e) => [e.subject, e.action, e.write, e.note])).toEqual([
      ['job/es/a', 'delete', false, 'not written: prune after grace until 2026-01-01T12:05:00.000Z'],
      ['job/es/b', 'delete', true, undefined],
      ['job/ops/c', 'delete', false, expect.stringMatching(/^not written: prune refused by guard: needs --confirm-prune ops; pruning 1 of 1 managed jobs in ops needs confirmation$/)],
    ]);
    expect(hasChanges(entries)).toBe(true);
    expect(hasChanges(entries.filter((e) => e.subject !== 'job/es/b'))).toBe(false);
    expect(summarize(entries)).toEqual({ create: 0, update: 0, delete: 1, adopt: 0, unchanged: 0, blocked: 0, invalid: 0, held: 2 });
  });

  it('entries without a write flag count by action, as before', () => {
    expect(writes({ subject: 'a', action: 'update' })).toBe(true);
    expect(writes({ subject: 'a', action: 'blocked' })).toBe(false);
    expect(writes({ subject: 'a', action: 'unchanged', write: true })).toBe(false);
    expect(summarize([{ subject: 'a', action: 'create' }, { subject: 'b', action: 'create', write: false }, { subject: 'c', action: 'unchanged' }])).toMatchObject({ create: 1, held: 1, unchanged: 1 });
  });
});
