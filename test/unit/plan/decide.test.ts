import type { JobListStub } from '../../../lib/core/nomad/types';
import { applyPruneGuard, decide, pairJobs, type DecideOptions, type Desired, type JobRecord, type PlanItem } from '../../../lib/core/plan';
import { SOURCE, invalid, stub, valid } from './fixtures';

const NOW = 1_000_000;
const opts: DecideOptions = { source: SOURCE, now: NOW, sourceHealthy: true, prune: { enabled: true, graceMs: 60_000 } };

interface Case {
  name: string;
  desired?: Desired[];
  live?: JobListStub[];
  records?: Array<[string, JobRecord]>;
  opts?: Partial<DecideOptions>;
  expected: Array<Pick<PlanItem, 'key' | 'action' | 'write' | 'reason'>>;
}

const cases: Case[] = [
  { name: 'a new spec is created', desired: [valid('es', 'a', 'h1')], expected: [{ key: 'es/a', action: 'create', write: true, reason: 'NotFound' }] },
  { name: 'same hash and same index is unchanged', desired: [valid('es', 'a', 'h1')], live: [stub('es', 'a', { hash: 'h1', index: 7 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h1', scheme: 2 }]], expected: [{ key: 'es/a', action: 'unchanged', write: false, reason: 'InSync' }] },
  { name: 'the desired hash recorded at the live index is in sync, whatever hash an older release left in the live meta', desired: [valid('es', 'a', 'h2')], live: [stub('es', 'a', { hash: 'h1', index: 7 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h2', scheme: 2 }]], expected: [{ key: 'es/a', action: 'unchanged', write: false, reason: 'InSync' }] },
  { name: 'the desired hash recorded at an older index: someone wrote since, so the live job is compared (drift)', desired: [valid('es', 'a', 'h2')], live: [stub('es', 'a', { hash: 'h1', index: 9 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h2', scheme: 2 }]], expected: [{ key: 'es/a', action: 'drift', write: true, reason: 'ModifiedOutside' }] },
  { name: 'a new hash at a moved index is an update that compares first (the job may already be as desired: a lost record)', desired: [valid('es', 'a', 'h3')], live: [stub('es', 'a', { index: 9 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h2', scheme: 2 }]], expected: [{ key: 'es/a', action: 'update', write: true, reason: 'SpecChangedAndModified' }] },
  { name: 'a version an older release held as failed stays held after the upgrade (known by its commit)', desired: [valid('es', 'a', 'new-scheme-hash', { commit: 'c1' })], live: [stub('es', 'a', { index: 12 })], records: [['es/a', { jobModifyIndex: 10, hash: 'old', failedHash: 'old', commit: 'c1' }]], expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'AutoReverted' }] },
  { name: 'a new commit after a version an older release held as failed is verified (and then written)', desired: [valid('es', 'a', 'new-scheme-hash', { commit: 'c2' })], live: [stub('es', 'a', { index: 12 })], records: [['es/a', { jobModifyIndex: 10, hash: 'old', failedHash: 'old', commit: 'c1' }]], expected: [{ key: 'es/a', action: 'verify', write: true, reason: 'RecordOutdated' }] },
  { name: 'a new hash is written though the live job carries no hash at all (decided from the record, not the job)', desired: [valid('es', 'a', 'h2')], live: [stub('es', 'a', { index: 7 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h1', scheme: 2 }]], expected: [{ key: 'es/a', action: 'update', write: true, reason: 'SpecChanged' }] },
  { name: 'a record of an older release (no hash scheme) is verified by reading the live job, never rewritten on sight', desired: [valid('es', 'a', 'h2')], live: [stub('es', 'a', { hash: 'h1', index: 7 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h1' }]], expected: [{ key: 'es/a', action: 'verify', write: true, reason: 'RecordOutdated' }] },
  { name: 'a new hash is an update', desired: [valid('es', 'a', 'h2')], live: [stub('es', 'a', { hash: 'h1', index: 7 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h1', scheme: 2 }]], expected: [{ key: 'es/a', action: 'update', write: true, reason: 'SpecChanged' }] },
  { name: 'a moved index with the same hash is drift, reverted in self-heal', desired: [valid('es', 'a', 'h1')], live: [stub('es', 'a', { hash: 'h1', index: 9 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h1', scheme: 2 }]], expected: [{ key: 'es/a', action: 'drift', write: true, reason: 'ModifiedOutside' }] },
  { name: 'drift is only reported in detect-only', desired: [valid('es', 'a', 'h1', { mode: 'detect-only' })], live: [stub('es', 'a', { hash: 'h1', index: 9 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h1', scheme: 2 }]], expected: [{ key: 'es/a', action: 'drift', write: false, reason: 'DriftDetected' }] },
  { name: 'detect-only still applies a spec change', desired: [valid('es', 'a', 'h2', { mode: 'detect-only' })], live: [stub('es', 'a', { hash: 'h1', index: 7 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h1', scheme: 2 }]], expected: [{ key: 'es/a', action: 'update', write: true, reason: 'SpecChanged' }] },
  { name: 'a job stopped by hand is drift', desired: [valid('es', 'a', 'h1')], live: [stub('es', 'a', { hash: 'h1', index: 9, stop: true })], records: [['es/a', { jobModifyIndex: 7, hash: 'h1', scheme: 2 }]], expected: [{ key: 'es/a', action: 'drift', write: true, reason: 'StoppedByHand' }] },
  { name: 'no record in detect-only asks plan but only reports', desired: [valid('es', 'a', 'h1', { mode: 'detect-only' })], live: [stub('es', 'a', { hash: 'h1', index: 7 })], expected: [{ key: 'es/a', action: 'verify', write: false, reason: 'DriftDetected' }] },
  { name: 'no record asks plan once', desired: [valid('es', 'a', 'h1')], live: [stub('es', 'a', { hash: 'h1', index: 7 })], expected: [{ key: 'es/a', action: 'verify', write: true, reason: 'NoRecord' }] },
  { name: 'an unmanaged job in a namespace enabled for adoption is adopted', desired: [valid('es', 'a', 'h1')], live: [stub('es', 'a', { managed: false, index: 7 })], opts: { adopt: { namespaces: new Set(['es']), teams: new Set() } }, expected: [{ key: 'es/a', action: 'adopt', write: true, reason: 'Adopt' }] },
  { name: 'an unmanaged job of a team enabled for adoption is adopted', desired: [valid('es', 'a', 'h1')], live: [stub('es', 'a', { managed: false, index: 7 })], opts: { adopt: { namespaces: new Set(), teams: new Set(['es']) } }, expected: [{ key: 'es/a', action: 'adopt', write: true, reason: 'Adopt' }] },
  { name: 'a detect-only spec only reports the job it would adopt', desired: [valid('es', 'a', 'h1', { mode: 'detect-only' })], live: [stub('es', 'a', { managed: false, index: 7 })], opts: { adopt: { namespaces: new Set(['es']), teams: new Set() } }, expected: [{ key: 'es/a', action: 'adopt', write: false, reason: 'DriftDetected' }] },
  { name: 'adoption in another namespace leaves an unmanaged job alone', desired: [valid('es', 'a', 'h1')], live: [stub('es', 'a', { managed: false, index: 7 })], opts: { adopt: { namespaces: new Set(['web']), teams: new Set(['web']) } }, expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'UnmanagedJobExists' }] },
  { name: 'an adopted job (recorded, no marker) at its recorded index is unchanged', desired: [valid('es', 'a', 'h1')], live: [stub('es', 'a', { managed: false, index: 7 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h1', scheme: 2, adopted: true, adoptedBy: SOURCE }]], expected: [{ key: 'es/a', action: 'unchanged', write: false, reason: 'InSync' }] },
  { name: 'an adopted job edited by hand is drift', desired: [valid('es', 'a', 'h1')], live: [stub('es', 'a', { managed: false, index: 9 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h1', scheme: 2, adopted: true, adoptedBy: SOURCE }]], expected: [{ key: 'es/a', action: 'drift', write: true, reason: 'ModifiedOutside' }] },
  { name: 'a job another source adopted (same state prefix) is not ours to prune', live: [stub('es', 'a', { managed: false, index: 7 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h1', scheme: 2, adopted: true, adoptedBy: 'git@other:specs.git', spec: 'es/a/nomadgen.toml' }]], expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'NotManaged' }] },
  { name: 'an adopted job whose spec is gone waits out the prune grace like any job the operator owns', live: [stub('es', 'a', { managed: false, index: 7 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h1', scheme: 2, adopted: true, adoptedBy: SOURCE, spec: 'es/a/nomadgen.toml' }]], expected: [{ key: 'es/a', action: 'prune-wait', write: false, reason: 'PruneGrace' }] },
  { name: 'an unmanaged job without an adoption record and without a spec is not listed', live: [stub('es', 'a', { managed: false, index: 7 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h1', scheme: 2 }]], expected: [] },
  { name: 'a job marked by another source is never adopted', desired: [valid('es', 'a', 'h1')], live: [stub('es', 'a', { source: 'other', index: 7 })], opts: { adopt: { namespaces: new Set(['es']), teams: new Set() } }, expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'OtherSource' }] },
  { name: 'a suspended spec does not adopt', desired: [valid('es', 'a', 'h1', { suspended: true })], live: [stub('es', 'a', { managed: false, index: 7 })], opts: { adopt: { namespaces: new Set(['es']), teams: new Set() } }, expected: [{ key: 'es/a', action: 'adopt', write: false, reason: 'Suspended' }] },
  { name: 'suspended specs are never written', desired: [valid('es', 'a', 'h2', { suspended: true })], live: [stub('es', 'a', { hash: 'h1', index: 7 })], records: [['es/a', { jobModifyIndex: 7, hash: 'h1', scheme: 2 }]], expected: [{ key: 'es/a', action: 'update', write: false, reason: 'Suspended' }] },
  { name: 'an unmanaged job with the desired ID is left alone', desired: [valid('es', 'a', 'h1')], live: [stub('es', 'a', { managed: false })], expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'UnmanagedJobExists' }] },
  { name: 'a job of another source is left alone', desired: [valid('es', 'a', 'h1')], live: [stub('es', 'a', { hash: 'h0', source: 'other' })], expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'OtherSource' }] },
  { name: 'an auto-reverted version is not resubmitted', desired: [valid('es', 'a', 'bad')], live: [stub('es', 'a', { hash: 'good', index: 12 })], records: [['es/a', { jobModifyIndex: 10, hash: 'bad', scheme: 2, failedHash: 'bad' }]], expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'AutoReverted' }] },
  { name: 'a forced sync resubmits an auto-reverted version', desired: [valid('es', 'a', 'bad')], live: [stub('es', 'a', { hash: 'good', index: 12 })], records: [['es/a', { jobModifyIndex: 10, hash: 'bad', scheme: 2, failedHash: 'bad' }]], opts: { forced: new Set(['es/a']) }, expected: [{ key: 'es/a', action: 'drift', write: true, reason: 'ModifiedOutside' }] },
  { name: 'an invalid spec leaves its live job alone (matched by spec path)', desired: [invalid('es/a/nomadgen.toml')], live: [stub('es', 'a', { hash: 'h1' })], expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'SpecInvalid' }] },
  { name: 'an invalid spec leaves its live job alone (matched by key)', desired: [invalid('es/moved/nomadgen.toml', 'es/a')], live: [stub('es', 'a', { hash: 'h1' })], expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'SpecInvalid' }] },
  { name: 'an invalid spec with nothing live is reported', desired: [invalid('es/b/nomadgen.toml', 'es/b')], expected: [{ key: 'es/b', action: 'invalid', write: false, reason: 'SpecInvalid' }] },
  { name: 'a removed spec starts its grace period', live: [stub('es', 'a', { hash: 'h1' })], expected: [{ key: 'es/a', action: 'prune-wait', write: false, reason: 'PruneGrace' }] },
  { name: 'a removed spec is still waiting within the grace', live: [stub('es', 'a', { hash: 'h1' })], records: [['es/a', { jobModifyIndex: 10, hash: 'h1', scheme: 2, absentSince: NOW - 1000 }]], expected: [{ key: 'es/a', action: 'prune-wait', write: false, reason: 'PruneGrace' }] },
  { name: 'a removed spec is pruned after the grace', live: [stub('es', 'a', { hash: 'h1' })], records: [['es/a', { jobModifyIndex: 10, hash: 'h1', scheme: 2, absentSince: NOW - 60_000 }]], expected: [{ key: 'es/a', action: 'prune', write: true, reason: 'SpecRemoved' }] },
  { name: 'nothing is pruned from an unhealthy checkout', live: [stub('es', 'a', { hash: 'h1' })], records: [['es/a', { jobModifyIndex: 10, hash: 'h1', scheme: 2, absentSince: 0 }]], opts: { sourceHealthy: false }, expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'SourceUnhealthy' }] },
  { name: 'nothing is pruned when pruning is disabled', live: [stub('es', 'a', { hash: 'h1' })], opts: { prune: { enabled: false, graceMs: 0 } }, expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'PruneDisabled' }] },
  { name: 'a stopped orphan is already done', live: [stub('es', 'a', { hash: 'h1', stop: true })], expected: [{ key: 'es/a', action: 'unchanged', write: false, reason: 'AlreadyStopped' }] },
  { name: 'an orphan of another source is left alone', live: [stub('es', 'a', { hash: 'h1', source: 'other' })], expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'OtherSource' }] },
  { name: 'a removed spec of a suspended team (by its spec folder) is left alone', live: [stub('es', 'a', { hash: 'h1', spec: 'search/a/nomadgen.toml' })], records: [['es/a', { jobModifyIndex: 10, hash: 'h1', scheme: 2, absentSince: 0 }]], opts: { suspendedTeams: new Set(['search']) }, expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'Suspended' }] },
  { name: 'a removed spec of a suspended team (by namespace, no spec path) is left alone', live: [stub('es', 'a', { hash: 'h1', spec: '' })], records: [['es/a', { jobModifyIndex: 10, hash: 'h1', scheme: 2, absentSince: 0 }]], opts: { suspendedTeams: new Set(['es']) }, expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'Suspended' }] },
  { name: 'a removed spec of another team is pruned while one team is suspended', live: [stub('es', 'a', { hash: 'h1' })], records: [['es/a', { jobModifyIndex: 10, hash: 'h1', scheme: 2, absentSince: 0 }]], opts: { suspendedTeams: new Set(['web']) }, expected: [{ key: 'es/a', action: 'prune', write: true, reason: 'SpecRemoved' }] },
  { name: 'a spec moved and broken beyond naming its job keeps the old job in its namespace', desired: [invalid('es/moved/nomadgen.toml')], live: [stub('es', 'a', { hash: 'h1' })], records: [['es/a', { jobModifyIndex: 10, hash: 'h1', scheme: 2, absentSince: 0 }]], expected: [{ key: 'es/a', action: 'leave-alone', write: false, reason: 'InvalidSpecInNamespace' }] },
  { name: 'a spec broken beyond naming its job in another namespace does not stop a prune', desired: [invalid('web/moved/nomadgen.toml')], live: [stub('es', 'a', { hash: 'h1' })], records: [['es/a', { jobModifyIndex: 10, hash: 'h1', scheme: 2, absentSince: 0 }]], expected: [{ key: 'es/a', action: 'prune', write: true, reason: 'SpecRemoved' }] },
  { name: 'unmanaged jobs and child jobs are not even listed', live: [stub('es', 'x', { managed: false }), stub('es', 'a/periodic-1', { parent: 'a', hash: 'h1' })], expected: [] },
];

describe('decide', () => {
  it.each(cases)('$name', (c) => {
    const items = decide(c.desired ?? [], c.live ?? [], new Map(c.records ?? []), { ...opts, ...c.opts });
    expect(items.map(({ key, action, write, reason }) => ({ key, action, write, reason }))).toEqual(c.expected);
  });

  it('asks to remember when a spec was first seen absent, and how long to wait', () => {
    const [first] = decide([], [stub('es', 'a', { hash: 'h1' })], new Map(), opts);
    expect(first).toMatchObject({ markAbsent: true, waitMs: 60_000 });
    const [later] = decide([], [stub('es', 'a', { hash: 'h1' })], new Map([['es/a', { jobModifyIndex: 10, hash: 'h1', scheme: 2, absentSince: NOW - 45_000 }]]), opts);
    expect(later).toMatchObject({ waitMs: 15_000 });
    expect(later.markAbsent).toBeUndefined();
  });
});

describe('pairJobs', () => {
  it('aligns desired, live and records by key with gaps on the missing side, sorted', () => {
    const pairs = pairJobs([valid('web', 'b', 'h'), valid('es', 'a', 'h')], [stub('es', 'a', { hash: 'h' }), stub('es', 'z', { hash: 'h' })], new Map([['es/z', { jobModifyIndex: 1, hash: 'h', scheme: 2 }]]));
    expect(pairs.map((p) => [p.key, !!p.desired, !!p.live, !!p.record])).toEqual([
      ['es/a', true, true, false],
      ['es/z', false, true, true],
      ['web/b', true, false, false],
    ]);
  });
});

describe('applyPruneGuard', () => {
  const live = [stub('es', 'a', { hash: 'h' }), stub('es', 'b', { hash: 'h' }), stub('es', 'c', { hash: 'h' }), stub('es', 'd', { hash: 'h' })];
  const records = new Map(live.map((l) => [`es/${l.ID}`, { jobModifyIndex: 10, hash: 'h', scheme: 2, absentSince: 0 }]));

  it.each([
    { name: 'default share refuses pruning every job of a namespace', keep: [], maxShare: 1, refused: true },
    { name: 'default share allows pruning some jobs', keep: ['a'], maxShare: 1, refused: false },
    { name: 'a lower share refuses half', keep: ['a', 'b'], maxShare: 0.5, refused: true },
    { name: 'a lower share allows less than it', keep: ['a', 'b', 'c'], maxShare: 0.5, refused: false },
  ])('$name', ({ keep, maxShare, refused }) => {
    const items = decide(keep.map((k) => valid('es', k, 'h')), live, records, opts);
    const guarded = applyPruneGuard(items, { source: SOURCE, maxShare });
    const pruning = guarded.items.filter((i) => i.action === 'prune').length;
    if (refused) {
      expect(pruning).toBe(0);
      expect(guarded.refused).toEqual([{ namespace: 'es', wouldPrune: 4 - keep.length, managed: 4 }]);
      expect(guarded.items.filter((i) => i.reason === 'PruneGuard')).toHaveLength(4 - keep.length);
    } else {
      expect(pruning).toBe(4 - keep.length);
      expect(guarded.refused).toEqual([]);
    }
  });

  it('a confirmed namespace is pruned', () => {
    const items = decide([], live, records, opts);
    expect(applyPruneGuard(items, { source: SOURCE, maxShare: 1, confirmed: new Set(['es']) }).items.filter((i) => i.action === 'prune')).toHaveLength(4);
    expect(applyPruneGuard(items, { source: SOURCE, maxShare: 1, confirmed: new Set(['web']) }).refused).toHaveLength(1);
  });
});
