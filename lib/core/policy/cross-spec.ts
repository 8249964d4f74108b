/**
 * Rules over the whole repository: no two specs produce the same job ID or Consul service name
 * (uniqueJobId) or the same traefik host (uniqueHost). Job IDs are compared whatever namespace the jobs
 * land in: `x/y-z` and `x-y/z` both give `t-x-y-z`, whose Consul service and host `t-x-y-z.<domain>` exist
 * once for the whole platform. Service names are compared with job IDs too: the service `t-x-y-z` of task
 * `z` in job `t-x-y` would share its instances (and its traefik router and service, named after it) with
 * the job `t-x-y-z`.
 *
 * The holder keeps what it holds and keeps deploying; every other claimant gets the error, which names the
 * holder. The holder is the claimant whose own job the live view says it wrote (`holders`: job key ->
 * the spec path the live job names in `nomadguard.spec`); when the caller knows no live view (`validate`)
 * or none of the claimants holds a live job, it is the first claimant by path. So a spec added later, at
 * whatever path, never takes a job ID or host from a running service.
 *
 * A spec that is not deployed as rendered (`invalid`: it has errors, or rendered nothing) leaves its live
 * job as it is, and that job keeps every service it registered, whatever the spec says now. So for every
 * held job whose spec is such a spec, the job ID `J` (the part of the key after "/") stands for what that
 * job may have registered: the generator names a job's services `J` or `J-<task>` (`J-<group>-<task>`)
 * and routes it only on `J.<domain>` (generate/job-id.ts serviceNames, modifiers/traefik.ts). Every other
 * spec that does not hold its own job is refused a job ID or service name equal to `J` or beginning with
 * `J-`, and a host whose first label is `J`, until that spec is valid or gone. A spec that holds its own
 * job live keeps what it has: the two jobs already run side by side.
 *
 * Codes: DUPLICATE_JOB_ID, DUPLICATE_SERVICE, DUPLICATE_HOST. Diagnostics carry `file` and `path: ['name']`; the caller
 * resolves the position with the spec's own position index.
 */
import type { Diagnostic } from '../diagnostics';
import type { Job, JobListStub } from '../nomad/types';
import { META } from '../plan/types';
import { isSourceOf } from '../source-id';
import { defaultPolicy, type Policy } from '../../../crd-schemas/policy';

/** One rendered spec as the repository rules see it; `hosts` are traefik hosts (a path prefix may follow a `/`). */
export interface RenderedSpecSummary {
  file: string;
  jobId?: string;
  /** The job's key (`<namespace>/<job id>`), looked up in `holders`. */
  key?: string;
  hosts: string[];
  /** The Consul service names of the job (see serviceNamesOf); compared with every job ID and service name. */
  services?: string[];
  /** The spec is not deployed as rendered (errors, or nothing rendered): its live job keeps what it registered. */
  invalid?: boolean;
}

/** The Consul service names a job registers, sorted. */
export function serviceNamesOf(job: Job): string[] {
  const names = new Set<string>();
  for (const g of job.TaskGroups) for (const t of g.Tasks) for (const s of t.Services ?? []) names.add(s.Name);
  for (const g of job.TaskGroups) for (const s of g.Services ?? []) names.add(s.Name);
  return [...names].sort();
}

/** Job key -> the spec path the live job of that key names: who holds it now. */
export type LiveHolders = ReadonlyMap<string, string>;

/**
 * The live view for `crossSpecRules`: job key -> the spec path named by each live, running job this source
 * manages (`nomadguard.managed = "true"`, `nomadguard.source` = `source`). Stopped jobs hold nothing.
 */
export function liveHolders(stubs: Iterable<JobListStub>, source: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of stubs) {
    const meta = s.Meta;
    if (!meta || s.Stop === true || meta[META.managed] !== 'true' || !isSourceOf(meta[META.source], source) || !meta[META.spec]) continue;
    out.set(`${s.Namespace ?? 'default'}/${s.ID}`, meta[META.spec]);
  }
  return out;
}

function byPath(a: RenderedSpecSummary, b: RenderedSpecSummary): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

