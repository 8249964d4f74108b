/** `nomadguard status [JOB]`: reconcile status from a running operator. */
import type { Command } from 'commander';
import type { JobStatus, OperatorStatus } from '../../../crd-schemas/status';
import { CliError, type CliContext, type RegisterCommand } from '../context';
import { callOperator, operatorAddr } from '../operator-client';
import { formatTable } from '../table';
import { progressText } from '../sync-wait';

const short = (sha?: string): string => (sha ? sha.slice(0, 8) : '-');

function lastMessage(job: JobStatus): string {
  if (job.lastError) return `${job.lastError.reason}: ${job.lastError.message}`;
  const newest = [...job.conditions].sort((a, b) => b.lastTransitionTime.localeCompare(a.lastTransitionTime))[0];
  return newest ? `${newest.reason}: ${newest.message}` : '';
}

function describeJob(job: JobStatus): string {
  const lines = [
    `Job:            ${job.key}`,
    ...(job.cluster !== undefined ? [`Cluster:        ${job.cluster}`] : []),
    `Phase:          ${job.phase}`,
    `Spec:           ${job.spec ?? '-'}`,
    `Desired commit: ${job.desiredCommit ?? '-'}`,
    `Applied commit: ${job.appliedCommit ?? '-'}`,
    `Job version:    ${job.jobVersion ?? '-'} (modify index ${job.jobModifyIndex ?? '-'})`,
  ];
  if (job.rollout) lines.push(`Rollout:        ${progressText(job)}`);
  if (job.lastError) lines.push(`Last error:     ${job.lastError.reason}: ${job.lastError.message} (${job.lastError.time})`);
  if (job.conditions.length > 0) {
    lines.push('', 'Conditions:');
    for (const c of job.conditions) lines.push(`  ${c.type}=${c.status}  ${c.reason}: ${c.message}  (since ${c.lastTransitionTime})`);
  }
  if (job.lastDiff && job.lastDiff.length > 0) lines.push('', 'Last diff:', ...job.lastDiff.map((l) => `  ${l}`));
  if (job.history.length > 0) {
    lines.push('', 'History:');
    for (const h of job.history) lines.push(`  ${h.time}  ${h.event}: ${h.message}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The jobs a name given on the command line means, by the first rule that matches any: the key
 * (`namespace/job`), the job ID, then the spec (its path, or its folder: `es/broken` is
 * `es/broken/nomadgen.toml`), which is how a spec too broken to name its job is found.
 */
export function findJobs(jobs: readonly JobStatus[], name: string): JobStatus[] {
  const rules: Array<(j: JobStatus) => boolean> = [
    (j) => j.key === name,
    (j) => j.jobId === name,
    (j) => j.spec !== undefined && (j.spec === name || j.spec === `${name.replace(/\/+$/, '')}/nomadgen.toml`),
  ];
  for (const rule of rules) {
    const found = jobs.filter(rule);
    if (found.length > 0) return found;
  }
  return [];
}

/** `source <name> (cluster <c>): <repo> <branch> @ <commit> (<state>)`; the repository once when it is the name. */
export function sourceLine(s: OperatorStatus['sources'][number]): string {
  const state = s.healthy ? 'healthy' : `UNHEALTHY: ${s.lastError?.message ?? 'unknown error'}`;
  const cluster = s.cluster !== undefined ? ` (cluster ${s.cluster})` : '';
  const where = s.name === s.repo ? `${s.repo}${cluster}` : `${s.name}${cluster}: ${s.repo}`;
  return `source ${where} ${s.branch} @ ${short(s.lastProcessedCommit ?? s.lastFetchedCommit)} (${state})`;
}

async function status(ctx: CliContext, job: string | undefined, opts: { addr?: string; json?: boolean }): Promise<void> {
  const addr = operatorAddr(ctx, opts.addr);
  const res = await callOperator(addr, '/api/v1/status');
  if (res.status !== 200) throw new CliError(`the operator at ${addr} answered ${res.status}`);
  const all = res.body as OperatorStatus;
  if (job) {
    const matches = findJobs(all.jobs, job);
    if (matches.length !== 1) throw new CliError(matches.length === 0 ? `no job ${job} is known to the operator` : new Set(matches.map((j) => j.key)).size === 1 ? `${job} is known in several clusters (${matches.map((j) => j.cluster ?? '-').join(', ')}); see status --json` : `${job} is in several namespaces; name it as namespace/job`);
    ctx.stdout(opts.json ? `${JSON.stringify(matches[0], null, 2)}\n` : describeJob(matches[0]));
    return;
  }
  if (opts.json) {
    ctx.stdout(`${JSON.stringify(all, null, 2)}\n`);
    return;
  }
  for (const s of all.sources) ctx.stdout(`${sourceLine(s)}\n`);
  // Several clusters: a CLUSTER column first; one cluster: the table as it always was.
  const several = all.sources.some((s) => s.cluster !== undefined);
  const rows = [...all.jobs]
    .sort((a, b) => a.key.localeCompare(b.key) || (a.cluster ?? '').localeCompare(b.cluster ?? ''))
    .map((j) => [...(several ? [j.cluster ?? '-'] : []), j.key, j.phase, j.jobVersion === undefined ? '-' : String(j.jobVersion), short(j.desiredCommit), lastMessage(j)]);
  ctx.stdout(formatTable([...(several ? ['CLUSTER'] : []), 'JOB', 'PHASE', 'VERSION', 'COMMIT', 'MESSAGE'], rows));
}

export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('status')
    .description('Show reconcile status from a running operator: every job, or one in detail.')
    .argument('[job]', 'a job as namespace/job, a job ID unique across namespaces, or a spec (its path or folder)')
    .option('--addr <url>', 'the operator HTTP address (default: $NOMADGUARD_ADDR or http://127.0.0.1:4680)')
    .option('--json', 'machine-readable output')
    .action((job: string | undefined, opts: { addr?: string; json?: boolean }) => status(ctx, job, opts));
};
