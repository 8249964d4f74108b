import { parseJsonList } from '../../../lib/adapters/nomad-http/json-list';

/** A job-list-like array: every element starts with the same key, as Go writes structs. */
function stubs(n: number, extra: (i: number) => Record<string, unknown> = () => ({})): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({
    ID: `svc-${i}`,
    Namespace: `team${i % 7}`,
    Status: 'running',
    JobModifyIndex: 1000 + i,
    Meta: { 'nomadguard.managed': 'true', 'nomadguard.hash': i.toString(16).padStart(32, '0') },
    ...extra(i),
  }));
}

const bytesOf = (v: unknown, indent?: number): Buffer => Buffer.from(JSON.stringify(v, null, indent));

describe('parseJsonList', () => {
  let parse: jest.SpiedFunction<typeof JSON.parse>;
  beforeEach(() => {
    parse = jest.spyOn(JSON, 'parse');
  });
  afterEach(() => parse.mockRestore());

  /** The longest text JSON.parse was given since the last reset. */
  const longestParsed = (): number => Math.max(...parse.mock.calls.map((c) => String(c[0]).length));

  it('parses a large list in slices, never as one string, to the same value as JSON.parse', () => {
    const list = stubs(2000);
    const bytes = bytesOf(list);
    expect(parseJsonList(bytes, 4096)).toEqual(list);
    expect(parse.mock.calls.length).toBeGreaterThan(10);
    expect(longestParsed()).toBeLessThan(4096 + 1024);
    expect(longestParsed()).toBeLessThan(bytes.length / 10);
  });

  it('keeps UTF-8 text intact across slices', () => {
    const list = stubs(1500, (i) => ({ StatusDescription: `dépôt ${i} — 東京 ✓` }));
    expect(parseJsonList(bytesOf(list), 2048)).toEqual(list);
    expect(longestParsed()).toBeLessThan(2048 + 1024);
  });

  it('a delimiter inside strings or inside elements never changes the value', () => {
    // The cut marker inside a string (its quote escaped), and a nested array of objects with the same first key.
    const tricky = stubs(1200, (i) => ({
      StatusDescription: 'x},{"ID":"fake"'.repeat(i % 3),
      Children: i % 5 === 0 ? [{ ID: `c${i}a` }, { ID: `c${i}b`, Deep: [{ ID: 'd' }, { ID: 'e' }] }] : [],
    }));
    for (const slice of [256, 1000, 4096]) expect(parseJsonList(bytesOf(tricky), slice)).toEqual(tricky);
  });

  it('small, blank, null, non-list and pretty-printed bodies parse as a whole', () => {
    expect(parseJsonList(Buffer.from(''))).toBeUndefined();
    expect(parseJsonList(Buffer.from('  \n'))).toBeUndefined();
    expect(parseJsonList(Buffer.from('null'))).toBeNull();
    expect(parseJsonList(Buffer.from('[]'))).toEqual([]);
    const obj = { Items: stubs(500) };
    expect(parseJsonList(bytesOf(obj), 512)).toEqual(obj);
    const pretty = stubs(500);
    expect(parseJsonList(bytesOf(pretty, 2), 512)).toEqual(pretty);
    expect(parseJsonList(Buffer.from('\ufeff[{"ID":"a"}]'))).toEqual([{ ID: 'a' }]);
  });

  it('invalid JSON throws as JSON.parse does, wherever the damage is', () => {
    const good = bytesOf(stubs(1000)).toString('latin1');
    const cut = good.indexOf('},{"ID"', 30000) + 2;
    const broken = [good.slice(0, -1), `${good.slice(0, cut)},${good.slice(cut)}`, `${good.slice(0, cut)}{${good.slice(cut)}`, `${good}x`, `${good.slice(0, cut)}]${good.slice(cut - 1)}`];
    for (const bad of broken) {
      expect(() => JSON.parse(bad)).toThrow(SyntaxError);
      expect(() => parseJsonList(Buffer.from(bad, 'latin1'), 1024)).toThrow(SyntaxError);
    }
  });
});
