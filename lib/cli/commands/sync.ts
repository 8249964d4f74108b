/**
 * `nomadguard sync [JOB... | --team T | --all] [--wait]`: on-call asks a running operator to resync now,
 * bypassing backoff; with `--wait`, follows the jobs until each converged or failed (see sync-wait.ts).
 */
import type { Command } from 'commander';
import type { OperatorStatus } from '../../../crd-schemas/status';
import { CliError, type CliContext, type RegisterCommand } from '../context';
import { callOperator, operatorAddr } from '../operator-client';
import { WAIT_EXIT, waitForJobs } from '../sync-wait';
import { parseDurationMs } from '../../runtime/triggers';
import type { SyncResponse } from '../../server/status-app';

interface SyncOptions {
  all?: boolean;
  team?: string;
  addr?: string;
  json?: boolean;
  wait?: boolean;
  timeout: string;
  interval: string;
}

/** A duration flag: `90s`, `10m`, `1h30m`, or a bare number of seconds. */
function durationFlag(flag: string, text: string): number {
  let ms: number;
  try {
    ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : parseDurationMs(text);
  } catch {
    ms = NaN;
  }
  if (!Number.isFinite(ms) || ms <= 0) throw new CliError(`${flag}: not a duration (e.g. 90s, 10m): ${text}`, 2);
  return ms;
}

/** The keys of a team's jobs (the team is the namespace), from the operator's status. */
async function teamKeys(addr: string, team: string): Promise<string[]> {
  const res = await callOperator(addr, '/api/v1/status');
  if (res.status !== 200) throw new CliError(`the operator at ${addr} answered ${res.status}`);
  const keys = (res.body as OperatorStatus).jobs.filter((j) => j.namespace === team).map((j) => j.key);
  if (keys.length === 0) throw new CliError(`no job of team ${team} is known to the operator`);
  return keys;
}

async function sync(ctx: CliContext, jobs: string[], opts: SyncOptions): Promise<void> {
  const given = [opts.all ? 1 : 0, opts.team !== undefined ? 1 : 0, jobs.length > 0 ? 1 : 0].reduce((a, b) => a + b, 0);
  if (given === 0) throw new CliError('name the jobs to resync (namespace/job or job ID), or pass --all', 2);
  if (given > 1) throw new CliError(opts.team !== undefined ? 'give one of job names, --team or --all' : 'give either job names or --all, not both', 2);
  const timeoutMs = durationFlag('--timeout', opts.timeout);
  const intervalMs = durationFlag('--interval', opts.interval);
  const addr = operatorAddr(ctx, opts.addr);
  const names = opts.team !== undefined ? await teamKeys(addr, opts.team) : jobs;
  const res = await callOperator(addr, '/api/v1/sync', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(opts.all ? { all: true } : { jobs: names }),
    token: ctx.env.NOMADGUARD_TOKEN,
  });
  if (res.status === 401) throw new CliError('the operator wants a token for syncs: set NOMADGUARD_TOKEN');
  const refusal = (res.body as { error?: unknown } | undefined)?.error;
  if (res.status === 503 && typeof refusal === 'string') throw new CliError(`the operator at ${addr}: ${refusal}`);
  if (res.status !== 202 && res.status !== 404) throw new CliError(`the operator at ${addr} answered ${res.status}: ${JSON.stringify(res.body)}`);
  const answer = res.body as SyncResponse;
  if (opts.json && !opts.wait) ctx.stdout(`${JSON.stringify(answer, null, 2)}\n`);
  else if (!opts.json) {
    if (answer.all) ctx.stdout('resync of every job queued\n');
    for (const key of answer.accepted) ctx.stdout(`resync queued: ${key}\n`);
  }
  for (const name of answer.unknown) ctx.stderr(`nomadguard: no job ${name} is known to the operator (or it is in several namespaces: use namespace/job)\n`);
  ctx.exitCode = answer.unknown.length > 0 ? 1 : 0;
  if (!opts.wait || (!answer.all && answer.accepted.length === 0)) return;

  const result = await waitForJobs(ctx, { addr, keys: answer.all ? undefined : answer.accepted, generation: answer.generation, timeoutMs, intervalMs, json: opts.json === true });
  const code = result.outcome === 'converged' ? WAIT_EXIT.converged : result.outcome === 'failed' ? WAIT_EXIT.failed : WAIT_EXIT.timedOut;
  // A name the operator does not know is a failure whatever the wait found.
  ctx.exitCode = answer.unknown.length > 0 ? WAIT_EXIT.failed : code;
  if (opts.json) {
    ctx.stdout(`${JSON.stringify({ ...answer, outcome: result.outcome, jobs: result.jobs }, null, 2)}\n`);
    return;
  }
  const counts = new Map<string, number>();
  for (const j of result.jobs) {
    const label = j.verdict === 'waiting' || j.verdict === 'gone' ? j.verdict : (j.phase ?? j.verdict);
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const parts = [...counts].sort((a, b) => a[0].localeCompare(b[0])).map(([label, n]) => `${n} ${label}`);
  const verdict = result.outcome === 'converged' ? 'converged' : result.outcome === 'failed' ? 'failed' : `timed out after ${Math.round(timeoutMs / 1000)}s`;
  ctx.stdout(`Sync ${verdict} (exit ${ctx.exitCode}): ${parts.length > 0 ? parts.join(', ') : 'no jobs'}.\n`);
}

export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('sync')
    .description('Force a running operator to resync jobs now, bypassing backoff (and a fresh git fetch with --all).')
    .argument('[jobs...]', 'jobs as namespace/job, or job IDs unique across namespaces')
    .option('--all', 'resync every job')
    .option('--team <team>', "resync every job of a team (its namespace)")
    .option('--wait', 'follow the jobs until each is Healthy or has failed, or --timeout passes')
    .option('--timeout <duration>', 'with --wait: give up after this long (90s, 10m; a bare number is seconds)', '10m')
    .option('--interval <duration>', "with --wait: how often the operator's status is read", '2s')
    .option('--addr <url>', 'the operator HTTP address (default: $NOMADGUARD_ADDR or http://127.0.0.1:4680)')
    .option('--json', 'machine-readable output (with --wait: one document at the end)')
    .addHelpText(
      'after',
      '\nWith --wait, one line per job (phase, deployment progress, healthy/desired allocations), redrawn on a\n' +
        'terminal and printed on change otherwise. A job counts once the operator looked at it after the sync.\n\n' +
        'Exit codes:\n' +
        '  0  the sync was queued (with --wait: every job is Healthy, Synced or Pruned)\n' +
        '  1  a job is unknown, or the operator is unreachable (with --wait: a job is Degraded, Invalid, Error,\n' +
        '     OutOfSync, Suspended or stalled)\n' +
        '  2  usage error\n' +
        '  3  with --wait: --timeout passed while a job was still progressing\n',
    )
    .action((jobs: string[], opts: SyncOptions) => sync(ctx, jobs, opts));
};
