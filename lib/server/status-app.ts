/**
 * The operator's HTTP API, as a function from a web-standard Request to a Response (no socket needed, so
 * tests call `app(request)` directly; `http-listener.ts` puts it on a port).
 *
 *   GET  /                         the dashboard
 *   GET  /healthz                  200 "ok" while the process serves
 *   GET  /api/v1/status            OperatorStatus: every source and job
 *   GET  /api/v1/jobs/:ns/:job     one JobStatus, 404 when unknown
 *   POST /api/v1/sync              {"jobs": ["ns/job" | "job", ...]} or {"all": true}: resync now, bypassing backoff
 *   GET  /metrics                  Prometheus text exposition
 *
 * Writes (sync) require `Authorization: Bearer <token>` when a token is configured.
 */
import type { JobStatus, OperatorStatus } from '../../crd-schemas/status';
import type { Registry } from 'prom-client';
import { DASHBOARD_HTML } from './dashboard';

/** What the HTTP API needs from a running operator. */
export interface OperatorView {
  status(): OperatorStatus;
  /** Queues the given keys (`namespace/job`) for an immediate reconcile, or every key and a fresh fetch when `all`. */
  sync(request: { keys: string[]; all: boolean }): void;
}

export interface StatusAppOptions {
  /** The registry `/metrics` exposes. */
  metrics?: Pick<Registry, 'contentType' | 'metrics'>;
  /** When set, POST requests need this bearer token. */
  token?: string;
}

export type StatusApp = (request: Request) => Promise<Response>;

export interface SyncResponse {
  accepted: string[];
  unknown: string[];
  all: boolean;
}

const json = (body: unknown, status = 200): Response =>
  new Response(`${JSON.stringify(body, null, 2)}\n`, { status, headers: { 'content-type': 'application/json; charset=utf-8' } });

const text = (body: string, status = 200, contentType = 'text/plain; charset=utf-8'): Response =>
  new Response(body, { status, headers: { 'content-type': contentType } });

/** Resolves `ns/job` keys and bare job IDs against the known jobs; a bare ID in two namespaces is unknown. */
export function resolveJobs(jobs: readonly JobStatus[], names: readonly string[]): { accepted: string[]; unknown: string[] } {
  const accepted: string[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const matches = name.includes('/') ? jobs.filter((j) => j.key === name) : jobs.filter((j) => j.jobId === name);
    if (matches.length === 1) accepted.push(matches[0].key);
    else unknown.push(name);
  }
  return { accepted, unknown };
}

/** Builds the API over a running operator. */
export function createStatusApp(view: OperatorView, options: StatusAppOptions = {}): StatusApp {
  return async (request) => {
    const url = new URL(request.url);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = request.method.toUpperCase();

    if (method === 'GET' && path === '/') return text(DASHBOARD_HTML, 200, 'text/html; charset=utf-8');
    if (method === 'GET' && path === '/healthz') return text('ok\n');
    if (method === 'GET' && path === '/api/v1/status') return json(view.status());
    if (method === 'GET' && path === '/metrics') {
      if (!options.metrics) return text('metrics are not enabled\n', 404);
      return text(await options.metrics.metrics(), 200, options.metrics.contentType);
    }
    const job = /^\/api\/v1\/jobs\/([^/]+)\/([^/]+)$/.exec(path);
    if (method === 'GET' && job) {
      const key = `${decodeURIComponent(job[1])}/${decodeURIComponent(job[2])}`;
      const found = view.status().jobs.find((j) => j.key === key);
      return found ? json(found) : json({ error: `no job ${key} is known to this operator` }, 404);
    }
    if (path === '/api/v1/sync') {
      if (method !== 'POST') return json({ error: 'use POST' }, 405);
      if (options.token && request.headers.get('authorization') !== `Bearer ${options.token}`) {
        return json({ error: 'a valid bearer token is required to force a sync' }, 401);
      }
      let body: unknown;
      try {
        body = await request.json();
      } catch {
        return json({ error: 'the body must be JSON: {"jobs": ["namespace/job", ...]} or {"all": true}' }, 400);
      }
      const { jobs, all } = (body ?? {}) as { jobs?: unknown; all?: unknown };
      const names = Array.isArray(jobs) ? jobs.filter((x): x is string => typeof x === 'string') : [];
      if (all !== true && names.length === 0) {
        return json({ error: 'name the jobs to sync ({"jobs": ["namespace/job"]}) or ask for {"all": true}' }, 400);
      }
      const { accepted, unknown } = resolveJobs(view.status().jobs, names);
      view.sync({ keys: accepted, all: all === true });
      const response: SyncResponse = { accepted, unknown, all: all === true };
      return json(response, unknown.length > 0 && accepted.length === 0 && all !== true ? 404 : 202);
    }
    return json({ error: `no route ${method} ${path}` }, 404);
  };
}
