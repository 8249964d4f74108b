import type { JobListStub } from '../../../lib/core/nomad/types';
import { LiveCache } from '../../../controllers/job-sync/live-cache';
import { stub } from '../plan/fixtures';

/** A stub as a list at some index shows it: `index` is its JobModifyIndex and ModifyIndex. */
function at(id: string, index: number, o: { hash?: string; created?: number; stop?: boolean } = {}): JobListStub {
  return { ...stub('web', id, { hash: o.hash ?? 'h1', index, stop: o.stop }), CreateIndex: o.created ?? 5 };
}

describe('LiveCache: a list fetched before our own write does not undo it', () => {
  it('keeps the stub set after our register when a list taken before it arrives', () => {
    const cache = new LiveCache();
    cache.replace([at('a', 10), at('b', 12)], 20);
    cache.set('web/a', { ...at('a', 10), JobModifyIndex: 25, Meta: { ...at('a', 10).Meta, 'nomadguard.hash': 'h2' } });
    // A list taken at 22, before our write at 25, comes back after it.
    const changed = cache.replace([at('a', 10), at('b', 12)], 22);
    expect(cache.get('web/a')?.JobModifyIndex).toBe(25);
    expect(cache.get('web/a')?.Meta?.['nomadguard.hash']).toBe('h2');
    expect([...changed]).toEqual([]);
    // A list at or after our write is authoritative again.
    expect([...cache.replace([at('a', 25, { hash: 'h2' }), at('b', 12)], 26)]).toEqual([]);
    expect(cache.get('web/a')?.ModifyIndex).toBe(25);
    expect([...cache.replace([at('a', 30, { hash: 'h3' }), at('b', 12)], 30)]).toEqual(['web/a']);
    expect(cache.get('web/a')?.Meta?.['nomadguard.hash']).toBe('h3');
  });

  it('keeps a job we just created when a list from before the create lacks it', () => {
    const cache = new LiveCache();
    cache.replace([at('b', 12)], 20);
    cache.set('web/a', { ...at('a', 0), CreateIndex: 0, ModifyIndex: 0, JobModifyIndex: 24 });
    expect([...cache.replace([at('b', 12)], 22)]).toEqual([]);
    expect(cache.get('web/a')?.JobModifyIndex).toBe(24);
    // Later lists without it mean it is gone.
    expect([...cache.replace([at('b', 12)], 30)]).toEqual(['web/a']);
    expect(cache.get('web/a')).toBeUndefined();
  });

  it('does not bring back a job we purged when a list from before the purge still shows it', () => {
    const cache = new LiveCache();
    cache.replace([at('a', 10), at('b', 12)], 20);
    cache.set('web/a', undefined, 27);
    expect([...cache.replace([at('a', 10), at('b', 12)], 22)]).toEqual([]);
    expect(cache.get('web/a')).toBeUndefined();
    // Re-created by someone after the purge: taken as it comes.
    expect([...cache.replace([at('a', 31, { created: 31 }), at('b', 12)], 31)]).toEqual(['web/a']);
    expect(cache.get('web/a')?.CreateIndex).toBe(31);
  });

  it('ignores a whole list older than one already applied', () => {
    const cache = new LiveCache();
    cache.replace([at('a', 10)], 20);
    cache.replace([at('a', 28, { hash: 'h2' }), at('c', 29)], 30);
    expect([...cache.replace([at('a', 10), at('b', 15)], 25)]).toEqual([]);
    expect(cache.get('web/a')?.JobModifyIndex).toBe(28);
    expect(cache.get('web/b')).toBeUndefined();
    expect(cache.get('web/c')).toBeDefined();
    expect(cache.index).toBe(30);
  });

  it('keeps the newer version of the same job over an older one; a re-created job replaces the old one', () => {
    const cache = new LiveCache();
    cache.replace([at('a', 10)], 20);
    cache.set('web/a', at('a', 18, { hash: 'h2' })); // a re-read after a lost check-and-set
    cache.replace([at('a', 10)], 20);
    expect(cache.get('web/a')?.JobModifyIndex).toBe(18);
    cache.replace([{ ...at('a', 21, { created: 21 }), JobModifyIndex: 21 }], 21);
    expect(cache.get('web/a')?.CreateIndex).toBe(21);
  });

  it('starts over when its index is reset to 0 (Nomad restored to an older state)', () => {
    const cache = new LiveCache();
    cache.replace([at('a', 50)], 60);
    cache.set('web/b', at('b', 70));
    cache.index = 0;
    expect([...cache.replace([at('a', 3, { created: 2 })], 4)].sort()).toEqual(['web/a', 'web/b']);
    expect(cache.get('web/a')?.JobModifyIndex).toBe(3);
    expect(cache.get('web/b')).toBeUndefined();
  });
});
