import type { JobStatus, OperatorStatus } from '../../../crd-schemas/status';
import { OperatorMetrics } from '../../../lib/metrics/operator-metrics';
import { hostPolicy } from '../../../lib/server/host-policy';
import { createStatusApp, resolveJobs, type OperatorView } from '../../../lib/server/status-app';

function job(key: string, phase: JobStatus['phase']): JobStatus {
  const [namespace, jobId] = key.split('/');
  return { key, namespace, jobId, phase, conditions: [], history: [] };
}

class RecordingView implements OperatorView {
  readonly synced: Array<{ keys: string[]; all: boolean }> = [];
  constructor(readonly current: OperatorStatus) {}
  status(): OperatorStatus { return this.current; }
  sync(request: { keys: string[]; all: boolean }): void { this.synced.push(request); }
}

const status: OperatorStatus = {
  sources: [{ name: 'specs', repo: '/tmp/specs', branch: 'main', healthy: true, counts: {} as OperatorStatus['sources'][0]['counts'] }],
  jobs: [job('es/p-es-cerebro', 'Healthy'), job('web/p-web-shop', 'Degraded'), job('web/t-web-x', 'Invalid'), job('ops/t-web-x', 'Synced')],
};

const call = (app: ReturnType<typeof createStatusApp>, path: string, init?: RequestInit) => app(new Request(`http://operator${path}`, init));
const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('status app', () => {
  it('serves the whole status and one job, 404 for an unknown job', async () => {
    const app = createStatusApp(new RecordingView(status));
    const all = await call(app, '/api/v1/status');
    expect(all.status).toBe(200);
    expect(((await all.json()) as { jobs: unknown[] }).jobs).toHaveLength(4);
    const one = await call(app, '/api/v1/jobs/web/p-web-shop');
    expect(await one.json()).toMatchObject({ key: 'web/p-web-shop', phase: 'Degraded' });
    const missing = await call(app, '/api/v1/jobs/web/nope');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toContain('web/nope');
  });

  it.each([
    ['a key', { jobs: ['es/p-es-cerebro'] }, 202, { accepted: ['es/p-es-cerebro'], unknown: [], all: false }],
    ['a unique bare job ID', { jobs: ['p-web-shop'] }, 202, { accepted: ['web/p-web-shop'], unknown: [], all: false }],
    ['a bare ID present in two namespaces', { jobs: ['t-web-x'] }, 404, { accepted: [], unknown: ['t-web-x'], all: false }],
    ['everything', { all: true }, 202, { accepted: [], unknown: [], all: true }],
  ])('forces a sync of %s', async (_name, body, code, expected) => {
    const view = new RecordingView(status);
    const res = await call(createStatusApp(view), '/api/v1/sync', post(body));
    expect(res.status).toBe(code);
    expect(await res.json()).toEqual(expected);
    expect(view.synced).toEqual([{ keys: expected.accepted, all: expected.all }]);
  });

  it('refuses a sync without a job list, with bad JSON, or with a wrong token', async () => {
    const view = new RecordingView(status);
    const open = createStatusApp(view);
    expect((await call(open, '/api/v1/sync', post({}))).status).toBe(400);
    expect((await call(open, '/api/v1/sync', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })).status).toBe(400);
    expect((await call(open, '/api/v1/sync')).status).toBe(405);
    const guarded = createStatusApp(view, { token: 's3cret' });
    expect((await call(guarded, '/api/v1/sync', post({ all: true }, { authorization: 'Bearer wrong' }))).status).toBe(401);
    expect((await call(guarded, '/api/v1/sync', post({ all: true }, { authorization: 'Bearer s3cret' }))).status).toBe(202);
    expect(view.synced).toEqual([{ keys: [], all: true }]);
  });

  it('exposes metrics with every result series present before the first reconcile', async () => {
    const metrics = new OperatorMetrics();
    metrics.observeReconcile('job', 'conflict', 0.02);
    const res = await call(createStatusApp(new RecordingView(status), { metrics: metrics.registry }), '/metrics');
    const body = await res.text();
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(body).toContain('nomadguard_reconcile_total{controller="job",result="success"} 0');
    expect(body).toContain('nomadguard_reconcile_total{controller="job",result="conflict"} 1');
    expect(body).toContain('nomadguard_reconcile_errors_total{controller="job"} 1');
    expect(body).toContain('nomadguard_jobs{phase="Healthy"} 0');
  });

  it('serves the dashboard and a health check', async () => {
    const app = createStatusApp(new RecordingView(status));
    const page = await call(app, '/');
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<title>nomadguard</title>');
    expect(await (await call(app, '/healthz')).text()).toBe('ok\n');
    expect((await call(app, '/nope')).status).toBe(404);
  });

  describe('hostile requests', () => {
    const hosts = hostPolicy('127.0.0.1', 4680, ['ops.example.com']);
    const at = (app: ReturnType<typeof createStatusApp>, path: string, headers: Record<string, string>, init: RequestInit = {}) =>
      app(new Request(`http://127.0.0.1:4680${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } }));

    it.each([
      ['the listen address', '127.0.0.1:4680', 200],
      ['localhost on the listen port', 'LOCALHOST:4680', 200],
      ['[::1] on the listen port', '[::1]:4680', 200],
      ['a configured proxy name on any port', 'ops.example.com', 200],
      ['localhost on another port', 'localhost:8080', 421],
      ['a rebound hostile name', 'evil.example:4680', 421],
      ['a malformed host', '127.0.0.1:4680/x', 421],
    ])('a Host of %s (%s) is answered %s', async (_name, host, code) => {
      const res = await at(createStatusApp(new RecordingView(status), { hosts }), '/api/v1/status', { host });
      expect(res.status).toBe(code);
      if (code === 421) expect(await res.text()).toContain('--allowed-host');
    });

    it('refuses every request without a Host and while the listener is not bound yet', async () => {
      expect((await call(createStatusApp(new RecordingView(status), { hosts }), '/healthz')).status).toBe(421);
      expect((await at(createStatusApp(new RecordingView(status), { hosts: () => undefined }), '/healthz', { host: '127.0.0.1:4680' })).status).toBe(421);
    });

    it('refuses a cross-site form post, a foreign or null Origin, and a non-JSON body; takes its own pages and non-browsers', async () => {
      const view = new RecordingView(status);
      const app = createStatusApp(view, { hosts });
      const host = { host: '127.0.0.1:4680' };
      const form: RequestInit = { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"all": true}' };
      expect((await at(app, '/api/v1/sync', { ...host, origin: 'https://evil.example' }, form)).status).toBe(403);
      expect((await at(app, '/api/v1/sync', { ...host }, form)).status).toBe(415);
      expect((await at(app, '/api/v1/sync', { ...host, origin: 'https://evil.example' }, post({ all: true }))).status).toBe(403);
      expect((await at(app, '/api/v1/sync', { ...host, origin: 'null' }, post({ all: true }))).status).toBe(403);
      expect((await at(app, '/api/v1/sync', { ...host, origin: 'http://localhost:3000' }, post({ all: true }))).status).toBe(403);
      expect((await at(app, '/api/v1/sync', { ...host, 'sec-fetch-site': 'cross-site' }, post({ all: true }))).status).toBe(403);
      expect(view.synced).toEqual([]);
      expect((await at(app, '/api/v1/sync', { ...host, origin: 'http://127.0.0.1:4680' }, post({ all: true }))).status).toBe(202);
      expect((await at(app, '/api/v1/sync', { ...host, origin: 'https://ops.example.com' }, post({ all: true }))).status).toBe(202);
      expect((await at(app, '/api/v1/sync', { ...host }, post({ all: true }))).status).toBe(202);
      expect(view.synced).toHaveLength(3);
    });

    it('takes the Bearer scheme in any case, and only the exact token', async () => {
      const view = new RecordingView(status);
      const app = createStatusApp(view, { token: 's3cret' });
      for (const [authorization, code] of [['bearer s3cret', 202], ['BEARER s3cret', 202], ['Bearer s3cre', 401], ['Bearer s3cret2', 401], ['Basic s3cret', 401], ['s3cret', 401]] as const) {
        expect([authorization, (await call(app, '/api/v1/sync', post({ all: true }, { authorization }))).status]).toEqual([authorization, code]);
      }
      expect((await call(app, '/api/v1/sync', post({ all: true }))).status).toBe(401);
    });

    it('answers 400 to broken percent-encoding in a job path', async () => {
      const res = await call(createStatusApp(new RecordingView(status)), '/api/v1/jobs/%E0%A4%A/x');
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('percent-encoding');
    });

    it('bounds the job names of one sync and the body size', async () => {
      const view = new RecordingView(status);
      const app = createStatusApp(view, { maxBodyBytes: 1024 });
      const many = await call(createStatusApp(view), '/api/v1/sync', post({ jobs: Array.from({ length: 1001 }, (_, i) => `j${i}`) }));
      expect(many.status).toBe(413);
      expect(((await many.json()) as { error: string }).error).toContain('at most 1000 jobs');
      expect((await call(app, '/api/v1/sync', post({ jobs: ['x'.repeat(2000)] }))).status).toBe(413);
      expect(view.synced).toEqual([]);
    });

    it('resolves 200,000 names against 20,000 jobs in linear time', () => {
      const jobs = Array.from({ length: 20_000 }, (_, i) => job(`ns${i % 7}/job-${i}`, 'Healthy'));
      const names = Array.from({ length: 200_000 }, (_, i) => (i % 2 ? `ns${i % 7}/job-${i % 20_000}` : `job-${i % 30_000}`));
      const started = process.hrtime.bigint();
      const { accepted, unknown } = resolveJobs(jobs, names);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(accepted.length + unknown.length).toBe(200_000);
      expect(ms).toBeLessThan(5000); // a scan of every job per name takes minutes
    });
  });
});
