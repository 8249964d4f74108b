/**
 * One place where an HTTP outcome (a status and body, or a network failure) becomes a typed port error and
 * a retry decision. Nomad and Consul answer errors as one line of plain text; Nomad reports a check-and-set
 * conflict and job validation failures as 500 with recognisable text, which must not be retried.
 */
import {
  ApiError,
  BadRequestError,
  CasConflictError,
  ForbiddenError,
  NotFoundError,
  TimeoutError,
  UnavailableError,
  type ApiErrorInit,
  type ApiService,
} from '../../ports/errors';

/** Where a failure happened (no query string, no headers). */
export interface FailureContext {
  service: ApiService;
  method: string;
  route: string;
  attempts?: number;
  /** An earlier attempt of the same request may have been applied by the server. */
  afterAmbiguous?: boolean;
}

/** A mapped failure: the error to throw and whether another attempt may succeed. */
export interface MappedFailure {
  error: ApiError;
  retryable: boolean;
  /** The server may have applied the request (a later retry can see its own write). */
  ambiguous: boolean;
}

/** Nomad's prefix for a lost `EnforceIndex` check (api.RegisterEnforceIndexErrPrefix). */
export const ENFORCE_INDEX_PREFIX = 'Enforcing job modify index';

const CAS_RE = /Enforcing job modify index (\d+): (?:(job already exists)|job exists with conflicting job modify index: (\d+)|(job does not exist))/;

/** Parses Nomad's EnforceIndex conflict text; undefined when `body` is not one. */
export function parseCasConflict(body: string): { sentIndex: number; currentIndex?: number; jobExists: boolean } | undefined {
  const m = CAS_RE.exec(body);
  if (!m) return undefined;
  const sentIndex = Number(m[1]);
  if (m[2]) return { sentIndex, jobExists: true };
  if (m[3]) return { sentIndex, currentIndex: Number(m[3]), jobExists: true };
  return { sentIndex, jobExists: false };
}

const VALIDATION_500 = [
  /\d+ errors? occurred:/,
  /cannot update job from type/,
  /validation failed/i,
  /nonexistent namespace/,
  /^invalid session "/,
  /Invalid Session TTL/i,
  // Version tags (nomad/state/state_store.go updateJobVersionTagImpl, unsetJobVersionTagImpl).
  /tag ".*" already exists on a different version of job "/,
  /job ".*" version \d+ not found$/,
  /tag ".*" not found on job "/,
];
const FORBIDDEN_TEXT = /(Permission denied|ACL token not found|ACL not found)/;
const NO_LEADER = /(No cluster leader|no leader)/i;

/** The body's first 2000 characters, trimmed: enough for any server message, never a whole document. */
function clip(body: string): string {
  const t = body.trim();
  return t.length > 2000 ? `${t.slice(0, 2000)}…` : t;
}

/** Maps a non-success HTTP response to a typed error and a retry decision. `body` must already be redacted. */
export function failureFromResponse(ctx: FailureContext, status: number, body: string): MappedFailure {
  const init: ApiErrorInit = { service: ctx.service, method: ctx.method, route: ctx.route, status, serverMessage: clip(body), attempts: ctx.attempts };
  if (status === 404) return { error: new NotFoundError(init), retryable: false, ambiguous: false };
  if (status === 403) return { error: new ForbiddenError(init), retryable: false, ambiguous: false };
  if (status === 429) return { error: new UnavailableError(init), retryable: true, ambiguous: false };
  if (status >= 400 && status < 500) return { error: new BadRequestError(init), retryable: false, ambiguous: false };
  if (status >= 500) {
    const cas = parseCasConflict(body);
    if (cas) return { error: new CasConflictError({ ...init, ...cas, afterRetry: ctx.afterAmbiguous ?? false }), retryable: false, ambiguous: false };
    if (FORBIDDEN_TEXT.test(body)) return { error: new ForbiddenError(init), retryable: false, ambiguous: false };
    if (VALIDATION_500.some((re) => re.test(body))) return { error: new BadRequestError(init), retryable: false, ambiguous: false };
    // A leader-less cluster did not apply anything; other 5xx may have.
    const ambiguous = !(status === 503 || NO_LEADER.test(body));
    return { error: new UnavailableError(init), retryable: true, ambiguous };
  }
  return { error: new ApiError(init, `unexpected status ${status}`), retryable: false, ambiguous: false };
}

/** Network error codes proving the request never reached the server (safe to retry any write). */
export const UNSENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
/** Network error codes after which the request may or may not have been applied. */
const AMBIGUOUS_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ERR_BAD_RESPONSE', 'ESOCKETTIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Maps a failure without a usable response (connection refused/reset, TLS) to a typed error. */
export function failureFromNetwork(ctx: FailureContext, code: string | undefined, detail: string): MappedFailure {
  const init: ApiErrorInit = { service: ctx.service, method: ctx.method, route: ctx.route, code: code ?? 'ENETWORK', serverMessage: clip(detail), attempts: ctx.attempts };
  if (code && UNSENT_CODES.has(code)) return { error: new UnavailableError(init), retryable: true, ambiguous: false };
  if (!code || AMBIGUOUS_CODES.has(code)) return { error: new UnavailableError(init), retryable: true, ambiguous: true };
  // TLS and configuration problems do not heal by retrying.
  return { error: new ApiError(init), retryable: false, ambiguous: false };
}

/** A request that ran out of its time budget: retryable, and ambiguous (the server may still apply it). */
export function failureFromTimeout(ctx: FailureContext, timeoutMs: number): MappedFailure {
  return {
    error: new TimeoutError({ service: ctx.service, method: ctx.method, route: ctx.route, attempts: ctx.attempts, timeoutMs }),
    retryable: true,
    ambiguous: true,
  };
}
