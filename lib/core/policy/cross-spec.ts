/**
 * Rules over the whole repository: no two specs produce the same job ID (uniqueJobId) or the same traefik
 * host (uniqueHost). Specs are taken in path order; the first one to claim a job ID or host keeps it and
 * keeps deploying, every later one gets the error, so adding a clashing spec never breaks a running service.
 * Codes: DUPLICATE_JOB_ID, DUPLICATE_HOST. Diagnostics carry `file` and `path: ['name']`; the caller
 * resolves the position with the spec's own position index.
 */
import type { Diagnostic } from '../diagnostics';
import { defaultPolicy, type Policy } from '../../../crd-schemas/policy';

/** One rendered spec as the repository rules see it; `hosts` are traefik hosts (a path prefix may follow a `/`). */
export interface RenderedSpecSummary {
  file: string;
  jobId?: string;
  hosts: string[];
}

function byPath(a: RenderedSpecSummary, b: RenderedSpecSummary): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

function add(out: Map<string, Diagnostic[]>, d: Diagnostic & { file: string }): void {
  const list = out.get(d.file);
  if (list) list.push(d);
  else out.set(d.file, [d]);
}

/** Findings per file (only files with findings are in the map), for every spec of one repository. */
export function crossSpecRules(rendered: readonly RenderedSpecSummary[], policy: Policy = defaultPolicy()): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  const checkIds = policy.rules.uniqueJobId.enabled;
  const checkHosts = policy.rules.uniqueHost.enabled;
  const idOwner = new Map<string, string>();
  const hostOwner = new Map<string, string>();
  for (const r of [...rendered].sort(byPath)) {
    let clashedId = false;
    if (checkIds && r.jobId !== undefined) {
      const owner = idOwner.get(r.jobId);
      if (owner !== undefined && owner !== r.file) {
        clashedId = true;
        add(out, {
          code: 'DUPLICATE_JOB_ID',
          severity: policy.rules.uniqueJobId.severity ?? 'error',
          message: `job ID "${r.jobId}" is already produced by ${owner}, which keeps it; two specs cannot deploy the same job. Change name (or tier) here, or delete one of the specs.`,
          file: r.file,
          path: ['name'],
        });
      } else idOwner.set(r.jobId, r.file);
    }
    if (!checkHosts) continue;
    for (const host of new Set(r.hosts.map((h) => h.toLowerCase()))) {
      const owner = hostOwner.get(host);
      if (owner === undefined) hostOwner.set(host, r.file);
      else if (owner !== r.file && !clashedId) {
        add(out, {
          code: 'DUPLICATE_HOST',
          severity: policy.rules.uniqueHost.severity ?? 'error',
          message: `traefik host "${host}" is already routed to the job of ${owner}, which keeps it; two jobs cannot share one host. Change name here, or expose the task under another path prefix.`,
          file: r.file,
          path: ['name'],
        });
      }
    }
  }
  return out;
}
