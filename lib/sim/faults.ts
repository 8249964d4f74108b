/**
 * Faults on demand. A fault matches a route ("POST /v1/jobs", "/v1/jobs" for any method, or "ALL") on one API
 * or both, and fires for its next `count` matching calls or, with `rate`, on a seeded fraction of them.
 */
import type { Prng } from './prng';

/** What a fault does to a matching request. */
export type FaultKind = 'latency' | 'error' | 'drop' | 'partition' | 'leader';

/** A fault as configured from code or `POST /_sim/faults`. */
export interface FaultSpec {
  /** `"METHOD /route/:pattern"`, `"/route/:pattern"` (any method) or `"ALL"` (default). */
  route?: string;
  kind: FaultKind;
  /** Which API it applies to; default both. */
  api?: 'nomad' | 'consul' | 'both';
  /** `error`: HTTP status (default 500). */
  status?: number;
  /** `error`: response body (default `simulated fault`). */
  body?: string;
  /** `latency`: delay in milliseconds on the simulator's clock (default 1000). */
  ms?: number;
  /** Fires for the next `count` matching calls, then disappears. */
  count?: number;
  /** Fires on this fraction (0..1) of matching calls, drawn from the seeded PRNG. */
  rate?: number;
}

/** A fault that has fired for one request. */
export interface FiredFault {
  kind: FaultKind;
  status: number;
  body: string;
  ms: number;
}

interface ActiveFault extends FaultSpec {
  id: number;
  remaining?: number;
}

/** The set of active faults, consulted once per request. */
export class FaultTable {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  constructor(private readonly prng: Prng) {}

  /** Adds a fault; returns its id. Throws on a malformed spec. */
  add(spec: FaultSpec): number {
    const kinds: FaultKind[] = ['latency', 'error', 'drop', 'partition', 'leader'];
    if (!kinds.includes(spec.kind)) throw new Error(`unknown fault kind ${JSON.stringify(spec.kind)}`);
    if (spec.rate !== undefined && !(spec.rate >= 0 && spec.rate <= 1)) throw new Error('rate must be within 0..1');
    if (spec.count !== undefined && !(Number.isInteger(spec.count) && spec.count > 0)) throw new Error('count must be a positive integer');
    const id = this.nextId++;
    this.faults.push({ ...spec, id, remaining: spec.count });
    return id;
  }

  /** Removes every fault. */
  clear(): void {
    this.faults = [];
  }

  /** The active faults, for display. */
  list(): FaultSpec[] {
    return this.faults.map(({ id: _id, remaining, ...spec }) => ({ ...spec, ...(remaining !== undefined ? { count: remaining } : {}) }));
  }

  /** The faults firing for this request, consuming counts. Latency comes first, then at most one terminal fault. */
  match(api: 'nomad' | 'consul', method: string, route: string): FiredFault[] {
    const fired: FiredFault[] = [];
    for (const f of [...this.faults]) {
      if (f.api && f.api !== 'both' && f.api !== api) continue;
      if (!routeMatches(f.route, method, route)) continue;
      if (f.rate !== undefined && this.prng.next() >= f.rate) continue;
      if (f.remaining !== undefined) {
        f.remaining--;
        if (f.remaining <= 0) this.faults = this.faults.filter((x) => x.id !== f.id);
      }
      fired.push({ kind: f.kind, status: f.status ?? 500, body: f.body ?? 'simulated fault', ms: f.ms ?? 1000 });
    }
    const latency = fired.filter((f) => f.kind === 'latency');
    const terminal = fired.find((f) => f.kind !== 'latency');
    return terminal ? [...latency, terminal] : latency;
  }
}

function routeMatches(pattern: string | undefined, method: string, route: string): boolean {
  if (!pattern || pattern === 'ALL') return true;
  const space = pattern.indexOf(' ');
  if (space < 0) return pattern === route;
  return pattern.slice(0, space).toUpperCase() === method && pattern.slice(space + 1) === route;
}
