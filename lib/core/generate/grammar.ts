/**
 * The grammars of spec values that reach a place with its own syntax: a Consul tag traefik reads, a
 * traefik rule, a consul-template action, an environment variable name, job and task meta read by node
 * agents. A spec is hostile input: the generator builds those places only from values these accept, the
 * policy reports every value they refuse (with a code and the value's position), and whatever reaches a
 * string literal is quoted for it as well.
 */

/** Longest Consul tag a spec may set. */
export const TAG_MAX = 128;
/**
 * A tag: printable ASCII without whitespace, quotes, backticks, backslashes, "$", "{" or "}", 1 to TAG_MAX
 * characters. Nomad interpolates service tags with the task's environment (client/taskenv/services.go,
 * InterpolateService: `service.Tags = taskEnv.ParseAndReplace(...)`), and the task's environment includes
 * the spec's `env`, so a `${VAR}` tag would become whatever tag the spec put in VAR, after every check.
 */
const TAG_RE = /^[!#%&(-[\]-_a-z|~]+$/;

/** Whether `tag` follows the tag grammar (see TAG_RE). */
export function isTag(tag: string): boolean {
  return tag.length > 0 && tag.length <= TAG_MAX && TAG_RE.test(tag);
}

/**
 * Whether traefik may read `tag` as configuration. Traefik's Consul Catalog and Nomad providers read every
 * tag whose key starts with their prefix (`traefik` by default) and compare keys without regard to case
 * (shared/contracts/TRAEFIK-TAGS.md §1). Every tag beginning with "traefik", in any case and followed by any
 * character, is reserved for the platform's traefik modifier, so neither the default prefix nor a
 * `traefik-…`/`traefik_…` variant can be spoken by a spec.
 */
export function isTraefikTag(tag: string): boolean {
  return tag.length >= 7 && tag.slice(0, 7).toLowerCase() === 'traefik';
}

/** Longest path prefix a spec may route. */
export const PATH_PREFIX_MAX = 256;
/**
 * A path prefix: "/" followed by URL path characters (RFC 3986 unreserved, percent-encoded octets and the
 * sub-delimiters except the quote and parentheses, ":", "@" and "/"). No backtick, quote, backslash,
 * whitespace or control character can appear, so the value cannot leave a traefik rule's backtick literal.
 */
const PATH_PREFIX_RE = /^\/(?:[A-Za-z0-9\-._~!$&*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;

/** Whether `p` follows the path prefix grammar (see PATH_PREFIX_RE). */
export function isPathPrefix(p: string): boolean {
  return p.length <= PATH_PREFIX_MAX && PATH_PREFIX_RE.test(p);
}

/** A value inside a traefik rule: a backtick literal; undefined when the value could close it. */
export function ruleLiteral(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x60 || c === 0x5c) return undefined;
  }
  return `\`${value}\``;
}

/** A name from the operator config that lands in a traefik tag (entrypoint, cert resolver). */
const TRAEFIK_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}(?:@[A-Za-z0-9][A-Za-z0-9_-]{0,30})?$/;

/** Whether `name` may be written into a traefik tag as an entrypoint or resolver name. */
export function isTraefikName(name: string): boolean {
  return TRAEFIK_NAME_RE.test(name);
}

/** A DNS name (labels of letters, digits and "-", separated by dots), at most 253 characters. */
const DNS_NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Whether `name` is a DNS name (the platform domain, a host in a traefik rule). */
export function isDnsName(name: string): boolean {
  return name.length <= 253 && DNS_NAME_RE.test(name);
}

/** Longest Vault path a spec may read. */
export const SECRET_PATH_MAX = 256;
const SECRET_SEGMENT_RE = /^[A-Za-z0-9_.-]+$/;

/**
 * A Vault path: segments of letters, digits, "_", "." and "-" separated by "/", with no empty, "." or ".."
 * segment and no leading or trailing "/". The KV mount of the operator config follows the same grammar.
 */
export function isSecretPath(p: string): boolean {
  if (p.length === 0 || p.length > SECRET_PATH_MAX) return false;
  for (const segment of p.split('/')) {
    if (!SECRET_SEGMENT_RE.test(segment) || segment === '.' || segment === '..') return false;
  }
  return true;
}

/**
 * A Go interpreted string literal whose value is exactly `s`: what a consul-template action may quote.
 * Quotes, backslashes and control characters are escaped (Go accepts JSON's escapes), so the value cannot
 * end the literal, and "}}" inside a literal does not end the action (text/template's lexer reads a quoted
 * string whole).
 */
export function goStringLiteral(s: string): string {
  return JSON.stringify(s);
}

/** An environment variable name: a letter or "_", then letters, digits and "_"; at most 128 characters. */
const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Whether `key` is an environment variable name the platform passes on. */
export function isEnvKey(key: string): boolean {
  return ENV_KEY_RE.test(key);
}

/** A meta key: letters, digits, "_", "." and "-", starting with a letter, digit or "_"; at most 128 characters. */
const META_KEY_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Whether `key` follows the meta key grammar. */
export function isMetaKey(key: string): boolean {
  return META_KEY_RE.test(key);
}

/**
 * Meta key namespaces only the platform writes: `nomadguard.` (ownership, provenance, hash) on the job,
 * `firewall.` on a task (the node firewall reads it), compared without regard to case.
 */
export const RESERVED_META_PREFIXES = ['nomadguard.', 'firewall.'] as const;

/** Whether a spec may not set meta key `key`. */
export function isReservedMetaKey(key: string): boolean {
  const k = key.toLowerCase();
  return RESERVED_META_PREFIXES.some((p) => k.startsWith(p));
}

/** Longest HTTP check path (with its query) a spec may set. */
export const CHECK_PATH_MAX = 256;
/**
 * An HTTP check path: "/" followed by URL path characters (RFC 3986 unreserved, percent-encoded octets, the
 * sub-delimiters except "$", the quote and parentheses, ":", "@" and "/"), then optionally "?" and a query of
 * the same characters plus "?". No "$", "{", "}", backslash, "#", whitespace or control character.
 */
const CHECK_PATH_RE = /^\/(?:[A-Za-z0-9\-._~!&*+,;=:@/]|%[0-9A-Fa-f]{2})*(?:\?(?:[A-Za-z0-9\-._~!&*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?$/;

/**
 * Whether `p` follows the HTTP check path grammar (see CHECK_PATH_RE), with no empty segment ("//"
 * anywhere in the path part) and no "." or ".." segment (written plainly or as "%2e"). Nomad accepts any path that is not an absolute
 * URL (nomad/structs/services.go, ServiceCheck.validateCommon: only `url.Parse(path).IsAbs()` is
 * refused) and the client builds the URL the node's Consul agent fetches with
 * `base.ResolveReference(relative)` (command/agent/consul/service_client.go, createCheckReg): a path
 * beginning "//" is a network-path reference whose host replaces the task's, so the agent would fetch a
 * host the spec chose. Nomad also fills `${…}` in the path from the task's environment before that
 * (client/taskenv/services.go, InterpolateService), and the environment includes the spec's `env`, so "$"
 * and braces are refused as well.
 */
export function isCheckPath(p: string): boolean {
  if (p.length > CHECK_PATH_MAX || !CHECK_PATH_RE.test(p)) return false;
  const path = p.split('?', 1)[0];
  if (path.includes('//')) return false;
  return path.split('/').every((segment) => {
    const s = segment.replace(/%2e/gi, '.');
    return s !== '.' && s !== '..';
  });
}
