/**
 * Benchmark: a no-op pass over N managed jobs (default 10,000) in the simulator.
 *
 * Set-up (not measured): a spec repository with N specs in a temp folder, each rendered and seeded into
 * the simulator as the operator would have registered it, the state store holding the JobModifyIndex of
 * every job, and one full pass so the operator has rendered everything once.
 * Measured: (a) nomadguard's no-op pass (git fetch, one job list with meta, decide), its Nomad calls and
 * wall time; (b) one bare `GET /v1/jobs?meta=true` plus JSON parse; (c) the same pass done the way other
 * Nomad GitOps tools do it: a plan call per job. Reports the ratios.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { defaultOperatorConfig } from '../crd-schemas/operator-config';
import { defaultPolicy } from '../crd-schemas/policy';
import { HASH_SCHEME } from '../lib/core/hash';
import { renderSpec } from '../lib/core/pipeline';
import type { Job } from '../lib/core/nomad/types';
import type { JobRecord } from '../lib/core/plan';
import { NomadHttpClient } from '../lib/adapters/nomad-http/nomad-http-client';
import { GitSpecSource } from '../lib/adapters/git-spec-source';
import { FileStateStore } from '../lib/adapters/state-store';
import { SystemClock } from '../lib/runtime/clock';
import { Simulator } from '../lib/sim';
import { Manager } from '../controllers/manager';
import { calls, median, spread, until, type Spread } from './harness';
import { profiled, type HotFunction } from './profile';
import type { BenchOptions } from './run';

/** What the benchmark reports. */
export type NoopPassFigures = {
  name: 'noop-pass';
  jobs: number;
  /** nomadguard's no-op pass. */
  passNomadCalls: number;
  passMs: number;
  /** One bare `GET /v1/jobs?namespace=*&meta=true` and JSON.parse. */
  bareListMs: number;
  /** passMs / bareListMs (target <= 1.5). */
  passVsBareList: number;
  /** A plan call per job, as other tools do. */
  planPerJobCalls: number;
  planPerJobMs: number;
  /** planPerJobMs / passMs. */
  planPerJobVsPass: number;
  targets: { calls: boolean; time: boolean };
  /** The pass's two reads measured alone: the git poll (one `git fetch`, no listing) and the client's job list. */
  gitPollAloneMs: number;
  /** With `profile`: the top self-time functions of three untimed passes. */
  hot?: HotFunction[];
  passSpreadMs: Spread;
  bareListSpreadMs: Spread;
  /** The pass while the live watch's blocking query is held (nothing moved). */
  watched: { passMs: Spread; nomadCalls: number; jobLists: number };
  clientListAloneMs: number;
  /** How to read the figures. */
  note: string;
};

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.com', LC_ALL: 'C' };

function specText(i: number): string {
  return `name = "svc${i}"\ntier = "test"\ncontact = "team${i % 50}@example.com"\n\n[[group]]\nname = "main"\ncount = 2\n\n  [[group.task]]\n  name = "svc${i}"\n  image = "registry.internal/acme/svc${i}:1.0.${i % 10}"\n  cpu = 100\n  memory = 128\n  port = 8080\n  check = { type = "http", path = "/health" }\n`;
}

/** One GET on a fresh connection, body as text. */
function bareGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    }).on('error', reject);
  });
}


