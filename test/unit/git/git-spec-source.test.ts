import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitSpecSource } from '../../../lib/adapters/git-spec-source';
import { TestRepo } from '../../helpers/git-repo';

/** Spec texts different enough that git never pairs two of them as a rename. */
const spec = (name: string, v = 1) => `name = "${name}"\ntier = "test"\ncontact = "${name}@example.com"\n# v${v}\n${Array.from({ length: 8 }, (_, i) => `# ${name} line ${i} ${name.repeat(3)}`).join('\n')}\n`;

describe('GitSpecSource', () => {
  let repo: TestRepo;
  let source: GitSpecSource;

  beforeEach(() => {
    repo = TestRepo.create();
    repo.write('es/cerebro/nomadgen.toml', spec('cerebro')).write('web/shop/nomadgen.toml', spec('shop')).write('README.md', 'hi');
    repo.commitAndPush('first');
    source = new GitSpecSource({ repo: repo.remote, branch: 'main', workDir: repo.tempDir('work.git') });
  });
  afterEach(() => repo.cleanup());

  it('first poll pins the branch head and lists every spec with its team, full', async () => {
    const p = await source.poll();
    if (!p.ok) throw new Error(p.error.message);
    expect(p.commit).toBe(repo.head());
    expect(p).toMatchObject({ full: true, forcePushed: false, healthy: true, changed: [] });
    expect(p.specs.map(({ path: p, team }) => ({ path: p, team }))).toEqual([{ path: 'es/cerebro/nomadgen.toml', team: 'es' }, { path: 'web/shop/nomadgen.toml', team: 'web' }]);
    expect(p.specs.map((s) => s.oid)).toEqual(['es/cerebro/nomadgen.toml', 'web/shop/nomadgen.toml'].map((f) => repo.git('rev-parse', `HEAD:${f}`)));
  });

  it('reads files at the pinned commit even after the branch moved on', async () => {
    const p = await source.poll();
    if (!p.ok) throw new Error('poll');
    repo.write('es/cerebro/nomadgen.toml', spec('cerebro', 2)).commitAndPush('second');
    await source.fetch();
    const files = await source.readFiles(p.commit, ['es/cerebro/nomadgen.toml', 'es/none/nomadgen.toml']);
    expect(files.get('es/cerebro/nomadgen.toml')?.toString()).toContain('# v1');
    expect(files.has('es/none/nomadgen.toml')).toBe(false);
  });

  it('reports added, modified, deleted and renamed specs between two commits, ignoring other files', async () => {
    const first = await source.poll();
    if (!first.ok) throw new Error('poll');
    repo.write('es/cerebro/nomadgen.toml', spec('cerebro', 2));
    repo.rm('web/shop/nomadgen.toml');
    repo.write('es/kibana/nomadgen.toml', spec('kibana'));
    repo.write('README.md', 'changed');
    repo.commitAndPush('second');
    repo.mv('es/kibana/nomadgen.toml', 'es/kibana2/nomadgen.toml');
    repo.commitAndPush('rename');
    const p = await source.poll(first.commit);
    if (!p.ok) throw new Error(p.error.message);
    expect(p.full).toBe(false);
    expect(p.forcePushed).toBe(false);
    expect(p.changed.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { status: 'modified', path: 'es/cerebro/nomadgen.toml' },
      { status: 'added', path: 'es/kibana2/nomadgen.toml' },
      { status: 'deleted', path: 'web/shop/nomadgen.toml' },
    ]);
    const second = repo.git('rev-parse', 'HEAD~1');
    const renamed = await source.changedSpecs(second, p.commit);
    expect(renamed).toEqual([{ status: 'renamed', path: 'es/kibana2/nomadgen.toml', oldPath: 'es/kibana/nomadgen.toml' }]);
  });

  it('finds the commit that last changed each spec with one walk, not the head', async () => {
    const c1 = repo.head();
    repo.write('web/shop/nomadgen.toml', spec('shop', 2));
    const c2 = repo.commitAndPush('shop v2');
    repo.write('README.md', 'unrelated');
    const c3 = repo.commitAndPush('unrelated');
    const p = await source.poll();
    if (!p.ok) throw new Error('poll');
    expect(p.commit).toBe(c3);
    const last = await source.lastChangedCommits(p.commit, p.specs.map((s) => s.path));
    expect(Object.fromEntries(last)).toEqual({ 'es/cerebro/nomadgen.toml': c1, 'web/shop/nomadgen.toml': c2 });
  });

  it('walks the spec root once for many specs', async () => {
    for (let i = 0; i < 80; i++) repo.write(`t${i % 3}/s${i}/nomadgen.toml`, spec(`s${i}`));
    const bulk = repo.commitAndPush('bulk');
    repo.write('t0/s0/nomadgen.toml', spec('s0', 2));
    const later = repo.commitAndPush('s0 v2');
    const p = await source.poll();
    if (!p.ok) throw new Error('poll');
    const last = await source.lastChangedCommits(p.commit, p.specs.map((s) => s.path));
    expect(last.size).toBe(82);
    expect(last.get('t0/s0/nomadgen.toml')).toBe(later);
    expect(last.get('t1/s1/nomadgen.toml')).toBe(bulk);
  });

  it('honours a spec root folder', async () => {
    repo.write('specs/ops/x/nomadgen.toml', spec('x'));
    repo.commitAndPush('root');
    const s = new GitSpecSource({ repo: repo.remote, branch: 'main', workDir: repo.tempDir('w2.git'), path: './specs/' });
    const p = await s.poll();
    if (!p.ok) throw new Error('poll');
    expect(p.specs).toEqual([{ path: 'specs/ops/x/nomadgen.toml', team: 'ops', oid: repo.git('rev-parse', 'HEAD:specs/ops/x/nomadgen.toml'), size: Number(repo.git('cat-file', '-s', 'HEAD:specs/ops/x/nomadgen.toml')) }]);
  });

  it('detects a force-push: full re-render, healthy only when verified', async () => {
    const first = await source.poll();
    if (!first.ok) throw new Error('poll');
    repo.write('es/cerebro/nomadgen.toml', spec('cerebro', 2));
    const c2 = repo.commitAndPush('second');
    const second = await source.poll(first.commit);
    if (!second.ok) throw new Error('poll');
    expect(second.forcePushed).toBe(false);
    repo.resetHard(first.commit);
    repo.write('web/shop/nomadgen.toml', spec('shop', 3));
    const rewritten = repo.commit('rewritten');
    repo.push({ force: true });
    const p = await source.poll(c2);
    if (!p.ok) throw new Error(p.error.message);
    expect(p).toMatchObject({ commit: rewritten, forcePushed: true, full: true, healthy: true, changed: [] });
  });

  it('a previous commit the work folder never saw counts as a force-push', async () => {
    const p = await source.poll('0123456789abcdef0123456789abcdef01234567');
    if (!p.ok) throw new Error('poll');
    expect(p.forcePushed).toBe(true);
    expect(p.full).toBe(true);
  });

  it('a missing branch is an error, not an empty desired state', async () => {
    const s = new GitSpecSource({ repo: repo.remote, branch: 'nope', workDir: repo.tempDir('w3.git') });
    const p = await s.poll();
    expect(p).toMatchObject({ ok: false, error: { reason: 'BranchNotFound' } });
  });

  it('an unreachable remote is an error', async () => {
    const s = new GitSpecSource({ repo: path.join(repo.dir, 'gone.git'), branch: 'main', workDir: repo.tempDir('w4.git') });
    const p = await s.poll();
    expect(p).toMatchObject({ ok: false, error: { reason: 'RemoteUnreachable' } });
  });

  it('a corrupt work folder is an error once, then rebuilt', async () => {
    const first = await source.poll();
    if (!first.ok) throw new Error('poll');
    const objects = path.join(repo.tempDir('work.git'), 'objects');
    for (const d of fs.readdirSync(objects)) if (/^[0-9a-f]{2}$/.test(d) || d === 'pack') fs.rmSync(path.join(objects, d), { recursive: true, force: true });
    fs.writeFileSync(path.join(repo.tempDir('work.git'), 'HEAD'), 'garbage');
    const broken = await source.poll(first.commit);
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.error.reason).toBe('CheckoutCorrupt');
    const again = await source.poll(first.commit);
    if (!again.ok) throw new Error(again.error.message);
    expect(again.commit).toBe(first.commit);
    expect(again.specs).toHaveLength(2);
  });
});
