/** Real-HTTP request functions for simulator tests (Node's fetch against 127.0.0.1). */

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

/** Sends a request; parses JSON bodies when the content type says so. */
export async function http<T = unknown>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
  }
  const res = await fetch(url, init);
  const text = await res.text();
  const isJson = (res.headers.get('content-type') ?? '').includes('application/json');
  return { status: res.status, headers: res.headers, text, json: (isJson && text ? JSON.parse(text) : undefined) as T };
}

/** A minimal service job in the API's JSON shape. */
export function serviceJob(id: string, extra: Record<string, unknown> = {}, group: Record<string, unknown> = {}, image = 'ghcr.io/acme/web:1.0.0'): Record<string, unknown> {
  return {
    ID: id,
    Datacenters: ['dc1', 'dc2'],
    Type: 'service',
    TaskGroups: [
      {
        Name: 'web',
        Count: 2,
        Networks: [{ Mode: 'bridge', DynamicPorts: [{ Label: 'http', To: 8080 }] }],
        Services: [{ Name: id, PortLabel: 'http', Tags: ['traefik.enable=true'], Checks: [{ Type: 'http', Path: '/healthz', PortLabel: 'http', Interval: 10e9, Timeout: 2e9 }] }],
        Tasks: [{ Name: 'app', Driver: 'docker', Config: { image, ports: ['http'] }, Resources: { CPU: 200, MemoryMB: 256 } }],
        ...group,
      },
    ],
    ...extra,
  };
}

/**
 * Resolves once the simulator has started serving `requests` more calls to `route` (e.g. `GET /v1/jobs`)
 * than `before`, then lets its handlers run to their first wait. Replaces fixed delays before advancing
 * a FakeClock, which a slow machine can lose.
 */
export async function untilReceived(sim: { requestCounts(): Record<string, number> }, route: string, before: number, requests = 1): Promise<void> {
  while ((sim.requestCounts()[route] ?? 0) < before + requests) await new Promise<void>((r) => setImmediate(r));
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}
