import { entriesOf, toMarkdown } from '../../../bench/run';
import { spread } from '../../../bench/harness';
import { topSelf } from '../../../bench/profile';

describe('bench runner', () => {
  it('takes a module result as one entry named as the module, or as the entries it names', () => {
    expect(entriesOf('ps', { ratio: 1, target: 'constant', met: true })).toEqual({ ps: { ratio: 1, target: 'constant', met: true } });
    const multi = { entries: { a: { ratio: 1, target: 't', met: true }, b: { ratio: 2, target: 't', met: false } } };
    expect(Object.keys(entriesOf('noop-pass', multi))).toEqual(['a', 'b']);
  });

  it('writes the machine, each figure next to its target, and the profile of a missed target', () => {
    const md = toMarkdown({
      _machine: { cores: 2, model: 'cpu', loadAvg: [1, 2, 3], totalMemoryMB: 4096, node: 'v20', platform: 'linux', size: 1000, quick: true, at: 'now' },
      'cold-start': { figure: 'f', ratio: 4.2, target: '<= 1.3x', met: false, note: 'how to read it', profile: [{ name: 'parse', at: 'lib/x.ts:3', selfPercent: 25.5 }] },
      faults: { figure: 'g', ratio: 1.1, target: 'report it', met: true },
    });
    expect(md).toContain('Machine: 2 cores (cpu), 4096 MB, load [1,2,3]');
    expect(md).toContain('| cold-start | f | 4.2 | <= 1.3x | **no** |');
    expect(md).toContain('| faults | g | 1.1 | report it | yes |');
    expect(md).toContain('how to read it');
    expect(md).toContain('| parse | lib/x.ts:3 | 25.5 |');
    expect(md).not.toContain('## _machine');
  });

  it('reports the median, min and max of the rounds', () => {
    expect(spread([5, 1, 3, 9, 7])).toEqual({ median: 5, min: 1, max: 9, rounds: 5 });
  });

  it('ranks functions by self time, idle left out, the same function summed', () => {
    const frame = (functionName: string, url = '', lineNumber = 0): { functionName: string; url: string; lineNumber: number } => ({ functionName, url, lineNumber });
    const hot = topSelf(
      [
        { id: 1, callFrame: frame('(root)'), hitCount: 0 },
        { id: 2, callFrame: frame('(idle)'), hitCount: 100 },
        { id: 3, callFrame: frame('parse', 'node:internal/x', 9), hitCount: 30 },
        { id: 4, callFrame: frame('walk', 'file:///elsewhere/a.js', 1), hitCount: 50 },
        { id: 5, callFrame: frame('parse', 'node:internal/x', 9), hitCount: 20 },
      ],
      2,
    );
    expect(hot).toEqual([
      { name: 'parse', at: 'node:internal/x:10', selfPercent: 50 },
      { name: 'walk', at: '/elsewhere/a.js:2', selfPercent: 50 },
    ]);
  });
});
