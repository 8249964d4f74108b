/**
 * Benchmark: one commit changing one spec in an N-spec repository, signalled to a running operator. The
 * cluster holds the N jobs as the operator left them; each round commits a new image tag for one spec,
 * signals, and times commit-to-registered (the simulator holding the new version). The floor, measured
 * alone in the same run: a `git fetch` of that commit into a bare clone plus one register of the job.
 * Also how many specs the operator rendered for the commit.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { defaultPolicy } from '../crd-schemas/policy';
import { renderSpec } from '../lib/core/pipeline';
import { NomadHttpClient } from '../lib/adapters/nomad-http/nomad-http-client';
import { Simulator } from '../lib/sim';
import { HELD_EVALS } from './cold-start';
import { BENCH_SOURCE, BENCH_WEBHOOK_SECRET, GIT_ENV, TEAMS, git, makeSpecRepo, quiet, round, seedCluster, specFile, specText, spread, startBenchOperator, until } from './harness';
import { profileIfMissed } from './profile';
import type { BenchOptions } from './run';
import { defaultOperatorConfig } from '../crd-schemas/operator-config';

const execFileP = promisify(execFile);

let deliveries = 0;

/**
 * Tells the operator at `apiUrl` that the branch moved from `before` to `after`, as GitHub does: a signed
 * push webhook (`X-Hub-Signature-256`, HMAC-SHA256 of the body with the shared secret).
 */
