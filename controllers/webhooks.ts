/**
 * The running operator behind the push webhooks: where the secret comes from and what a verified push to
 * the followed branch does (an incremental pass now, through the manager's doorbell like any trigger).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OperatorConfig } from '../crd-schemas/operator-config';
import type { WebhookPush, WebhookTarget } from '../lib/server/webhook-endpoint';
import type { OperatorHandle } from './manager';
import { WiringError } from './wiring';

/** The environment variable holding the webhook secret when the config names none. */
export const WEBHOOK_SECRET_ENV = 'NOMADGUARD_WEBHOOK_SECRET';

/**
 * The webhook secret: the config's `webhooks.secretFile` (trimmed; relative to the folder of `configFile`
 * like the config's `policy`, or to `cwd` when no config file is given), else its
 * `webhooks.secret`, else `NOMADGUARD_WEBHOOK_SECRET`; undefined when none is set (webhooks answer 503).
 * The config wins over the environment: a file written for this operator is the more deliberate choice.
 * Throws a `WiringError` (naming the file, never the content) when the file cannot be read or is empty.
 */
export function webhookSecret(config: Pick<OperatorConfig, 'webhooks'>, env: Readonly<Record<string, string | undefined>>, cwd: string, configFile?: string): string | undefined {
  const hooks = config.webhooks;
  if (hooks.secretFile !== undefined) {
    const baseDir = configFile ? path.dirname(path.resolve(cwd, configFile)) : cwd;
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(baseDir, hooks.secretFile), 'utf8');
    } catch (e) {
      throw new WiringError(`webhooks.secretFile: cannot read ${hooks.secretFile} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const secret = text.trim();
    if (secret === '') throw new WiringError(`webhooks.secretFile: ${hooks.secretFile} is empty`);
    return secret;
  }
  if (hooks.secret !== undefined) return hooks.secret;
  const fromEnv = env[WEBHOOK_SECRET_ENV]?.trim();
  return fromEnv ? fromEnv : undefined;
}

/** The webhooks' view of a running operator: a push rings an incremental pass. */
export function webhookTarget(op: Pick<OperatorHandle, 'manager' | 'trigger'>): WebhookTarget {
  const controller = op.manager.controller;
  return {
    repo: controller.deps.source.repo,
    branch: controller.deps.source.branch,
    processedCommit: () => controller.status.source.lastProcessedCommit,
    push: (p: WebhookPush) => op.trigger({ full: false, reason: `webhook ${p.provider}` }),
  };
}
