/**
 * Puts a running operator's status, forced syncs and metrics on HTTP (the API `status`, `sync` and the
 * dashboard use).
 */
import type { Registry } from 'prom-client';
import { listen, type Listener } from '../server/http-listener';
import { createStatusApp, type OperatorView } from '../server/status-app';

/** Splits `host:port` / `[v6]:port` / `:port`. */
export function parseListen(listenAddr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listenAddr.trim());
  if (!m) throw new Error(`listen address must look like 127.0.0.1:4680 or [::1]:4680, got ${JSON.stringify(listenAddr)}`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port: Number(m[3]) };
}

/** Serves the operator API on `listenAddr` (`host:port`, `[v6]:port`; port 0 picks a free port). */
export async function serveOperator(operator: OperatorView, listenAddr: string, options: { metrics?: Registry; token?: string } = {}): Promise<Listener> {
  const { host, port } = parseListen(listenAddr);
  return listen(createStatusApp(operator, options), host, port);
}
