/**
 * Which `Host` and `Origin` the operator's port answers to. A browser page from any other name must
 * neither read the API through DNS rebinding (a hostile name resolved to 127.0.0.1 sends its own name as
 * `Host`) nor post to it across sites (`Origin`).
 *
 * Allowed: the listen address's own `host:port`; when it is a loopback or wildcard address, also
 * `localhost`, `127.0.0.1` and `[::1]` with that port (a hostile page cannot make a browser send a loopback
 * name as `Host`); when it is a wildcard address (`0.0.0.0`, `::`), any IP address with that port (a page
 * whose origin is an IP address and this port is served by this listener, so no rebinding can use it);
 * and the configured extra hosts (`--allowed-host`, `NOMADGUARD_ALLOWED_HOSTS`, e.g. the name of a
 * reverse proxy): `name` allows that name on any port, `name:port` that port only.
 */

/** One allowed host: a lower-case name (IPv6 in brackets) and a port, or any port when undefined. */
export interface AllowedHost {
  hostname: string;
  port?: number;
}

/** The hosts one listener answers to. */
export interface HostPolicy {
  readonly hosts: readonly AllowedHost[];
  /** Set when listening on a wildcard address: any IP address with this port is allowed too. */
  readonly anyAddressOnPort?: number;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];
const NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/;
const V6 = /^\[[0-9a-f:.]+\]$/;

/** Splits a `Host`-style `name[:port]` / `[v6][:port]`, lower-cased; undefined when it is not one. */
export function parseHost(value: string): AllowedHost | undefined {
  const m = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d{1,5}))?$/.exec(value.trim().toLowerCase());
  if (!m) return undefined;
  const hostname = m[1].endsWith('.') ? m[1].slice(0, -1) : m[1];
  if (!(NAME.test(hostname) || V6.test(hostname))) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && port > 65535) return undefined;
  return { hostname, port };
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const isWildcard = (hostname: string): boolean => hostname === '0.0.0.0' || hostname === '[::]';

function isLoopbackOrAny(hostname: string): boolean {
  return LOOPBACK.includes(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname) || hostname === '[0:0:0:0:0:0:0:1]' || isWildcard(hostname);
}

/**
 * The policy of a listener bound to `host:port` (`host` as given to `listen`: `127.0.0.1`, `::1`, a name)
 * with extra allowed hosts. Throws on an extra host that is not `name[:port]` or `[v6][:port]`.
 */
export function hostPolicy(host: string, port: number, extra: readonly string[] = []): HostPolicy {
  const own = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const hosts: AllowedHost[] = [{ hostname: own.toLowerCase(), port }];
  if (isLoopbackOrAny(own.toLowerCase())) for (const name of LOOPBACK) if (name !== hosts[0].hostname) hosts.push({ hostname: name, port });
  for (const raw of extra) {
    if (raw.trim() === '') continue;
    const parsed = parseHost(raw);
    if (!parsed) throw new Error(`allowed host must look like name, name:port or [v6]:port, got ${JSON.stringify(raw)}`);
    hosts.push(parsed);
  }
  return isWildcard(own.toLowerCase()) ? { hosts, anyAddressOnPort: port } : { hosts };
}

function matches(policy: HostPolicy, hostname: string, port: number): boolean {
  if (policy.anyAddressOnPort === port && (IPV4.test(hostname) || V6.test(hostname))) return true;
  return policy.hosts.some((h) => h.hostname === hostname && (h.port === undefined || h.port === port));
}

/** True when a request's `Host` header names this listener. A missing or malformed header is refused. */
export function hostAllowed(policy: HostPolicy, header: string | null): boolean {
  const parsed = header === null ? undefined : parseHost(header);
  return !!parsed && matches(policy, parsed.hostname, parsed.port ?? 80);
}

/** True when an `Origin` header is a page of this listener (http or https, an allowed host). `null` is refused. */
export function originAllowed(policy: HostPolicy, origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.origin !== origin.trim().toLowerCase()) return false; // an origin is scheme://host[:port], nothing more
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return matches(policy, url.hostname.toLowerCase(), port);
}

/** The allowed hosts as people write them, for messages. */
export function describeHosts(policy: HostPolicy): string {
  const named = policy.hosts.map((h) => (h.port === undefined ? h.hostname : `${h.hostname}:${h.port}`));
  return [...named, ...(policy.anyAddressOnPort === undefined ? [] : [`any IP address:${policy.anyAddressOnPort}`])].join(', ');
}