function add(out: Map<string, Diagnostic[]>, d: Diagnostic & { file: string }): void {
  const list = out.get(d.file);
  if (list) list.push(d);
  else out.set(d.file, [d]);
}

/** Whether the live view says `r` wrote its own job. */
function holdsLive(r: RenderedSpecSummary, holders: LiveHolders | undefined): boolean {
  return holders !== undefined && r.key !== undefined && holders.get(r.key) === r.file;
}

/** The holder among claimants sorted by path: the first that holds its job live, else the first. */
function holderOf(claimants: readonly RenderedSpecSummary[], holders: LiveHolders | undefined): RenderedSpecSummary {
  return claimants.find((c) => holdsLive(c, holders)) ?? claimants[0];
}

/** Groups `items` by `keys(item)`, keeping path order inside every group and each item once per group. */
function groupBy(items: readonly RenderedSpecSummary[], keys: (r: RenderedSpecSummary) => Iterable<string>): Map<string, RenderedSpecSummary[]> {
  const groups = new Map<string, RenderedSpecSummary[]>();
  for (const r of items) {
    for (const k of new Set(keys(r))) {
      const list = groups.get(k);
      if (!list) groups.set(k, [r]);
      else if (!list.includes(r)) list.push(r);
    }
  }
  return groups;
}

/** A held job whose spec is not deployed as rendered: its file and job ID. */
interface HeldUnrendered {
  file: string;
  jobId: string;
}

/** The held jobs of specs that are not deployed as rendered (see the file comment). */
function heldUnrendered(sorted: readonly RenderedSpecSummary[], holders: LiveHolders | undefined): HeldUnrendered[] {
  if (!holders) return [];
  const invalid = new Set(sorted.filter((r) => r.invalid === true).map((r) => r.file));
  const out: HeldUnrendered[] = [];
  for (const [key, file] of holders) if (invalid.has(file)) out.push({ file, jobId: key.slice(key.indexOf('/') + 1) });
  return out;
}

/** Whether `name` (a job ID or service name) may be registered by the job `jobId`: it is `jobId` or begins with `jobId-`. */
function mayBeOf(name: string, jobId: string): boolean {
  return name === jobId || (name.length > jobId.length && name.startsWith(jobId) && name[jobId.length] === '-');
}

/**
 * Findings per file (only files with findings are in the map), for every spec of one repository.
 * `holders` says who holds a key when several specs claim it (the operator: the running jobs, and the specs
 * that held their keys in its previous index); without it the first by path holds. `running` is what Nomad
 * runs alone (`liveHolders`; default `holders`): only a job that really runs reserves its names while its
 * spec is invalid, and only a spec whose own job runs is exempt from those reservations, so a spec added
 * while the operator was down cannot take them at its restart.
 */