/** Runs the benchmark; `jobs` defaults to $BENCH_NOOP_JOBS or 10,000. */
export async function measure(opts: { jobs?: number; rounds?: number; profile?: boolean } = {}): Promise<NoopPassFigures> {
  const n = opts.jobs ?? Number(process.env.BENCH_NOOP_JOBS ?? 10_000);
  const rounds = opts.rounds ?? 7;
  /** Untimed rounds first: the set-up's full render leaves garbage the first passes would pay for. */
  const warmup = 2;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-bench-noop-'));
  const sim = await Simulator.start({ seed: 11, nodesPerTier: 4 });
  const nomad = new NomadHttpClient({ address: sim.nomadUrl, timeoutMs: 120_000 });
  try {
    // The spec repository.
    const repoDir = path.join(dir, 'specs');
    const teams = 20;
    for (let i = 0; i < n; i++) {
      const file = path.join(repoDir, `team${i % teams}`, `svc${i}`, 'nomadgen.toml');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, specText(i));
    }
    execFileSync('git', ['init', '-q', '-b', 'main', repoDir], { env: GIT_ENV });
    execFileSync('git', ['-C', repoDir, 'add', '-A'], { env: GIT_ENV });
    execFileSync('git', ['-C', repoDir, 'commit', '-q', '-m', 'specs'], { env: GIT_ENV });
    const head = execFileSync('git', ['-C', repoDir, 'rev-parse', 'HEAD'], { env: GIT_ENV, encoding: 'utf8' }).trim();

    // Seed the cluster as the operator would have written it, and the state store with our writes.
    const base = defaultOperatorConfig({});
    const config = { ...base, source: { ...base.source, repo: repoDir, name: 'bench-specs' } };
    const env = { config, policy: defaultPolicy() };
    const jobs: Job[] = [];
    const hashes = new Map<string, string>();
    for (let i = 0; i < n; i++) {
      const file = `team${i % teams}/svc${i}/nomadgen.toml`;
      const r = renderSpec({ text: specText(i), file, team: `team${i % teams}`, commit: head, source: 'bench-specs' }, env);
      if (!r.ok || !r.job || !r.hash) throw new Error(`bench spec ${file} does not render: ${r.diagnostics.map((d) => d.message).join('; ')}`);
      jobs.push(r.job);
      hashes.set(`${r.job.Namespace}/${r.job.ID}`, r.hash);
    }
    sim.seedJobs(jobs);
    // The state file is written once, as the store would have after N writes (N puts would rewrite it N times).
    const { items } = await nomad.listJobs({ namespace: '*', meta: true });
    const records: Record<string, JobRecord> = {};
    for (const s of items) records[`${s.Namespace}/${s.ID}`] = { jobModifyIndex: s.JobModifyIndex, hash: hashes.get(`${s.Namespace}/${s.ID}`) ?? '', scheme: HASH_SCHEME, commit: head };
    fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ version: 1, jobs: records }));
    const state = new FileStateStore(path.join(dir, 'state.json'));
    if ((await state.load()).size !== n) throw new Error('state store set-up failed');

    const source = new GitSpecSource({ repo: repoDir, branch: 'main', workDir: path.join(dir, 'work.git') });
    const manager = new Manager({
      nomad,
      source,
      state,
      clock: new SystemClock(),
      logger: pino({ level: 'silent' }),
      config,
      render: (input) => renderSpec(input, env),
    });
    const first = await manager.pass({ full: true, forced: new Set(), confirmPrune: new Set(), reasons: ['bench-start'] });
    if (first.enqueue.length !== 0) throw new Error(`set-up is not a no-op: ${JSON.stringify(first.actions)}`);

    // Where a pass's time goes: a few passes under the profiler (the set-up left out), before the timed ones.
    let hot: HotFunction[] | undefined;
    if (opts.profile) {
      const profiledPasses = await profiled(async () => {
        for (let r = 0; r < 3; r++) await manager.pass();
      });
      hot = profiledPasses.hot;
    }

    // (a) nomadguard's no-op pass and (b) one bare list with meta plus JSON.parse, alternating so both
    // meet the same heap; in steady state: the first rounds after the set-up are not timed.
    const url = `${sim.nomadUrl}/v1/jobs?namespace=*&meta=true`;
    const passTimes: number[] = [];
    const bareTimes: number[] = [];
    let passCalls = 0;
    for (let r = 0; r < warmup + rounds; r++) {
      sim.resetRequestCounts();
      let t0 = performance.now();
      const s = await manager.pass();
      const passMs = performance.now() - t0;
      if (s.enqueue.length !== 0) throw new Error('no-op pass queued work');
      const calls = Object.values(sim.requestCounts('nomad')).reduce((a, b) => a + b, 0);
      t0 = performance.now();
      const parsed = JSON.parse(await bareGet(url)) as unknown[];
      const bareMs = performance.now() - t0;
      if (parsed.length !== n) throw new Error(`listed ${parsed.length} jobs, expected ${n}`);
      if (r < warmup) continue;
      passTimes.push(passMs);
      bareTimes.push(bareMs);
      passCalls = Math.max(passCalls, calls);
    }
    // The pass's two reads alone (the pass runs them concurrently).
    const gitTimes: number[] = [];
    const listTimes: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      const p = await source.poll(manager.controller.desired.commit);
      gitTimes.push(performance.now() - t);
      if (!p.ok || p.full || p.specs.length !== 0) throw new Error('git poll was not a no-op');
      t = performance.now();
      await nomad.listJobs({ namespace: '*', meta: true });
      listTimes.push(performance.now() - t);
    }
    // (d) the same pass while the live watch is connected (its blocking query held: nothing moved).
    sim.resetRequestCounts();
    const watching = manager.watchLoop();
    // Connected: its first list answered and its blocking query held at the index of the cache's last list.
    await until(() => manager.controller.watch.current(manager.controller.live, manager.deps.clock.now()), 60_000, 'the live watch to hold its query');
    const watchedTimes: number[] = [];
    let watchedCalls = 0;
    let watchedLists = 0;
    for (let r = 0; r < warmup + rounds; r++) {
      sim.resetRequestCounts();
      const t = performance.now();
      const s = await manager.pass();
      const ms = performance.now() - t;
      if (s.enqueue.length !== 0) throw new Error('no-op pass queued work');
      const counts = sim.requestCounts('nomad');
      if (r < warmup) continue;
      watchedTimes.push(ms);
      watchedCalls = Math.max(watchedCalls, calls(counts));
      watchedLists = Math.max(watchedLists, calls(counts, (k) => k === 'GET /v1/jobs'));
    }
    manager.stop();
    await watching;

    // (c) a plan call per job.
    sim.resetRequestCounts();
    const t0 = performance.now();
    const queue = [...jobs];
    const conc = 8;
    await Promise.all(Array.from({ length: conc }, async () => {
      for (let j = queue.pop(); j; j = queue.pop()) await nomad.planJob(j.Namespace ?? 'default', j, { diff: true });
    }));
    await nomad.listJobs({ namespace: '*', meta: true });
    const planMs = performance.now() - t0;
    const planCalls = Object.values(sim.requestCounts('nomad')).reduce((a, b) => a + b, 0);

    const passMs = median(passTimes);
    const bareListMs = median(bareTimes);
    const figures: NoopPassFigures = {
      name: 'noop-pass',
      jobs: n,
      passNomadCalls: passCalls,
      passMs: Math.round(passMs * 10) / 10,
      bareListMs: Math.round(bareListMs * 10) / 10,
      passVsBareList: Math.round((passMs / bareListMs) * 100) / 100,
      planPerJobCalls: planCalls,
      planPerJobMs: Math.round(planMs),
      planPerJobVsPass: Math.round((planMs / passMs) * 10) / 10,
      targets: { calls: passCalls <= 2, time: passMs <= 1.5 * bareListMs },
      ...(hot ? { hot } : {}),
      passSpreadMs: spread(passTimes),
      bareListSpreadMs: spread(bareTimes),
      watched: { passMs: spread(watchedTimes), nomadCalls: watchedCalls, jobLists: watchedLists },
      gitPollAloneMs: Math.round(median(gitTimes) * 10) / 10,
      clientListAloneMs: Math.round(median(listTimes) * 10) / 10,
      note:
        `Medians of ${rounds} rounds, after ${warmup} untimed ones (the set-up renders every spec once; the first passes after it would pay for its garbage); each round times one pass, then one bare list, so both meet the same heap. The simulator runs in the benchmark process, so its serving of the list is in every figure. ` +
        'passMs is a whole no-op pass as the operator runs it: the git poll (one `git fetch`, started by the git runner process the operator forked once, the tracked ref read from its file, no spec listing when the branch did not move) ' +
        'run concurrently with the job list (read through the Nomad client: retries, time budget, kept connection), both joined, then the decisions for every managed job (only keys whose inputs moved are decided again). ' +
        'bareListMs is one `GET /v1/jobs?namespace=*&meta=true` on a fresh connection plus JSON.parse, no git: the pass includes the git check and the baseline does not.',
    };
    return figures;
  } finally {
    nomad.close();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The no-op pass's entries: `noop-pass`, `noop-pass-watched` and `peers-plan-per-job`. */
export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const n = opts.size;
  const f = await measure({ jobs: n, rounds: opts.quick ? 5 : 7, profile: !opts.quick });
  const noop: Record<string, unknown> = {
    figure: 'no-op pass time / one bare job list',
    ratio: f.passVsBareList,
    target: '1 Nomad call, <= 1.5x',
    met: f.passNomadCalls === 1 && f.passVsBareList <= 1.5,
    jobs: n,
    nomadCalls: f.passNomadCalls,
    passMs: f.passSpreadMs,
    bareListMs: f.bareListSpreadMs,
    gitPollAloneMs: f.gitPollAloneMs,
    clientListAloneMs: f.clientListAloneMs,
    note: f.note,
  };
  const watchedMs = f.watched.passMs.median;
  const watched: Record<string, unknown> = {
    figure: 'ms per no-op pass while the watch is connected and its index has not moved',
    ratio: watchedMs,
    target: 'no job list, <= 5 ms at 10,000 jobs, independent of the number of jobs',
    met: f.watched.jobLists === 0 && watchedMs <= 5,
    jobs: n,
    nomadCalls: f.watched.nomadCalls,
    jobLists: f.watched.jobLists,
    passMs: f.watched.passMs,
    vsBareList: Math.round((watchedMs / f.bareListMs) * 100) / 100,
    note: 'The same no-op pass as noop-pass, timed while the live watch (a blocking query on the job list) is connected and held: nothing moved in Nomad since its index. A pass that trusts the watch needs no list; jobLists counts the lists the pass made.',
  };
  const peers: Record<string, unknown> = {
    figure: 'plan-per-job pass time / nomadguard no-op pass time',
    ratio: f.planPerJobVsPass,
    target: '>= 100x',
    met: f.planPerJobVsPass >= 100,
    jobs: n,
    planPerJobCalls: f.planPerJobCalls,
    planPerJobMs: f.planPerJobMs,
    passMs: f.passMs,
    note: 'The pass the way other Nomad GitOps tools make it: one plan call per job (8 at a time) and a job list, against the simulator, compared with nomadguard\'s no-op pass of the same run.',
  };
  if (f.hot && !noop.met) noop.profile = f.hot;
  if (f.hot && !watched.met) watched.profile = f.hot;
  return { entries: { 'noop-pass': noop, 'noop-pass-watched': watched, 'peers-plan-per-job': peers } };
}

if (require.main === module) {
  measure().then((f) => console.log(JSON.stringify(f, null, 2)), (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
