/**
 * The operator's HTTP API, as a function from a web-standard Request to a Response (no socket needed, so
 * tests call `app(request)` directly; `http-listener.ts` puts it on a port).
 *
 *   GET  /                         the dashboard
 *   GET  /healthz                  200 "ok" while the process serves
 *   GET  /readyz                   200 {ready: true, role, checks} once the source was read and the clients answered, else 503 with reasons
 *   GET  /api/v1/status            OperatorStatus: every source and job
 *   GET  /api/v1/jobs/:ns/:job     one JobStatus, 404 when unknown
 *   POST /api/v1/sync              {"jobs": ["ns/job" | "job", ...]} or {"all": true}: resync now, bypassing backoff
 *   POST /api/v1/webhooks/:provider  a signed push of GitHub, Gitea or GitLab: an incremental pass now (webhook-endpoint.ts)
 *   GET  /metrics                  Prometheus text exposition
 *
 * Every request is routed and checked before its body is read: the `Host` must name this listener (421
 * otherwise, see `host-policy.ts`). A write (sync) must come from no page or a page of this listener
 * (`Origin`, 403), carry `Authorization: Bearer <token>` when a token is configured (401), be
 * `Content-Type: application/json` (415), fit in `maxBodyBytes` (413) and name at most `maxSyncJobs` jobs (413).
 */
import type { JobStatus, OperatorStatus } from '../../crd-schemas/status';
import type { Registry } from 'prom-client';
import { BodyTooLarge, isJson, readLimited } from './body';
import { tokenMatches } from './bearer';
import { DASHBOARD_HEADERS, DASHBOARD_HTML } from './dashboard';
import { describeHosts, hostAllowed, originAllowed, type HostPolicy } from './host-policy';
import { remoteAddressOf } from './http-listener';
import { webhooksDisabled, type WebhookEndpoint } from './webhook-endpoint';

import { readyz, type OperatorRole, type ReadinessReport } from './readiness';

/** What the HTTP API needs from a running operator. */
export interface OperatorView {
  status(): OperatorStatus;
  /** Queues the given keys (`namespace/job`) for an immediate reconcile, or every key and a fresh fetch when `all`. */
  sync(request: { keys: string[]; all: boolean }): void;
  /** The observation number before a sync (`JobStatus.observedGeneration` above it is a later look); optional. */
  generation?(): number;
  /** The checks `/readyz` reports (every part ready when absent). */
  readiness?(): ReadinessReport | Promise<ReadinessReport>;
}

export interface StatusAppOptions {
  /** The registry `/metrics` exposes. */
  metrics?: Pick<Registry, 'contentType' | 'metrics'>;
  /** When set, POST requests need this bearer token. */
  token?: string;
  /**
   * The hosts this API answers to (the `Host` of every request, the `Origin` of writes), or a function giving
   * them once the listener is bound (undefined until then: every request is refused). Without it any host
   * is answered: only for an app that is not on a socket.
   */
  hosts?: HostPolicy | (() => HostPolicy | undefined);
  /** The largest request body read, in bytes (default `MAX_BODY_BYTES`). */
  maxBodyBytes?: number;
  /** The most job names one sync request may carry (default `MAX_SYNC_JOBS`). */
  maxSyncJobs?: number;
  /** Push webhooks (`/api/v1/webhooks/:provider`); without it they answer 503. */
  webhooks?: WebhookEndpoint;

  /** This instance's role in a leader election, for `/readyz` (default `standalone`). */
  role?: () => OperatorRole;
}

/** Default body limit: a sync request of a thousand long job names fits. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Default cap on the job names of one sync request. */
export const MAX_SYNC_JOBS = 1000;

export type StatusApp = (request: Request) => Promise<Response>;

export interface SyncResponse {
  accepted: string[];
  unknown: string[];
  all: boolean;
  /** The observation number the sync was accepted at: a job whose `observedGeneration` is above it was looked at since. */
  generation?: number;
}

const COMMON = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

const json = (body: unknown, status = 200): Response =>
  new Response(`${JSON.stringify(body, null, 2)}\n`, { status, headers: { ...COMMON, 'content-type': 'application/json; charset=utf-8' } });

const text = (body: string, status = 200, contentType = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): Response =>
  new Response(body, { status, headers: { ...COMMON, 'content-type': contentType, ...extra } });

/**
 * Resolves `ns/job` keys and bare job IDs against the known jobs; a bare ID in two namespaces is unknown.
 * Linear in jobs plus names: the jobs are indexed once.
 */
export function resolveJobs(jobs: readonly JobStatus[], names: readonly string[]): { accepted: string[]; unknown: string[] } {
  const keys = new Set<string>();
  const byId = new Map<string, string | null>(); // job ID -> its key, null when in several namespaces
  for (const j of jobs) {
    keys.add(j.key);
    byId.set(j.jobId, byId.has(j.jobId) && byId.get(j.jobId) !== j.key ? null : j.key); // one key in several clusters is one job
  }
  const accepted: string[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const key = name.includes('/') ? (keys.has(name) ? name : undefined) : byId.get(name);
    if (key) accepted.push(key);
    else unknown.push(name);
  }
  return { accepted, unknown };
}

