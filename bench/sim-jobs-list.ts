/**
 * Benchmark module: the simulator's job list at scale. Seeds `jobs` managed jobs (same canonicalisation as
 * `POST /v1/jobs`) and times `GET /v1/jobs?meta=true&namespace=*` over real HTTP.
 */
import * as http from 'node:http';
import { Simulator } from '../lib/sim';

/** One benchmark result. */
export interface SimListBenchResult {
  name: string;
  jobs: number;
  seedMs: number;
  /** Per request, first (cold caches) included. */
  listMs: number[];
  bytes: number;
}

function job(i: number): Record<string, unknown> {
  return {
    ID: `svc-${String(i).padStart(5, '0')}`,
    Namespace: i % 4 === 0 ? 'apps' : 'default',
    Datacenters: ['dc1', 'dc2'],
    Meta: { 'nomadguard.managed': 'true', 'nomadguard.hash': i.toString(16).padStart(32, '0') },
    TaskGroups: [
      {
        Name: 'web',
        Count: 2,
        Networks: [{ Mode: 'bridge', DynamicPorts: [{ Label: 'http', To: 8080 }] }],
        Services: [{ Name: `svc-${i}`, PortLabel: 'http', Tags: ['traefik.enable=true'], Checks: [{ Type: 'http', Path: '/healthz', Interval: 10e9, Timeout: 2e9 }] }],
        Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: `ghcr.io/acme/svc-${i}:1.0.0`, ports: ['http'] }, Resources: { CPU: 100, MemoryMB: 128 } }],
      },
    ],
  };
}

function fetchBytes(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => resolve(n));
      })
      .on('error', reject);
  });
}

/** Runs the benchmark. */
export async function benchSimJobsList(jobs = 10_000, requests = 5): Promise<SimListBenchResult> {
  const sim = await Simulator.start({ seed: 1 });
  try {
    const list = Array.from({ length: jobs }, (_, i) => job(i));
    let t = process.hrtime.bigint();
    sim.seedJobs(list);
    const seedMs = Number(process.hrtime.bigint() - t) / 1e6;
    const listMs: number[] = [];
    let bytes = 0;
    for (let k = 0; k < requests; k++) {
      t = process.hrtime.bigint();
      bytes = await fetchBytes(`${sim.nomadUrl}/v1/jobs?meta=true&namespace=*`);
      listMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return { name: 'sim GET /v1/jobs?meta=true&namespace=* (seeded)', jobs, seedMs, listMs, bytes };
  } finally {
    await sim.stop();
  }
}

/** The bench runner's entry: figures for `size` seeded jobs. */
export async function run(opts: { size: number } = { size: 10_000 }): Promise<Record<string, unknown>> {
  const r = await benchSimJobsList(opts.size, 5);
  const sorted = [...r.listMs].sort((a, b) => a - b);
  return {
    figure: 'ms per list after the first (median)',
    ratio: Math.round(sorted[Math.floor(sorted.length / 2)]),
    target: 'none (a reference figure: what every list of the operator costs the simulator)',
    met: true,
    jobs: r.jobs,
    seedMs: Math.round(r.seedMs),
    listFirstMs: Math.round(r.listMs[0]),
    listMedianMs: Math.round(sorted[Math.floor(sorted.length / 2)]),
    listMaxMs: Math.round(sorted[sorted.length - 1]),
    responseBytes: r.bytes,
  };
}
