/** `nomadguard sync [JOB... | --all]`: on-call asks a running operator to resync now, bypassing backoff. */
import type { Command } from 'commander';
import { CliError, type CliContext, type RegisterCommand } from '../context';
import { callOperator, operatorAddr } from '../operator-client';
import type { SyncResponse } from '../../server/status-app';

async function sync(ctx: CliContext, jobs: string[], opts: { all?: boolean; addr?: string; json?: boolean }): Promise<void> {
  if (!opts.all && jobs.length === 0) throw new CliError('name the jobs to resync (namespace/job or job ID), or pass --all', 2);
  if (opts.all && jobs.length > 0) throw new CliError('give either job names or --all, not both', 2);
  const addr = operatorAddr(ctx, opts.addr);
  const res = await callOperator(addr, '/api/v1/sync', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(opts.all ? { all: true } : { jobs }),
    token: ctx.env.NOMADGUARD_TOKEN,
  });
  if (res.status === 401) throw new CliError('the operator wants a token for syncs: set NOMADGUARD_TOKEN');
  if (res.status !== 202 && res.status !== 404) throw new CliError(`the operator at ${addr} answered ${res.status}: ${JSON.stringify(res.body)}`);
  const answer = res.body as SyncResponse;
  if (opts.json) ctx.stdout(`${JSON.stringify(answer, null, 2)}\n`);
  else {
    if (answer.all) ctx.stdout('resync of every job queued\n');
    for (const key of answer.accepted) ctx.stdout(`resync queued: ${key}\n`);
  }
  for (const name of answer.unknown) ctx.stderr(`nomadguard: no job ${name} is known to the operator (or it is in several namespaces: use namespace/job)\n`);
  ctx.exitCode = answer.unknown.length > 0 ? 1 : 0;
}

export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('sync')
    .description('Force a running operator to resync jobs now, bypassing backoff (and a fresh git fetch with --all).')
    .argument('[jobs...]', 'jobs as namespace/job, or job IDs unique across namespaces')
    .option('--all', 'resync every job')
    .option('--addr <url>', 'the operator HTTP address (default: $NOMADGUARD_ADDR or http://127.0.0.1:4680)')
    .option('--json', 'machine-readable output')
    .action((jobs: string[], opts: { all?: boolean; addr?: string; json?: boolean }) => sync(ctx, jobs, opts));
};
