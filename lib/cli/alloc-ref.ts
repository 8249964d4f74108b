/**
 * `ALLOC|JOB [TASK]`, as `logs` and `exec` take it, resolved to one allocation and one task.
 *
 * - An argument of 2 to 36 hex digits (hyphens allowed) is first taken as an allocation ID prefix, looked up
 *   in every namespace the token can see. Nomad's CLI wants at least two characters (command/alloc_logs.go)
 *   and sends only an even number of hex digits (command/helpers.go `sanitizeUUIDPrefix`); here the whole
 *   prefix is matched. One match is the allocation; several are listed and refused.
 * - Otherwise (or when no allocation matches) it is a job: a job ID in any namespace, `TEAM/NAME`, or a spec
 *   name (`cerebro` for `p-es-cerebro`). The job's newest running allocation is taken (the newest of any
 *   status when none runs and the caller allows it) and the choice is reported. Several jobs are listed and
 *   refused.
 * - TASK defaults to the group's only task, else its only main task (one without a lifecycle hook); several
 *   are listed and the user is asked to name one.
 *
 * Every refusal is a CliError (exit 1) saying what to do.
 */
import type { AllocListStub, JobListStub, Task } from '../core/nomad/types';
import type { NomadAllocApi } from '../ports/nomad-alloc';
import type { NomadApi } from '../ports/nomad-api';
import { CliError } from './context';

/** The ports the resolution reads through. */
export interface AllocRefDeps {
  nomad: Pick<NomadApi, 'listJobs' | 'jobAllocations'>;
  allocs: Pick<NomadAllocApi, 'allocationsByPrefix' | 'readAllocation'>;
}

/** The allocation and task a reference resolved to. */
export interface ResolvedAlloc {
  id: string;
  namespace: string;
  jobId: string;
  group: string;
  task: string;
  clientStatus: string;
  /** The full allocation as read. */
  allocation: Record<string, unknown>;
  /** Set when a job name picked the allocation: the line saying which one. */
  chosen?: string;
}

const UUID_PREFIX = /^[0-9a-f][0-9a-f-]{1,35}$/i;

function describe(a: AllocListStub): string {
  return `${a.ID.slice(0, 8)}  ${a.Namespace}/${a.JobID}  ${a.Name}  ${a.ClientStatus}${a.NodeName ? `  on ${a.NodeName}` : ''}`;
}

/** Whether a job list stub is the job the user named. */
function jobMatches(j: JobListStub, target: string): 'exact' | 'name' | undefined {
  const ns = j.Namespace || 'default';
  if (j.ID === target) return 'exact';
  const slash = target.indexOf('/');
  if (slash > 0) {
    const team = target.slice(0, slash);
    const name = target.slice(slash + 1);
    if (ns === team && (j.ID === name || new RegExp(`^[a-z]-${escapeRe(team)}-${escapeRe(name)}$`).test(j.ID))) return 'exact';
    return undefined;
  }
  return new RegExp(`^[a-z]-[a-z0-9-]+-${escapeRe(target)}$`).test(j.ID) ? 'name' : undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Resolves `target` (and `task`) to an allocation and task. `requireRunning`: a job must have a running allocation. */
export async function resolveAllocRef(deps: AllocRefDeps, target: string, task: string | undefined, opts: { requireRunning: boolean }): Promise<ResolvedAlloc> {
  if (!target) throw new CliError('an allocation ID (or prefix) or a job is required');
  let stub: AllocListStub | undefined;
  let chosen: string | undefined;
  if (UUID_PREFIX.test(target)) {
    const found = await deps.allocs.allocationsByPrefix(target);
    if (found.length > 1) {
      const list = found
        .sort((a, b) => a.ID.localeCompare(b.ID))
        .map((a) => `  ${describe(a)}`)
        .join('\n');
      throw new CliError(`allocation prefix "${target}" matches ${found.length} allocations; give more of the ID:\n${list}`);
    }
    stub = found[0];
  }
  if (!stub) {
    const jobs = (await deps.nomad.listJobs({ namespace: '*' })).items;
    const exact = jobs.filter((j) => jobMatches(j, target) === 'exact');
    const named = exact.length ? exact : jobs.filter((j) => jobMatches(j, target) === 'name');
    if (named.length === 0) {
      const hint = target.length === 1 && /^[0-9a-f]$/i.test(target) ? ' (an allocation ID prefix needs at least two characters)' : '';
      throw new CliError(`no allocation or job matches "${target}"${hint}; see \`nomadguard ps\``);
    }
    if (named.length > 1) {
      const list = named.map((j) => `  ${j.Namespace || 'default'}/${j.ID}`).join('\n');
      throw new CliError(`"${target}" names ${named.length} jobs; give the job ID or TEAM/NAME:\n${list}`);
    }
    const job = named[0];
    const ns = job.Namespace || 'default';
    const allocs = (await deps.nomad.jobAllocations(ns, job.ID)).items;
    const newest = (list: AllocListStub[]): AllocListStub | undefined => [...list].sort((a, b) => b.CreateIndex - a.CreateIndex || b.ID.localeCompare(a.ID))[0];
    const running = newest(allocs.filter((a) => a.ClientStatus === 'running' && a.DesiredStatus === 'run'));
    stub = running ?? (opts.requireRunning ? undefined : newest(allocs));
    if (!stub) throw new CliError(`job ${ns}/${job.ID} has no ${opts.requireRunning ? 'running ' : ''}allocation`);
    const why = running ? 'its newest running allocation' : `no allocation runs; its newest (${stub.ClientStatus})`;
    chosen = `job ${ns}/${job.ID}: ${why}, ${stub.ID.slice(0, 8)} (${stub.Name}${stub.NodeName ? ` on ${stub.NodeName}` : ''})`;
  }
  const { items: allocation } = await deps.allocs.readAllocation(stub.ID, { namespace: stub.Namespace });
  const group = (allocation.Job as { TaskGroups?: Array<{ Name: string; Tasks?: Task[] | null }> } | undefined)?.TaskGroups?.find((g) => g.Name === stub.TaskGroup);
  const states = Object.keys((allocation.TaskStates as Record<string, unknown> | undefined) ?? {});
  const tasks: Task[] = group?.Tasks ?? states.map((Name) => ({ Name, Driver: '' }));
  const names = tasks.map((t) => t.Name);
  let picked: string;
  if (task) {
    if (!names.includes(task)) throw new CliError(`allocation ${stub.ID.slice(0, 8)} has no task "${task}" (tasks: ${names.join(', ')})`);
    picked = task;
  } else if (tasks.length === 1) picked = tasks[0].Name;
  else {
    const main = tasks.filter((t) => !t.Lifecycle?.Hook);
    if (main.length !== 1) throw new CliError(`allocation ${stub.ID.slice(0, 8)} runs tasks ${names.join(', ')}; name one as TASK`);
    picked = main[0].Name;
  }
  return { id: stub.ID, namespace: stub.Namespace, jobId: stub.JobID, group: stub.TaskGroup, task: picked, clientStatus: stub.ClientStatus, allocation, chosen: chosen && `${chosen}, task ${picked}` };
}
