/**
 * Notifications: turns status changes into posts to the platform's endpoints (operator config
 * `notifications.endpoints`) and the team's own (policy `teams.<team>.notify`). Fed by the manager with
 * every status change; decides transitions with `TransitionTracker`, renders with the pure message
 * module and hands the bodies to the sender, which never blocks the caller.
 *
 * A restarted operator does not announce what it finds: until its first successful pass, and for each
 * key that pass queued until its first reconcile, statuses are taken as the baseline.
 */
import type { Logger } from 'pino';
import type { NotificationsConfig, NotifyEndpoint, NotifyEvent, NotifyFormat, TeamNotifyEndpoint } from '../crd-schemas/notifications';
import { notifyUrlProblem } from '../crd-schemas/notifications';
import type { Policy } from '../crd-schemas/policy';
import type { JobStatus } from '../crd-schemas/status';
import { notificationBody, renderNotification, TransitionTracker } from '../lib/core/notify';
import { endpointOrigin, WebhookSender, type DeliveryResult } from '../lib/adapters/notify-http/webhook-sender';
import type { Clock } from '../lib/runtime/clock';
import type { RandomSource } from '../lib/runtime/random';
import type { OperatorMetrics } from '../lib/metrics/operator-metrics';
import { parseDurationMs } from '../lib/runtime/triggers';

/** An endpoint with its URL read. */
export interface ResolvedEndpoint {
  /** `endpoints[0]` or `teams.es.notify[1]`: where it is configured, for logs and errors. */
  id: string;
  url: string;
  format: NotifyFormat;
  events?: readonly NotifyEvent[];
  teams?: readonly string[];
}

/** A notification problem in the config or policy (an unset or bad `urlEnv`). */
export class NotifyConfigError extends Error {}

function resolve(id: string, e: NotifyEndpoint | TeamNotifyEndpoint, env: NodeJS.ProcessEnv): ResolvedEndpoint {
  const url = e.url ?? (e.urlEnv ? env[e.urlEnv] : undefined);
  if (!url) throw new NotifyConfigError(`${id}: the environment variable ${e.urlEnv ?? '?'} is not set`);
  const problem = notifyUrlProblem(url);
  if (problem) throw new NotifyConfigError(`${id}: ${e.urlEnv ? `the URL in ${e.urlEnv}: ` : ''}${problem}`);
  return { id, url, format: e.format, ...(e.events ? { events: e.events } : {}), ...('teams' in e && e.teams ? { teams: e.teams } : {}) };
}

/** Every endpoint of the config and the policy, URLs read from the environment. */
export function resolveEndpoints(config: NotificationsConfig, policy: Policy | undefined, env: NodeJS.ProcessEnv): { platform: ResolvedEndpoint[]; teams: Map<string, ResolvedEndpoint[]> } {
  const platform = config.endpoints.map((e, i) => resolve(`notifications.endpoints[${i}]`, e, env));
  const teams = new Map<string, ResolvedEndpoint[]>();
  for (const [team, t] of Object.entries(policy?.teams ?? {})) {
    const list = (t.notify ?? []).map((e, i) => resolve(`teams.${team}.notify[${i}]`, e, env));
    if (list.length > 0) teams.set(team, list);
  }
  return { platform, teams };
}

/** What the notifier runs on. */
export interface NotifierDeps {
  clock: Clock;
  random: RandomSource;
  logger?: Logger;
  metrics?: OperatorMetrics;
  /** Shown in each notification when the operator reconciles several clusters. */
  cluster?: string;
  /** Replaces the HTTP POST (tests). */
  post?: ConstructorParameters<typeof WebhookSender>[0]['post'];
}

/** Watches status changes and posts the transitions. */
export class Notifier {
  private readonly tracker = new TransitionTracker();
  private readonly sender: WebhookSender;
  private live = false;
  private readonly pending = new Set<string>();
  /** Spec path -> the key whose Invalid was posted: a spec reported under its job and its path posts once. */
  private readonly invalidSpecs = new Map<string, string>();

