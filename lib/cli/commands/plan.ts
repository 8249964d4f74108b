/**
 * `nomadguard plan`: what a pass would do, per job — create, update (with the field diff), delete,
 * unchanged — plus invalid specs and jobs the operator would leave alone, and why. Writes nothing.
 * Exit 1 when any spec is invalid (the plan of the others is still printed) or on an error (source or
 * API), else 2 when a pass would write (register, stop, purge), 0 when it would write nothing. Changes a pass holds back (detect-only drift, suspended specs, prunes the guard
 * refuses or whose grace period runs) are listed as `not written: <reason>` and do not count.
 */
import type { Command } from 'commander';
import pino from 'pino';
import { planReport, WiringError } from '../../../controllers';
import { buildClusterSet } from '../../../controllers/clusters/cluster-set';
import { planClusters } from './plan-clusters';
import { formatChangeset, summarize } from '../../core/plan';
import { ApiError } from '../../ports/errors';
import { SystemClock } from '../../runtime/clock';
import { CliError, type CliContext, type RegisterCommand } from '../context';
import { ADOPT_HELP, withAdoptedNamespaces } from '../adopt-option';

export interface PlanOptions {
  config?: string;
  repo?: string;
  branch?: string;
  workDir?: string;
  stateFile?: string;
  json?: boolean;
  confirmPrune?: string[];
  adopt?: string[];
}

export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('plan')
    .description('Show what a pass would do per job (create / update / delete / unchanged, with field diffs). Exit 1: a spec is invalid or an error, 2: a pass would write, 0: nothing would be written. Held-back changes are listed as "not written".')
    .option('--config <file>', 'operator config (nomadguard.yaml)')
    .option('--repo <url|path>', 'spec repository (overrides source.repo)')
    .option('--branch <name>', 'branch (overrides source.branch)')
    .option('--work-dir <dir>', 'folder for the git work copy')
    .option('--state-file <file>', 'read the operator state from this local JSON file instead of Consul KV')
    .option('--json', 'machine-readable output')
    .option('--confirm-prune <namespace...>', 'plan as if the prunes the prune guard holds back in these namespaces were confirmed')
    .option('--adopt <namespace...>', ADOPT_HELP)
    .action(async (opts: PlanOptions) => {
      const logger = pino({ level: 'silent' });
      let set;
      try {
        set = await buildClusterSet({ configFile: opts.config, repo: opts.repo, branch: opts.branch, workDir: opts.workDir, stateFile: opts.stateFile, env: ctx.env, cwd: ctx.cwd, clock: ctx.clock ?? new SystemClock(), logger });
      } catch (e) {
        if (e instanceof WiringError) throw new CliError(e.message);
        throw e;
      }
      for (const m of set.members) m.deps = withAdoptedNamespaces(m.deps, opts.adopt);
      // Several clusters: one plan per cluster (plan-clusters.ts).
      if (set.members.length > 1) return planClusters(set, opts, ctx);
      const deps = set.members[0].deps;
      try {
        const report = await planReport(deps, { confirmPrune: new Set(opts.confirmPrune ?? []) });
        if (!report.ok) {
          ctx.stderr(`nomadguard: spec source: ${report.error}\n`);
          ctx.exitCode = 1;
          return;
        }
        const s = summarize(report.entries);
        if (opts.json) ctx.stdout(`${JSON.stringify({ commit: report.commit, changes: report.changes, entries: report.entries }, null, 2)}\n`);
        else {
          for (const line of formatChangeset(report.entries)) ctx.stdout(`${line}\n`);
          ctx.stdout(`\nPlan at ${report.commit?.slice(0, 12)}: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged, ${s.invalid} invalid, ${s.blocked} blocked, ${s.held} not written${s.adopt > 0 ? `, ${s.adopt} to adopt` : ''}.\n`);
        }
        ctx.exitCode = s.invalid > 0 ? 1 : report.changes ? 2 : 0;
      } catch (e) {
        if (e instanceof ApiError) {
          ctx.stderr(`nomadguard: ${e.message}\n`);
          ctx.exitCode = 1;
          return;
        }
        if (e instanceof Error) throw new CliError(`plan: ${e.message}`);
        throw e;
      } finally {
        deps.close();
      }
    });
};
