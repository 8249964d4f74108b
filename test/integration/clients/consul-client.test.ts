/** ConsulHttpClient against the simulator over real HTTP. */
import { ConsulHttpClient } from '../../../lib/adapters/consul-http/consul-http-client';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { aggregateHealth } from '../../../lib/core/consul/types';
import { NotFoundError, UnavailableError } from '../../../lib/ports/errors';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { RetryDriver, waitFor, webJob } from './helpers';

describe('ConsulHttpClient against the simulator', () => {
  let sim: Simulator;
  let clock: FakeClock;
  let retries: RetryDriver;
  let consul: ConsulHttpClient;

  beforeEach(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 3 });
    retries = new RetryDriver(clock);
    consul = new ConsulHttpClient({ address: sim.consulUrl, clock, backoff: { baseMs: 50, capMs: 500, maxAttempts: 3 }, onRetry: retries.onRetry });
  });
  afterEach(async () => {
    consul.close();
    await sim.stop();
  });

  it('KV: put, get (decoded), list, keys, check-and-set, delete', async () => {
    expect(await consul.kvPut('nomadguard/state/a', 'héllo')).toBe(true);
    const a = await consul.kvGet('nomadguard/state/a');
    expect(a.value).toMatchObject({ Key: 'nomadguard/state/a', Value: 'héllo', Flags: 0, LockIndex: 0 });
    expect(a.index).toBe(a.value!.ModifyIndex);
    await consul.kvPut('nomadguard/state/b', new Uint8Array([123, 125]), { flags: 7 });
    await consul.kvPut('nomadguard/other/c', '');

    const list = await consul.kvList('nomadguard/state');
    expect(list.value.map((e) => [e.Key, e.Value, e.Flags])).toEqual([
      ['nomadguard/state/a', 'héllo', 0],
      ['nomadguard/state/b', '{}', 7],
    ]);
    expect((await consul.kvKeys('nomadguard/', { separator: '/' })).value).toEqual(['nomadguard/other/', 'nomadguard/state/']);
    expect((await consul.kvList('absent/')).value).toEqual([]);
    expect((await consul.kvGet('nomadguard/other/c')).value?.Value).toBeNull();

    expect(await consul.kvPut('nomadguard/state/a', 'new', { cas: 0 })).toBe(false);
    expect(await consul.kvPut('nomadguard/state/a', 'new', { cas: a.value!.ModifyIndex - 1 })).toBe(false);
    expect(await consul.kvPut('nomadguard/state/a', 'new', { cas: a.value!.ModifyIndex })).toBe(true);
    expect(await consul.kvPut('nomadguard/state/z', 'created', { cas: 0 })).toBe(true);
    const z = (await consul.kvGet('nomadguard/state/z')).value!;
    expect(await consul.kvDelete('nomadguard/state/z', { cas: z.ModifyIndex + 100 })).toBe(false);
    expect(await consul.kvDelete('nomadguard/state/z', { cas: z.ModifyIndex })).toBe(true);
    expect((await consul.kvGet('nomadguard/state/z')).value).toBeUndefined();
    expect(await consul.kvDelete('nomadguard/state', { recurse: true })).toBe(true);
    expect((await consul.kvList('nomadguard/state')).value).toEqual([]);
    await expect(consul.kvPut('k', 'v', { cas: 1, acquire: 'x' })).rejects.toThrow(TypeError);
  });

  it('sessions and locks: create, info, acquire, contend, release, renew, destroy', async () => {
    const s1 = await consul.sessionCreate({ name: 'nomadguard-0', ttl: '15s', behavior: 'release', lockDelay: '0s', nodeChecks: [] });
    const s2 = await consul.sessionCreate({ name: 'nomadguard-1', ttl: '15s', nodeChecks: [] });
    const info = await consul.sessionInfo(s1);
    expect(info).toMatchObject({ ID: s1, Name: 'nomadguard-0', Behavior: 'release', TTL: '15s' });
    expect(await consul.sessionInfo('00000000-0000-0000-0000-000000000000')).toBeUndefined();

    expect(await consul.kvPut('nomadguard/leader', 'operator-0', { acquire: s1 })).toBe(true);
    expect(await consul.kvPut('nomadguard/leader', 'operator-1', { acquire: s2 })).toBe(false);
    const held = (await consul.kvGet('nomadguard/leader')).value!;
    expect(held).toMatchObject({ Session: s1, Value: 'operator-0', LockIndex: 1 });
    expect(await consul.kvPut('nomadguard/leader', 'operator-0', { acquire: s1 })).toBe(true);
    expect((await consul.kvGet('nomadguard/leader')).value?.LockIndex).toBe(1);

    const renewed = await consul.sessionRenew(s1);
    expect(renewed.ID).toBe(s1);

    expect(await consul.kvPut('nomadguard/leader', 'x', { release: s2 })).toBe(false);
    expect(await consul.kvPut('nomadguard/leader', 'operator-0', { release: s1 })).toBe(true);
    expect((await consul.kvGet('nomadguard/leader')).value?.Session).toBeUndefined();
    expect(await consul.kvPut('nomadguard/leader', 'operator-1', { acquire: s2 })).toBe(true);

    expect(await consul.sessionDestroy(s2)).toBe(true);
    expect((await consul.kvGet('nomadguard/leader')).value?.Session).toBeUndefined();
    expect(await consul.sessionDestroy(s2)).toBe(true);
    await expect(consul.sessionRenew(s2)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a TTL session left unrenewed expires on the clock and its lock is released', async () => {
    const s = await consul.sessionCreate({ ttl: '10s', lockDelay: '0s', nodeChecks: [] });
    expect(await consul.kvPut('nomadguard/leader', 'me', { acquire: s })).toBe(true);
    await clock.advance(20_001);
    expect(await consul.sessionInfo(s)).toBeUndefined();
    expect((await consul.kvGet('nomadguard/leader')).value?.Session).toBeUndefined();
  });

  it('blocking KV read returns when the key changes; a missing key can be waited for', async () => {
    const missing = await consul.kvGet('nomadguard/flag');
    expect(missing.value).toBeUndefined();
    const blocked = consul.kvGet('nomadguard/flag', { index: Math.max(1, missing.index), wait: '60s' });
    await waitFor(() => (sim.requestCounts('consul')['GET /v1/kv/:key*'] ?? 0) === 2);
    await consul.kvPut('nomadguard/flag', 'on');
    const got = await blocked;
    expect(got.value?.Value).toBe('on');
    expect(got.index).toBeGreaterThan(missing.index);
  });

  it('catalog and health of services Nomad registered, passing filter, failing image critical', async () => {
    const nomad = new NomadHttpClient({ address: sim.nomadUrl, clock });
    try {
      await nomad.registerJob({ namespace: 'default', Job: webJob('good') });
      sim.failImage('acme/web:bad');
      await nomad.registerJob({ namespace: 'default', Job: webJob('bad', { image: 'registry.internal/acme/web:bad' }) });
      await sim.settle();
    } finally {
      nomad.close();
    }
    const services = await consul.catalogServices();
    expect(Object.keys(services.value)).toEqual(expect.arrayContaining(['consul', 'good', 'bad']));
    expect(services.value.good).toContain('traefik.enable=true');
    const instances = await consul.catalogService('good');
    expect(instances.value).toHaveLength(2);
    expect(instances.value.every((i) => i.ServiceMeta?.['external-source'] === 'nomad')).toBe(true);

    const good = await consul.healthService('good');
    expect(good.value).toHaveLength(2);
    expect(good.value.every((e) => aggregateHealth(e.Checks) === 'passing')).toBe(true);
    expect(good.value.every((e) => e.Service.Address.includes(':'))).toBe(true);
    const bad = await consul.healthService('bad');
    expect(bad.value.length).toBeGreaterThan(0);
    expect(bad.value.every((e) => aggregateHealth(e.Checks) === 'critical')).toBe(true);
    expect((await consul.healthService('bad', { passing: true })).value).toEqual([]);
    expect((await consul.healthService('good', { passing: true })).value).toHaveLength(2);
    expect((await consul.healthService('ghost')).value).toEqual([]);
  });

  it('retries a failed read; does not repeat a cas write after a dropped connection', async () => {
    sim.fault({ route: 'GET /v1/kv/:key*', kind: 'error', status: 500, count: 1, api: 'consul' });
    const got = await retries.drive(consul.kvGet('x'), 1);
    expect(got.value).toBeUndefined();
    sim.fault({ route: 'PUT /v1/kv/:key*', kind: 'drop', count: 1, api: 'consul' });
    await expect(consul.kvPut('x', 'v', { cas: 0 })).rejects.toBeInstanceOf(UnavailableError);
    expect(sim.requestCounts('consul')['PUT /v1/kv/:key*']).toBe(1);
    sim.fault({ route: 'PUT /v1/kv/:key*', kind: 'drop', count: 1, api: 'consul' });
    expect(await retries.drive(consul.kvPut('x', 'v'), 1)).toBe(true);
  });
});
