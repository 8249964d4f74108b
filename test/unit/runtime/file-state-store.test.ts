import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileStateStore } from '../../../lib/adapters/state-store';

describe('FileStateStore', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-state-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts empty without a file, persists puts and deletes across instances', async () => {
    const file = path.join(dir, 'sub', 'state.json');
    const a = new FileStateStore(file);
    expect((await a.load()).size).toBe(0);
    await a.put('es/x', { jobModifyIndex: 12, hash: 'abc', commit: 'c1' });
    await a.put('es/y', { jobModifyIndex: 13, hash: 'def' });
    await a.delete('es/y');
    const b = new FileStateStore(file);
    const loaded = await b.load();
    expect([...loaded]).toEqual([['es/x', { jobModifyIndex: 12, hash: 'abc', commit: 'c1' }]]);
    expect(b.get('es/x')?.jobModifyIndex).toBe(12);
  });

  it('skips malformed records and refuses an unreadable file', async () => {
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, jobs: { 'a/b': { hash: 'x' }, 'a/c': { jobModifyIndex: 1, hash: 'y' } } }));
    expect([...(await new FileStateStore(file).load()).keys()]).toEqual(['a/c']);
    fs.writeFileSync(file, '{nope');
    await expect(new FileStateStore(file).load()).rejects.toThrow(/unreadable/);
  });

  it('serialises concurrent writes so the file holds every record', async () => {
    const file = path.join(dir, 'state.json');
    const s = new FileStateStore(file);
    await s.load();
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.put(`ns/j${i}`, { jobModifyIndex: i, hash: `h${i}` })));
    expect((await new FileStateStore(file).load()).size).toBe(20);
  });
});
