/**
 * What the operator scenarios share: figures (median, min, max of rounds), a spec repository of N specs in
 * a temp folder, a cluster seeded as the operator would have left it, and the operator itself wired as
 * `nomadguard run` wires it (real HTTP clients, the git source, the pipeline) against the simulator.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import pino from 'pino';
import { defaultOperatorConfig } from '../crd-schemas/operator-config';
import { defaultPolicy } from '../crd-schemas/policy';
import { HASH_SCHEME } from '../lib/core/hash';
import { renderSpec } from '../lib/core/pipeline';
import type { Job } from '../lib/core/nomad/types';
import type { JobRecord } from '../lib/core/plan';
import type { NomadApi } from '../lib/ports/nomad-api';
import type { Simulator } from '../lib/sim';
import { buildOperatorDeps, startOperator, type OperatorHandle } from '../controllers';
import type { OperatorDeps, OperatorTuning } from '../controllers/job-sync/types';
import { serveOperator } from '../lib/cli/operator-server';
import { createWebhookEndpoint } from '../lib/server/webhook-endpoint';
import { webhookTarget } from '../controllers/webhooks';

/** Median, min and max of a set of measurements, rounded. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  rounds: number;
}

/** Rounds `x` to `digits` decimals. */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The median (upper middle for an even count), min and max of `xs`. */
export function spread(xs: readonly number[], digits = 1): Spread {
  const s = [...xs].sort((a, b) => a - b);
  return { median: round(s[Math.floor(s.length / 2)], digits), min: round(s[0], digits), max: round(s[s.length - 1], digits), rounds: s.length };
}

/** The median of `xs`. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The source identity every scenario's jobs carry. */
export const BENCH_SOURCE = 'bench-specs';

/** git with a fixed identity and locale. */
export const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.com', LC_ALL: 'C' };

/** Runs git in `dir`; returns its trimmed stdout. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { env: GIT_ENV, encoding: 'utf8', maxBuffer: 64 << 20 }).trim();
}

/** How many teams the specs are spread over. */
export const TEAMS = 20;

/** The text of bench spec `i` (`version` moves its image tag, the change a one-spec commit makes). */
export function specText(i: number, version = i % 10): string {
  return `name = "svc${i}"\ntier = "test"\ncontact = "team${i % 50}@example.com"\n\n[[group]]\nname = "main"\ncount = 2\n\n  [[group.task]]\n  name = "svc${i}"\n  image = "registry.internal/acme/svc${i}:1.0.${version}"\n  cpu = 100\n  memory = 128\n  port = 8080\n  check = { type = "http", path = "/health" }\n`;
}

/** The repository path of bench spec `i`. */
export function specFile(i: number): string {
  return `team${i % TEAMS}/svc${i}/nomadgen.toml`;
}

/** A git repository of `n` bench specs at `dir` (branch main, one commit); returns its head. */
export function makeSpecRepo(dir: string, n: number): string {
  for (let i = 0; i < n; i++) {
    const file = path.join(dir, specFile(i));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, specText(i));
  }
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env: GIT_ENV });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'specs');
  return git(dir, 'rev-parse', 'HEAD');
}

/** Renders bench specs `0..n-1` at `commit` as the operator would. */
export function renderBenchJobs(n: number, commit: string): Array<{ job: Job; hash: string }> {
  const { config } = benchEnv();
  const env = { config, policy: defaultPolicy() };
  const out: Array<{ job: Job; hash: string }> = [];
  for (let i = 0; i < n; i++) {
    const r = renderSpec({ text: specText(i), file: specFile(i), team: `team${i % TEAMS}`, commit, source: BENCH_SOURCE }, env);
    if (!r.ok || !r.job || !r.hash) throw new Error(`bench spec ${specFile(i)} does not render: ${r.diagnostics.map((d) => d.message).join('; ')}`);
    out.push({ job: r.job, hash: r.hash });
  }
  return out;
}

/** The operator config as the wiring reads it with no file, named as the bench's jobs are. */
function benchEnv(): { config: OperatorDeps['config'] } {
  const base = defaultOperatorConfig({});
  return { config: { ...base, source: { ...base.source, name: BENCH_SOURCE } } };
}

/**
 * Seeds the simulator with bench jobs `0..n-1` as the operator would have registered them at `commit`,
 * and writes the state file holding the operator's record of each; returns the rendered jobs.
 */
