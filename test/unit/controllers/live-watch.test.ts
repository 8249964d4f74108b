import type { JobListStub } from '../../../lib/core/nomad/types';
import { LiveCache } from '../../../controllers/job-sync/live-cache';
import { LiveWatch } from '../../../controllers/job-sync/live-watch';
import { stub } from '../plan/fixtures';

function at(id: string, index: number): JobListStub {
  return { ...stub('web', id, { hash: 'h1', index }), CreateIndex: 5 };
}

/** A cache listed at 20 and a watch that answered once and holds its query at 20 since t=0, trusted for 1000 ms. */
function heldAt20(): { cache: LiveCache; watch: LiveWatch } {
  const cache = new LiveCache();
  cache.replace([at('a', 10), at('b', 12)], 20);
  const watch = new LiveWatch();
  watch.answered();
  watch.holding(20, 0, 1000);
  return { cache, watch };
}

describe('LiveWatch: when a pass may take the live cache without a list', () => {
  it('vouches for the cache while its query is held at the index of the last list', () => {
    const { cache, watch } = heldAt20();
    expect(watch.current(cache, 500)).toBe(true);
    // Trusted no longer than Nomad would take to answer it.
    expect(watch.current(cache, 1001)).toBe(false);
  });

  it('vouches for nothing before a round was answered, after a failure, or while nothing is held', () => {
    const cache = new LiveCache();
    cache.replace([at('a', 10)], 20);
    const watch = new LiveWatch();
    watch.holding(20, 0, 1000);
    expect(watch.current(cache, 0)).toBe(false); // no round answered yet
    watch.answered();
    expect(watch.current(cache, 0)).toBe(false); // answered: nothing held
    watch.holding(20, 0, 1000);
    expect(watch.current(cache, 0)).toBe(true);
    watch.lost();
    expect(watch.current(cache, 0)).toBe(false);
    watch.holding(20, 0, 1000);
    expect(watch.current(cache, 0)).toBe(false); // a failure needs an answered round again
    expect(watch.losses).toBe(1);
  });

  it('vouches for nothing once a list moved the cache past the held index', () => {
    const { cache, watch } = heldAt20();
    cache.replace([at('a', 21), at('b', 12)], 21);
    expect(watch.current(cache, 0)).toBe(false);
  });

  it('vouches for nothing after our own write or a re-read newer than the list, until a list takes it', () => {
    const { cache, watch } = heldAt20();
    cache.set('web/a', { ...at('a', 10), JobModifyIndex: 25, ModifyIndex: 25 });
    expect(watch.current(cache, 0)).toBe(false);
    cache.replace([at('a', 25), at('b', 12)], 25);
    watch.answered();
    watch.holding(25, 0, 1000);
    expect(watch.current(cache, 0)).toBe(true);
    // A purge at 27, and a job found gone by a read (no index of its removal).
    cache.set('web/a', undefined, 27);
    expect(watch.current(cache, 0)).toBe(false);
    cache.replace([at('b', 12)], 27);
    watch.holding(27, 0, 1000);
    expect(watch.current(cache, 0)).toBe(true);
    cache.set('web/b', undefined);
    expect(watch.current(cache, 0)).toBe(false);
    // A re-read that shows nothing newer than the list changes nothing.
    const fresh = heldAt20();
    fresh.cache.set('web/b', at('b', 12));
    expect(fresh.watch.current(fresh.cache, 0)).toBe(true);
  });

  it('vouches for nothing after Nomad went backwards until a pass listed after it', () => {
    const { cache, watch } = heldAt20();
    const before = watch.mark();
    watch.nomadRestarted();
    expect(watch.current(cache, 0)).toBe(false);
    watch.listed(before); // a list asked for before the restart was seen does not count
    expect(watch.current(cache, 0)).toBe(false);
    watch.listed(watch.mark());
    expect(watch.current(cache, 0)).toBe(true);
  });
});

describe('LiveCache.takeMoved: what any list moved reaches the next pass', () => {
  it('gathers the keys every list moved until they are taken', () => {
    const cache = new LiveCache();
    cache.replace([at('a', 10), at('b', 12)], 20);
    expect([...cache.takeMoved()].sort()).toEqual(['web/a', 'web/b']);
    cache.replace([at('a', 21), at('b', 12)], 21);
    cache.replace([at('a', 21)], 22);
    expect([...cache.takeMoved()].sort()).toEqual(['web/a', 'web/b']);
    expect([...cache.takeMoved()]).toEqual([]);
  });
});
