import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FakeClock } from '../../lib/runtime/clock';

describe('FakeClock', () => {
  it('fires timers in time order and only when time reaches them', async () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 200);
    clock.setTimeout(() => fired.push('a'), 100);
    await clock.advance(150);
    expect(fired).toEqual(['a']);
    expect(clock.now()).toBe(150);
    await clock.advance(50);
    expect(fired).toEqual(['a', 'b']);
  });

  it('resolves sleep on advance and rejects it on abort', async () => {
    const clock = new FakeClock(0);
    let woke = false;
    const sleeping = clock.sleep(1000).then(() => { woke = true; });
    await clock.advance(999);
    expect(woke).toBe(false);
    await clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);

    const ac = new AbortController();
    const aborted = clock.sleep(1000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(clock.pending()).toBe(0);
  });
});

describe('SystemClock', () => {
  it('keeps the process alive while something waits on one of its timers', () => {
    const built = path.resolve(__dirname, '../../dist/lib/runtime/clock.js');
    if (!fs.existsSync(built)) throw new Error('dist/ is missing: run `npx tsc -p tsconfig.json` before this test');
    const script = `new (require(${JSON.stringify(built)}).SystemClock)().sleep(50).then(() => process.stdout.write('woke'))`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stdout).toBe('woke');
  });
});