export function crossSpecRules(rendered: readonly RenderedSpecSummary[], policy: Policy = defaultPolicy(), holders?: LiveHolders, running: LiveHolders | undefined = holders): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  const sorted = [...rendered].sort(byPath);
  const lostId = new Set<RenderedSpecSummary>();
  if (policy.rules.uniqueJobId.enabled) {
    const severity = policy.rules.uniqueJobId.severity ?? 'error';
    for (const [jobId, claimants] of groupBy(sorted, (r) => (r.jobId !== undefined ? [r.jobId] : []))) {
      const distinct = claimants.filter((c, i) => claimants.findIndex((o) => o.file === c.file) === i);
      if (distinct.length < 2) continue;
      const holder = holderOf(distinct, holders);
      const why = holdsLive(holder, holders) ? 'whose job is the one running' : 'the first by path';
      for (const r of distinct) {
        if (r === holder) continue;
        lostId.add(r);
        add(out, {
          code: 'DUPLICATE_JOB_ID',
          severity,
          message: `job ID ${JSON.stringify(jobId)} is already produced by ${holder.file} (${why}), which keeps it; two specs cannot deploy the same job ID, even in different team folders. Change name (or tier) here, or delete one of the specs.`,
          file: r.file,
          path: ['name'],
        });
      }
    }
  }
  if (policy.rules.uniqueJobId.enabled) {
    const severity = policy.rules.uniqueJobId.severity ?? 'error';
    const candidates = sorted.filter((r) => !lostId.has(r));
    const names = (r: RenderedSpecSummary) => [...(r.jobId !== undefined ? [r.jobId] : []), ...(r.services ?? [])];
    for (const [name, claimants] of groupBy(candidates, names)) {
      const distinct = claimants.filter((c, i) => claimants.findIndex((o) => o.file === c.file) === i);
      if (distinct.length < 2) continue;
      const holder = holderOf(distinct, holders);
      const why = holdsLive(holder, holders) ? 'whose job is the one running' : 'the first by path';
      for (const r of distinct) {
        if (r === holder || lostId.has(r)) continue;
        lostId.add(r);
        add(out, {
          code: 'DUPLICATE_SERVICE',
          severity,
          message: `the Consul service name ${JSON.stringify(name)} is already taken by the job of ${holder.file} (${why}), which keeps it; two jobs sharing one service would share their instances and traefik route. Change name (or the task's name) here.`,
          file: r.file,
          path: ['name'],
        });
      }
    }
  }
  const held = heldUnrendered(sorted, running);
  if (held.length > 0) {
    for (const r of sorted) {
      if (lostId.has(r) || holdsLive(r, running)) continue;
      for (const h of held) {
        if (h.file === r.file) continue;
        if (policy.rules.uniqueJobId.enabled) {
          const name = [...(r.jobId !== undefined ? [r.jobId] : []), ...(r.services ?? [])].find((n) => mayBeOf(n, h.jobId));
          if (name !== undefined) {
            lostId.add(r);
            const what = name === r.jobId && name === h.jobId ? `job ID ${JSON.stringify(name)}` : `the Consul service name ${JSON.stringify(name)}`;
            add(out, {
              code: name === r.jobId && name === h.jobId ? 'DUPLICATE_JOB_ID' : 'DUPLICATE_SERVICE',
              severity: policy.rules.uniqueJobId.severity ?? 'error',
              message: `${what} may be registered by the running job ${JSON.stringify(h.jobId)} of ${h.file}, which is invalid and keeps running as it is; that job may register ${JSON.stringify(h.jobId)} and every name beginning with ${JSON.stringify(`${h.jobId}-`)}. Change name (or the task's name) here, or wait until ${h.file} is valid or deleted.`,
              file: r.file,
              path: ['name'],
            });
            break;
          }
        }
        if (policy.rules.uniqueHost.enabled) {
          const host = r.hosts.find((x) => x.toLowerCase().split(/[./]/, 1)[0] === h.jobId.toLowerCase());
          if (host !== undefined) {
            lostId.add(r);
            add(out, {
              code: 'DUPLICATE_HOST',
              severity: policy.rules.uniqueHost.severity ?? 'error',
              message: `traefik host ${JSON.stringify(host.toLowerCase())} may be routed to the running job ${JSON.stringify(h.jobId)} of ${h.file}, which is invalid and keeps running as it is. Change name here, or wait until ${h.file} is valid or deleted.`,
              file: r.file,
              path: ['name'],
            });
            break;
          }
        }
      }
    }
  }
  if (policy.rules.uniqueHost.enabled) {
    const severity = policy.rules.uniqueHost.severity ?? 'error';
    const candidates = sorted.filter((r) => !lostId.has(r));
    for (const [host, claimants] of groupBy(candidates, (r) => r.hosts.map((h) => h.toLowerCase()))) {
      const distinct = claimants.filter((c, i) => claimants.findIndex((o) => o.file === c.file) === i);
      if (distinct.length < 2) continue;
      const holder = holderOf(distinct, holders);
      const why = holdsLive(holder, holders) ? 'whose job is the one running' : 'the first by path';
      for (const r of distinct) {
        if (r === holder || out.get(r.file)?.some((d) => d.code === 'DUPLICATE_HOST')) continue;
        add(out, {
          code: 'DUPLICATE_HOST',
          severity,
          message: `traefik host ${JSON.stringify(host)} is already routed to the job of ${holder.file} (${why}), which keeps it; two jobs cannot share one host. Change name here, or expose the task under another path prefix.`,
          file: r.file,
          path: ['name'],
        });
      }
    }
  }
  return out;
}
