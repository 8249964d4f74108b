/**
 * How `status` and `sync` reach a running operator's HTTP API (`nomadguard run` serves it).
 * The address comes from `--addr`, then NOMADGUARD_ADDR, then the default listen address. Requests carry
 * the address's own `Host`, JSON bodies as `application/json`, and the token as `Authorization: Bearer`.
 */
import type { CliContext } from './context';
import { CliError } from './context';

export const DEFAULT_OPERATOR_ADDR = 'http://127.0.0.1:4680';

export function operatorAddr(ctx: CliContext, flag?: string): string {
  return (flag ?? ctx.env.NOMADGUARD_ADDR ?? DEFAULT_OPERATOR_ADDR).replace(/\/+$/, '');
}

/** Calls the operator; a refused connection becomes a one-line CliError naming the address. */
export async function callOperator(addr: string, path: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: unknown }> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  let res: Response;
  try {
    res = await fetch(`${addr}${path}`, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(10_000) });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
    throw new CliError(`cannot reach the operator at ${addr} (${cause}); is \`nomadguard run\` running? set --addr or NOMADGUARD_ADDR`);
  }
  const raw = await res.text();
  if (res.status === 421) {
    throw new CliError(`the operator at ${addr} does not answer to that host name (${raw.trim()}); use the address it listens on, or start it with --allowed-host`);
  }
  let body: unknown = raw;
  try {
    body = JSON.parse(raw);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body };
}
