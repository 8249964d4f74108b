/**
 * TypeScript shapes of the Consul HTTP API JSON that nomadguard reads (catalog, health, KV, sessions).
 * Keys are Consul's own (PascalCase); a missing key is the zero value. See shared CONSUL-API notes.
 */

/** `GET /v1/catalog/services`: service name -> distinct tags across its instances. */
export type CatalogServices = Record<string, string[]>;

/** One entry of `GET /v1/catalog/service/:name`. */
export interface CatalogService {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses?: Record<string, string> | null;
  NodeMeta?: Record<string, string> | null;
  ServiceKind?: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[] | null;
  ServiceAddress: string;
  ServiceTaggedAddresses?: Record<string, { Address: string; Port: number }> | null;
  ServiceWeights?: { Passing: number; Warning: number } | null;
  ServiceMeta: Record<string, string> | null;
  ServicePort: number;
  ServiceEnableTagOverride?: boolean;
  CreateIndex: number;
  ModifyIndex: number;
  [extra: string]: unknown;
}

/** Node part of a health entry. */
export interface HealthNode {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses?: Record<string, string> | null;
  Meta?: Record<string, string> | null;
  CreateIndex?: number;
  ModifyIndex?: number;
}

/** Service part of a health entry (the name is under `Service`, not `ServiceName`). */
export interface AgentService {
  ID: string;
  Service: string;
  Tags: string[] | null;
  Address: string;
  TaggedAddresses?: Record<string, { Address: string; Port: number }> | null;
  Meta: Record<string, string> | null;
  Port: number;
  Weights?: { Passing: number; Warning: number } | null;
  EnableTagOverride?: boolean;
  CreateIndex?: number;
  ModifyIndex?: number;
  [extra: string]: unknown;
}

/** Aggregatable check status; maintenance shows as `critical`. */
export type HealthStatus = 'passing' | 'warning' | 'critical';

/** One check of a health entry; the node-level `serfHealth` check has `ServiceID: ""`. */
export interface HealthCheck {
  Node: string;
  CheckID: string;
  Name: string;
  Status: HealthStatus | string;
  Notes?: string;
  Output?: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags?: string[] | null;
  Type?: string;
  CreateIndex?: number;
  ModifyIndex?: number;
  [extra: string]: unknown;
}

/** One entry of `GET /v1/health/service/:name`. */
export interface ServiceEntry {
  Node: HealthNode;
  Service: AgentService;
  Checks: HealthCheck[] | null;
}

/** A KV entry as the client returns it: `Value` already base64-decoded (UTF-8), `null` for an empty value. */
export interface KvEntry {
  Key: string;
  Flags: number;
  Value: string | null;
  /** Lock holder's session ID; absent when nobody holds the key. */
  Session?: string;
  LockIndex: number;
  CreateIndex: number;
  ModifyIndex: number;
}

/** Session invalidation behaviour: `release` frees held locks, `delete` removes the locked keys. */
export type SessionBehavior = 'release' | 'delete';

/** A session as `GET /v1/session/info/:id` returns it. */
export interface Session {
  ID: string;
  Name: string;
  Node: string;
  /** Nanoseconds on the wire. */
  LockDelay: number;
  Behavior: SessionBehavior | string;
  TTL: string;
  NodeChecks?: string[] | null;
  ServiceChecks?: Array<{ ID: string; Namespace?: string }> | null;
  Checks?: string[] | null;
  CreateIndex: number;
  ModifyIndex: number;
}

/** Aggregate status of checks, precedence critical > warning > passing; no checks is passing. */
export function aggregateHealth(checks: ReadonlyArray<Pick<HealthCheck, 'Status'>> | null | undefined): HealthStatus {
  let worst: HealthStatus = 'passing';
  for (const c of checks ?? []) {
    if (c.Status === 'critical') return 'critical';
    if (c.Status === 'warning') worst = 'warning';
    else if (c.Status !== 'passing') return 'critical';
  }
  return worst;
}
