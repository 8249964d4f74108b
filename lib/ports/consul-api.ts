/**
 * The Consul port: catalog and health reads for Nomad-registered services, KV with check-and-set and locks,
 * and sessions for leader election. Implemented over HTTP by ConsulHttpClient (lib/adapters/consul-http).
 *
 * Contract: failures are the typed errors of ./errors; a lost CAS/acquire/release is not an error but
 * `false`, as in Consul; blocking reads take `index`/`wait` and return the server's `X-Consul-Index`.
 */
import type { CatalogService, CatalogServices, KvEntry, ServiceEntry, Session, SessionBehavior } from '../core/consul/types';

/** Blocking-read options (`index` > 0 blocks until the index passes it or `wait` elapses). */
export interface ConsulBlockingOptions {
  index?: number;
  /** Go duration string, e.g. `30s`. */
  wait?: string;
  signal?: AbortSignal;
}

/** A result with the server's `X-Consul-Index`. */
export interface ConsulIndexed<T> {
  value: T;
  index: number;
}

/** Options of `healthService`. */
export interface HealthServiceOptions extends ConsulBlockingOptions {
  /** Only instances whose every check is passing. */
  passing?: boolean;
  /** All tags must match. */
  tags?: string[];
  filter?: string;
}

/** Options of `kvPut`: at most one of `cas`, `acquire`, `release`. */
export interface KvPutOptions {
  /** Write only if the key's ModifyIndex equals this (0: only if absent). */
  cas?: number;
  /** Take the lock for this session. */
  acquire?: string;
  /** Give up the lock held by this session. */
  release?: string;
  flags?: number;
}

/** Options of `sessionCreate` (durations as Go strings, e.g. `15s`). */
export interface SessionCreateOptions {
  name?: string;
  ttl?: string;
  behavior?: SessionBehavior;
  lockDelay?: string;
  node?: string;
  /** Node checks bound to the session; `[]` drops the default `serfHealth`. */
  nodeChecks?: string[];
}

/** The Consul API used by nomadguard. */
export interface ConsulApi {
  /** Service name -> tags. */
  catalogServices(opts?: ConsulBlockingOptions): Promise<ConsulIndexed<CatalogServices>>;
  /** Every instance of a service regardless of health. */
  catalogService(name: string, opts?: ConsulBlockingOptions): Promise<ConsulIndexed<CatalogService[]>>;
  /** Instances with their node and checks (`[]` when unknown). */
  healthService(name: string, opts?: HealthServiceOptions): Promise<ConsulIndexed<ServiceEntry[]>>;
  /** One key, undefined when absent (the index is still returned so a caller can block for creation). */
  kvGet(key: string, opts?: ConsulBlockingOptions): Promise<ConsulIndexed<KvEntry | undefined>>;
  /** Every entry under a prefix (`[]` when none). */
  kvList(prefix: string, opts?: ConsulBlockingOptions): Promise<ConsulIndexed<KvEntry[]>>;
  /** Key names under a prefix, optionally up to a separator. */
  kvKeys(prefix: string, opts?: ConsulBlockingOptions & { separator?: string }): Promise<ConsulIndexed<string[]>>;
  /** Writes a value; `false` when a cas/acquire/release condition failed. */
  kvPut(key: string, value: string | Uint8Array, opts?: KvPutOptions): Promise<boolean>;
  /** Deletes a key (or a prefix with `recurse`); `false` when `cas` did not match. */
  kvDelete(key: string, opts?: { recurse?: boolean; cas?: number }): Promise<boolean>;
  /** Creates a session and returns its ID. */
  sessionCreate(opts?: SessionCreateOptions): Promise<string>;
  /** Renews a TTL session; NotFoundError when it expired or never existed. */
  sessionRenew(id: string): Promise<Session>;
  /** Destroys a session (idempotent); held locks are released or deleted per its behavior. */
  sessionDestroy(id: string): Promise<boolean>;
  /** A session, or undefined when it does not exist. */
  sessionInfo(id: string): Promise<Session | undefined>;
}
