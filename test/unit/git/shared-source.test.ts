import { GitSpecSource } from '../../../lib/adapters/git-spec-source';
import { TestRepo } from '../../helpers/git-repo';

/** One source read by several clusters' desired states at once. */
describe('a spec source shared by several readers', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  it('shares a fetch in flight, and each reader polls against its own last commit', async () => {
    repo = TestRepo.create();
    repo.write('web/shop/nomadgen.toml', 'name = "shop"\n').commitAndPush('first');
    const first = repo.head();
    const source = new GitSpecSource({ repo: repo.remote, branch: 'main', workDir: repo.tempDir('work.git') });
    const a = source.fetch();
    const b = source.fetch();
    expect(b).toBe(a);
    expect(await a).toEqual({ ok: true, commit: first });
    expect(await source.poll()).toMatchObject({ ok: true, commit: first, full: true });
    // A fetch asked for after one finished is a new fetch.
    repo.write('web/blog/nomadgen.toml', 'name = "blog"\n').commitAndPush('second');
    expect(await source.fetch()).toEqual({ ok: true, commit: repo.head() });

    const [behind, current] = await Promise.all([source.poll(first), source.poll(repo.head())]);
    if (!behind.ok || !current.ok) throw new Error('poll failed');
    expect(behind.changed.map((c) => c.path)).toEqual(['web/blog/nomadgen.toml']);
    expect(current).toMatchObject({ full: false, changed: [], specs: [] });
  });
});
