/**
 * Benchmark: `nomadguard ps <team>` over a team with 1 and with 200 allocations in the simulator.
 *
 * Set-up (not measured): two teams, each with one managed service job, one of count 1 and one of count
 * 200, placed and running. Measured: the Nomad and Consul calls of one `ps` per team and its wall time.
 * The client stats reads (one per running allocation shown, by design) are counted apart; every other
 * call must not grow with the number of allocations: `ratio` = calls at 200 / calls at 1, stats excluded.
 * The services register their address in Consul, so `ps` reads no full allocation for one.
 */
import { performance } from 'node:perf_hooks';
import type { Job } from '../lib/core/nomad/types';
import { main } from '../lib/cli/main';
import { NomadHttpClient } from '../lib/adapters/nomad-http/nomad-http-client';
import { FakeClock } from '../lib/runtime/clock';
import { Simulator } from '../lib/sim';

const STATS = 'GET /v1/client/allocation/:id/stats';

/** What the benchmark reports. */
export type PsFigures = {
  figure: string;
  ratio: number;
  target: 'constant in the number of allocations';
  met: boolean;
  calls: { at1: Record<string, number>; at200: Record<string, number>; statsAt1: number; statsAt200: number };
  msAt1: number;
  msAt200: number;
  note: string;
};

function job(team: string, count: number): Job {
  const id = `t-${team}-svc`;
  return {
    ID: id,
    Name: id,
    Namespace: team,
    Datacenters: ['dc1', 'dc2'],
    Type: 'service',
    Meta: { 'nomadguard.managed': 'true', 'nomadguard.spec': `${team}/svc/nomadgen.toml` },
    TaskGroups: [
      {
        Name: 'main',
        Count: count,
        Networks: [{ DynamicPorts: [{ Label: 'http', To: 8080 }] }],
        Tasks: [
          {
            Name: 'svc',
            Driver: 'docker',
            Config: { image: 'registry.internal/acme/svc:1.0.0', ports: ['http'], advertise_ipv6_address: true },
            Resources: { CPU: 20, MemoryMB: 32 },
            Services: [{ Name: id, PortLabel: 'http', AddressMode: 'driver', Checks: [{ Name: 'alive', Type: 'http', Path: '/', PortLabel: 'http', AddressMode: 'driver', Interval: 10e9, Timeout: 2e9 }] }],
          },
        ],
      },
    ],
  } as unknown as Job;
}

async function psCalls(sim: Simulator, clock: FakeClock, team: string): Promise<{ calls: Record<string, number>; stats: number; ms: number; rows: number }> {
  sim.resetRequestCounts();
  let out = '';
  const start = performance.now();
  const code = await main(['ps', '--json', team], { env: { NOMAD_ADDR: sim.nomadUrl, CONSUL_HTTP_ADDR: sim.consulUrl }, clock, stdout: (t) => (out += t), stderr: () => undefined, signal: new AbortController().signal });
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`ps ${team} exited ${code}`);
  const calls: Record<string, number> = {};
  for (const [k, v] of Object.entries(sim.requestCounts('nomad'))) calls[`nomad ${k}`] = v;
  for (const [k, v] of Object.entries(sim.requestCounts('consul'))) calls[`consul ${k}`] = v;
  const stats = calls[`nomad ${STATS}`] ?? 0;
  delete calls[`nomad ${STATS}`];
  return { calls, stats, ms, rows: (JSON.parse(out) as unknown[]).length };
}

/** Runs the benchmark. */
export async function run(): Promise<PsFigures> {
  const clock = new FakeClock();
  const sim = await Simulator.start({ clock, seed: 3, namespaces: ['one', 'many'], nodesPerTier: 4 });
  try {
    const nomad = new NomadHttpClient({ address: sim.nomadUrl, clock });
    try {
      await nomad.registerJob({ namespace: 'one', Job: job('one', 1) });
      await nomad.registerJob({ namespace: 'many', Job: job('many', 200) });
    } finally {
      nomad.close();
    }
    await sim.settle();
    const at1 = await psCalls(sim, clock, 'one');
    const at200 = await psCalls(sim, clock, 'many');
    if (at1.rows !== 1 || at200.rows !== 200) throw new Error(`expected 1 and 200 rows, got ${at1.rows} and ${at200.rows}`);
    const total = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0);
    const ratio = total(at200.calls) / total(at1.calls);
    return {
      figure: 'Nomad and Consul calls of `ps` for a team of 200 allocations / of 1 (stats reads excluded)',
      ratio,
      target: 'constant in the number of allocations',
      met: ratio === 1 && at200.stats === 200,
      calls: { at1: at1.calls, at200: at200.calls, statsAt1: at1.stats, statsAt200: at200.stats },
      msAt1: Math.round(at1.ms),
      msAt200: Math.round(at200.ms),
      note: 'Calls of one `nomadguard ps <team>` for a team with 1 and with 200 running allocations (simulator). `ratio` excludes the client stats reads, one per running allocation shown (`--no-stats` skips them).',
    };
  } finally {
    await sim.stop();
  }
}
