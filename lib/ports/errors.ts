/**
 * Typed failures of the Nomad and Consul ports. Every error names the service, the HTTP method and the
 * route (the path without its query string), the status when a response arrived, and the server's own
 * message. No error ever carries a token, a full URL with its query, request headers or the transport's
 * raw error object, so errors are safe to log and to show on a dashboard.
 */

/** Which API answered (or failed to). */
export type ApiService = 'nomad' | 'consul';

/** Discriminant of every ApiError subclass, for `switch` without `instanceof`. */
export type ApiErrorKind = 'not-found' | 'forbidden' | 'cas-conflict' | 'bad-request' | 'unavailable' | 'timeout' | 'unexpected';

/** What every ApiError is built from. */
export interface ApiErrorInit {
  service: ApiService;
  method: string;
  /** Path only, e.g. `/v1/job/web`; never the query string. */
  route: string;
  status?: number;
  /** The server's body text (already redacted), or a description of the network failure. */
  serverMessage?: string;
  /** Attempts made, including the first. */
  attempts?: number;
  /** Node network error code (`ECONNREFUSED`...) when no response arrived. */
  code?: string;
}

/** Base of all port errors: safe to log (no tokens, no query strings). */
export class ApiError extends Error {
  readonly kind: ApiErrorKind = 'unexpected';
  readonly service: ApiService;
  readonly method: string;
  readonly route: string;
  readonly status?: number;
  readonly serverMessage: string;
  readonly attempts: number;
  readonly code?: string;

  constructor(init: ApiErrorInit, summary?: string) {
    const head = `${init.service} ${init.method.toUpperCase()} ${init.route}`;
    const what = init.status !== undefined ? `${init.status}` : (init.code ?? 'no response');
    const text = summary ?? init.serverMessage ?? '';
    super(text ? `${head}: ${what}: ${text}` : `${head}: ${what}`);
    this.name = new.target.name;
    this.service = init.service;
    this.method = init.method.toUpperCase();
    this.route = init.route;
    if (init.status !== undefined) this.status = init.status;
    this.serverMessage = init.serverMessage ?? '';
    this.attempts = init.attempts ?? 1;
    if (init.code !== undefined) this.code = init.code;
  }

  /** Whether retrying the same request later can succeed (unavailable and timeout). */
  get transient(): boolean {
    return false;
  }
}

/** 404: the object (job, eval, deployment, namespace, session...) does not exist. */
export class NotFoundError extends ApiError {
  override readonly kind = 'not-found' as const;
}

/** 403: the token lacks the capability (or is unknown). */
export class ForbiddenError extends ApiError {
  override readonly kind = 'forbidden' as const;
}

/** The request is invalid; `serverMessage` is the server's own explanation (400, or Nomad's 500 validation text). */
export class BadRequestError extends ApiError {
  override readonly kind = 'bad-request' as const;
}

/** The server could not answer: 5xx after retries, connection refused/reset, no leader. Worth retrying later. */
export class UnavailableError extends ApiError {
  override readonly kind = 'unavailable' as const;
  override get transient(): boolean {
    return true;
  }
}

/** No answer within the request's time budget (after retries when the request was retryable). */
export class TimeoutError extends ApiError {
  override readonly kind = 'timeout' as const;
  /** The per-attempt budget that ran out, in milliseconds. */
  readonly timeoutMs: number;
  constructor(init: ApiErrorInit & { timeoutMs: number }) {
    super({ ...init, serverMessage: init.serverMessage ?? `no response within ${init.timeoutMs}ms` });
    this.timeoutMs = init.timeoutMs;
  }
  override get transient(): boolean {
    return true;
  }
}

/**
 * A check-and-set write lost: Nomad's `EnforceIndex` did not match (HTTP 500, body prefix
 * `Enforcing job modify index`). `sentIndex` is what the client sent; `currentIndex` is the server's current
 * JobModifyIndex when it said so (undefined when the job does not exist, 0 never appears for "exists").
 * `afterRetry` is true when an earlier attempt of the same write had an ambiguous outcome: that attempt may
 * itself have won, so the caller should re-read before treating this as someone else's change.
 */
export class CasConflictError extends ApiError {
  override readonly kind = 'cas-conflict' as const;
  readonly sentIndex: number;
  readonly currentIndex?: number;
  readonly jobExists: boolean;
  readonly afterRetry: boolean;
  constructor(init: ApiErrorInit & { sentIndex: number; currentIndex?: number; jobExists: boolean; afterRetry?: boolean }) {
    super(init);
    this.sentIndex = init.sentIndex;
    if (init.currentIndex !== undefined) this.currentIndex = init.currentIndex;
    this.jobExists = init.jobExists;
    this.afterRetry = init.afterRetry ?? false;
  }
}

/** Narrowing helper: true for any port error. */
export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}
