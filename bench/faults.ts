/**
 * Benchmark: 1,000 jobs converging (a cold start, as bench/cold-start.ts) while 20% of the Nomad calls
 * fail (the simulator's seeded fault injection: HTTP 500 before the handler runs), against the same run
 * without faults. Reports time to converge and calls as ratios to the fault-free run, and checks that no
 * job is registered twice with the same content (a write Nomad took is never repeated).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NomadApi } from '../lib/ports/nomad-api';
import { coldRound, type ColdRound } from './cold-start';
import { makeSpecRepo, round, spread } from './harness';
import type { BenchOptions } from './run';

/** A Nomad client that counts the registers Nomad took, by job and content. */
function countRegisters(counts: Map<string, number>): (nomad: NomadApi) => NomadApi {
  return (nomad) =>
    new Proxy(nomad, {
      get(target, prop, receiver) {
        if (prop === 'registerJob') {
          return async (req: Parameters<NomadApi['registerJob']>[0]) => {
            const res = await target.registerJob(req);
            const k = `${req.namespace}/${req.Job.ID}#${crypto.createHash('sha256').update(JSON.stringify(req.Job)).digest('hex')}`;
            counts.set(k, (counts.get(k) ?? 0) + 1);
            return res;
          };
        }
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
}

function duplicates(counts: Map<string, number>): number {
  let d = 0;
  for (const c of counts.values()) d += c - 1;
  return d;
}

/** Runs the benchmark. */
export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  // 1,000 jobs; a fifth of that with --quick, to keep it quick.
  const n = opts.quick ? 200 : 1_000;
  const rate = 0.2;
  const rounds = 3;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-bench-faults-'));
  try {
    const repo = path.join(dir, 'specs');
    makeSpecRepo(repo, n);
    const clean: ColdRound[] = [];
    const faulty: ColdRound[] = [];
    let dupClean = 0;
    let dupFaulty = 0;
    for (let r = 0; r < rounds; r++) {
      const a = new Map<string, number>();
      clean.push(await coldRound({ repo, n, seed: 61 + r, wrapNomad: countRegisters(a) }));
      dupClean += duplicates(a);
      const b = new Map<string, number>();
      faulty.push(await coldRound({ repo, n, seed: 61 + r, wrapNomad: countRegisters(b), fault: { api: 'nomad', kind: 'error', status: 500, rate } }));
      dupFaulty += duplicates(b);
    }
    const cleanMs = spread(clean.map((c) => c.ms), 0);
    const faultyMs = spread(faulty.map((c) => c.ms), 0);
    const cleanCalls = spread(clean.map((c) => c.nomadCalls), 0);
    const faultyCalls = spread(faulty.map((c) => c.nomadCalls), 0);
    const timeRatio = round(faultyMs.median / cleanMs.median, 2);
    return {
      figure: 'time to converge with 20% of Nomad calls failing / without',
      ratio: timeRatio,
      target: 'report it; no duplicate register for the same hash',
      met: dupFaulty === 0 && dupClean === 0,
      jobs: n,
      faultRate: rate,
      convergeMs: { faulty: faultyMs, clean: cleanMs },
      nomadCalls: { faulty: faultyCalls, clean: cleanCalls },
      callsRatio: round(faultyCalls.median / cleanCalls.median, 2),
      extraCallsPerJob: round((faultyCalls.median - cleanCalls.median) / n, 2),
      duplicateRegisters: { faulty: dupFaulty, clean: dupClean },
      note:
        `Medians of ${rounds} rounds, each a cold start of ${n} specs into an empty simulator without faults, then with \`{kind: "error", status: 500, rate: ${rate}}\` on every Nomad route (seeded per round, the same seed for both), alternating. ` +
        'Converged: the simulator holds every job. duplicateRegisters counts registers Nomad took for a job whose identical content it had already taken, summed over the rounds. ' +
        'No CPU profile: the target is a count, met or not by the logic, not by time.',
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