/** The path of a request URL without trailing slashes (still percent-encoded). */
function pathOf(url: URL): string {
  return url.pathname.replace(/\/+$/, '') || '/';
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Builds the API over a running operator. */
export function createStatusApp(view: OperatorView, options: StatusAppOptions = {}): StatusApp {
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const maxJobs = options.maxSyncJobs ?? MAX_SYNC_JOBS;
  const policy = (): HostPolicy | undefined | null => (options.hosts === undefined ? null : typeof options.hosts === 'function' ? options.hosts() : options.hosts);

  async function sync(request: Request, hosts: HostPolicy | null): Promise<Response> {
    const origin = request.headers.get('origin');
    const site = request.headers.get('sec-fetch-site');
    if ((hosts && origin !== null && !originAllowed(hosts, origin)) || site === 'cross-site' || site === 'same-site') {
      return json({ error: 'a sync may only come from this operator\'s own pages or from outside a browser' }, 403);
    }
    if (options.token && !tokenMatches(options.token, request.headers.get('authorization'))) {
      return json({ error: 'a valid bearer token is required to force a sync' }, 401);
    }
    if (!isJson(request.headers.get('content-type'))) return json({ error: 'a sync body must be sent as Content-Type: application/json' }, 415);
    // A follower would queue the keys and write nothing; `sync --wait` would then judge another counter.
    if (options.role?.() === 'follower') return json({ error: 'this instance follows the leader and writes nothing: send the sync to the leader (its /readyz answers 200)' }, 503);
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await readLimited(request, maxBody)));
    } catch (e) {
      if (e instanceof BodyTooLarge) return json({ error: `a sync body may hold at most ${maxBody} bytes` }, 413);
      return json({ error: 'the body must be JSON: {"jobs": ["namespace/job", ...]} or {"all": true}' }, 400);
    }
    const { jobs, all } = (body ?? {}) as { jobs?: unknown; all?: unknown };
    if (Array.isArray(jobs) && jobs.length > maxJobs) {
      return json({ error: `a sync request may name at most ${maxJobs} jobs (this one names ${jobs.length}); ask for {"all": true} or split it` }, 413);
    }
    const names = Array.isArray(jobs) ? jobs.filter((x): x is string => typeof x === 'string') : [];
    if (all !== true && names.length === 0) {
      return json({ error: 'name the jobs to sync ({"jobs": ["namespace/job"]}) or ask for {"all": true}' }, 400);
    }
    const { accepted, unknown } = resolveJobs(view.status().jobs, names);
    const generation = view.generation?.();
    view.sync({ keys: accepted, all: all === true });
    const response: SyncResponse = { accepted, unknown, all: all === true, ...(generation === undefined ? {} : { generation }) };
    return json(response, unknown.length > 0 && accepted.length === 0 && all !== true ? 404 : 202);
  }

  async function ready(): Promise<Response> {
    const body = readyz((await view.readiness?.()) ?? {}, options.role?.() ?? 'standalone');
    return json(body, body.ready ? 200 : 503);
  }

  return async (request) => {
    const hosts = policy();
    if (hosts === undefined || (hosts && !hostAllowed(hosts, request.headers.get('host')))) {
      const allowed = hosts ? describeHosts(hosts) : 'none yet';
      return text(`this operator answers only to the hosts ${allowed}; set --allowed-host (NOMADGUARD_ALLOWED_HOSTS) for another name\n`, 421);
    }
    const url = new URL(request.url);
    const path = pathOf(url);
    const method = request.method.toUpperCase();

    if (method === 'GET' && path === '/') return text(DASHBOARD_HTML, 200, 'text/html; charset=utf-8', DASHBOARD_HEADERS);
    if (method === 'GET' && path === '/healthz') return text('ok\n');
    if (method === 'GET' && path === '/readyz') return ready();
    if (method === 'GET' && path === '/api/v1/status') return json(view.status());
    if (method === 'GET' && path === '/metrics') {
      if (!options.metrics) return text('metrics are not enabled\n', 404);
      return text(await options.metrics.metrics(), 200, options.metrics.contentType);
    }
    const job = /^\/api\/v1\/jobs\/([^/]+)\/([^/]+)$/.exec(path);
    if (method === 'GET' && job) {
      const [ns, id] = [decode(job[1]), decode(job[2])];
      if (ns === undefined || id === undefined) return json({ error: 'the job path is not valid percent-encoding' }, 400);
      const key = `${ns}/${id}`;
      const found = view.status().jobs.find((j) => j.key === key);
      return found ? json(found) : json({ error: `no job ${key} is known to this operator` }, 404);
    }
    if (path === '/api/v1/sync') {
      if (method !== 'POST') return json({ error: 'use POST' }, 405);
      return sync(request, hosts);
    }
    const hook = /^\/api\/v1\/webhooks\/([^/]+)$/.exec(path);
    if (hook) return (options.webhooks ?? webhooksDisabled)(request, { provider: hook[1], hosts, remoteAddress: remoteAddressOf(request) });
    return json({ error: `no route ${method} ${path}` }, 404);
  };
}
