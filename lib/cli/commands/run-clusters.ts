/**
 * `nomadguard run` when the config names several clusters: one operator per cluster, side by side, one
 * status API over all of them (each job and source carries its `cluster`), one metrics registry (every
 * series labelled with `cluster`). With `--once` every cluster runs its pass and follows its
 * deployments; a cluster whose pass fails is reported (`cluster <name>: the pass failed: ...`) and
 * fails the run, while the others still run to their end.
 */
import type { Logger } from 'pino';
import { runOnceClusters, startClusterOperators, type ClusterSet } from '../../../controllers/clusters/cluster-set';
import { CONVERGED_PHASES, ONCE_EXIT, onceReport } from '../../../controllers';
import { webhookTarget } from '../../../controllers/webhooks';
import { createWebhookEndpoint, type WebhookTarget } from '../../server/webhook-endpoint';
import { runSettings, serveUntilStopped } from '../run-serve';
import { CliError, type CliContext } from '../context';
import type { RunOptions } from './run';
import type { OperatorRole } from '../../server/readiness';

/** Leader while this instance leads any cluster, follower while it leads none, standalone without an election. */
function clustersRole(op: ReturnType<typeof startClusterOperators>): OperatorRole {
  const roles = op.operators.map((o) => o.handle.manager.leader.role());
  if (roles.includes('leader')) return 'leader';
  return roles.includes('follower') ? 'follower' : 'standalone';
}

/**
 * A push reaches every cluster's operator; it is old news only when every cluster has processed the
 * pushed commit already.
 */
function clustersWebhookTarget(op: ReturnType<typeof startClusterOperators>): WebhookTarget {
  const statuses = op.operators.map((o) => o.handle.manager.controller.status);
  return {
    ...webhookTarget(op.operators[0].handle),
    processedCommit: () => {
      const commits = new Set(statuses.map((s) => s.source.lastProcessedCommit));
      return commits.size === 1 ? [...commits][0] : undefined;
    },
    push: (p) => op.trigger({ full: false, reason: `webhook ${p.provider}` }),
  };
}

/** Runs every cluster's operator until the context is aborted (or once, with `--once`); closes the set. */
export async function runClusters(set: ClusterSet, opts: RunOptions, ctx: CliContext, logger: Logger): Promise<void> {
  try {
    if (opts.once) {
      const timeoutMs = Number(opts.timeout) * 1000;
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError(`--timeout: not a number of seconds: ${opts.timeout}`);
      const r = await runOnceClusters(set, { timeoutMs, confirmPrune: opts.confirmPrune, signal: ctx.signal });
      logger.info({ converged: r.converged, timedOut: r.timedOut, commit: r.commit, failedClusters: r.failed.map((f) => f.cluster) }, r.converged ? 'converged' : 'not converged');
      for (const f of r.failed) logger.error({ cluster: f.cluster, err: f.message }, 'run --once: the pass failed');
      for (const j of r.status.jobs) if (!CONVERGED_PHASES.has(j.phase)) logger.warn({ cluster: j.cluster, key: j.key, phase: j.phase, reason: j.conditions[j.conditions.length - 1]?.reason, message: j.lastError?.message ?? j.conditions[j.conditions.length - 1]?.message }, 'not converged');
      for (const f of r.failed) ctx.stdout(`cluster ${f.cluster}: the pass failed: ${f.message}\n`);
      for (const line of onceReport(r.status, { outcome: r.outcome, commit: r.commit, sourceError: r.sourceError, timeoutMs })) ctx.stdout(`${line}\n`);
      ctx.exitCode = ONCE_EXIT[r.outcome];
      return;
    }
    const { shutdownMs, secret } = runSettings(opts, ctx, set.members[0].deps.config);
    const op = startClusterOperators(set);
    const webhooks = createWebhookEndpoint({ secret, target: clustersWebhookTarget(op), logger });
    await serveUntilStopped(op, { opts, ctx, logger, shutdownMs, metrics: set.metrics?.registry, webhooks, role: () => clustersRole(op) });
  } finally {
    set.close();
  }
}
