import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitSpecSource } from '../../../lib/adapters/git-spec-source';
import { catFileBatch } from '../../../lib/adapters/git-spec-source/git';
import { DesiredState } from '../../../controllers/job-sync/desired-state';
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { renderSpec } from '../../../lib/core/pipeline';
import type { Desired } from '../../../lib/core/plan';
import type { Diagnostic } from '../../../lib/core/diagnostics';
import { TestRepo } from '../../helpers/git-repo';

/** A valid spec whose job and content are its own. */
const spec = (name: string) => `name    = "${name}"\ntier    = "test"\ncontact = "${name}@example.com"\n\n[[group]]\nname = "main"\n\n  [[group.task]]\n  name  = "${name}"\n  image = "registry.internal/acme/${name}:1.0.0"\n`;

/** A spec path whose newline would add a request for another spec's blob to a line-based batch read. */
const SHIFTER = 'aaa/x\nrefs/nomadguard/tracked:ops/good3/nomadgen.toml';

describe('GitSpecSource: hostile tree entries', () => {
  let repo: TestRepo;
  let source: GitSpecSource;

  beforeEach(() => {
    repo = TestRepo.create();
    for (const n of ['good1', 'good2', 'good3']) repo.write(`ops/${n}/nomadgen.toml`, spec(n));
    repo.write(`${SHIFTER}/nomadgen.toml`, spec('shifter'));
    repo.commitAndPush('first');
    source = new GitSpecSource({ repo: repo.remote, branch: 'main', workDir: repo.tempDir('work.git') });
  });
  afterEach(() => repo.cleanup());

  it('a path with a newline cannot shift the batch read: every spec gets its own content', async () => {
    const p = await source.poll();
    if (!p.ok) throw new Error(p.error.message);
    const paths = p.specs.map((s) => s.path);
    expect(paths).toContain(`${SHIFTER}/nomadgen.toml`);
    const files = await source.readFiles(p.commit, paths);
    for (const n of ['good1', 'good2', 'good3']) expect(files.get(`ops/${n}/nomadgen.toml`)?.toString()).toBe(spec(n));
    // the hostile entry is listed with its problem and never read
    expect(files.has(`${SHIFTER}/nomadgen.toml`)).toBe(false);
    expect(p.specs.find((s) => s.path.startsWith('aaa/'))?.problem).toEqual({
      code: 'SPEC_PATH_INVALID',
      message: `the spec path ${JSON.stringify(`${SHIFTER}/nomadgen.toml`)} contains control characters; rename it`,
    });
  });

  it('the commit that last changed a spec is never taken from a path with a newline', async () => {
    const first = repo.head();
    repo.write('aaa/y\nops/good1/nomadgen.toml', 'later');
    repo.commitAndPush('hostile');
    const p = await source.poll();
    if (!p.ok) throw new Error(p.error.message);
    // more paths than a command line names: the walk reads every path of every commit
    const unseen = Array.from({ length: 70 }, (_, i) => `ops/none${i}/nomadgen.toml`);
    const last = await source.lastChangedCommits(p.commit, ['ops/good1/nomadgen.toml', 'ops/good2/nomadgen.toml', ...unseen]);
    expect(Object.fromEntries(last)).toEqual({ 'ops/good1/nomadgen.toml': first, 'ops/good2/nomadgen.toml': first });
  });

  it('a path that is not UTF-8 is listed with its problem, not read', async () => {
    const dir = Buffer.concat([Buffer.from(path.join(repo.work, 'ops', 'bad')), Buffer.from([0xff, 0xfe])]);
    fs.mkdirSync(dir);
    fs.writeFileSync(Buffer.concat([dir, Buffer.from('/nomadgen.toml')]), spec('bad'));
    repo.commitAndPush('not utf-8');
    const p = await source.poll();
    if (!p.ok) throw new Error(p.error.message);
    const bad = p.specs.find((s) => s.path.startsWith('ops/bad'));
    expect(bad?.problem).toEqual({ code: 'SPEC_PATH_INVALID', message: 'the spec path "ops/bad\ufffd\ufffd/nomadgen.toml" is not valid UTF-8; rename it' });
    expect([...(await source.readSpecs(p.specs)).keys()]).toEqual(['ops/good1/nomadgen.toml', 'ops/good2/nomadgen.toml', 'ops/good3/nomadgen.toml']);
  });

  it('a symlink or a submodule at a spec path is listed with its problem, not read', async () => {
    fs.mkdirSync(path.join(repo.work, 'ops', 'link-dir'));
    fs.symlinkSync('/dev/zero', path.join(repo.work, 'ops', 'link-dir', 'nomadgen.toml'));
    repo.commit('symlink');
    repo.git('update-index', '--add', '--cacheinfo', `160000,${repo.head()},ops/sub/nomadgen.toml`);
    repo.git('commit', '-q', '-m', 'gitlink');
    repo.push();
    const p = await source.poll();
    if (!p.ok) throw new Error(p.error.message);
    const byPath = new Map(p.specs.map((s) => [s.path, s]));
    expect(byPath.get('ops/link-dir/nomadgen.toml')?.problem?.code).toBe('SPEC_NOT_A_FILE');
    expect(byPath.get('ops/link-dir/nomadgen.toml')?.problem?.message).toMatch(/symbolic link/);
    expect(byPath.get('ops/sub/nomadgen.toml')?.problem?.message).toMatch(/submodule/);
    const files = await source.readFiles(p.commit, [...byPath.keys()]);
    expect([...files.keys()].sort()).toEqual(['ops/good1/nomadgen.toml', 'ops/good2/nomadgen.toml', 'ops/good3/nomadgen.toml']);
  });
});

