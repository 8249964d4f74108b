/**
 * `nomadguard plan` when the config names several clusters: the plan of each cluster in config order,
 * each under a `cluster <name>:` line and ending with its own `Plan at ...` summary naming the cluster
 * (`--json`: `{"clusters": [{"cluster", "commit", "changes", "entries"}]}`). A cluster whose plan fails is
 * one `nomadguard: cluster <name>: ...` line on stderr and the others are still planned. Exit 1 when any
 * cluster failed or has an invalid spec, else 2 when any would write, else 0.
 */
import type { ClusterSet } from '../../../controllers/clusters/cluster-set';
import { planReport, type PlanReport } from '../../../controllers';
import { formatChangeset, summarize } from '../../core/plan';
import type { CliContext } from '../context';
import type { PlanOptions } from './plan';

/** Plans every cluster of the set; closes it. */
export async function planClusters(set: ClusterSet, opts: PlanOptions, ctx: CliContext): Promise<void> {
  const plans: Array<{ cluster: string; report: PlanReport }> = [];
  let failed = false;
  let invalid = false;
  let changes = false;
  try {
    for (const m of set.members) {
      let report: PlanReport;
      try {
        report = await planReport(m.deps, { confirmPrune: new Set(opts.confirmPrune ?? []) });
      } catch (e) {
        ctx.stderr(`nomadguard: cluster ${m.name}: ${e instanceof Error ? e.message : String(e)}\n`);
        failed = true;
        continue;
      }
      if (!report.ok) {
        ctx.stderr(`nomadguard: cluster ${m.name}: spec source: ${report.error}\n`);
        failed = true;
        continue;
      }
      plans.push({ cluster: m.name, report });
      const s = summarize(report.entries);
      invalid ||= s.invalid > 0;
      changes ||= report.changes;
      if (opts.json) continue;
      ctx.stdout(`cluster ${m.name}:\n`);
      for (const line of formatChangeset(report.entries)) ctx.stdout(`${line}\n`);
      ctx.stdout(`\nPlan at ${report.commit?.slice(0, 12)} (cluster ${m.name}): ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged, ${s.invalid} invalid, ${s.blocked} blocked, ${s.held} not written.\n\n`);
    }
    if (opts.json) ctx.stdout(`${JSON.stringify({ clusters: plans.map((p) => ({ cluster: p.cluster, commit: p.report.commit, changes: p.report.changes, entries: p.report.entries })) }, null, 2)}\n`);
    ctx.exitCode = failed || invalid ? 1 : changes ? 2 : 0;
  } finally {
    set.close();
  }
}
