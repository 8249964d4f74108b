/**
 * Every simulator response the clients use, checked against the contracts (test/contracts): the Nomad OpenAPI schemas where
 * the document has them, the sample responses' key sets and value types where it has none (Consul,
 * JobListStub Meta, the event stream, plan diffs).
 */
import { FakeClock } from '../../lib/runtime/clock';
import { Simulator } from '../../lib/sim';
import type { EventFrame } from '../../lib/core/nomad/types';
import { contractFile, OpenApi, sample, shapeErrors } from './contracts';

async function get(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as unknown;
}

function post(url: string, body: unknown, method = 'POST'): Promise<unknown> {
  return get(url, { method, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

function webJob(image: string): Record<string, unknown> {
  return {
    ID: 'web',
    Datacenters: ['dc1', 'dc2'],
    Meta: { owner: 'platform', 'nomadguard.managed': 'true' },
    Constraints: [{ LTarget: '${meta.role}', RTarget: 'nomad', Operand: '=' }],
    Spreads: [{ Attribute: '${node.datacenter}', Weight: 100, SpreadTarget: [{ Value: 'dc1', Percent: 50 }, { Value: 'dc2', Percent: 50 }] }],
    Update: { MaxParallel: 1, AutoRevert: true },
    TaskGroups: [
      {
        Name: 'web',
        Count: 2,
        Constraints: [{ Operand: 'distinct_hosts', RTarget: 'true' }],
        Networks: [{ Mode: 'bridge', DynamicPorts: [{ Label: 'http', To: 8080 }] }],
        Services: [
          {
            Name: 'web',
            PortLabel: 'http',
            Tags: ['traefik.enable=true', 'traefik.http.routers.web.rule=Host(`web.example.com`)'],
            Meta: { version: '1.4.2' },
            Checks: [{ Name: 'http-alive', Type: 'http', Path: '/healthz', PortLabel: 'http', Interval: 10e9, Timeout: 2e9 }],
          },
        ],
        Tasks: [
          {
            Name: 'app',
            Driver: 'docker',
            Config: { image, ports: ['http'] },
            Env: { APP_ENV: 'prod' },
            Resources: { CPU: 200, MemoryMB: 256 },
            Vault: { Role: 'web' },
            Templates: [{ EmbeddedTmpl: 'X={{ key "web/x" }}', DestPath: 'secrets/app.env', Envvars: true }],
          },
        ],
      },
    ],
  };
}

describe('contracts: simulator responses match the contracts', () => {
  const api = new OpenApi();
  let sim: Simulator;
  let clock: FakeClock;
  let frames: EventFrame[] = [];
  let stopStream: () => void = () => undefined;

  beforeAll(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 21, namespaces: ['apps'] });
    const ac = new AbortController();
    stopStream = () => ac.abort();
    const res = await fetch(`${sim.nomadUrl}/v1/event/stream?namespace=*`, { signal: ac.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buf = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buf += decoder.decode(value, { stream: true });
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            frames.push(JSON.parse(buf.slice(0, nl)) as EventFrame);
            buf = buf.slice(nl + 1);
          }
        }
      } catch {
        /* aborted at the end */
      }
    })();
    await post(`${sim.nomadUrl}/v1/jobs`, { Job: webJob('ghcr.io/acme/web:1.4.2') });
    await post(`${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: { ID: 'db-migrate', Type: 'batch', Meta: { owner: 'data' }, TaskGroups: [{ Name: 'migrate', Tasks: [{ Name: 'run', Driver: 'docker', Config: { image: 'acme/migrate:1' } }] }] } });
    await sim.settle();
    await clock.advance(30_000);
  });

  afterAll(async () => {
    stopStream();
    await sim.stop();
    frames = [];
  });

  test('GET /v1/jobs?namespace=*&meta=true: JobListStub[] and the sample list', async () => {
    const list = await get(`${sim.nomadUrl}/v1/jobs?namespace=*&meta=true`);
    const errors = (list as unknown[]).flatMap((item, i) => api.validate(item, 'JobListStub', `$[${i}]`));
    expect(errors).toEqual([]);
    expect(shapeErrors(list, sample('nomad-jobs-list.json'))).toEqual([]);
    expect((list as Array<{ Meta?: unknown }>).every((s) => s.Meta !== undefined)).toBe(true);
  });

  test('GET /v1/job/:id: Job and the sample job', async () => {
    const job = await get(`${sim.nomadUrl}/v1/job/web`);
    expect(api.validate(job, 'Job')).toEqual([]);
    expect(shapeErrors(job, sample('nomad-job-read.json'), '$', 'covers')).toEqual([]);
  });

  test('POST /v1/jobs and DELETE /v1/job/:id: JobRegisterResponse and JobDeregisterResponse', async () => {
    const reg = await post(`${sim.nomadUrl}/v1/jobs?namespace=apps`, { Job: { ID: 'tmp', TaskGroups: [{ Name: 'g', Tasks: [{ Name: 't', Driver: 'docker', Config: { image: 'x' } }] }] } });
    expect(api.validate(reg, 'JobRegisterResponse')).toEqual([]);
    expect(shapeErrors(reg, sample('nomad-job-register-response.json'))).toEqual([]);
    const del = await post(`${sim.nomadUrl}/v1/job/tmp?namespace=apps&purge=true`, '', 'DELETE');
    expect(api.validate(del, 'JobDeregisterResponse')).toEqual([]);
  });

  test('POST /v1/job/:id/plan: JobPlanResponse and the sample diffs', async () => {
    const changed = await post(`${sim.nomadUrl}/v1/job/web/plan`, { Job: webJob('ghcr.io/acme/web:1.5.0'), Diff: true });
    expect(api.validate(changed, 'JobPlanResponse')).toEqual([]);
    expect(shapeErrors(changed, sample('nomad-job-plan-diff.json'))).toEqual([]);
    const same = (await post(`${sim.nomadUrl}/v1/job/web/plan`, { Job: webJob('ghcr.io/acme/web:1.4.2'), Diff: true })) as { Diff: unknown };
    expect(api.validate(same, 'JobPlanResponse')).toEqual([]);
    expect(shapeErrors(same.Diff, sample('nomad-job-plan-diff-nochange.json'))).toEqual([]);
    expect(same.Diff).toMatchObject({ Type: 'None', Fields: null, Objects: null });
  });

  test('versions, summary, evaluations, allocations, deployments', async () => {
    expect(api.validate(await get(`${sim.nomadUrl}/v1/job/web/versions?diffs=true`), 'JobVersionsResponse')).toEqual([]);
    const summary = await get(`${sim.nomadUrl}/v1/job/web/summary`);
    expect(api.validate(summary, 'JobSummary')).toEqual([]);
    expect(shapeErrors(summary, sample('nomad-job-summary.json'))).toEqual([]);
    const evals = (await get(`${sim.nomadUrl}/v1/job/web/evaluations`)) as Array<{ ID: string }>;
    expect(evals.flatMap((e, i) => api.validate(e, 'Evaluation', `$[${i}]`))).toEqual([]);
    expect(api.validate(await get(`${sim.nomadUrl}/v1/evaluation/${evals[0].ID}`), 'Evaluation')).toEqual([]);
    for (const q of ['', '?resources=true']) {
      const allocs = (await get(`${sim.nomadUrl}/v1/job/web/allocations${q}`)) as Array<Record<string, unknown>>;
      expect(allocs.length).toBeGreaterThan(0);
      expect(allocs.flatMap((a, i) => api.validate(a, 'AllocationListStub', `$[${i}]`))).toEqual([]);
      // AllocatedResources (only with ?resources=true) is omitempty and absent from the sample; the schema checks it.
      const stripped = allocs.map(({ AllocatedResources: _omitted, ...rest }: Record<string, unknown>) => rest);
      expect(shapeErrors(stripped, sample('nomad-job-allocations.json'))).toEqual([]);
    }
    const allocs = (await get(`${sim.nomadUrl}/v1/job/web/allocations`)) as Array<{ ID: string }>;
    expect(api.validate(await get(`${sim.nomadUrl}/v1/allocation/${allocs[0].ID}`), 'Allocation')).toEqual([]);
    const all = (await get(`${sim.nomadUrl}/v1/allocations?namespace=*`)) as unknown[];
    expect(all.flatMap((a, i) => api.validate(a, 'AllocationListStub', `$[${i}]`))).toEqual([]);
    const d = await get(`${sim.nomadUrl}/v1/job/web/deployment`);
    expect(api.validate(d, 'Deployment')).toEqual([]);
    expect(shapeErrors(d, sample('nomad-job-deployment.json'))).toEqual([]);
    const ds = (await get(`${sim.nomadUrl}/v1/job/web/deployments`)) as unknown[];
    expect(ds.flatMap((x, i) => api.validate(x, 'Deployment', `$[${i}]`))).toEqual([]);
    expect(await get(`${sim.nomadUrl}/v1/job/db-migrate/deployment?namespace=apps`)).toBeNull();
  });

  test('namespaces and nodes', async () => {
    const nss = (await get(`${sim.nomadUrl}/v1/namespaces`)) as unknown[];
    expect(nss.flatMap((n, i) => api.validate(n, 'Namespace', `$[${i}]`))).toEqual([]);
    expect(api.validate(await get(`${sim.nomadUrl}/v1/namespace/apps`), 'Namespace')).toEqual([]);
    const nodes = (await get(`${sim.nomadUrl}/v1/nodes?resources=true`)) as Array<{ ID: string }>;
    expect(nodes.flatMap((n, i) => api.validate(n, 'NodeListStub', `$[${i}]`))).toEqual([]);
    expect(api.validate(await get(`${sim.nomadUrl}/v1/node/${nodes[0].ID}`), 'Node')).toEqual([]);
  });

  test('event stream: frames like the sample; payloads match their schemas', () => {
    const expected = (contractLines('nomad-event-stream.ndjson'));
    expect(frames.some((f) => f.Events === undefined)).toBe(true);
    const withEvents = frames.filter((f) => f.Events);
    expect(withEvents.length).toBeGreaterThan(0);
    const sampleEvent = expected.find((f) => f.Events)?.Events?.[0];
    const errors: string[] = [];
    const topics = new Set<string>();
    for (const f of frames) {
      if (!f.Events) {
        expect(f).toEqual({});
        continue;
      }
      expect(Object.keys(f).sort()).toEqual(['Events', 'Index']);
      for (const e of f.Events) {
        topics.add(e.Topic);
        errors.push(...shapeErrors({ ...e, Payload: {} }, { ...sampleEvent, Payload: {} }, `frame ${f.Index}`));
        const [key, value] = Object.entries(e.Payload)[0];
        const schema = key === 'Allocation' ? 'Allocation' : key;
        errors.push(...api.validate(value, schema, `frame ${f.Index} ${e.Topic}.${key}`));
      }
    }
    expect(errors).toEqual([]);
    expect([...topics].sort()).toEqual(['Allocation', 'Deployment', 'Evaluation', 'Job']);
  });

  test('Consul: catalog services, health service, KV read, session info match the samples', async () => {
    const services = await get(`${sim.consulUrl}/v1/catalog/services`);
    expect(shapeErrors(services, sample('consul-catalog-services.json'))).toEqual([]);
    const health = (await get(`${sim.consulUrl}/v1/health/service/web`)) as unknown[];
    expect(health.length).toBe(2);
    expect(shapeErrors(health, sample('consul-health-service.json'))).toEqual([]);
    const catalog = (await get(`${sim.consulUrl}/v1/catalog/service/web`)) as unknown[];
    expect(catalog.length).toBe(2);
    const sid = ((await post(`${sim.consulUrl}/v1/session/create`, { Name: 'gitops-operator', TTL: '15s', Checks: [] }, 'PUT')) as { ID: string }).ID;
    await post(`${sim.consulUrl}/v1/kv/gitops/operator/leader?acquire=${sid}`, '{"holder":"operator-0"}', 'PUT');
    const kv = await get(`${sim.consulUrl}/v1/kv/gitops/operator/leader`);
    expect(shapeErrors(kv, sample('consul-kv-read.json'))).toEqual([]);
    expect(Object.keys((kv as object[])[0]).sort()).toEqual(Object.keys((sample('consul-kv-read.json') as object[])[0]).sort());
    const info = await get(`${sim.consulUrl}/v1/session/info/${sid}`);
    expect(shapeErrors(info, sample('consul-session-info.json'))).toEqual([]);
    expect(Object.keys((info as object[])[0]).sort()).toEqual(Object.keys((sample('consul-session-info.json') as object[])[0]).sort());
  });
});

function contractLines(name: string): EventFrame[] {
  return contractFile(`samples/${name}`).trim().split('\n').map((l) => JSON.parse(l) as EventFrame);
}
