/**
 * Delivers notifications: one queue per endpoint, posted in order, one at a time, retried with capped
 * exponential backoff and full jitter (or the endpoint's Retry-After) on network errors, 429 and 5xx;
 * any other status is final. `enqueue` only appends and returns: a reconcile never waits for a
 * notification. A queue holds at most `queueLimit` notifications; beyond that the oldest waiting one is
 * dropped and counted, so an endpoint that is down for a day costs a bounded amount of memory.
 * Logs name an endpoint by its scheme, host and port only: incoming-webhook URLs carry tokens.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../runtime/clock';
import type { RandomSource } from '../../runtime/random';
import { backoffDelay } from '../http/backoff';

/** One endpoint deliveries go to. */
export interface SenderEndpoint {
  /** Stable name in logs and metrics (never the URL). */
  id: string;
  url: string;
}

/** How a delivery ended. */
export type DeliveryResult = 'sent' | 'failed' | 'dropped';

/** Options of the sender. */
export interface WebhookSenderOptions {
  clock: Clock;
  random: RandomSource;
  logger?: Logger;
  /** Notifications kept per endpoint (default 100). */
  queueLimit?: number;
  /** Attempts per notification, the first included (default 6). */
  maxAttempts?: number;
  /** Backoff between attempts (default base 1 s, cap 5 min). */
  backoff?: { baseMs: number; capMs: number };
  /** Time allowed for one POST (default 10 s). */
  timeoutMs?: number;
  /** Called before each wait for a retry. */
  onRetry?: (endpoint: string, attempt: number, waitMs: number) => void;
  /** Called once per notification when it ends. */
  onResult?: (endpoint: string, result: DeliveryResult) => void;
  /** The POST itself (default: `fetch`). */
  post?: (url: string, body: string, signal: AbortSignal) => Promise<{ status: number; retryAfter?: string | null }>;
}

interface Lane {
  endpoint: SenderEndpoint;
  /** Waiting, oldest first (the one being posted is not here). */
  queue: string[];
  /** True while a body of this lane is being posted or waits for its retry. */
  running: boolean;
}

const DEFAULT_BACKOFF = { baseMs: 1000, capMs: 300_000 };

/** The scheme, host and port of a URL: what logs may show of an endpoint. */
export function endpointOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

/** Seconds or an HTTP date, as Retry-After carries them; `undefined` when neither. */
export function retryAfterMs(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

async function fetchPost(url: string, body: string, signal: AbortSignal): Promise<{ status: number; retryAfter?: string | null }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'nomadguard' }, body, signal, redirect: 'error' });
  // The body is not needed; reading it frees the connection.
  await res.arrayBuffer().catch(() => undefined);
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

