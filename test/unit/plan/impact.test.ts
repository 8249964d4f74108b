import type { DesiredUpdates, Job } from '../../../lib/core/nomad/types';
import { allocImpact, comparisonLines, revertedVersion, staleVersionTags, versionTag } from '../../../lib/core/plan';

const upd = (o: Partial<DesiredUpdates>): DesiredUpdates => ({ Ignore: 0, Place: 0, Migrate: 0, Stop: 0, InPlaceUpdate: 0, DestructiveUpdate: 0, Canary: 0, Preemptions: 0, ...o });

describe('allocImpact: what a write does to allocations, per group', () => {
  it('names in-place updates, replacements, placements and stops; leaves out groups with nothing to do', () => {
    expect(allocImpact({ web: upd({ InPlaceUpdate: 2, Place: 2 }), api: upd({ DestructiveUpdate: 1, Ignore: 2 }), idle: upd({ Ignore: 3 }) })).toEqual(['group[api]: 1 create/destroy, 2 unchanged', 'group[web]: 2 in-place, 2 place']);
    expect(allocImpact(null)).toEqual([]);
  });
});

describe('comparisonLines', () => {
  it('prints changes like diff lines and never a secret value', () => {
    expect(comparisonLines([
      { path: 'TaskGroups[main].Spreads[0].Weight', kind: 'changed', old: '100', new: '60' },
      { path: 'TaskGroups[main].Tasks[web].Lifecycle', kind: 'added', new: 'poststart' },
      { path: 'TaskGroups[main].Tasks[web].Env[DB_PASSWORD]', kind: 'changed', secret: true },
    ])).toEqual(['~ TaskGroups[main].Spreads[0].Weight: "100" => "60"', '+ TaskGroups[main].Tasks[web].Lifecycle: "poststart"', '~ TaskGroups[main].Tasks[web].Env[DB_PASSWORD]: (secret value changed)']);
  });
});

describe('version tags', () => {
  const C = '0123456789abcdef0123456789abcdef01234567';
  it('names the commit; the description is the subject and the spec path, without control characters, at most 1000 characters', () => {
    expect(versionTag(C, 'es/cerebro/nomadgen.toml', 'bump cerebro\u001b[31m')).toEqual({ name: 'git-0123456789ab', description: 'bump cerebro [31m (es/cerebro/nomadgen.toml)' });
    expect(versionTag(C, 'es/a/nomadgen.toml', undefined).description).toBe('commit 0123456789ab (es/a/nomadgen.toml)');
    const long = versionTag(C, 'es/a/nomadgen.toml', 'x'.repeat(5000)).description;
    expect(long.length).toBeLessThanOrEqual(1000);
    expect(long.endsWith('(es/a/nomadgen.toml)')).toBe(true);
  });
  it('keeps the newest tagged versions of ours and never touches a tag a person gave', () => {
    const v = (Version: number, Name?: string) => ({ Version, VersionTag: Name ? { Name } : null });
    const versions = [v(9, 'git-000000000009'), v(8, 'release-1.0'), v(7, 'git-000000000007'), v(6), v(5, 'git-000000000005'), v(3, 'git-000000000003')];
    expect(staleVersionTags(versions, 2)).toEqual(['git-000000000005', 'git-000000000003']);
    expect(staleVersionTags(versions, 5)).toEqual([]);
  });
});

describe('revertedVersion: only a copy of an older version is a revert', () => {
  const job = (Version: number, image: string, o: Partial<Job> = {}): Job => ({ ID: 'a', Version, JobModifyIndex: 100 + Version, Stable: false, TaskGroups: [{ Name: 'main', Count: 2, Tasks: [{ Name: 'web', Driver: 'docker', Config: { image } }] }], ...o });
  const record = { jobModifyIndex: 102, hash: 'h', scheme: 2 };
  it('ours (v2, never stable) followed by a copy of v1 was reverted', () => {
    const versions = [job(3, 'web:1'), job(2, 'web:2'), job(1, 'web:1', { Stable: true })];
    expect(revertedVersion(versions, record)).toMatchObject({ ours: { Version: 2 }, newer: { Version: 3 } });
  });
  it('a hand edit or an autoscaler over ours while it deploys is no revert (the pass compares it as drift)', () => {
    const scaled = job(3, 'web:2');
    scaled.TaskGroups[0].Count = 5;
    expect(revertedVersion([scaled, job(2, 'web:2'), job(1, 'web:1', { Stable: true })], record)).toBeUndefined();
  });
  it('a stable version of ours was not reverted', () => {
    expect(revertedVersion([job(3, 'web:1'), job(2, 'web:2', { Stable: true }), job(1, 'web:1')], record)).toBeUndefined();
  });
});
