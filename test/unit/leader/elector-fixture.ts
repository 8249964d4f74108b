/**
 * An elector against the simulator's Consul, on a FakeClock, with two handles the network cannot give:
 * a Consul port whose calls can be made to hang (sent, never answered) or fail, and a clock whose wall
 * time can be stepped (as NTP does) while its monotonic time and timers run on.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConsulElector, type ElectorOptions } from '../../../lib/adapters/leader/consul-elector';
import { ConsulHttpClient } from '../../../lib/adapters/consul-http/consul-http-client';
import type { ConsulApi } from '../../../lib/ports/consul-api';
import { FakeClock, type Clock, type TimerHandle } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';

/**
 * What a call of the Consul port does: goes through, is never answered, fails at once, or is held (sent
 * when `releaseHeld()` is called, answered then).
 */
export type CallMode = 'pass' | 'hang' | 'fail' | 'hold';

/** The Consul port with per-method faults, counting the calls sent. */
export class FaultyConsul {
  readonly api: ConsulApi;
  readonly calls: string[] = [];
  private readonly modes = new Map<string, CallMode>();
  private all: CallMode = 'pass';
  private held: Array<{ method: string; go: () => void }> = [];
  private failure = (): Error => new Error('connect ECONNREFUSED');

  constructor(inner: ConsulApi) {
    const target = inner as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    this.api = new Proxy(inner, {
      get: (obj, name) => {
        const value = target[name as string];
        if (typeof name !== 'string' || typeof value !== 'function') return value;
        return (...args: unknown[]): Promise<unknown> => {
          this.calls.push(name);
          const mode = this.modes.get(name) ?? this.all;
          if (mode === 'fail') return Promise.reject(this.failure());
          if (mode === 'hang') {
            // Sent and never answered; a call with an abort signal ends when it is aborted, as the HTTP client's do.
            const signal = (args.find((a) => typeof a === 'object' && a !== null && 'signal' in a) as { signal?: AbortSignal } | undefined)?.signal;
            return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
          }
          if (mode === 'hold') return new Promise<void>((go) => this.held.push({ method: name, go })).then(() => value.apply(obj, args));
          return value.apply(obj, args);
        };
      },
    });
  }

  /** Every method (or only `methods`) does `mode` from now on; `error` is what a failing call throws. */
  set(mode: CallMode, methods?: Array<keyof ConsulApi>, error?: () => Error): void {
    if (error) this.failure = error;
    if (!methods) {
      this.all = mode;
      this.modes.clear();
    } else for (const m of methods) this.modes.set(m, mode);
  }

  /** Sends the held calls (of `method` only, when given). */
  releaseHeld(method?: keyof ConsulApi): void {
    const now = this.held.filter((h) => !method || h.method === method);
    this.held = this.held.filter((h) => !now.includes(h));
    for (const h of now) h.go();
  }

  count(method: keyof ConsulApi): number {
    return this.calls.filter((c) => c === method).length;
  }
}

/** A FakeClock seen through: `now()` can be stepped, `monotonic()` and timers cannot; it counts its own timers. */
export class SteppedClock implements Clock {
  /** Added to the wall time. */
  wallOffset = 0;
  private readonly mine = new Set<number>();

  constructor(readonly base: FakeClock) {}

  now(): number {
    return this.base.now() + this.wallOffset;
  }

  monotonic(): number {
    return this.base.monotonic();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle: TimerHandle = this.base.setTimeout(() => {
      this.mine.delete(handle.id);
      fn();
    }, ms);
    this.mine.add(handle.id);
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.mine.delete(handle.id);
    this.base.clearTimeout(handle);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        this.clearTimeout(handle);
        reject(signal?.reason);
      };
      const handle = this.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Timers set through this clock and not yet fired or cleared. */
  pending(): number {
    return this.mine.size;
  }
}

/** One log line as written. */
export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface ElectorFixture {
  clock: FakeClock;
  own: SteppedClock;
  sim: Simulator;
  consul: FaultyConsul;
  elector: ConsulElector;
  logs: LogLine[];
  /** Moves the clock in steps of 250 ms, letting HTTP exchanges run, until `cond` (or throws after `maxMs`). */
  until(cond: () => boolean, maxMs: number): Promise<void>;
  /** Lets real HTTP exchanges run without moving the clock. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export const TTL = 15_000;
export const MARGIN = 3_000;
export const RETRY = 5_000;
/** One blocking read of the lock key (short, so a test sees the campaign loop go round). */
export const WAIT = 2_000;

/** An elector (not started) on key `k` against a fresh simulator. */
export async function electorFixture(o: Partial<ElectorOptions> = {}): Promise<ElectorFixture> {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const sim = await Simulator.start({ clock, seed: 3 });
  const client = new ConsulHttpClient({ address: sim.consulUrl, backoff: { maxAttempts: 1 } });
  const consul = new FaultyConsul(client);
  const own = new SteppedClock(clock);
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const elector = new ConsulElector(consul.api, own, logger, { key: 'nomadguard/state/leader/k', sessionName: 'nomadguard a', holder: 'a', ttlMs: TTL, marginMs: MARGIN, retryMs: RETRY, waitMs: WAIT, lockDelayMs: 5_000, ...o });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 4; i++) await new Promise((r) => setTimeout(r, 2));
  };
  return {
    clock,
    own,
    sim,
    consul,
    elector,
    logs,
    settle,
    async until(cond, maxMs) {
      const start = clock.now();
      for (;;) {
        await settle();
        if (cond()) return;
        if (clock.now() - start >= maxMs) throw new Error(`not within ${maxMs} ms`);
        await clock.advance(250);
      }
    },
    async close() {
      consul.set('pass');
      await Promise.race([elector.stop(), clock.advance(10_000)]);
      client.close();
      await sim.stop();
    },
  };
}
