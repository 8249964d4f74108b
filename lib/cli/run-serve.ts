/**
 * What `run` does around a running operator, one cluster or several: the settings checked before it
 * starts (the shutdown bound, the webhook secret), then the API served until SIGTERM/SIGINT, and a stop
 * within the bound.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { OperatorConfig } from '../../crd-schemas/operator-config';
import { WiringError } from '../../controllers/wiring';
import { webhookSecret } from '../../controllers/webhooks';
import type { OperatorRole } from '../server/readiness';
import type { OperatorView } from '../server/status-app';
import type { WebhookEndpoint } from '../server/webhook-endpoint';
import { CliError, type CliContext } from './context';
import { allowedHostsFrom, serveOperator } from './operator-server';
import type { RunOptions } from './commands/run';

/** `--shutdown-timeout` in ms and the webhook secret, checked before anything starts. */
export function runSettings(opts: RunOptions, ctx: CliContext, config: Pick<OperatorConfig, 'webhooks'>): { shutdownMs: number; secret?: string } {
  const shutdownMs = Number(opts.shutdownTimeout ?? '10') * 1000;
  if (!Number.isFinite(shutdownMs) || shutdownMs < 0) throw new CliError(`--shutdown-timeout: not a number of seconds: ${opts.shutdownTimeout}`, 2);
  try {
    return { shutdownMs, secret: webhookSecret(config, ctx.env, ctx.cwd, opts.config) };
  } catch (e) {
    if (e instanceof WiringError) throw new CliError(e.message);
    throw e;
  }
}

/** A started operator (one cluster's or several's). */
export interface RunningOperator extends OperatorView {
  stop(opts?: { timeoutMs?: number }): Promise<void>;
}

/** Serves `op` on `--listen` (unless "off") until the context is aborted, then stops it within `shutdownMs`; exit 0. */
export async function serveUntilStopped(
  op: RunningOperator,
  o: { opts: RunOptions; ctx: CliContext; logger: Logger; shutdownMs: number; metrics?: Registry; webhooks: WebhookEndpoint; role: () => OperatorRole },
): Promise<void> {
  const { opts, ctx, logger } = o;
  let server: { url: string; close(): Promise<void> } | undefined;
  if (opts.listen && opts.listen !== 'off') {
    try {
      const allowedHosts = allowedHostsFrom(opts.allowedHost, ctx.env.NOMADGUARD_ALLOWED_HOSTS);
      server = await serveOperator(op, opts.listen, { metrics: o.metrics, token: ctx.env.NOMADGUARD_TOKEN || undefined, allowedHosts, webhooks: o.webhooks, role: o.role });
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
  await op.stop({ timeoutMs: o.shutdownMs });
  ctx.exitCode = 0;
}
