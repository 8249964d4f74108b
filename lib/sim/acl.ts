/**
 * Nomad ACL tokens, reduced to what the operator meets: a management token that may do anything, and client
 * tokens bound to namespaces with a read or write policy. With ACLs off every request is allowed and the
 * token header is ignored; with ACLs on an unknown or missing token gets `403 Permission denied`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { HttpError } from './http-server';
import type { Prng } from './prng';

/** A capability checked on a namespace. */
export type Capability = 'list-jobs' | 'read-job' | 'submit-job' | 'read-logs' | 'read-fs' | 'alloc-exec';

/**
 * What the `read` policy grants (acl/policy.go `expandNamespacePolicy`); `write` grants every capability
 * here, `read-logs`, `read-fs` and `alloc-exec` included.
 */
const READ_POLICY: ReadonlySet<Capability> = new Set(['list-jobs', 'read-job']);

/** A token as stored. */
export interface SimToken {
  AccessorID: string;
  SecretID: string;
  Name: string;
  management: boolean;
  /** Namespaces the token may act in (`*` = all). */
  namespaces: string[];
  policy: 'read' | 'write';
  /** Capabilities granted on top of the policy (a namespace rule's `capabilities = [...]`). */
  capabilities: Capability[];
}

/** Options of `createToken`. */
export interface TokenOptions {
  namespace: string | string[];
  policy?: 'read' | 'write';
  name?: string;
  /** Extra capabilities in those namespaces, e.g. `['read-logs']` with a `read` policy. */
  capabilities?: Capability[];
}

/** The token table and the checks made with it. */
export class AclStore {
  readonly tokens = new Map<string, SimToken>();
  readonly management: SimToken;

  constructor(public enabled: boolean, private readonly prng: Prng) {
    this.management = { AccessorID: prng.uuid(), SecretID: prng.uuid(), Name: 'Bootstrap Token', management: true, namespaces: ['*'], policy: 'write', capabilities: [] };
    this.tokens.set(this.management.SecretID, this.management);
  }

  /** Creates a client token; returns it. */
  create(opts: TokenOptions): SimToken {
    const t: SimToken = {
      AccessorID: this.prng.uuid(),
      SecretID: this.prng.uuid(),
      Name: opts.name ?? '',
      management: false,
      namespaces: Array.isArray(opts.namespace) ? opts.namespace : [opts.namespace],
      policy: opts.policy ?? 'write',
      capabilities: opts.capabilities ?? [],
    };
    this.tokens.set(t.SecretID, t);
    return t;
  }

  /** The request's token (`X-Nomad-Token` wins over `Authorization: Bearer`). */
  tokenOf(headers: IncomingHttpHeaders): SimToken | undefined {
    const raw = (headers['x-nomad-token'] as string | undefined) ?? /^Bearer\s+(.+)$/i.exec(String(headers.authorization ?? ''))?.[1];
    return raw ? this.tokens.get(raw.trim()) : undefined;
  }

  /** Whether `token` may use `cap` in `namespace`. Always true with ACLs off. */
  allows(token: SimToken | undefined, namespace: string, cap: Capability): boolean {
    if (!this.enabled) return true;
    if (!token) return false;
    if (token.management) return true;
    if (!token.namespaces.includes('*') && !token.namespaces.includes(namespace)) return false;
    return grants(token, cap);
  }

  /**
   * Whether `token` may use `cap` in some namespace, existing or not: acl/acl.go `AllowNamespaceOperation`
   * with the `*` namespace (`anyNamespaceAllowsOp`). Always true with ACLs off.
   */
  allowsSomewhere(token: SimToken | undefined, cap: Capability): boolean {
    if (!this.enabled) return true;
    if (!token) return false;
    if (token.management) return true;
    return token.namespaces.length > 0 && grants(token, cap);
  }

  /** Throws 403 `Permission denied` unless allowed. */
  check(headers: IncomingHttpHeaders, namespace: string, cap: Capability): SimToken | undefined {
    const token = this.tokenOf(headers);
    if (!this.allows(token, namespace, cap)) throw new HttpError(403, 'Permission denied');
    return token;
  }

  /** Throws 403 unless the request carries a management token (ACLs on) — namespace and ACL writes. */
  checkManagement(headers: IncomingHttpHeaders): void {
    if (!this.enabled) return;
    if (!this.tokenOf(headers)?.management) throw new HttpError(403, 'Permission denied');
  }

  /** Throws 403 unless the request carries any valid token (ACLs on) — node and agent reads. */
  checkAny(headers: IncomingHttpHeaders): void {
    if (!this.enabled) return;
    if (!this.tokenOf(headers)) throw new HttpError(403, 'Permission denied');
  }
}

/** Whether the token's policy or extra capabilities include `cap`. */
function grants(token: SimToken, cap: Capability): boolean {
  return token.policy === 'write' || READ_POLICY.has(cap) || token.capabilities.includes(cap);
}
