/**
 * Puts a running operator's status, forced syncs and metrics on HTTP (the API `status`, `sync` and the
 * dashboard use). The listener answers only to its own address, loopback names when it listens on a
 * loopback or wildcard address, and the configured allowed hosts (see lib/server/host-policy.ts).
 */
import type { Registry } from 'prom-client';
import { listen, type ListenLimits, type Listener } from '../server/http-listener';
import { hostPolicy, type HostPolicy } from '../server/host-policy';
import { createStatusApp, type OperatorView } from '../server/status-app';
import type { WebhookEndpoint } from '../server/webhook-endpoint';

import type { OperatorRole } from '../server/readiness';

/** Splits `host:port` / `[v6]:port` / `:port`. */
export function parseListen(listenAddr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listenAddr.trim());
  if (!m) throw new Error(`listen address must look like 127.0.0.1:4680 or [::1]:4680, got ${JSON.stringify(listenAddr)}`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port: Number(m[3]) };
}

/** The extra allowed hosts of `--allowed-host` values and `NOMADGUARD_ALLOWED_HOSTS` (comma or space separated). */
export function allowedHostsFrom(flags: readonly string[] | undefined, env: string | undefined): string[] {
  return [...(flags ?? []), env ?? ''].flatMap((h) => h.split(/[\s,]+/)).filter((h) => h !== '');
}

export interface ServeOptions {
  metrics?: Registry;
  /** Bearer token syncs need. */
  token?: string;
  /** Extra `Host` names (`name` or `name:port`) the API answers to, e.g. a reverse proxy's. */
  allowedHosts?: readonly string[];
  /** Socket limits (defaults in http-listener.ts). */
  limits?: ListenLimits;
  /** Request body limit in bytes. */
  maxBodyBytes?: number;
  /** Push webhooks; without them `/api/v1/webhooks/*` answers 503. */
  webhooks?: WebhookEndpoint;

  /** This instance's role in a leader election, for `/readyz` (default `standalone`). */
  role?: () => OperatorRole;
}

/** Serves the operator API on `listenAddr` (`host:port`, `[v6]:port`; port 0 picks a free port). */
export async function serveOperator(operator: OperatorView, listenAddr: string, options: ServeOptions = {}): Promise<Listener> {
  const { host, port } = parseListen(listenAddr);
  hostPolicy(host, port, options.allowedHosts); // a malformed allowed host fails before anything listens
  const bound: { policy?: HostPolicy } = {}; // known once bound (port 0 picks the port); until then every request is refused
  const app = createStatusApp(operator, { metrics: options.metrics, token: options.token, hosts: () => bound.policy, maxBodyBytes: options.maxBodyBytes, webhooks: options.webhooks, role: options.role });
  const listener = await listen(app, host, port, options.limits);
  bound.policy = hostPolicy(host, listener.address.port, options.allowedHosts);
  return listener;
}
