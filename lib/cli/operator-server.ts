/**
 * Puts a running operator's status, forced syncs and metrics on HTTP (the API `status`, `sync` and the
 * dashboard use).
 */
import type { Registry } from 'prom-client';
import type { OperatorHandle } from '../../controllers';
import { listen, type Listener } from '../server/http-listener';
import { createStatusApp, type OperatorView } from '../server/status-app';

/** The API's view of an operator: a forced sync bypasses backoff and the auto-revert hold. */
export function operatorView(handle: Pick<OperatorHandle, 'status' | 'trigger'>): OperatorView {
  return {
    status: () => handle.status(),
    sync: ({ keys, all }) => handle.trigger({ full: all, forced: all ? ['*'] : keys, reason: all ? 'sync-all' : 'sync' }),
  };
}

/** Splits `host:port` / `[v6]:port` / `:port`. */
export function parseListen(listenAddr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listenAddr.trim());
  if (!m) throw new Error(`listen address must look like 127.0.0.1:4680 or [::1]:4680, got ${JSON.stringify(listenAddr)}`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port: Number(m[3]) };
}

/** Serves the operator API on `listenAddr`. */
export async function serveOperator(handle: Pick<OperatorHandle, 'status' | 'trigger'>, listenAddr: string, options: { metrics?: Registry; token?: string } = {}): Promise<Listener> {
  const { host, port } = parseListen(listenAddr);
  return listen(createStatusApp(operatorView(handle), options), host, port);
}
