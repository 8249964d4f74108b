/**
 * A spec repository URL may carry credentials (`https://user:TOKEN@host/x`). The operator fetches with
 * them, but its source identity is the URL without them: the token never reaches job Meta
 * `nomadguard.source`, the status API, `/metrics`, the logs or `plan`; the start says, in a warning, that
 * the URL carries credentials. Jobs an older release wrote under the URL with credentials stay ours.
 */
import pino from 'pino';
import { Manager, startOperator } from '../../../controllers/manager';
import { planReport } from '../../../controllers/plan-report';
import { GitSpecSource } from '../../../lib/adapters/git-spec-source';
import { serveOperator } from '../../../lib/cli/operator-server';
import { OperatorMetrics } from '../../../lib/metrics/operator-metrics';
import type { Job } from '../../../lib/core/nomad/types';
import { serveGitHttp, type GitHttpServer } from '../../helpers/git-http-server';
import { renderSpec } from '../../../lib/core/pipeline';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { spec, startHarness, type Harness } from './harness';

const TOKEN = 'S3CRET-TOKEN-Rk83v';

describe('reconciler: credentials in the repository URL', () => {
  let h: Harness;
  let git: GitHttpServer;

  beforeEach(async () => {
    h = await startHarness();
    git = await serveGitHttp(h.repo.dir, 'bot', TOKEN);
  });
  afterEach(async () => {
    await h.close();
    await git.close();
  });

  it('fetches with them and shows them nowhere: job meta, status, metrics, logs, plan', async () => {
    const url = `${git.url.replace('http://', `http://bot:${TOKEN}@`)}/remote.git`;
    const identity = `${git.url}/remote.git`;
    let logs = '';
    const metrics = new OperatorMetrics();
    const config = { ...h.config, source: { ...h.config.source, repo: url, name: undefined } };
    h.deps = {
      ...h.deps,
      config,
      source: new GitSpecSource({ repo: url, branch: 'main', workDir: h.repo.tempDir('creds.git') }),
      logger: pino({ level: 'trace' }, { write: (s: string) => { logs += s; } }),
      metrics,
    };
    h.manager = new Manager(h.deps);
    const listener = await serveOperator({ status: () => h.manager.status(), sync: () => undefined }, '127.0.0.1:0', { metrics: metrics.registry });
    try {
      h.repo.write('web/shop/nomadgen.toml', spec('shop'));
      h.repo.commitAndPush('shop');
      await h.converge();

      expect(git.authorized).toBeGreaterThan(0);
      const job = (await h.nomad.readJob('web', 't-web-shop')) as Job;
      expect(job.Meta?.['nomadguard.source']).toBe(identity);
      const status = h.manager.status();
      expect(status.jobs.map((j) => [j.key, j.phase])).toEqual([['web/t-web-shop', 'Healthy']]);
      expect(status.sources.map((s) => [s.name, s.repo])).toEqual([[identity, identity]]);

      // A start of the operator on the same deps warns once, naming the source without the token.
      h.manager.stop();
      const op = startOperator(h.deps, { cron: false, sighup: false, watch: false });
      await op.stop();
      const warnings = logs.split('\n').filter((l) => l.includes('"level":40'));
      expect(warnings.filter((l) => l.includes('carries credentials'))).toHaveLength(1);

      h.repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 256 }));
      h.repo.commitAndPush('more memory');
      const report = await planReport(h.deps);
      expect(report.changes).toBe(true);

      const get = async (path: string): Promise<string> => (await fetch(`${listener.url}${path}`)).text();
      const everything = {
        meta: JSON.stringify(job.Meta),
        statusApi: await get('/api/v1/status'),
        jobApi: await get('/api/v1/jobs/web/t-web-shop'),
        metrics: await get('/metrics'),
        logs,
        plan: JSON.stringify(report),
      };
      expect(everything.metrics).toContain(`source="${identity}"`);
      for (const [where, text] of Object.entries(everything)) expect({ where, leaked: text.includes(TOKEN) }).toEqual({ where, leaked: false });
    } finally {
      await listener.close();
    }
  });

  it('a job an older release wrote under the URL with credentials stays ours: verified, not rewritten; its next real change takes the new identity', async () => {
    const url = `${git.url.replace('http://', `http://bot:${TOKEN}@`)}/remote.git`;
    let logs = '';
    const config = { ...h.config, source: { ...h.config.source, repo: url, name: undefined } };
    h.deps = {
      ...h.deps,
      config,
      source: new GitSpecSource({ repo: url, branch: 'main', workDir: h.repo.tempDir('creds.git') }),
      logger: pino({ level: 'trace' }, { write: (s: string) => { logs += s; } }),
    };
    h.manager = new Manager(h.deps);
    const text = spec('shop');
    const old = renderSpec({ text, file: 'web/shop/nomadgen.toml', team: 'web', source: url }, { config, policy: defaultPolicy() });
    expect(old.job?.Meta?.['nomadguard.source']).toBe(url);
    await h.nomad.upsertNamespace({ Name: 'web' });
    const written = await h.nomad.registerJob({ namespace: 'web', Job: old.job as Job });
    await h.sim.settle();
    h.repo.write('web/shop/nomadgen.toml', text);
    h.repo.commitAndPush('shop');
    await h.converge();

    // Ours, and already as desired: recorded, not registered again.
    expect((await h.nomad.readJob('web', 't-web-shop'))?.JobModifyIndex).toBe(written.JobModifyIndex);
    const shop = h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop');
    expect(shop?.conditions.find((c) => c.type === 'Synced')?.status).toBe('True');
    expect({ status: JSON.stringify(shop).includes(TOKEN), logs: logs.includes(TOKEN) }).toEqual({ status: false, logs: false });

    // Its next real change writes the identity without credentials.
    h.repo.write('web/shop/nomadgen.toml', spec('shop', { memory: 256 }));
    h.repo.commitAndPush('shop: more memory');
    await h.converge();
    const changed = await h.nomad.readJob('web', 't-web-shop');
    expect(changed?.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(256);
    expect(changed?.Meta?.['nomadguard.source']).toBe(`${git.url}/remote.git`);
    expect({ status: JSON.stringify(h.manager.status()).includes(TOKEN), logs: logs.includes(TOKEN) }).toEqual({ status: false, logs: false });
  });
});
