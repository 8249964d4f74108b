/**
 * Benchmark: a hand edit of one managed job among N, reverted by a running operator (self-heal, the
 * default). The cluster holds the N jobs as the operator left them; each round registers an edited copy
 * of one job (another image) straight to Nomad and times edit-to-reverted (the simulator holding the
 * operator's image again). The floor, measured alone in the same run: a client blocked on the job list
 * wakes on the edit, plans the desired job and registers it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Job } from '../lib/core/nomad/types';
import { NomadHttpClient } from '../lib/adapters/nomad-http/nomad-http-client';
import { Simulator } from '../lib/sim';
import { DEFAULT_TUNING } from '../controllers/job-sync/types';
import { HELD_EVALS } from './cold-start';
import { makeSpecRepo, quiet, round, seedCluster, spread, startBenchOperator, until } from './harness';
import { profileIfMissed } from './profile';
import type { BenchOptions } from './run';

function imageOf(job: Job | undefined): string {
  return String((job?.TaskGroups[0]?.Tasks[0]?.Config as Record<string, unknown> | undefined)?.image ?? '');
}

/** `job` with its first task's image replaced, as a hand edit would. */
function edited(job: Job, tag: string): Job {
  const copy = JSON.parse(JSON.stringify(job)) as Job;
  const task = copy.TaskGroups[0].Tasks[0];
  task.Config = { ...(task.Config ?? {}), image: `registry.internal/hand/edit:${tag}` };
  return copy;
}

/** Runs the benchmark. */
export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const n = opts.size;
  const rounds = 5;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-bench-drift-'));
  const sim = await Simulator.start({ seed: 41, timings: HELD_EVALS });
  // The hand editor's client, and the floor's (its own connection, blocked on the list).
  const editor = new NomadHttpClient({ address: sim.nomadUrl, timeoutMs: 120_000 });
  const floorClient = new NomadHttpClient({ address: sim.nomadUrl, timeoutMs: 600_000 });
  try {
    const repo = path.join(dir, 'specs');
    const head = makeSpecRepo(repo, n);
    const stateFile = path.join(dir, 'state.json');
    const rendered = await seedCluster(sim, editor, n, head, stateFile);
    const live = (ns: string | undefined, id: string): Job | undefined => sim.cluster.record(ns ?? 'default', id)?.job;

    /** One floor round: edit job `i`; a blocked list wakes, plans and registers the desired job. */
    const floorRound = async (i: number, tag: string): Promise<number> => {
      const desired = rendered[i].job;
      const { index } = await floorClient.listJobs({ namespace: '*', meta: true });
      const woke = floorClient.listJobs({ namespace: '*', meta: true, index, wait: '5m' });
      await new Promise((r) => setTimeout(r, 20));
      const t0 = performance.now();
      await editor.registerJob({ namespace: desired.Namespace ?? 'default', Job: edited(desired, tag) });
      await woke;
      const plan = await floorClient.planJob(desired.Namespace ?? 'default', desired, { diff: true });
      await floorClient.registerJob({ namespace: desired.Namespace ?? 'default', Job: desired, EnforceIndex: true, JobModifyIndex: plan.JobModifyIndex });
      const ms = performance.now() - t0;
      if (imageOf(live(desired.Namespace, desired.ID)) !== imageOf(desired)) throw new Error('floor did not revert');
      return ms;
    };
    const floorMs: number[] = [];
    // The floor first, before the operator runs (it would revert the floor's edits itself).
    for (let k = 0; k < rounds; k++) floorMs.push(await floorRound((k * 7919 + 5) % n, `f${k}`));

    const operator = await startBenchOperator({ nomadUrl: sim.nomadUrl, consulUrl: sim.consulUrl, repo, workDir: path.join(dir, 'work'), stateFile });
    try {
      await until(() => operator.renders() >= n && operator.op.manager.idle() && operator.op.manager.controller.live.index > 0, 600_000, 'the first pass');
      await new Promise((r) => setTimeout(r, 50));
      const opRound = async (k: number): Promise<number> => {
        const i = (k * 104729 + 3) % n;
        const desired = rendered[i].job;
        await until(() => quiet(operator.op), 120_000, 'the operator quiet');
        // An edit after a quiet spell, as hand edits come: the watch's held query is waiting again.
        await new Promise((r) => setTimeout(r, 2 * DEFAULT_TUNING.watchCoalesceMs));
        const t0 = performance.now();
        await editor.registerJob({ namespace: desired.Namespace ?? 'default', Job: edited(desired, `o${k}`) });
        await until(() => imageOf(live(desired.Namespace, desired.ID)) === imageOf(desired), 120_000, `svc${i} reverted`);
        return performance.now() - t0;
      };
      const opMs: number[] = [];
      for (let k = 0; k < rounds; k++) opMs.push(await opRound(k));
      const op = spread(opMs, 0);
      const floor = spread(floorMs, 0);
      const ratio = round(op.median / floor.median, 2);
      const met = ratio <= 2 && op.median < 200;
      const entry: Record<string, unknown> = {
        figure: 'edit-to-reverted / (blocking-query wake + plan + register) alone',
        ratio,
        target: '<= 2x, and under 200 ms',
        met,
        jobs: n,
        operatorMs: op,
        floorMs: floor,
        note:
          `Medians of ${rounds} rounds. The cluster holds the ${n} jobs as the operator left them (seeded, records in a state file); the operator runs as \`nomadguard run\` (live watch on, self-heal). ` +
          'A round waits for a quiet spell (twice the watch\'s coalescing gap, so its blocking query is held again), registers a copy of one managed job with another image straight to Nomad and ends when the simulator holds the operator\'s image again. ' +
          'The floor, measured alone before the operator starts: a client blocked on the job list (`GET /v1/jobs?index=`, as the live watch is) wakes on the same kind of edit, plans the desired job and registers it with the plan\'s check-and-set index.',
      };
      await profileIfMissed(entry, opts.quick, async () => {
        for (let k = rounds; k < rounds + 3; k++) await opRound(k);
      });
      return entry;
    } finally {
      await operator.stop();
    }
  } finally {
    editor.close();
    floorClient.close();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