export async function seedCluster(sim: Simulator, nomad: NomadApi, n: number, commit: string, stateFile: string): Promise<Array<{ job: Job; hash: string }>> {
  const rendered = renderBenchJobs(n, commit);
  sim.seedJobs(rendered.map((r) => r.job));
  const hashes = new Map(rendered.map((r) => [`${r.job.Namespace}/${r.job.ID}`, r.hash]));
  const { items } = await nomad.listJobs({ namespace: '*', meta: true });
  const records: Record<string, JobRecord> = {};
  for (const s of items) records[`${s.Namespace}/${s.ID}`] = { jobModifyIndex: s.JobModifyIndex, hash: hashes.get(`${s.Namespace}/${s.ID}`) ?? '', scheme: HASH_SCHEME, commit };
  fs.mkdirSync(path.dirname(stateFile), { recursive: true });
  // Written once, as the store would have after N writes (N puts would rewrite the file N times).
  fs.writeFileSync(stateFile, JSON.stringify({ version: 1, jobs: records }));
  return rendered;
}

/** Options of `startBenchOperator`. */
export interface BenchOperatorOptions {
  nomadUrl: string;
  consulUrl: string;
  repo: string;
  workDir: string;
  /** A local state file; without it the state lives in the simulator's Consul KV, as by default. */
  stateFile?: string;
  /** The live watch (default on, as `nomadguard run`). */
  watch?: boolean;
  /** Serve the operator API on a free loopback port. */
  listen?: boolean;
  tuning?: Partial<OperatorTuning>;
  /** Wraps the Nomad client (to observe what the operator asks of Nomad). */
  wrapNomad?: (nomad: NomadApi) => NomadApi;
}

/** A running bench operator. */
export interface BenchOperator {
  op: OperatorHandle;
  deps: OperatorDeps;
  /** The operator API's URL (with `listen`). */
  apiUrl?: string;
  /** Specs rendered so far. */
  renders(): number;
  stop(): Promise<void>;
}

/** The push webhooks' shared secret of the benchmark operator. */
export const BENCH_WEBHOOK_SECRET = 'bench-webhook-secret';

/**
 * Starts the operator as `nomadguard run` does (the wiring, `startOperator`, the API), with the poll and
 * the cron resync far off so only the start, the scenario's signals and the live watch cause passes.
 */
export async function startBenchOperator(o: BenchOperatorOptions): Promise<BenchOperator> {
  const env = { NOMAD_ADDR: o.nomadUrl, CONSUL_HTTP_ADDR: o.consulUrl };
  const built = await buildOperatorDeps({ repo: o.repo, workDir: o.workDir, stateFile: o.stateFile, env, cwd: process.cwd(), logger: pino({ level: 'silent' }), tuning: o.tuning });
  let renders = 0;
  const render = built.render;
  const deps: OperatorDeps = {
    ...built,
    nomad: o.wrapNomad ? o.wrapNomad(built.nomad) : built.nomad,
    config: { ...built.config, source: { ...built.config.source, name: BENCH_SOURCE, pollInterval: '24h' } },
    render: (input) => {
      renders++;
      if (process.env.BENCH_DEBUG) process.stderr.write(`render ${input.file}\n`);
      return render(input);
    },
  };
  const op = startOperator(deps, { watch: o.watch !== false, sighup: false, cron: false });
  const webhooks = createWebhookEndpoint({ secret: BENCH_WEBHOOK_SECRET, target: webhookTarget(op) });
  const server = o.listen ? await serveOperator(op, '127.0.0.1:0', { webhooks }) : undefined;
  return {
    op,
    deps,
    apiUrl: server?.url,
    renders: () => renders,
    async stop() {
      await server?.close();
      await op.stop();
      built.close();
    },
  };
}

/** Resolves once `cond()` holds, checking every `everyMs`; rejects after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs: number, what: string, everyMs = 1): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Sums request counts whose route matches `pred` (all when omitted). */
export function calls(counts: Record<string, number>, pred: (route: string) => boolean = () => true): number {
  let n = 0;
  for (const [k, v] of Object.entries(counts)) if (pred(k)) n += v;
  return n;
}

/** Nothing queued nor being reconciled (keys waiting on a timer, such as health follows, allowed). */
export function quiet(op: OperatorHandle): boolean {
  return op.manager.queue.len() === 0 && op.manager.queue.processingCount() === 0;
}
