import type { JobStatus, OperatorStatus } from '../../../crd-schemas/status';
import { OperatorMetrics } from '../../../lib/metrics/operator-metrics';
import { createStatusApp, type OperatorView } from '../../../lib/server/status-app';

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
    expect((await call(open, '/api/v1/sync', { method: 'POST', body: '{' })).status).toBe(400);
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
});
