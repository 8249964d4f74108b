/**
 * `plan`: what a pass would do, per job, without writing anything. One job list, one plan call per job
 * whose hash or index differs (none for unchanged jobs); creates and deletes need no call.
 */
import { applyPruneGuard, decide, filterDiffNoise, subjectOf, type ChangeEntry, type PlanItem } from '../lib/core/plan';
import { parseDurationMs } from '../lib/runtime/triggers';
import { formatDiagnostic } from '../lib/core/diagnostics';
import { DesiredState } from './job-sync/desired-state';
import { LiveCache, listLive } from './job-sync/live-cache';
import type { OperatorDeps } from './job-sync/types';

/** The plan of a pass. */
export interface PlanReport {
  ok: boolean;
  commit?: string;
  error?: string;
  entries: ChangeEntry[];
  /** Whether anything would be written. */
  changes: boolean;
}

/** Computes the changeset a full pass would apply now. */
export async function planReport(deps: Pick<OperatorDeps, 'nomad' | 'source' | 'state' | 'clock' | 'config' | 'render' | 'suspendedTeams'>): Promise<PlanReport> {
  const sourceId = deps.config.source.name ?? deps.config.source.repo ?? deps.source.repo;
  const desired = new DesiredState(deps.source, deps.render, { sourceId, defaultMode: deps.config.reconcile.selfHeal ? 'self-heal' : 'detect-only', suspendedTeams: deps.suspendedTeams });
  const refresh = await desired.refresh({ full: true });
  if (!refresh.ok) return { ok: false, error: `${refresh.error?.reason}: ${refresh.error?.message}`, entries: [], changes: false };
  const records = await deps.state.load();
  const cache = new LiveCache();
  const { stubs } = await listLive(deps.nomad, cache, () => new Set([...records.keys(), ...desired.entries().flatMap((d) => (d.state === 'valid' ? [d.key] : []))]));
  const prune = deps.config.reconcile.prune;
  const items = decide(desired.entries(), stubs, records, { source: sourceId, now: deps.clock.now(), sourceHealthy: desired.healthy, prune: { enabled: prune.enabled, graceMs: parseDurationMs(prune.grace) }, suspendedTeams: deps.suspendedTeams });
  const guarded = applyPruneGuard(items, { source: sourceId, maxShare: prune.maxShare });
  const entries: ChangeEntry[] = [];
  for (const item of guarded.items) {
    const e = await entryFor(deps, item);
    if (e) entries.push(e);
  }
  // A spec too broken to name its job has no key, so no decision: it still belongs in the plan.
  for (const d of desired.entries()) {
    if (d.state !== 'invalid' || d.key) continue;
    const diag = d.diagnostics.find((x) => x.severity === 'error');
    entries.push({ subject: `spec/${d.spec}`, action: 'invalid', note: diag ? formatDiagnostic(diag) : 'spec is invalid' });
  }
  const changes = entries.some((e) => e.action === 'create' || e.action === 'update' || e.action === 'delete');
  return { ok: true, commit: refresh.commit, entries, changes };
}

async function entryFor(deps: Pick<OperatorDeps, 'nomad'>, item: PlanItem): Promise<ChangeEntry | undefined> {
  const subject = subjectOf(item.namespace, item.jobId);
  const held = item.write ? undefined : item.reason;
  switch (item.action) {
    case 'create':
      return { subject, action: 'create', ...(held ? { note: held } : {}) };
    case 'update':
    case 'drift':
    case 'verify': {
      const d = item.desired;
      if (!d) return undefined;
      const plan = await deps.nomad.planJob(item.namespace, d.job, { diff: true });
      const diff = filterDiffNoise(plan.Diff);
      if (diff.Type === 'None' && item.action !== 'update') return { subject, action: 'unchanged' };
      const note = item.action === 'drift' ? `changed outside nomadguard${held ? `; ${held}` : ''}` : held;
      return { subject, action: 'update', diff, ...(note ? { note } : {}) };
    }
    case 'unchanged':
      return { subject, action: 'unchanged', ...(item.reason === 'AlreadyStopped' ? { note: 'stopped, spec removed' } : {}) };
    case 'prune':
      return { subject, action: 'delete' };
    case 'prune-wait':
      return { subject, action: 'delete', note: `after the grace period: ${item.message}` };
    case 'invalid':
    case 'leave-alone': {
      if (item.reason === 'NotManaged') return undefined;
      if (item.reason === 'SpecInvalid') {
        const diag = item.invalid?.diagnostics.find((x) => x.severity === 'error');
        return { subject, action: 'invalid', note: diag ? formatDiagnostic(diag) : item.message };
      }
      return { subject, action: 'blocked', note: `${item.reason}: ${item.message}` };
    }
  }
}