/** Queues and posts notifications, per endpoint. */
export class WebhookSender {
  private readonly lanes = new Map<string, Lane>();
  private readonly stopCtl = new AbortController();
  private readonly queueLimit: number;
  private readonly maxAttempts: number;
  private readonly backoff: { baseMs: number; capMs: number };
  private readonly timeoutMs: number;
  private readonly post: NonNullable<WebhookSenderOptions['post']>;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: WebhookSenderOptions) {
    this.queueLimit = opts.queueLimit ?? 100;
    this.maxAttempts = opts.maxAttempts ?? 6;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.post = opts.post ?? fetchPost;
  }

  /** Queues `body` for `endpoint` and returns at once. */
  enqueue(endpoint: SenderEndpoint, body: string): void {
    if (this.stopCtl.signal.aborted) return;
    let lane = this.lanes.get(endpoint.id);
    if (!lane) {
      lane = { endpoint, queue: [], running: false };
      this.lanes.set(endpoint.id, lane);
    }
    lane.queue.push(body);
    // The one being posted is not in the queue: only waiting ones are dropped.
    while (lane.queue.length > this.queueLimit) {
      lane.queue.shift();
      this.opts.onResult?.(endpoint.id, 'dropped');
      this.opts.logger?.warn({ endpoint: endpoint.id, limit: this.queueLimit }, 'notification queue full: oldest notification dropped');
    }
    if (!lane.running) void this.run(lane);
  }

  /** Notifications not yet sent nor given up (waiting or being posted), over every endpoint. */
  pending(): number {
    let n = 0;
    for (const l of this.lanes.values()) n += l.queue.length + (l.running ? 1 : 0);
    return n;
  }

  /** Resolves when every queue is empty and nothing is being posted. */
  whenIdle(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops: waits up to `flushMs` for the queues to empty, then abandons what is left (counted as
   * dropped), the posts under way and the retries waiting included.
   */
  async stop(flushMs = 5000): Promise<void> {
    if (!this.idle() && flushMs > 0) {
      let timer: ReturnType<Clock['setTimeout']> | undefined;
      await Promise.race([this.whenIdle(), new Promise<void>((resolve) => (timer = this.opts.clock.setTimeout(resolve, flushMs)))]);
      if (timer) this.opts.clock.clearTimeout(timer);
    }
    this.stopCtl.abort(new Error('stopped'));
    for (const lane of this.lanes.values()) {
      for (let i = 0; i < lane.queue.length; i++) this.opts.onResult?.(lane.endpoint.id, 'dropped');
      lane.queue.length = 0;
    }
    if (!this.idle()) await this.whenIdle();
  }

  private idle(): boolean {
    for (const l of this.lanes.values()) if (l.running || l.queue.length > 0) return false;
    return true;
  }

  private async run(lane: Lane): Promise<void> {
    lane.running = true;
    try {
      for (let body = lane.queue.shift(); body !== undefined; body = this.stopCtl.signal.aborted ? undefined : lane.queue.shift()) {
        const result = await this.deliver(lane.endpoint, body);
        this.opts.onResult?.(lane.endpoint.id, result ?? 'dropped');
      }
    } finally {
      lane.running = false;
      if (this.idle()) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Posts one body until it is accepted, refused for good, or out of attempts; `undefined` when stopped. */
  private async deliver(endpoint: SenderEndpoint, body: string): Promise<DeliveryResult | undefined> {
    const { clock, logger } = this.opts;
    for (let attempt = 1; ; attempt++) {
      let outcome: { retry: boolean; waitMs?: number; detail: string };
      const ctl = new AbortController();
      const timer = clock.setTimeout(() => ctl.abort(new Error('timed out')), this.timeoutMs);
      const onStop = (): void => ctl.abort(new Error('stopped'));
      this.stopCtl.signal.addEventListener('abort', onStop, { once: true });
      try {
        const res = await this.post(endpoint.url, body, ctl.signal);
        if (res.status >= 200 && res.status < 300) return 'sent';
        const retry = res.status === 429 || res.status >= 500;
        outcome = { retry, waitMs: retry ? retryAfterMs(res.retryAfter, clock.now()) : undefined, detail: `HTTP ${res.status}` };
      } catch (e) {
        if (this.stopCtl.signal.aborted) return undefined;
        outcome = { retry: true, detail: ctl.signal.aborted ? `no answer within ${this.timeoutMs} ms` : errorCode(e) };
      } finally {
        clock.clearTimeout(timer);
        this.stopCtl.signal.removeEventListener('abort', onStop);
      }
      if (!outcome.retry || attempt >= this.maxAttempts) {
        logger?.warn({ endpoint: endpoint.id, attempts: attempt, error: outcome.detail }, 'notification not delivered');
        return 'failed';
      }
      const waitMs = Math.min(this.backoff.capMs, outcome.waitMs ?? backoffDelay(attempt - 1, this.backoff, this.opts.random));
      logger?.debug({ endpoint: endpoint.id, attempt, error: outcome.detail, waitMs }, 'notification retrying');
      this.opts.onRetry?.(endpoint.id, attempt, waitMs);
      try {
        await clock.sleep(waitMs, this.stopCtl.signal);
      } catch {
        return undefined;
      }
    }
  }
}

/** A network error as a short code (never a URL: undici's messages may quote it). */
function errorCode(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'network error';
}
