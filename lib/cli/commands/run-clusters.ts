/**
 * `nomadguard run` when the config names several clusters: one operator per cluster, side by side, one
 * status API over all of them (each job and source carries its `cluster`), one metrics registry (every
 * series labelled with `cluster`). With `--once` every cluster runs its pass and follows its
 * deployments; a cluster whose pass fails is reported (`cluster <name>: the pass failed: ...`) and
 * fails the run, while the others still run to their end.
 */
import type { Logger } from 'pino';
import { runOnceClusters, startClusterOperators, type ClusterSet } from '../../../controllers/clusters/cluster-set';
import { CONVERGED_PHASES, ONCE_EXIT, onceReport, WiringError } from '../../../controllers';
import { webhookSecret, webhookTarget } from '../../../controllers/webhooks';
import { createWebhookEndpoint, type WebhookTarget } from '../../server/webhook-endpoint';
import { allowedHostsFrom, serveOperator } from '../operator-server';
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
    const shutdownMs = Number(opts.shutdownTimeout ?? '10') * 1000;
    if (!Number.isFinite(shutdownMs) || shutdownMs < 0) throw new CliError(`--shutdown-timeout: not a number of seconds: ${opts.shutdownTimeout}`, 2);
    let secret: string | undefined;
    try {
      secret = webhookSecret(set.members[0].deps.config, ctx.env, ctx.cwd, opts.config);
    } catch (e) {
      if (e instanceof WiringError) throw new CliError(e.message);
      throw e;
    }
    const op = startClusterOperators(set);
    const webhooks = createWebhookEndpoint({ secret, target: clustersWebhookTarget(op), logger });
    let server: { url: string; close(): Promise<void> } | undefined;
    if (opts.listen && opts.listen !== 'off') {
      try {
        const allowedHosts = allowedHostsFrom(opts.allowedHost, ctx.env.NOMADGUARD_ALLOWED_HOSTS);
        server = await serveOperator(op, opts.listen, { metrics: set.metrics?.registry, token: ctx.env.NOMADGUARD_TOKEN || undefined, allowedHosts, webhooks, role: () => clustersRole(op) });
      } catch (e) {
        await op.stop();
        throw new CliError(`--listen ${opts.listen}: ${(e as Error).message}`);
      }
      logger.info({ url: server.url }, 'status API listening');
    }
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    logger.info('stopping');
    await server?.close();
    await op.stop({ timeoutMs: shutdownMs });
    ctx.exitCode = 0;
  } finally {
    set.close();
  }
}
