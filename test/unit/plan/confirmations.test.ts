import { carryConfirmations, decide, type DecideOptions, type JobRecord, type PlanItem } from '../../../lib/core/plan';
import { SOURCE, stub, valid } from './fixtures';

const NOW = 1_000_000;
const opts: DecideOptions = { source: SOURCE, now: NOW, sourceHealthy: true, prune: { enabled: true, graceMs: 60_000 } };

/** Decisions for live jobs `ids` of namespace `web` whose specs are gone, except `kept`. */
function items(ids: string[], kept: string[] = [], stopped: string[] = []): PlanItem[] {
  const records = new Map<string, JobRecord>(ids.map((id) => [`web/${id}`, { jobModifyIndex: 10, hash: 'h', absentSince: NOW - 60_000 }]));
  return decide(kept.map((id) => valid('web', id, 'h')), ids.map((id) => stub('web', id, { hash: 'h', stop: stopped.includes(id) })), records, opts);
}

const keys = (m: ReadonlyMap<string, ReadonlySet<string>>): Record<string, string[]> => Object.fromEntries([...m].map(([ns, k]) => [ns, [...k].sort()]));

describe('carryConfirmations', () => {
  it('a confirmation covers the prunes of its namespace at the time, and lasts without being asked again', () => {
    const first = carryConfirmations(new Map(), ['web', 'data'], items(['a', 'b']), { canPrune: true });
    expect(keys(first)).toEqual({ web: ['web/a', 'web/b'] });
    expect(keys(carryConfirmations(first, [], items(['a', 'b']), { canPrune: true }))).toEqual({ web: ['web/a', 'web/b'] });
  });

  it('lasts while some of its prunes are left, and ends when none is', () => {
    const first = carryConfirmations(new Map(), ['web'], items(['a', 'b']), { canPrune: true });
    const half = carryConfirmations(first, [], items(['a', 'b'], [], ['a']), { canPrune: true });
    expect(keys(half)).toEqual({ web: ['web/a', 'web/b'] });
    expect(keys(carryConfirmations(half, [], items(['a', 'b'], [], ['a', 'b']), { canPrune: true }))).toEqual({});
    expect(keys(carryConfirmations(half, [], items(['a', 'b'], ['a', 'b']), { canPrune: true }))).toEqual({});
  });

  it('ends when the desired state adds a prune it did not cover', () => {
    const first = carryConfirmations(new Map(), ['web'], items(['a', 'b', 'c'], ['c']), { canPrune: true });
    expect(keys(first)).toEqual({ web: ['web/a', 'web/b'] });
    expect(keys(carryConfirmations(first, [], items(['a', 'b', 'c']), { canPrune: true }))).toEqual({});
  });

  it('is carried unchanged through a pass that may not prune', () => {
    const first = carryConfirmations(new Map(), ['web'], items(['a']), { canPrune: true });
    expect(keys(carryConfirmations(first, ['data'], [], { canPrune: false }))).toEqual({ web: ['web/a'] });
  });
});
