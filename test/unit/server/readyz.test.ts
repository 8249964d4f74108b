import type { OperatorStatus } from '../../../crd-schemas/status';
import { createStatusApp, type OperatorView } from '../../../lib/server/status-app';
import type { OperatorRole, ReadinessReport, ReadyzBody } from '../../../lib/server/readiness';

const EMPTY: OperatorStatus = { sources: [], jobs: [] };

/** A view whose readiness checks the test sets. */
class View implements OperatorView {
  report: ReadinessReport = {};
  readonly synced: Array<{ keys: string[]; all: boolean }> = [];
  status(): OperatorStatus { return EMPTY; }
  sync(request: { keys: string[]; all: boolean }): void { this.synced.push(request); }
  generation(): number { return 41; }
  readiness(): Promise<ReadinessReport> { return Promise.resolve(this.report); }
}

const get = async (app: ReturnType<typeof createStatusApp>, path: string): Promise<{ status: number; body: unknown }> => {
  const res = await app(new Request(`http://operator${path}`));
  return { status: res.status, body: res.headers.get('content-type')?.startsWith('application/json') ? await res.json() : await res.text() };
};

describe('GET /readyz', () => {
  it('is 503 with a reason per part not ready, then 200 once every part is', async () => {
    const view = new View();
    const app = createStatusApp(view);
    view.report = { source: { ok: false, reason: 'the spec source was not read yet' }, nomad: { ok: false, reason: 'Nomad: connect ECONNREFUSED' }, consul: { ok: true } };
    const before = await get(app, '/readyz');
    expect(before.status).toBe(503);
    expect(before.body).toEqual<ReadyzBody>({
      ready: false,
      role: 'standalone',
      checks: { source: false, nomad: false, consul: true },
      reasons: ['source: the spec source was not read yet', 'nomad: Nomad: connect ECONNREFUSED'],
    });
    view.report = { source: { ok: true }, nomad: { ok: true } };
    expect(await get(app, '/readyz')).toEqual({ status: 200, body: { ready: true, role: 'standalone', checks: { source: true, nomad: true }, reasons: [] } });
  });

  it.each<[OperatorRole, number]>([
    ['leader', 200],
    ['standalone', 200],
    ['follower', 503],
  ])('reports the role from the provider: %s is %d', async (role, code) => {
    const view = new View();
    view.report = { source: { ok: true }, nomad: { ok: true } };
    const r = await get(createStatusApp(view, { role: () => role }), '/readyz');
    expect(r.status).toBe(code);
    expect(r.body).toMatchObject({ role, ready: code === 200 });
  });

  it('leaves /healthz a liveness check, and is ready for a view without checks', async () => {
    const view = new View();
    view.report = { source: { ok: false } };
    const app = createStatusApp(view);
    expect(await get(app, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    const plain = createStatusApp({ status: () => EMPTY, sync: () => undefined });
    expect((await get(plain, '/readyz')).status).toBe(200);
  });

  it('answers a sync with the observation number it was accepted at', async () => {
    const view = new View();
    const app = createStatusApp({ ...view, status: () => ({ sources: [], jobs: [{ key: 'web/a', namespace: 'web', jobId: 'a', phase: 'Healthy', conditions: [], history: [] }] }), sync: (r) => view.sync(r), generation: () => 41 });
    const res = await app(new Request('http://operator/api/v1/sync', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobs: ['web/a'] }) }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: ['web/a'], unknown: [], all: false, generation: 41 });
  });

  it('refuses a sync on a follower, which would queue it and write nothing: 503, and nothing queued', async () => {
    const view = new View();
    const app = createStatusApp(view, { role: () => 'follower' });
    const res = await app(new Request('http://operator/api/v1/sync', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ all: true }) }));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'this instance follows the leader and writes nothing: send the sync to the leader (its /readyz answers 200)' });
    expect(view.synced).toEqual([]);
  });
});
