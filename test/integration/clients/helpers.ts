/** Shared pieces of the client integration tests: a job in the API's JSON shape and clock driving. */
import type { Job } from '../../../lib/core/nomad/types';
import type { RetryEvent } from '../../../lib/adapters/http/http-transport';
import type { FakeClock } from '../../../lib/runtime/clock';

/** A small managed service job: one group of `count` docker tasks, each with a Consul service (driver address) and an HTTP check. */
export function webJob(id: string, opts: { image?: string; count?: number; namespace?: string; meta?: Record<string, string> } = {}): Job {
  return {
    ID: id,
    Name: id,
    Namespace: opts.namespace ?? 'default',
    Datacenters: ['dc1', 'dc2'],
    Type: 'service',
    Meta: { 'nomadguard.managed': 'true', ...(opts.meta ?? {}) },
    TaskGroups: [
      {
        Name: 'main',
        Count: opts.count ?? 2,
        Spreads: [{ Attribute: '${node.datacenter}', Weight: 100, SpreadTarget: [{ Value: 'dc1', Percent: 50 }, { Value: 'dc2', Percent: 50 }] }],
        Networks: [{ DynamicPorts: [{ Label: 'http', To: 8080 }] }],
        // The platform's shape: a task service registering the container's own IPv6 address (driver mode).
        Tasks: [{
          Name: 'app', Driver: 'docker', Config: { image: opts.image ?? 'registry.internal/acme/web:1.0.0', ports: ['http'], advertise_ipv6_address: true }, Resources: { CPU: 300, MemoryMB: 256, MemoryMaxMB: 512 },
          Services: [{ Name: id, PortLabel: 'http', AddressMode: 'driver', Tags: ['traefik.enable=true'], Checks: [{ Name: 'alive', Type: 'http', Path: '/healthz', PortLabel: 'http', AddressMode: 'driver', Interval: 10e9, Timeout: 2e9 }] }],
        }],
      },
    ],
  } as unknown as Job;
}

/** Polls `cond` with short real pauses until it holds (fails after `ms`). */
export async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const start = process.hrtime.bigint();
  while (!cond()) {
    if (Number(process.hrtime.bigint() - start) / 1e6 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Records retry events and advances the fake clock through each announced backoff. */
export class RetryDriver {
  readonly events: RetryEvent[] = [];
  constructor(private readonly clock: FakeClock) {}
  readonly onRetry = (e: RetryEvent): void => {
    this.events.push(e);
  };
  /** Lets `n` more retries happen (waiting for each to be announced, then advancing the clock by its delay). */
  async drive<T>(p: Promise<T>, n: number): Promise<T> {
    p.catch(() => undefined);
    const base = this.events.length;
    for (let i = 0; i < n; i++) {
      await waitFor(() => this.events.length > base + i);
      await this.clock.advance(this.events[base + i].delayMs);
    }
    return p;
  }
}