export function signalCommit(apiUrl: string, before: string, after: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ ref: 'refs/heads/main', before, after, repository: { full_name: 'bench/specs' }, commits: [] });
    const signature = `sha256=${crypto.createHmac('sha256', BENCH_WEBHOOK_SECRET).update(body).digest('hex')}`;
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-github-event': 'push', 'x-github-delivery': `bench-${process.pid}-${++deliveries}`, 'x-hub-signature-256': signature };
    const req = http.request(`${apiUrl}/api/v1/webhooks/github`, { method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`the webhook answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Writes spec `i` at image version `v` and commits it; returns the commit. */
function commitSpec(repo: string, i: number, v: number): string {
  fs.writeFileSync(path.join(repo, specFile(i)), specText(i, v));
  git(repo, 'commit', '-q', '-a', '-m', `svc${i} 1.0.${v}`);
  return git(repo, 'rev-parse', 'HEAD');
}

function imageOf(sim: Simulator, ns: string, id: string): string {
  const task = sim.cluster.record(ns, id)?.job.TaskGroups[0]?.Tasks[0];
  return String((task?.Config as Record<string, unknown> | undefined)?.image ?? '');
}

/** Runs the benchmark. */
export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const n = opts.size;
  const rounds = 5;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-bench-commit-'));
  const sim = await Simulator.start({ seed: 31, timings: HELD_EVALS });
  const nomad = new NomadHttpClient({ address: sim.nomadUrl, timeoutMs: 120_000 });
  try {
    const repo = path.join(dir, 'specs');
    const head = makeSpecRepo(repo, n);
    const stateFile = path.join(dir, 'state.json');
    const rendered = await seedCluster(sim, nomad, n, head, stateFile);
    const operator = await startBenchOperator({ nomadUrl: sim.nomadUrl, consulUrl: sim.consulUrl, repo, workDir: path.join(dir, 'work'), stateFile, listen: true });
    const apiUrl = operator.apiUrl!;
    // The floor's own clone, and the env the floor renders with (untimed).
    const clone = path.join(dir, 'floor.git');
    await execFileP('git', ['clone', '-q', '--bare', repo, clone], { env: GIT_ENV });
    const base = defaultOperatorConfig({});
    const env = { config: { ...base, source: { ...base.source, name: BENCH_SOURCE } }, policy: defaultPolicy() };
    const opMs: number[] = [];
    const floorMs: number[] = [];
    const renders: number[] = [];
    try {
      await until(() => operator.renders() >= n && operator.op.manager.idle() && operator.op.manager.controller.desired.commit === head, 600_000, 'the first pass');
      await new Promise((r) => setTimeout(r, 50));
      /** One round of the operator: commit, signal, wait for the register; returns ms and renders. */
      const opRound = async (k: number): Promise<{ ms: number; renders: number }> => {
        const i = (k * 7919) % n;
        const { Namespace, ID } = rendered[i].job;
        const before = operator.renders();
        const want = `:1.0.${100 + k}`;
        const from = git(repo, 'rev-parse', 'HEAD');
        const t0 = performance.now();
        const to = commitSpec(repo, i, 100 + k);
        await signalCommit(apiUrl, from, to);
        await until(() => imageOf(sim, Namespace ?? 'default', ID).endsWith(want), 120_000, `svc${i} registered`);
        const ms = performance.now() - t0;
        await until(() => quiet(operator.op), 120_000, 'the operator quiet');
        return { ms, renders: operator.renders() - before };
      };
      for (let k = 0; k < rounds; k++) {
        const o = await opRound(k);
        opMs.push(o.ms);
        renders.push(o.renders);
        // The floor: a commit fetched into a bare clone, then one register of the changed job.
        const i = (k * 104729 + 13) % n;
        const v = 200 + k;
        fs.writeFileSync(path.join(repo, specFile(i)), specText(i, v));
        const r = renderSpec({ text: specText(i, v), file: specFile(i), team: `team${i % TEAMS}`, commit: head, source: BENCH_SOURCE }, env);
        if (!r.job) throw new Error('floor spec does not render');
        const from = git(repo, 'rev-parse', 'HEAD');
        const t0 = performance.now();
        git(repo, 'commit', '-q', '-a', '-m', `svc${i} 1.0.${v}`);
        await execFileP('git', ['-C', clone, 'fetch', '-q', 'origin', '+refs/heads/main:refs/heads/main'], { env: GIT_ENV });
        await nomad.registerJob({ namespace: r.job.Namespace ?? 'default', Job: r.job });
        floorMs.push(performance.now() - t0);
        // The operator sees this commit too: let it catch up, untimed.
        const caughtUp = git(repo, 'rev-parse', 'HEAD');
        await signalCommit(apiUrl, from, caughtUp);
        // The floor's register is already there: wait for the operator's pass of that commit, not the image.
        await until(() => operator.op.manager.controller.desired.commit === caughtUp && imageOf(sim, r.job!.Namespace ?? 'default', r.job!.ID).endsWith(`:1.0.${v}`) && quiet(operator.op), 120_000, 'the operator to catch up');
      }
      const op = spread(opMs, 0);
      const floor = spread(floorMs, 0);
      const ratio = round(op.median / floor.median, 2);
      const maxRenders = Math.max(...renders);
      const met = ratio <= 2 && maxRenders === 1;
      const entry: Record<string, unknown> = {
        figure: 'commit-to-registered / (git fetch + one register) alone',
        ratio,
        target: '1 spec re-rendered; <= 2x',
        met,
        jobs: n,
        specsRendered: spread(renders, 0),
        operatorMs: op,
        floorMs: floor,
        signal: 'a signed GitHub push webhook (POST /api/v1/webhooks/github)',
        note:
          `Medians of ${rounds} rounds. The cluster holds the ${n} jobs as the operator left them (seeded, records in a state file); the operator runs as \`nomadguard run\` (live watch on, its API on loopback). ` +
          'A round commits a new image tag for one spec, signals the operator and ends when the simulator holds the new job; specsRendered counts the renders of the round. ' +
          'The signal is a signed GitHub push webhook to the operator\'s API, which rings an incremental pass at once: a fetch, then only the specs the commit changed are rendered and queued. ' +
          'The floor, alternating with the rounds: a commit fetched into a bare clone of the repository (`git fetch`) and one register of the changed job on a kept connection.',
      };
      await profileIfMissed(entry, opts.quick, async () => {
        for (let k = rounds; k < rounds + 3; k++) await opRound(k);
      });
      return entry;
    } finally {
      await operator.stop();
    }
  } finally {
    nomad.close();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
