import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Job } from '../../../lib/core/nomad/types';
import { Manager } from '../../../controllers/manager';
import { OperatorMetrics } from '../../../lib/metrics/operator-metrics';
import type { MetricResult } from '../../../lib/core/reconcile-result';
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { shopAutoReverted, spec, startHarness, type Harness } from './harness';

/** The object folder of the operator's work repository (the source's `workDir`). */
function workObjects(h: Harness): string {
  return path.join(h.repo.dir, 'work.git', 'objects');
}

describe('reconciler: guards against wrong prunes and overwrites', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  /** Two converged services, then a commit changing web/shop's memory that the operator has fetched (not passed). */
  async function shopChangeFetched(): Promise<{ commit: string; blob: string; loose: string }> {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog'));
    h.repo.commitAndPush('two');
    await h.converge();
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 192 }));
    const commit = h.repo.commitAndPush('shop 192');
    expect(await h.deps.source.fetch()).toEqual({ ok: true, commit });
    const blob = h.repo.git('rev-parse', `${commit}:web/shop/nomadgen.toml`);
    return { commit, blob, loose: path.join(workObjects(h), blob.slice(0, 2), blob.slice(2)) };
  }

  /** A pass fails on the broken checkout and converging keeps web/shop as it ran before; returns the unhealthy source. */
  async function passKeepsShopAsItWas(): Promise<ReturnType<Manager['status']>['sources'][number]> {
    const summary = await h.manager.pass();
    expect(summary.ok).toBe(false);
    await h.converge();
    const shop = await h.nomad.readJob('web', 't-web-shop');
    expect(shop?.Stop).toBe(false);
    expect(shop?.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(128);
    const source = h.manager.status().sources[0];
    expect(source.healthy).toBe(false);
    return source;
  }

  it('a listed spec whose blob is missing from the checkout keeps its job: the source is unhealthy, nothing is pruned', async () => {
    // the operator fetches the commit, then the new blob disappears from its checkout
    const { blob, loose } = await shopChangeFetched();
    expect(fs.existsSync(loose)).toBe(true);
    fs.rmSync(loose);
    expect(() => execFileSync('git', ['--git-dir', path.join(h.repo.dir, 'work.git'), 'cat-file', '-e', blob], { stdio: 'ignore' })).toThrow();

    const source = await passKeepsShopAsItWas();
    expect(source.lastError?.reason).toBe('CheckoutCorrupt');
    expect(source.lastError?.message).toMatch(/web\/shop\/nomadgen\.toml/);
  });

  it('a spec blob that is corrupt in the checkout makes the read throw: the pass reports CheckoutCorrupt and prunes nothing', async () => {
    const { commit, loose } = await shopChangeFetched();
    // a truncated zlib stream: git knows the object but dies while streaming it
    const bytes = fs.readFileSync(loose);
    fs.chmodSync(loose, 0o644);
    fs.writeFileSync(loose, bytes.subarray(0, bytes.length - 6));
    await expect(h.deps.source.readFiles(commit, ['web/shop/nomadgen.toml'])).rejects.toThrow();

    const source = await passKeepsShopAsItWas();
    expect(source.lastError?.reason).toBe('CheckoutCorrupt');
  });

  it('a prune re-reads the job first: a job taken over by hand since the decision is not deregistered', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog')).write('web/cart/nomadgen.toml', spec('cart'));
    h.repo.commitAndPush('three');
    await h.converge();
    h.repo.rm('web/shop/nomadgen.toml');
    h.repo.commitAndPush('shop removed');
    await h.manager.pass();
    expect(await h.manager.drain(1)).toBe(1); // grace starts (0s): the prune is queued on the cached stub
    expect(h.manager.queue.len() + h.manager.queue.delayed()).toBe(1);
    // a human takes the job over before the queued prune runs
    const job = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    const meta = { ...(job.Meta ?? {}) };
    delete meta['nomadguard.managed'];
    const taken = await h.nomad.registerJob({ namespace: 'web', Job: { ...job, Meta: meta } });
    for (let i = 0; i < 5; i++) {
      await h.clock.advance(1000);
      await h.manager.drain();
    }
    const after = await h.nomad.readJob('web', 't-web-shop');
    expect(after?.Stop).toBe(false);
    expect(after?.JobModifyIndex).toBe(taken.JobModifyIndex);
    expect(h.manager.controller.live.get('web/t-web-shop')?.JobModifyIndex).toBe(taken.JobModifyIndex);
  });

  it('an update never registers over a job that changed after the decision: a job taken over by hand stays as it is', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 192 }));
    h.repo.commitAndPush('shop 192');
    const summary = await h.manager.pass();
    expect(summary.enqueue).toEqual(['web/t-web-shop']);
    // a human takes the job over after the update was decided, before it runs
    const job = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    const meta = { ...(job.Meta ?? {}) };
    delete meta['nomadguard.managed'];
    const taken = await h.nomad.registerJob({ namespace: 'web', Job: { ...job, Meta: meta } });
    for (let i = 0; i < 5; i++) {
      await h.manager.drain();
      await h.clock.advance(1000);
    }
    const after = await h.nomad.readJob('web', 't-web-shop');
    expect(after?.JobModifyIndex).toBe(taken.JobModifyIndex);
    expect(after?.Meta?.['nomadguard.managed']).toBeUndefined();
    expect(after?.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(128);
    expect(h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop')?.conditions.find((c) => c.type === 'Synced')?.reason).toBe('UnmanagedJobExists');
  });

  it('a detect-only job edited by hand is not reverted when the state store lost its record', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { mode: 'detect-only' }));
    h.repo.commitAndPush('shop');
    await h.converge();
    const job = (await h.nomad.readJob('web', 't-web-shop')) as Job;
    job.TaskGroups[0].Count = 3;
    const edited = await h.nomad.registerJob({ namespace: 'web', Job: job });
    await h.deps.state.delete('web/t-web-shop');
    h.restart();
    await h.converge();
    const after = await h.nomad.readJob('web', 't-web-shop');
    expect(after?.TaskGroups[0].Count).toBe(3);
    expect(after?.JobModifyIndex).toBe(edited.JobModifyIndex);
    const st = h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop');
    expect(st?.phase).toBe('OutOfSync');
    expect(st?.history.map((e) => e.event)).toContain('DriftDetected');
  });

  it('a key whose processing throws is released and retried: the worker survives and the operator converges', async () => {
    h = await startHarness();
    let throws = 1;
    const metrics = new (class extends OperatorMetrics {
      override observeReconcile(controller: string, result: MetricResult, seconds: number): void {
        if (throws > 0) {
          throws--;
          throw new Error('metrics backend broke');
        }
        super.observeReconcile(controller, result, seconds);
      }
    })();
    h.deps = { ...h.deps, metrics };
    h.manager = new Manager(h.deps);
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop');
    await h.converge();
    expect(throws).toBe(0);
    expect(h.manager.idle()).toBe(true);
    expect((await h.nomad.readJob('web', 't-web-shop'))?.Stop).toBe(false);
    expect(h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop')?.phase).toBe('Healthy');
  });

  it('a spec moved and broken beyond naming its job in one commit does not prune the old job', async () => {
    h = await startHarness();
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog')).write('web/cart/nomadgen.toml', spec('cart'));
    h.repo.commitAndPush('three');
    await h.converge();
    h.repo.rm('web/shop/nomadgen.toml');
    h.repo.write('web/store/nomadgen.toml', `${spec('shop')}\n[[[ unterminated\n`);
    h.repo.commitAndPush('shop moved to store, with a syntax error');
    await h.converge();
    expect((await h.nomad.readJob('web', 't-web-shop'))?.Stop).toBe(false);
    expect(h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop')?.conditions.find((c) => c.type === 'Synced')?.reason).toBe('InvalidSpecInNamespace');
    // fixed: the job is the moved spec's again, nothing was ever stopped
    h.repo.write('web/store/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('store fixed');
    await h.converge();
    expect((await h.nomad.readJob('web', 't-web-shop'))?.Stop).toBe(false);
  });

  it('a forced sync resubmits a version Nomad auto-reverted', async () => {
    h = await startHarness();
    const reverted = await shopAutoReverted(h);
    expect(JSON.stringify(reverted?.TaskGroups[0].Tasks[0].Config)).toContain('shop:1.0.0');
    expect(h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop')?.phase).toBe('Degraded');
    // the registry is fixed; the operator resubmits the same commit only when asked
    h.sim.clearFailImages();
    await h.converge({ forced: new Set(['web/t-web-shop']) });
    const resubmitted = await h.nomad.readJob('web', 't-web-shop');
    expect(JSON.stringify(resubmitted?.TaskGroups[0].Tasks[0].Config)).toContain('shop:6.6.6');
    expect(resubmitted?.JobModifyIndex).toBeGreaterThan(reverted?.JobModifyIndex ?? Infinity);
    expect(h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop')?.phase).toBe('Healthy');
  });

  it('a spec that comes back unchanged ends its prune grace: a later removal waits the full grace again', async () => {
    h = await startHarness({ reconcile: { prune: { ...defaultOperatorConfig({}).reconcile.prune, grace: '60s' } } });
    h.repo.write('web/shop/nomadgen.toml', spec('shop')).write('web/blog/nomadgen.toml', spec('blog')).write('web/cart/nomadgen.toml', spec('cart'));
    h.repo.commitAndPush('three');
    await h.converge();
    h.repo.rm('web/shop/nomadgen.toml');
    h.repo.commitAndPush('shop removed');
    await h.manager.pass();
    await h.manager.drain();
    expect(h.deps.state.get('web/t-web-shop')?.absentSince).toBe(h.clock.now());
    h.repo.write('web/shop/nomadgen.toml', spec('shop'));
    h.repo.commitAndPush('shop restored, unchanged');
    await h.clock.advance(10_000);
    await h.manager.pass();
    await h.manager.drain();
    // a restart loses the delayed re-check; much later the spec is removed again
    h.restart();
    await h.clock.advance(600_000);
    await h.manager.pass();
    await h.manager.drain();
    expect(h.deps.state.get('web/t-web-shop')?.absentSince).toBeUndefined();
    h.repo.rm('web/shop/nomadgen.toml');
    h.repo.commitAndPush('shop removed again');
    await h.manager.pass();
    await h.manager.drain();
    expect((await h.nomad.readJob('web', 't-web-shop'))?.Stop).toBe(false);
    expect(h.deps.state.get('web/t-web-shop')?.absentSince).toBe(h.clock.now());
  });
});
