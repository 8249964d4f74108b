/**
 * `nomadguard dev`: everything on one machine, for a first look and for demos. Starts the simulated
 * two-datacenter Nomad + Consul, writes an example spec repository (a real git repo in a temp folder),
 * runs the operator against it with readable logs and serves the dashboard. Ctrl-C stops it all. With
 * `--instances N` (N ≥ 2) it runs N operator processes that elect a leader (dev-instances.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import pino from 'pino';
import pretty from 'pino-pretty';
import { buildOperatorDeps, startOperator } from '../../../controllers';
import { createExampleRepo } from '../../dev/example-repo';
import { EXAMPLE_SPECS } from '../../dev/example-specs';
import { SystemClock } from '../../runtime/clock';
import { Simulator } from '../../sim';
import { CliError, type CliContext, type RegisterCommand } from '../context';
import { parseListen, serveOperator } from '../operator-server';
import { failoverGuide, leaderOf, startInstances, stopInstances } from './dev-instances';

interface DevOptions {
  listen: string;
  seed: string;
  poll: string;
  instances: string;
}

function guide(repoDir: string, dashboard: string, sim: Simulator): string {
  const specs = EXAMPLE_SPECS.map((s) => `    ${s.path.padEnd(28)} ${s.shows}`).join('\n');
  return `
nomadguard dev is running.

  Dashboard         ${dashboard}/
  Status API        ${dashboard}/api/v1/status      metrics: ${dashboard}/metrics
  Nomad API         ${sim.nomadUrl}
  Consul API        ${sim.consulUrl}
  Spec repository   ${repoDir}  (branch main)

  Example specs:
${specs}

  Try:
    # edit a spec and commit: the job updates within seconds
    cd ${repoDir} && sed -i 's/count = 2 /count = 4 /' web/shop/nomadgen.toml && git commit -qam "shop: 4 instances"
    # change a managed job by hand: the operator reverts it
    curl -s ${sim.nomadUrl}/v1/job/p-web-shop?namespace=web | jq '.Meta.contact = "someone-else" | {Job: .}' | curl -s -X POST -d @- ${sim.nomadUrl}/v1/jobs?namespace=web
    # see what runs where
    NOMAD_ADDR=${sim.nomadUrl} CONSUL_HTTP_ADDR=${sim.consulUrl} nomadguard ps
    NOMADGUARD_ADDR=${dashboard} nomadguard status
    NOMADGUARD_ADDR=${dashboard} nomadguard sync --all

  Ctrl-C stops everything.
`;
}

async function dev(ctx: CliContext, opts: DevOptions): Promise<void> {
  const seed = Number(opts.seed);
  if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got ${JSON.stringify(opts.seed)}`, 2);
  const count = Number(opts.instances);
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new CliError(`--instances must be 1 to 9, got ${JSON.stringify(opts.instances)}`, 2);
  const clock = new SystemClock();
  const out = new Writable({ write(chunk: Buffer, _enc, done) { ctx.stdout(chunk.toString()); done(); } });
  const logger = pino(
    { name: 'nomadguard', level: ctx.env.NOMADGUARD_LOG_LEVEL ?? 'info' },
    pretty({ destination: out, sync: true, colorize: process.stdout.isTTY === true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,name', singleLine: true }),
  );

  // Job durations (min healthy time, deadlines) run ten times faster than written, so a demo converges in seconds.
  const sim = await Simulator.start({ clock, seed, timings: { timeScale: 0.1, allocStartMs: 500 } });
  const workDir = await mkdtemp(join(tmpdir(), 'nomadguard-dev-'));
  try {
    const repo = await createExampleRepo(workDir);
    const configFile = join(workDir, 'nomadguard.yaml');
    await writeFile(configFile, `apiVersion: nomadguard/v1\nkind: OperatorConfig\nsource:\n  repo: ${JSON.stringify(repo.dir)}\n  branch: main\n  pollInterval: ${JSON.stringify(opts.poll)}\n`);
    const env: NodeJS.ProcessEnv = { ...ctx.env, NOMAD_ADDR: sim.nomadUrl, CONSUL_HTTP_ADDR: sim.consulUrl };
    delete env.NOMAD_TOKEN;
    delete env.CONSUL_HTTP_TOKEN;
    if (count > 1) {
      const { host, port } = parseListen(opts.listen);
      const instances = startInstances(count, { configFile, workDir: join(workDir, 'operators'), listenHost: host, basePort: port, env, out: ctx.stdout });
      try {
        const urls = await Promise.all(instances.map((i) => i.url));
        let leader = await leaderOf(instances);
        for (let i = 0; !leader && i < 100 && !ctx.signal.aborted; i++) {
          await clock.sleep(100); // the first election takes one Consul round trip; the status says when it is done
          leader = await leaderOf(instances);
        }
        ctx.stdout(guide(repo.dir, urls[0], sim));
        ctx.stdout(await failoverGuide(instances, leader));
        await new Promise<void>((resolve) => {
          if (ctx.signal.aborted) resolve();
          else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
        });
      } finally {
        await stopInstances(instances);
      }
      ctx.stdout('nomadguard dev stopped\n');
      return;
    }
    const deps = await buildOperatorDeps({ configFile, env, cwd: ctx.cwd, workDir: join(workDir, 'operator'), clock, logger, notify: true, tuning: { healthPollMs: 500 } });
    try {
      const operator = startOperator(deps, { sighup: false });
      const server = await serveOperator(operator, opts.listen, { metrics: deps.metrics?.registry });
      ctx.stdout(guide(repo.dir, server.url, sim));
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      logger.info('stopping');
      await server.close();
      await operator.stop();
    } finally {
      deps.close();
    }
  } finally {
    await sim.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  ctx.stdout('nomadguard dev stopped\n');
}

export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('dev')
    .description('Run the operator on an embedded two-datacenter simulated cluster, with an example spec repo and the dashboard')
    .option('--listen <addr>', 'dashboard and API address (port 0 picks a free port)', '127.0.0.1:4680')
    .option('--seed <n>', 'simulator seed', '1')
    .option('--poll <duration>', 'git poll interval', '2s')
    .option('--instances <n>', 'operator processes on the one cluster: with 2 or more they elect a leader (kill it to watch another take over)', '1')
    .action((opts: DevOptions) => dev(ctx, opts));
};
