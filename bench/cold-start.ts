/**
 * Benchmark: cold start. N specs in a repository, an empty cluster; the operator starts (clone, render,
 * decide, write) and the figure is the wall time until every job is registered, against the floor: the
 * simulator accepting the same N registers (and the namespaces they need) sent directly at the operator's
 * concurrency (`reconcile.workers`), measured in the same run. Also the Nomad and Consul calls per job
 * and the full job lists made on the way.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultOperatorConfig } from '../crd-schemas/operator-config';
import { NomadHttpClient } from '../lib/adapters/nomad-http/nomad-http-client';
import type { NomadApi } from '../lib/ports/nomad-api';
import { Simulator, type FaultSpec } from '../lib/sim';
import { calls, makeSpecRepo, renderBenchJobs, round, spread, startBenchOperator, until } from './harness';
import { profileIfMissed } from './profile';
import type { BenchOptions } from './run';

/**
 * Evaluations are held far in the future: placement of N jobs is the simulator's work, the same with or
 * without the operator, and on the benchmark's own CPU; registers are what both runs are timed to.
 */
export const HELD_EVALS = { evalMs: 1e9 };

/** One cold start's figures. */
export interface ColdRound {
  ms: number;
  firstCreateMs: number;
  nomadCalls: number;
  consulCalls: number;
  jobLists: number;
  counts: Record<string, number>;
}

/** One cold start of the operator over `repo` (N specs) into an empty simulator. */
export async function coldRound(o: { repo: string; n: number; seed?: number; fault?: FaultSpec; wrapNomad?: (n: NomadApi) => NomadApi; timeoutMs?: number }): Promise<ColdRound> {
  const sim = await Simulator.start({ seed: o.seed ?? 21, timings: HELD_EVALS });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-bench-cold-'));
  try {
    if (o.fault) sim.fault(o.fault);
    const jobs = sim.cluster.jobs;
    const t0 = performance.now();
    let first = 0;
    const operator = await startBenchOperator({ nomadUrl: sim.nomadUrl, consulUrl: sim.consulUrl, repo: o.repo, workDir: work, wrapNomad: o.wrapNomad });
    try {
      await until(
        () => {
          if (first === 0 && jobs.size > 0) first = performance.now() - t0;
          return jobs.size >= o.n;
        },
        o.timeoutMs ?? 600_000,
        `${o.n} jobs registered`,
      );
      const ms = performance.now() - t0;
      const nomad = sim.requestCounts('nomad');
      const consul = sim.requestCounts('consul');
      return { ms, firstCreateMs: first, nomadCalls: calls(nomad), consulCalls: calls(consul), jobLists: nomad['GET /v1/jobs'] ?? 0, counts: nomad };
    } finally {
      await operator.stop();
    }
  } finally {
    await sim.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The floor: the namespaces and N registers sent straight to an empty simulator, `concurrency` at a time. */
export async function floorRound(n: number, commit: string, concurrency: number): Promise<number> {
  const rendered = renderBenchJobs(n, commit);
  const sim = await Simulator.start({ seed: 21, timings: HELD_EVALS });
  const nomad = new NomadHttpClient({ address: sim.nomadUrl, timeoutMs: 120_000 });
  try {
    const t0 = performance.now();
    const namespaces = [...new Set(rendered.map((r) => r.job.Namespace ?? 'default'))].filter((ns) => ns !== 'default');
    for (const ns of namespaces) await nomad.upsertNamespace({ Name: ns });
    const queue = rendered.map((r) => r.job).reverse();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let j = queue.pop(); j; j = queue.pop()) await nomad.registerJob({ namespace: j.Namespace ?? 'default', Job: j });
      }),
    );
    const ms = performance.now() - t0;
    if (sim.cluster.jobs.size !== n) throw new Error(`floor registered ${sim.cluster.jobs.size} of ${n}`);
    return ms;
  } finally {
    nomad.close();
    await sim.stop();
  }
}

/** Runs the benchmark. */
export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const n = opts.size;
  const rounds = 3;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-bench-coldrepo-'));
  try {
    const repo = path.join(dir, 'specs');
    const head = makeSpecRepo(repo, n);
    const concurrency = defaultOperatorConfig({}).reconcile.workers;
    const ops: ColdRound[] = [];
    const floors: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternating, so both meet the same machine.
      ops.push(await coldRound({ repo, n }));
      floors.push(await floorRound(n, head, concurrency));
    }
    const opMs = spread(ops.map((o) => o.ms), 0);
    const floorMs = spread(floors, 0);
    const ratio = round(opMs.median / floorMs.median, 2);
    const mid = ops.find((o) => round(o.ms, 0) === opMs.median) ?? ops[0];
    const met = ratio <= 1.3;
    const entry: Record<string, unknown> = {
      figure: 'cold start to all registered / the same registers sent directly',
      ratio,
      target: '<= 1.3x',
      met,
      jobs: n,
      concurrency,
      operatorMs: opMs,
      floorMs,
      firstCreateMs: spread(ops.map((o) => o.firstCreateMs), 0),
      nomadCallsPerJob: round(mid.nomadCalls / n, 2),
      consulCallsPerJob: round(mid.consulCalls / n, 2),
      fullJobLists: spread(ops.map((o) => o.jobLists), 0),
      nomadCallsByRoute: Object.fromEntries(Object.entries(mid.counts).sort((a, b) => b[1] - a[1])),
      note:
        `Medians of ${rounds} rounds, each an operator cold start then the floor, alternating. The operator starts as \`nomadguard run\` does (state in the simulator's Consul KV, the live watch on, ${concurrency} workers) over a fresh work folder: the clone, every render, the decisions and the writes are in its time, which ends when the simulator holds all ${n} jobs. ` +
        `The floor sends the namespaces and the same ${n} rendered jobs straight to an empty simulator, ${concurrency} registers at a time, on kept connections. Evaluations are held in both (placement is the simulator's own work, not the operator's). Calls per job are those of the median round; fullJobLists counts \`GET /v1/jobs\` (the pass's list and the live watch's wake-ups).`,
    };
    await profileIfMissed(entry, opts.quick, () => coldRound({ repo, n }));
    return entry;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
