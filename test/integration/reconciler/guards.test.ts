import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { spec, startHarness, type Harness } from './harness';

/** The object folder of the operator's work repository (the source's `workDir`). */
function workObjects(h: Harness): string {
  return path.join(h.repo.dir, 'work.git', 'objects');
}

describe('reconciler: guards against wrong prunes and overwrites', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  it('a listed spec whose blob is missing from the checkout keeps its job: the source is unhealthy, nothing is pruned', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog'));
    h.repo.commitAndPush('two');
    await h.converge();
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 192 }));
    const commit = h.repo.commitAndPush('shop 192');
    // the operator fetches the commit, then the new blob disappears from its checkout
    const fetched = await h.deps.source.fetch();
    expect(fetched).toEqual({ ok: true, commit });
    const blob = h.repo.git('rev-parse', `${commit}:web/shop/nomadgen.toml`);
    const loose = path.join(workObjects(h), blob.slice(0, 2), blob.slice(2));
    expect(fs.existsSync(loose)).toBe(true);
    fs.rmSync(loose);
    expect(() => execFileSync('git', ['--git-dir', path.join(h.repo.dir, 'work.git'), 'cat-file', '-e', blob], { stdio: 'ignore' })).toThrow();

    const summary = await h.manager.pass();
    expect(summary.ok).toBe(false);
    await h.converge();
    const shop = await h.nomad.readJob('web', 't-web-shop');
    expect(shop?.Stop).toBe(false);
    expect(shop?.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(128);
    const source = h.manager.status().sources[0];
    expect(source.healthy).toBe(false);
    expect(source.lastError?.reason).toBe('CheckoutCorrupt');
    expect(source.lastError?.message).toMatch(/web\/shop\/nomadgen\.toml/);
  });
});
