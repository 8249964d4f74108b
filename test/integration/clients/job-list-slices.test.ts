/** The Nomad client's job list, large enough to be parsed in slices, against the simulator over real HTTP. */
import * as http from 'node:http';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { Simulator } from '../../../lib/sim';
import { webJob } from './helpers';

function bareGet(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    }).on('error', reject);
  });
}

describe('listJobs with a large list', () => {
  let sim: Simulator;
  let nomad: NomadHttpClient;
  beforeEach(async () => {
    sim = await Simulator.start({ seed: 4, namespaces: ['es'] });
    nomad = new NomadHttpClient({ address: sim.nomadUrl, timeoutMs: 30_000 });
  });
  afterEach(async () => {
    nomad.close();
    await sim.stop();
  });

  it('returns exactly what a whole JSON.parse of the body gives, twice in a row on one kept buffer', async () => {
    sim.seedJobs(Array.from({ length: 600 }, (_, i) => webJob(`svc-${i}`, { namespace: i % 2 ? 'es' : 'default', meta: { 'nomadguard.managed': 'true', note: `naïve ${i} — ✓` } })));
    const raw = await bareGet(`${sim.nomadUrl}/v1/jobs?namespace=*&meta=true`);
    expect(raw.length).toBeGreaterThan(4 * 64 * 1024); // several slices
    const expected = JSON.parse(raw.toString('utf8')) as unknown[];
    const first = await nomad.listJobs({ namespace: '*', meta: true });
    expect(first.items).toEqual(expected);
    expect(first.items).toHaveLength(600);
    expect(first.index).toBeGreaterThan(0);
    const second = await nomad.listJobs({ namespace: '*', meta: true });
    expect(second.items).toEqual(expected);
  });
});