  constructor(
    private readonly config: NotificationsConfig,
    private readonly routes: { platform: ResolvedEndpoint[]; teams: Map<string, ResolvedEndpoint[]> },
    private readonly deps: NotifierDeps,
  ) {
    const timeoutMs = parseDurationMs(config.timeout);
    this.sender = new WebhookSender({
      clock: deps.clock,
      random: deps.random,
      logger: deps.logger,
      queueLimit: config.queueLimit,
      maxAttempts: config.maxAttempts,
      timeoutMs,
      post: deps.post,
      onResult: (_endpoint: string, result: DeliveryResult) => deps.metrics?.countNotification(result),
    });
  }

  /** A status changed; `team` is the team of its spec, when known; `baseline` takes it as no news. Returns at once. */
  observe(key: string, status: JobStatus, team?: string, baseline = false): void {
    const t = this.tracker.observe(key, status, baseline || !this.live || this.pending.has(key));
    if (status.phase !== 'Invalid') this.dropInvalid(key);
    if (!t) return;
    if (t.event === 'Invalid' && status.spec) {
      const by = this.invalidSpecs.get(status.spec);
      if (by !== undefined && by !== key) return;
      this.invalidSpecs.set(status.spec, key);
    }
    const body = notificationBody(status, t, { at: new Date(this.deps.clock.now()).toISOString(), team, cluster: this.deps.cluster, dashboardUrl: this.config.dashboardUrl });
    for (const e of this.endpointsFor(t.event, team)) {
      this.sender.enqueue({ id: e.id, url: e.url }, renderNotification(body, e.format));
    }
    this.deps.logger?.info({ key, event: t.event, team }, 'job transition notified');
  }

  /** The first successful pass is done; `queued` are the keys it queued, baseline until their first reconcile. */
  beginLive(queued: Iterable<string>): void {
    if (this.live) return;
    for (const k of queued) this.pending.add(k);
    this.live = true;
  }

  /** Back to the baseline until the next `beginLive` (a newly elected leader). */
  rebaseline(): void {
    this.live = false;
    this.pending.clear();
  }

  /** `key` was reconciled once (its status from now on is news). */
  settled(key: string): void {
    this.pending.delete(key);
  }

  /** A job left the status. */
  forget(key: string): void {
    this.tracker.forget(key);
    this.pending.delete(key);
    this.dropInvalid(key);
  }

  private dropInvalid(key: string): void {
    for (const [spec, by] of this.invalidSpecs) if (by === key) this.invalidSpecs.delete(spec);
  }

  /** Waits up to `flushMs` for queued notifications, then stops. */
  stop(flushMs?: number): Promise<void> {
    return this.sender.stop(flushMs);
  }

  /** Resolves when nothing is queued or being posted. */
  whenIdle(): Promise<void> {
    return this.sender.whenIdle();
  }

  private endpointsFor(event: NotifyEvent, team: string | undefined): ResolvedEndpoint[] {
    const wants = (e: ResolvedEndpoint): boolean => !e.events || e.events.includes(event);
    const platform = this.routes.platform.filter((e) => wants(e) && (!e.teams || (team !== undefined && e.teams.includes(team))));
    const own = team ? (this.routes.teams.get(team) ?? []).filter(wants) : [];
    // One post per URL and format, however many routes lead there.
    const seen = new Set<string>();
    return [...platform, ...own].filter((e) => {
      const k = `${e.format} ${e.url}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
}

/** The notifier of a config and policy, or `undefined` when no endpoint is configured anywhere. */
export function buildNotifier(config: NotificationsConfig, policy: Policy | undefined, env: NodeJS.ProcessEnv, deps: NotifierDeps): Notifier | undefined {
  const routes = resolveEndpoints(config, policy, env);
  if (routes.platform.length === 0 && routes.teams.size === 0) return undefined;
  deps.logger?.info({ endpoints: [...routes.platform, ...[...routes.teams.values()].flat()].map((e) => ({ id: e.id, origin: endpointOrigin(e.url), format: e.format })) }, 'notifications on');
  return new Notifier(config, routes, deps);
}
