/**
 * Secret values never leave the operator: a spec's env values and template data (its secret paths)
 * change, and an env value and a registry password are set by hand in Nomad; then the status API (every
 * job, one job, history), the metrics, the logs (pino, every level), the API's error answers and `plan`
 * (text and JSON) are scanned for every secret value and token used. None may appear; the changed fields
 * are still named.
 */
import pino from 'pino';
import type { Job } from '../../../lib/core/nomad/types';
import { Manager } from '../../../controllers/manager';
import { planReport } from '../../../controllers/plan-report';
import { formatChangeset } from '../../../lib/core/plan';
import { OperatorMetrics } from '../../../lib/metrics/operator-metrics';
import { serveOperator } from '../../../lib/cli/operator-server';
import type { Listener } from '../../../lib/server/http-listener';
import { startHarness, type Harness } from './harness';

const SECRETS = {
  envFirst: 'pw-first-Zq81x',
  envSecond: 'pw-second-Kd27m',
  plainFirst: 'plain-first-Wt55',
  plainSecond: 'plain-second-Hb09',
  template: 'with secret', // the template data itself; its secret path is named in its destination by design
  envPlanned: 'pw-planned-Tx35c',
  envByHand: 'pw-by-hand-Gm73q',
  registryByHand: 'registry-pass-Vn18',
  blogByHand: 'blog-by-hand-Pc42',
  operatorToken: 'operator-token-Ja61e',
  wrongToken: 'wrong-token-Lq90',
};

function secretSpec(name: string, o: { password: string; plain: string; secret: string; mode?: string }): string {
  return `name    = "${name}"
tier    = "test"
contact = "team@example.com"
${o.mode ? `[sync]\nmode = "${o.mode}"\n` : ''}
[[group]]
name  = "main"
count = 1

  [[group.task]]
  name    = "${name}"
  image   = "registry.internal/acme/${name}:1.0.0"
  port    = 8080
  env     = { DB_PASSWORD = "${o.password}", GREETING = "${o.plain}" }
  secrets = ["web/${o.secret}"]
`;
}

async function editByHand(h: Harness, ns: string, id: string, change: (j: Job) => void): Promise<void> {
  const job = (await h.nomad.readJob(ns, id)) as Job;
  change(job);
  await h.nomad.registerJob({ namespace: ns, Job: job });
}

describe('reconciler: secret values never leave the operator', () => {
  let h: Harness;
  let listener: Listener;
  let logs = '';
  const metrics = new OperatorMetrics();

  beforeEach(async () => {
    h = await startHarness();
    h.deps = { ...h.deps, logger: pino({ level: 'trace' }, { write: (s: string) => { logs += s; } }), metrics };
    h.manager = new Manager(h.deps);
    listener = await serveOperator({ status: () => h.manager.status(), sync: () => undefined }, '127.0.0.1:0', { token: SECRETS.operatorToken, metrics: metrics.registry });
  });
  afterEach(async () => {
    await listener.close();
    await h.close();
  });

  it('hides env values, template data and hand-set passwords in status, history, logs, metrics and errors', async () => {
    h.repo.write('web/shop/nomadgen.toml', secretSpec('shop', { password: SECRETS.envFirst, plain: SECRETS.plainFirst, secret: 'cache' }));
    h.repo.write('web/blog/nomadgen.toml', secretSpec('blog', { password: SECRETS.envFirst, plain: SECRETS.plainFirst, secret: 'cache', mode: 'detect-only' }));
    h.repo.commitAndPush('shop and blog');
    await h.converge();

    h.repo.write('web/shop/nomadgen.toml', secretSpec('shop', { password: SECRETS.envSecond, plain: SECRETS.plainSecond, secret: 'db' }));
    h.repo.commitAndPush('new secrets');
    await h.converge();
    const updated = h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop');
    expect(updated?.history.map((e) => e.event)).toContain('Updated');
    expect(updated?.lastDiff).toEqual(expect.arrayContaining([
      expect.stringMatching(/Env\[DB_PASSWORD\]: \(value changed\)$/),
      expect.stringMatching(/Env\[GREETING\]: \(value changed\)$/),
      expect.stringMatching(/Template\.EmbeddedTmpl: \(value hidden\)$/), // a new secret path is a new template
    ]));

    await editByHand(h, 'web', 't-web-shop', (j) => {
      const task = j.TaskGroups[0].Tasks[0];
      task.Env = { ...task.Env, DB_PASSWORD: SECRETS.envByHand };
      task.Config = { ...task.Config, auth: [{ username: 'deploy', password: SECRETS.registryByHand }] };
    });
    await editByHand(h, 'web', 't-web-blog', (j) => {
      const task = j.TaskGroups[0].Tasks[0];
      task.Env = { ...task.Env, DB_PASSWORD: SECRETS.blogByHand };
    });
    await h.converge();
    const shop = h.manager.status().jobs.find((j) => j.key === 'web/t-web-shop');
    const blog = h.manager.status().jobs.find((j) => j.key === 'web/t-web-blog');
    expect(shop?.history.map((e) => e.event)).toContain('DriftReverted');
    expect(shop?.lastDiff?.join('\n')).toMatch(/Config\.auth\[0\]\.password: \(value hidden\)/);
    expect(blog?.history.map((e) => e.event)).toContain('DriftDetected');
    expect(blog?.lastDiff?.join('\n')).toMatch(/Env\[DB_PASSWORD\]: \(value changed\)/);

    const get = async (path: string, init?: RequestInit): Promise<string> => {
      const res = await fetch(`${listener.url}${path}`, init);
      return `${res.status} ${JSON.stringify(Object.fromEntries(res.headers))} ${await res.text()}`;
    };
    const post = (authorization: string, body: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
    const answers = [
      await get('/api/v1/status'),
      await get('/api/v1/jobs/web/t-web-shop'),
      await get('/api/v1/jobs/web/t-web-blog'),
      await get('/metrics'),
      await get('/api/v1/sync', post(`Bearer ${SECRETS.wrongToken}`, '{"all": true}')),
      await get('/api/v1/sync', post(`Bearer ${SECRETS.operatorToken}`, `{"jobs": ["${SECRETS.envFirst}"`)),
      await get('/api/v1/sync', { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${SECRETS.operatorToken}` }, body: SECRETS.envSecond }),
    ];
    expect(answers[0]).toContain('Env[DB_PASSWORD]');
    expect(logs).toContain('Env[DB_PASSWORD]');

    // `plan` and `plan --json` of a spec change not yet applied, next to the held drift of blog
    h.repo.write('web/shop/nomadgen.toml', secretSpec('shop', { password: SECRETS.envPlanned, plain: SECRETS.plainSecond, secret: 'db' }));
    h.repo.commitAndPush('planned secret');
    const report = await planReport(h.deps);
    const planJson = JSON.stringify({ commit: report.commit, changes: report.changes, entries: report.entries });
    const planText = formatChangeset(report.entries).join('\n');
    expect(planJson).toContain('Env[DB_PASSWORD]');
    expect(planText).toMatch(/job\/web\/t-web-shop: update\n.*Env\[DB_PASSWORD\]: \(value changed\)/);

    const everything = { answers, logs, status: JSON.stringify(h.manager.status()), planJson, planText };
    for (const [name, value] of Object.entries(SECRETS)) {
      for (const [where, text] of Object.entries(everything)) expect({ name, where, leaked: JSON.stringify(text).includes(value) }).toEqual({ name, where, leaked: false });
    }
  });
});
