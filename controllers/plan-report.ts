/**
 * `plan`: what a pass would do, per job, without writing anything. One job list, one plan call per job
 * whose hash or index differs (none for unchanged jobs), and a read of the live job where a pass would
 * compare it (drift, verify); creates and deletes need no call. Only what a pass would write counts as a
 * change.
 */
import { adoptScope, allocImpact, applyPruneGuard, withoutMarker, writesAdopted, changeEntry, compareJobs, compareOptions, comparisonLines, decide, diffLines, hasChanges, heldAsReverted, judgePlan, mayBeReverted, needsLiveRead, needsPlanCall, revertedVersion, type ChangeEntry, type DesiredValid } from '../lib/core/plan';
import type { Job } from '../lib/core/nomad/types';
import { NotFoundError } from '../lib/ports/errors';
import { parseDurationMs } from '../lib/runtime/triggers';
import { formatDiagnostic } from '../lib/core/diagnostics';
import { liveHolders } from '../lib/core/policy';
import { sourceIdentity } from '../lib/core/source-id';
import { DesiredState } from './job-sync/desired-state';
import { LiveCache, listLive } from './job-sync/live-cache';
import type { OperatorDeps } from './job-sync/types';

/** The plan of a pass. */
export interface PlanReport {
  ok: boolean;
  commit?: string;
  error?: string;
  entries: ChangeEntry[];
  /** Whether a pass would write anything to Nomad (entries held back by mode, suspension, guard or grace do not count). */
  changes: boolean;
}

/** Options of `planReport`. */
export interface PlanReportOptions {
  /** Namespaces whose prunes count as confirmed (as `run --confirm-prune` would). */
  confirmPrune?: ReadonlySet<string>;
  /** Namespaces enabled for adoption besides the config's `reconcile.adopt` (as `run --adopt` would). */
  adopt?: readonly string[];
}

/**
 * Computes the changeset a full pass would apply now, with the pass's own decisions: `decide`, the
 * prune guard, and `judgePlan` on Nomad's plan diff.
 */
export async function planReport(deps: Pick<OperatorDeps, 'nomad' | 'source' | 'state' | 'clock' | 'config' | 'policy' | 'render' | 'suspendedTeams'>, opts: PlanReportOptions = {}): Promise<PlanReport> {
  const sourceId = sourceIdentity(deps.config.source, deps.source.repo);
  const cache = new LiveCache();
  const desired = new DesiredState(deps.source, deps.render, {
    sourceId,
    defaultMode: deps.config.reconcile.selfHeal ? 'self-heal' : 'detect-only',
    suspendedTeams: deps.suspendedTeams,
    ...(deps.policy ? { policy: deps.policy } : {}),
    holders: () => (cache.loaded ? liveHolders(cache.all(), sourceId) : undefined),
  });
  const refresh = await desired.refresh({ full: true });
  if (!refresh.ok) return { ok: false, error: `${refresh.error?.reason}: ${refresh.error?.message}`, entries: [], changes: false };
  const records = await deps.state.load();
  const { stubs, index } = await listLive(deps.nomad, cache, () => new Set([...records.keys(), ...desired.entries().flatMap((d) => (d.state === 'valid' ? [d.key] : []))]));
  // As the pass: the running jobs hold their job IDs, hosts and services against specs added since.
  cache.replace(stubs, index);
  desired.reindex();
  const prune = deps.config.reconcile.prune;
  const now = deps.clock.now();
  const items = decide(desired.entries(), stubs, records, { source: sourceId, now, sourceHealthy: desired.healthy, prune: { enabled: prune.enabled, graceMs: parseDurationMs(prune.grace) }, suspendedTeams: deps.suspendedTeams, adopt: adoptScope(deps.config.reconcile.adopt, opts.adopt) });
  const guarded = applyPruneGuard(items, { source: sourceId, maxShare: prune.maxShare, confirmed: opts.confirmPrune });
  const entries: ChangeEntry[] = [];
  for (let item of guarded.items) {
    // As the pass: a version we wrote that Nomad replaced after it failed is held, not resubmitted.
    if (mayBeReverted(item, false) && item.record) {
      const reverted = revertedVersion(await jobVersions(deps.nomad, item.namespace, item.jobId), item.record);
      if (reverted) item = heldAsReverted(item, reverted);
    }
    let e: ChangeEntry | undefined;
    if (needsPlanCall(item)) {
      // As the pass: the plan for the diff and the impact, the live job compared for drift and verify.
      const job = (item.desired as DesiredValid).job;
      const adopted = writesAdopted(item, sourceId);
      const [plan, live] = await Promise.all([deps.nomad.planJob(item.namespace, adopted ? withoutMarker(job) : job, { diff: true }), needsLiveRead(item) ? deps.nomad.readJob(item.namespace, item.jobId) : Promise.resolve(undefined)]);
      const comparison = live ? compareJobs(job, live, compareOptions(await deps.nomad.capabilities(), item.namespace, job, live, adopted)) : undefined;
      const verdict = judgePlan(item, plan.Diff, comparison);
      e = changeEntry(item, now, verdict);
      if (e && verdict.outcome !== 'in-sync') {
        if (diffLines(verdict.diff).length === 0 && comparison) e.changes = comparisonLines(comparison.changes);
        const impact = allocImpact(plan.Annotations?.DesiredTGUpdates ?? null);
        if (impact.length > 0) e.impact = impact;
      }
    } else e = changeEntry(item, now);
    if (e) entries.push(e);
  }
  // A spec too broken to name its job has no key, so no decision: it still belongs in the plan.
  for (const d of desired.entries()) {
    if (d.state !== 'invalid' || d.key) continue;
    const diag = d.diagnostics.find((x) => x.severity === 'error');
    entries.push({ subject: `spec/${printablePath(d.spec)}`, action: 'invalid', write: false, note: diag ? formatDiagnostic(diag) : 'spec is invalid' });
  }
  return { ok: true, commit: refresh.commit, entries, changes: hasChanges(entries) };
}

/** A job's versions, none when the job is gone. */
async function jobVersions(nomad: OperatorDeps['nomad'], namespace: string, jobId: string): Promise<Job[]> {
  try {
    return (await nomad.jobVersions(namespace, jobId)).versions;
  } catch (e) {
    if (e instanceof NotFoundError) return [];
    throw e;
  }
}

/** A spec path as one printable line: JSON-quoted when it holds a control character (a hostile file name). */
function printablePath(path: string): string {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return JSON.stringify(path);
  }
  return path;
}