/** The diagnostics of an invalid entry (none for a valid one). */
const diags = (d: Desired | undefined): Diagnostic[] | undefined => (d?.state === 'invalid' ? d.diagnostics : undefined);

describe('DesiredState over hostile entries', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  function desired(): DesiredState {
    const source = new GitSpecSource({ repo: repo.remote, branch: 'main', workDir: repo.tempDir('work.git') });
    const env = { config: defaultOperatorConfig(), policy: defaultPolicy() };
    return new DesiredState(source, (input) => renderSpec(input, env), { sourceId: 'specs', defaultMode: 'self-heal' });
  }

  it('one bad entry is one invalid spec named JSON-escaped; every other spec applies with its own job', async () => {
    repo = TestRepo.create();
    for (const n of ['good1', 'good2', 'good3']) repo.write(`ops/${n}/nomadgen.toml`, spec(n));
    repo.write(`${SHIFTER}/nomadgen.toml`, spec('shifter'));
    fs.mkdirSync(path.join(repo.work, 'web', 'link'), { recursive: true });
    fs.symlinkSync('../../ops/good1/nomadgen.toml', path.join(repo.work, 'web', 'link', 'nomadgen.toml'));
    repo.commit('first');
    repo.git('update-index', '--add', '--cacheinfo', `160000,${repo.head()},web/sub/nomadgen.toml`);
    repo.git('commit', '-q', '-m', 'gitlink');
    repo.push();
    const d = desired();
    const r = await d.refresh();
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    for (const n of ['good1', 'good2', 'good3']) {
      const e = d.atSpec(`ops/${n}/nomadgen.toml`);
      expect(e?.state === 'valid' && e.jobId).toBe(`t-ops-${n}`);
    }
    const bad = d.atSpec(`${SHIFTER}/nomadgen.toml`);
    expect(bad).toMatchObject({ state: 'invalid', team: 'aaa' });
    expect(diags(bad)).toEqual([{ code: 'SPEC_PATH_INVALID', severity: 'error', file: 'aaa/x\\nrefs/nomadguard/tracked:ops/good3/nomadgen.toml/nomadgen.toml', message: expect.stringContaining('"aaa/x\\nrefs/') }]);
    expect(diags(d.atSpec('web/link/nomadgen.toml'))?.[0]).toMatchObject({ code: 'SPEC_NOT_A_FILE', file: 'web/link/nomadgen.toml' });
    expect(diags(d.atSpec('web/sub/nomadgen.toml'))?.[0]).toMatchObject({ code: 'SPEC_NOT_A_FILE', file: 'web/sub/nomadgen.toml' });
  });

  it('an incremental pass adding a bad entry keeps every other spec', async () => {
    repo = TestRepo.create();
    for (const n of ['good1', 'good2']) repo.write(`ops/${n}/nomadgen.toml`, spec(n));
    repo.commitAndPush('first');
    const d = desired();
    expect((await d.refresh()).ok).toBe(true);
    repo.write(`${SHIFTER}/nomadgen.toml`, spec('shifter')).write('ops/good3/nomadgen.toml', spec('good3'));
    repo.commitAndPush('second');
    const r = await d.refresh();
    expect(r).toMatchObject({ ok: true, full: false });
    expect(d.atSpec('ops/good3/nomadgen.toml')).toMatchObject({ state: 'valid', jobId: 't-ops-good3' });
    expect(diags(d.atSpec(`${SHIFTER}/nomadgen.toml`))?.[0].code).toBe('SPEC_PATH_INVALID');
    expect(d.entries().filter((e) => e.state === 'valid')).toHaveLength(3);
  });

});

describe('catFileBatch', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  it('asks by object ID only and checks the type of every answer', async () => {
    repo = TestRepo.create();
    repo.write('ops/a/nomadgen.toml', spec('a')).commitAndPush('one');
    const blob = repo.git('rev-parse', 'HEAD:ops/a/nomadgen.toml');
    const tree = repo.git('rev-parse', 'HEAD^{tree}');
    const gone = '0'.repeat(40);
    await expect(catFileBatch(repo.remote, [blob, gone])).resolves.toEqual([Buffer.from(spec('a')), undefined]);
    await expect(catFileBatch(repo.remote, [blob, tree])).rejects.toThrow(`object ${tree} is a tree, not a blob`);
    await expect(catFileBatch(repo.remote, ['HEAD:ops/a/nomadgen.toml'])).rejects.toThrow(/not an object ID/);
    await expect(catFileBatch(repo.remote, [`${blob}\n${tree}`])).rejects.toThrow(/not an object ID/);
  });
});
