/**
 * Contract: the wire shapes the clients read from the simulator have the field names and JSON types of the
 * recorded Nomad/Consul sample responses (test/contracts/samples).
 * A key the real server omits when empty (omitempty) may be absent; `null` matches any type.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConsulHttpClient } from '../../../lib/adapters/consul-http/consul-http-client';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { webJob } from './helpers';

const fixtures = path.join(__dirname, '..', '..', 'contracts', 'samples');
const sample = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(fixtures, name), 'utf8')) as unknown;

/** Keys Nomad/Consul omit when zero or absent, per the contract notes. */
const OMITTABLE = new Set(['Meta', 'Session', 'NextAllocation', 'PreemptedByAllocation', 'PreemptedAllocations', 'RescheduleTracker', 'AllocatedResources', 'DesiredTransition', 'Payload', 'NomadTokenID', 'VersionTag', 'UI', 'Children', 'CreatedEvals', 'FailedTGAllocs']);

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Differences of `actual` against `expected`'s shape, depth-limited. */
function shapeDiff(expected: unknown, actual: unknown, where: string, depth: number, out: string[]): void {
  const ek = kind(expected);
  const ak = kind(actual);
  if (ek === 'null' || ak === 'null') return;
  if (ek !== ak) {
    out.push(`${where}: expected ${ek}, got ${ak}`);
    return;
  }
  if (depth === 0) return;
  if (ek === 'array') {
    const e = (expected as unknown[])[0];
    const a = (actual as unknown[])[0];
    if (e !== undefined && a !== undefined) shapeDiff(e, a, `${where}[0]`, depth - 1, out);
    return;
  }
  if (ek === 'object') {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (!(key in a)) {
        if (!OMITTABLE.has(key)) out.push(`${where}.${key}: missing`);
        continue;
      }
      // Maps keyed by data (group names, task names) are compared by their first value.
      if (/^(Summary|TaskGroups|TaskStates|DesiredTGUpdates|Meta|ServiceMeta|NodeMeta|TaggedAddresses|NodesAvailable)$/.test(key) && kind(e[key]) === 'object' && kind(a[key]) === 'object') {
        const ev = Object.values(e[key] as object)[0] as unknown;
        const av = Object.values(a[key] as object)[0] as unknown;
        if (ev !== undefined && av !== undefined) shapeDiff(ev, av, `${where}.${key}.*`, depth - 1, out);
        continue;
      }
      shapeDiff(e[key], a[key], `${where}.${key}`, depth - 1, out);
    }
  }
}

describe('contract: simulator wire shapes match the recorded samples', () => {
  let sim: Simulator;
  let nomad: NomadHttpClient;
  let consul: ConsulHttpClient;
  const clock = new FakeClock();
  const raw = async (client: NomadHttpClient | ConsulHttpClient, method: 'GET' | 'POST' | 'PUT', p: string, body?: unknown, query?: Record<string, string>): Promise<unknown> =>
    (await client.transport.json<unknown>({ method, path: p, body, query, retry: 'idempotent' })).data;

  beforeAll(async () => {
    sim = await Simulator.start({ clock, seed: 9 });
    nomad = new NomadHttpClient({ address: sim.nomadUrl, clock });
    consul = new ConsulHttpClient({ address: sim.consulUrl, clock });
    await nomad.registerJob({ namespace: 'default', Job: webJob('web', { meta: { a: 'b' } }) });
    await sim.settle();
  });
  afterAll(async () => {
    nomad.close();
    consul.close();
    await sim.stop();
  });

  const cases: Array<[string, string, () => Promise<unknown>, number]> = [
    ['GET /v1/jobs?meta=true', 'nomad-jobs-list.json', () => raw(nomad, 'GET', '/v1/jobs', undefined, { namespace: '*', meta: 'true' }), 3],
    ['GET /v1/job/:id', 'nomad-job-read.json', () => raw(nomad, 'GET', '/v1/job/web'), 6],
    ['GET /v1/job/:id/allocations', 'nomad-job-allocations.json', () => raw(nomad, 'GET', '/v1/job/web/allocations'), 6],
    ['GET /v1/job/:id/deployment', 'nomad-job-deployment.json', () => raw(nomad, 'GET', '/v1/job/web/deployment'), 3],
    ['GET /v1/job/:id/summary', 'nomad-job-summary.json', () => raw(nomad, 'GET', '/v1/job/web/summary'), 3],
    ['POST /v1/jobs', 'nomad-job-register-response.json', () => raw(nomad, 'POST', '/v1/jobs', { Job: webJob('web', { meta: { a: 'b' } }) }), 1],
    ['POST /v1/job/:id/plan', 'nomad-job-plan-diff.json', () => raw(nomad, 'POST', '/v1/job/web/plan', { Job: webJob('web', { image: 'x:2', meta: { a: 'b' } }), Diff: true }), 6],
    ['GET /v1/health/service/:name', 'consul-health-service.json', () => raw(consul, 'GET', '/v1/health/service/web'), 5],
    ['GET /v1/catalog/services', 'consul-catalog-services.json', () => raw(consul, 'GET', '/v1/catalog/services'), 0],
  ];

  it.each(cases)('%s has the sample\'s fields and types', async (_name, file, read, depth) => {
    const actual = await read();
    const diffs: string[] = [];
    shapeDiff(sample(file), actual, '$', depth, diffs);
    expect(diffs).toEqual([]);
  });

  it('KV entries and sessions have the sample\'s fields and types', async () => {
    const sid = await consul.sessionCreate({ name: 'x', ttl: '15s', nodeChecks: [] });
    await consul.kvPut('gitops/operator/leader', '{"holder":"operator-0"}', { acquire: sid });
    const diffs: string[] = [];
    shapeDiff(sample('consul-kv-read.json'), await raw(consul, 'GET', '/v1/kv/gitops/operator/leader'), '$kv', 2, diffs);
    shapeDiff(sample('consul-session-info.json'), await raw(consul, 'GET', `/v1/session/info/${sid}`), '$session', 2, diffs);
    expect(diffs).toEqual([]);
  });
});
