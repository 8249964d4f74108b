/**
 * Benchmark: the operator's memory in steady state at several sizes (1,000, 5,000 and 10,000 managed
 * jobs; a tenth of that with `--quick`). The operator runs in a child process (bench/operator-child.ts)
 * so its RSS is its own; the simulator, seeded as the operator would have left it, stays in this one.
 * After its first pass, the child runs idle passes and reports its memory after each: the medians per
 * size, the peak RSS since start, KB per job in total (RSS / jobs) at each size and the slope between sizes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fork } from 'node:child_process';
import { NomadHttpClient } from '../lib/adapters/nomad-http/nomad-http-client';
import { Simulator } from '../lib/sim';
import { makeSpecRepo, median, round, seedCluster } from './harness';
import type { ChildRequest, MemorySample } from './operator-child';
import type { BenchOptions } from './run';

/** The figures of one size. */
export interface SizeFigures {
  jobs: number;
  rssMB: number;
  heapUsedMB: number;
  peakRssMB: number;
  kbPerJob: number;
}

const MB = 2 ** 20;

/** Starts the operator child over `n` seeded jobs and returns its memory after `passes` idle passes. */
async function measureSize(n: number, passes: number): Promise<SizeFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-bench-mem-'));
  const sim = await Simulator.start({ seed: 51 });
  const nomad = new NomadHttpClient({ address: sim.nomadUrl, timeoutMs: 120_000 });
  try {
    const repo = path.join(dir, 'specs');
    const head = makeSpecRepo(repo, n);
    const stateFile = path.join(dir, 'state.json');
    await seedCluster(sim, nomad, n, head, stateFile);
    const options = { nomadUrl: sim.nomadUrl, consulUrl: sim.consulUrl, repo, workDir: path.join(dir, 'work'), stateFile, jobs: n };
    const child = fork(path.join(__dirname, 'operator-child.js'), [], { env: { ...process.env, NG_BENCH_OPERATOR: JSON.stringify(options) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    try {
      const next = <T>(type: string): Promise<T> =>
        new Promise((resolve, reject) => {
          const onMessage = (m: { type: string }): void => {
            if (m.type !== type) return;
            child.off('message', onMessage);
            child.off('exit', onExit);
            resolve(m as T);
          };
          const onExit = (code: number | null): void => reject(new Error(`the operator child exited (${code})`));
          child.on('message', onMessage);
          child.once('exit', onExit);
        });
      await next('ready');
      const send = (req: ChildRequest): boolean => child.send(req);
      send({ type: 'sample', passes });
      const { samples } = await next<{ samples: MemorySample[] }>('samples');
      const rss = median(samples.map((s) => s.rss));
      send({ type: 'stop' });
      return {
        jobs: n,
        rssMB: round(rss / MB),
        heapUsedMB: round(median(samples.map((s) => s.heapUsed)) / MB),
        peakRssMB: round(Math.max(...samples.map((s) => s.maxRssKB)) / 1024),
        kbPerJob: round(rss / 1024 / n),
      };
    } finally {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else {
          const timer = setTimeout(() => child.kill(), 30_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        }
      });
    }
  } finally {
    nomad.close();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The least-squares slope of `y` over `x`. */
function slope(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num += (x[i] - mx) * (y[i] - my);
    den += (x[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Runs the benchmark. */
export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const sizes = [opts.size / 10, opts.size / 2, opts.size];
  const passes = 5;
  const bySize: SizeFigures[] = [];
  for (const n of sizes) bySize.push(await measureSize(n, passes));
  const largest = bySize[bySize.length - 1];
  const x = bySize.map((s) => s.jobs);
  const rssSlope = round((slope(x, bySize.map((s) => s.rssMB)) * 1024), 1);
  const heapSlope = round((slope(x, bySize.map((s) => s.heapUsedMB)) * 1024), 1);
  const baseMB = round(largest.rssMB - (rssSlope * largest.jobs) / 1024);
  return {
    figure: `RSS / jobs at ${largest.jobs} jobs (KB per job, in total)`,
    ratio: largest.kbPerJob,
    target: '<= 20 KB per job in total at 10,000',
    met: largest.kbPerJob <= 20,
    sizes: bySize,
    kbPerJob: Object.fromEntries(bySize.map((s) => [String(s.jobs), s.kbPerJob])),
    rssSlopeKbPerJob: rssSlope,
    heapSlopeKbPerJob: heapSlope,
    fixedBaseMB: baseMB,
    note:
      `The operator runs alone in a child process (bench/operator-child.ts, wired as \`nomadguard run\`: live watch on, records in a state file), against the simulator in the benchmark process seeded with the jobs as the operator would have left them. ` +
      `After its first pass (every spec rendered), it runs ${passes} idle passes; rssMB and heapUsedMB are the medians of its memory after each, peakRssMB its peak RSS since start (the first pass included). ` +
      'kbPerJob is RSS / jobs at each size (the target counts the fixed base); the slopes are least-squares fits over the sizes, fixedBaseMB what the RSS fit leaves at zero jobs. No CPU profile: the figure is memory; the slope and the base say where it goes.',
  };
}
