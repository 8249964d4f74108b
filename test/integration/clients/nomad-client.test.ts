/** NomadHttpClient against the simulator over real HTTP. */
import * as util from 'node:util';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { BlockingQuery } from '../../../lib/adapters/http/blocking-index';
import type { Job } from '../../../lib/core/nomad/types';
import { BadRequestError, CasConflictError, ForbiddenError, NotFoundError, TimeoutError, UnavailableError } from '../../../lib/ports/errors';
import type { EventStreamFrame } from '../../../lib/ports/nomad-api';
import { FakeClock } from '../../../lib/runtime/clock';
import { Simulator } from '../../../lib/sim';
import { RetryDriver, waitFor, webJob } from './helpers';

describe('NomadHttpClient against the simulator', () => {
  let sim: Simulator;
  let clock: FakeClock;
  let retries: RetryDriver;
  let nomad: NomadHttpClient;

  beforeEach(async () => {
    clock = new FakeClock();
    sim = await Simulator.start({ clock, seed: 11, namespaces: ['es'] });
    retries = new RetryDriver(clock);
    nomad = new NomadHttpClient({ address: sim.nomadUrl, clock, seed: 5, timeoutMs: 5000, backoff: { baseMs: 100, capMs: 2000, maxAttempts: 4 }, onRetry: retries.onRetry });
  });
  afterEach(async () => {
    nomad.close();
    await sim.stop();
  });

  it('registers, reads, lists, plans, versions, allocations, deployment, evaluation, summary, stops and purges a job', async () => {
    const reg = await nomad.registerJob({ namespace: 'es', Job: webJob('p-es-web', { namespace: 'es' }) });
    expect(reg.EvalID).toMatch(/^[0-9a-f-]{36}$/);
    expect(reg.JobModifyIndex).toBeGreaterThan(0);

    const job = await nomad.readJob('es', 'p-es-web');
    expect(job).toMatchObject({ ID: 'p-es-web', Namespace: 'es', Version: 0, Priority: 50 });
    expect(job?.Meta).toEqual({ 'nomadguard.managed': 'true' });
    expect(await nomad.readJob('es', 'nope')).toBeUndefined();
    expect(await nomad.readJob('default', 'p-es-web')).toBeUndefined();

    await nomad.registerJob({ namespace: 'default', Job: webJob('q-other', { meta: { team: 'x' } }) });
    const all = await nomad.listJobs({ namespace: '*', meta: true });
    expect(all.items.map((j) => `${j.Namespace}/${j.ID}`).sort()).toEqual(['default/q-other', 'es/p-es-web']);
    expect(all.items.find((j) => j.ID === 'q-other')?.Meta).toEqual({ 'nomadguard.managed': 'true', team: 'x' });
    expect(all.index).toBeGreaterThan(0);
    expect((await nomad.listJobs({ namespace: '*', prefix: 'p-' })).items.map((j) => j.ID)).toEqual(['p-es-web']);
    expect((await nomad.listJobs({ namespace: '*', filter: 'Meta.team == "x"' })).items.map((j) => j.ID)).toEqual(['q-other']);
    expect((await nomad.listJobs()).items.map((j) => j.ID)).toEqual(['q-other']);

    const same = await nomad.planJob('es', webJob('p-es-web', { namespace: 'es' }), { diff: true });
    expect(same.Diff?.Type).toBe('None');
    expect(same.JobModifyIndex).toBe(job?.JobModifyIndex);
    const changed = await nomad.planJob('es', webJob('p-es-web', { namespace: 'es', image: 'registry.internal/acme/web:1.1.0' }), { diff: true });
    expect(changed.Diff?.Type).toBe('Edited');
    expect(JSON.stringify(changed.Diff)).toContain('web:1.1.0');

    const evaluation = await nomad.evaluation(reg.EvalID, { namespace: 'es' });
    expect(evaluation).toMatchObject({ ID: reg.EvalID, JobID: 'p-es-web' });

    await sim.settle();
    const allocs = await nomad.jobAllocations('es', 'p-es-web');
    expect(allocs.items).toHaveLength(2);
    expect(allocs.items.every((a) => a.ClientStatus === 'running')).toBe(true);
    expect(allocs.index).toBeGreaterThan(0);
    const full = await nomad.allocation(allocs.items[0].ID, { namespace: 'es' });
    expect(full.ID).toBe(allocs.items[0].ID);

    const deployment = await nomad.jobDeployment('es', 'p-es-web');
    expect(deployment?.Status).toBe('successful');
    const byId = await nomad.deployment(deployment!.ID, { namespace: 'es' });
    expect(byId.items.ID).toBe(deployment!.ID);

    const summary = await nomad.jobSummary('es', 'p-es-web');
    expect(summary.Summary.main.Running).toBe(2);

    await nomad.registerJob({ namespace: 'es', Job: webJob('p-es-web', { namespace: 'es', image: 'registry.internal/acme/web:1.1.0' }) });
    const versions = await nomad.jobVersions('es', 'p-es-web', { diffs: true });
    expect(versions.versions.map((v) => v.Version)).toEqual([1, 0]);
    expect(versions.diffs).toHaveLength(1);

    const stop = await nomad.deregisterJob('es', 'p-es-web');
    expect(stop.EvalID).toMatch(/^[0-9a-f-]{36}$/);
    expect((await nomad.readJob('es', 'p-es-web'))?.Stop).toBe(true);
    await nomad.deregisterJob('es', 'p-es-web', { purge: true });
    expect(await nomad.readJob('es', 'p-es-web')).toBeUndefined();
  });

  it('maps unknown objects to NotFoundError with the route, not the query', async () => {
    for (const call of [() => nomad.evaluation('00000000-0000-0000-0000-000000000000'), () => nomad.jobSummary('default', 'ghost'), () => nomad.jobVersions('default', 'ghost'), () => nomad.deployment('00000000-0000-0000-0000-000000000000')]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as NotFoundError).route).not.toContain('?');
    }
    expect(await nomad.jobDeployment('default', 'ghost')).toBeUndefined();
    expect(await nomad.jobAllocations('default', 'ghost')).toMatchObject({ items: [] });
  });

  it('surfaces EnforceIndex conflicts as CasConflictError with both indexes', async () => {
    const first = await nomad.registerJob({ namespace: 'default', Job: webJob('web'), EnforceIndex: true, JobModifyIndex: 0 });
    const exists = (await nomad.registerJob({ namespace: 'default', Job: webJob('web'), EnforceIndex: true, JobModifyIndex: 0 }).catch((e: unknown) => e)) as CasConflictError;
    expect(exists).toBeInstanceOf(CasConflictError);
    expect(exists).toMatchObject({ sentIndex: 0, jobExists: true, status: 500, afterRetry: false });
    const stale = (await nomad.registerJob({ namespace: 'default', Job: webJob('web', { image: 'x:2' }), EnforceIndex: true, JobModifyIndex: first.JobModifyIndex - 1 }).catch((e: unknown) => e)) as CasConflictError;
    expect(stale).toBeInstanceOf(CasConflictError);
    expect(stale.sentIndex).toBe(first.JobModifyIndex - 1);
    expect(stale.currentIndex).toBe(first.JobModifyIndex);
    expect(retries.events).toHaveLength(0);
    const ok = await nomad.registerJob({ namespace: 'default', Job: webJob('web', { image: 'x:2' }), EnforceIndex: true, JobModifyIndex: first.JobModifyIndex, PreserveCounts: true });
    expect(ok.JobModifyIndex).toBeGreaterThan(first.JobModifyIndex);
  });

  it('reports the server message of an invalid job as BadRequestError', async () => {
    const bad = { ...webJob('bad'), ID: '' } as Job;
    const err = (await nomad.registerJob({ namespace: 'default', Job: bad }).catch((e: unknown) => e)) as BadRequestError;
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.serverMessage.length).toBeGreaterThan(0);
  });

  it('retries injected 5xx and dropped connections with clock-driven backoff', async () => {
    sim.fault({ route: 'GET /v1/jobs', kind: 'error', status: 500, count: 2 });
    const listed = await retries.drive(nomad.listJobs({ namespace: '*' }), 2);
    expect(listed.items).toEqual([]);
    expect(retries.events.map((e) => e.status)).toEqual([500, 500]);
    expect(sim.requestCounts('nomad')['GET /v1/jobs']).toBe(3);

    sim.fault({ route: 'POST /v1/jobs', kind: 'drop', count: 1 });
    const reg = await retries.drive(nomad.registerJob({ namespace: 'default', Job: webJob('dropped') }), 1);
    expect(reg.EvalID).toBeTruthy();
    expect(retries.events[2]).toMatchObject({ method: 'POST', route: '/v1/jobs', kind: 'unavailable' });
    expect((await nomad.readJob('default', 'dropped'))?.Version).toBe(0);

    sim.fault({ route: 'ALL', kind: 'leader', count: 1 });
    const nodes = await retries.drive(nomad.nodes(), 1);
    expect(nodes.items.length).toBeGreaterThan(0);
  });

  it('gives up with UnavailableError after the attempts are spent', async () => {
    sim.fault({ route: 'GET /v1/job/:id', kind: 'error', status: 503 });
    const err = (await retries.drive(nomad.readJob('default', 'x').catch((e: unknown) => e), 3)) as UnavailableError;
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.attempts).toBe(4);
    expect(err.status).toBe(503);
  });

  it('times out a partitioned request on the clock', async () => {
    const quick = new NomadHttpClient({ address: sim.nomadUrl, clock, timeoutMs: 3000, backoff: { maxAttempts: 1 } });
    try {
      sim.fault({ route: 'GET /v1/job/:id', kind: 'partition' });
      const p = quick.readJob('default', 'web').catch((e: unknown) => e);
      await waitFor(() => (sim.requestCounts('nomad')['GET /v1/job/:id'] ?? 0) === 1);
      await clock.advance(2999);
      await clock.advance(1);
      const err = (await p) as TimeoutError;
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err.timeoutMs).toBe(3000);
    } finally {
      sim.clearFaults();
      quick.close();
    }
  });

  it('blocking reads return on change, and on wait expiry without change', async () => {
    const first = await nomad.listJobs({ namespace: '*' });
    let resolved = false;
    const blocked = nomad.listJobs({ namespace: '*', index: first.index, wait: '30s' }).then((r) => {
      resolved = true;
      return r;
    });
    await waitFor(() => (sim.requestCounts('nomad')['GET /v1/jobs'] ?? 0) === 2);
    expect(resolved).toBe(false);
    await nomad.registerJob({ namespace: 'default', Job: webJob('new') });
    const changed = await blocked;
    expect(changed.index).toBeGreaterThan(first.index);
    expect(changed.items.map((j) => j.ID)).toEqual(['new']);

    const idle = nomad.readJob('default', 'new', { index: (await nomad.readJob('default', 'new'))!.ModifyIndex!, wait: '10s' });
    await waitFor(() => (sim.requestCounts('nomad')['GET /v1/job/:id'] ?? 0) === 2);
    await clock.advance(10_000);
    expect((await idle)?.ID).toBe('new');

    // BlockingQuery drives the same read until the index moves.
    const q = new BlockingQuery((index) => nomad.jobAllocations('default', 'new', { index, wait: '60s' }).then((r) => ({ value: r.items.length, index: r.index })), clock);
    const before = await q.next();
    const next = q.next();
    await sim.settle();
    const after = await next;
    expect(after.index).toBeGreaterThan(before.index);
    expect(after.value).toBe(2);
  });

  it('streams job events; heartbeats are reported, not yielded', async () => {
    const ac = new AbortController();
    const frames: EventStreamFrame[] = [];
    let heartbeats = 0;
    const consumer = (async () => {
      for await (const frame of nomad.eventStream({ topics: ['Job:streamed'], namespace: '*', signal: ac.signal, onHeartbeat: () => heartbeats++ })) {
        frames.push(frame);
        if (frame.Events.some((e) => e.Topic === 'Job' && e.Key === 'streamed')) ac.abort();
      }
    })();
    await waitFor(() => (sim.requestCounts('nomad')['GET /v1/event/stream'] ?? 0) === 1);
    // Time passes with nothing happening: the server sends heartbeats.
    for (let i = 0; i < 5 && heartbeats === 0; i++) await clock.advance(30_000);
    expect(heartbeats).toBeGreaterThan(0);
    expect(frames).toEqual([]);
    await nomad.registerJob({ namespace: 'default', Job: webJob('streamed') });
    await consumer;
    expect(frames.length).toBeGreaterThan(0);
    expect(frames[frames.length - 1].Index).toBeGreaterThan(0);
    expect(frames.every((f) => f.Events.length > 0)).toBe(true);
  });

  it('namespaces: list, read, upsert; nodes in two datacenters', async () => {
    await nomad.upsertNamespace({ Name: 'web', Description: 'web team' });
    expect((await nomad.namespaces()).map((n) => n.Name)).toEqual(['default', 'es', 'web']);
    expect(await nomad.readNamespace('web')).toMatchObject({ Name: 'web', Description: 'web team' });
    expect(await nomad.readNamespace('ghost')).toBeUndefined();
    const nodes = await nomad.nodes();
    expect(new Set(nodes.items.map((n) => n.Datacenter))).toEqual(new Set(['dc1', 'dc2']));
  });

  it('tags and untags versions; refusals are BadRequestError, an old server NotFoundError', async () => {
    await nomad.registerJob({ namespace: 'es', Job: webJob('p-es-web', { namespace: 'es' }) });
    await nomad.registerJob({ namespace: 'es', Job: webJob('p-es-web', { namespace: 'es', image: 'registry.internal/acme/web:1.1.0' }) });
    const before = await nomad.readJob('es', 'p-es-web');
    const tag = await nomad.tagVersion('es', 'p-es-web', 'golden', { version: 0, description: 'known good' });
    expect(tag).toMatchObject({ Name: 'golden', Description: 'known good', TaggedTime: clock.now() * 1e6 });
    const { versions } = await nomad.jobVersions('es', 'p-es-web');
    expect(versions.map((v) => [v.Version, v.VersionTag?.Name ?? null])).toEqual([[1, null], [0, 'golden']]);
    expect((await nomad.readJob('es', 'p-es-web'))?.JobModifyIndex).toBe(before?.JobModifyIndex);
    const moved = nomad.tagVersion('es', 'p-es-web', 'golden', { version: 1 });
    await expect(moved).rejects.toBeInstanceOf(BadRequestError);
    await expect(moved).rejects.toMatchObject({ serverMessage: 'tag "golden" already exists on a different version of job "p-es-web"' });
    await expect(nomad.tagVersion('es', 'p-es-web', 'x', { version: 7 })).rejects.toBeInstanceOf(BadRequestError);
    const untag = await nomad.untagVersion('es', 'p-es-web', 'golden');
    expect(untag).toMatchObject({ Name: '', TaggedTime: 0 });
    expect((await nomad.jobVersions('es', 'p-es-web')).versions.every((v) => v.VersionTag === null)).toBe(true);
    await expect(nomad.untagVersion('es', 'p-es-web', 'golden')).rejects.toBeInstanceOf(BadRequestError);
    expect((await nomad.capabilities()).versionTags).toBe(true);
    sim.setVersion('1.8.4');
    await expect(nomad.tagVersion('es', 'p-es-web', 'golden', { version: 0 })).rejects.toBeInstanceOf(NotFoundError);
    expect(retries.events).toEqual([]);
  });

  it('capabilities follow the server version, read once', async () => {
    const caps = await nomad.capabilities();
    expect(caps).toMatchObject({ version: '1.10.3', jobListMeta: true, vaultPolicies: false, region: 'global' });
    await nomad.capabilities();
    expect(sim.requestCounts('nomad')['GET /v1/agent/self']).toBe(1);
    sim.setVersion('1.4.0');
    const old = new NomadHttpClient({ address: sim.nomadUrl, clock });
    try {
      expect(await old.capabilities()).toMatchObject({ version: '1.4.0', jobListMeta: false, vaultPolicies: true, nodePools: false });
      await old.registerJob({ namespace: 'default', Job: webJob('legacy') });
      const listed = await old.listJobs({ meta: true });
      expect(listed.items[0].Meta).toBeUndefined();
    } finally {
      old.close();
    }
  });
});

describe('NomadHttpClient with ACLs', () => {
  it('a namespace-bound token gets ForbiddenError outside its namespace, and the token never leaks', async () => {
    const clock = new FakeClock();
    const sim = await Simulator.start({ clock, acl: true, namespaces: ['es', 'web'] });
    const secret = sim.createToken({ namespace: 'es' });
    const logs: string[] = [];
    const nomad = new NomadHttpClient({
      address: sim.nomadUrl,
      token: secret,
      clock,
      logger: { debug: (o, m) => logs.push(JSON.stringify(o) + m), warn: (o, m) => logs.push(JSON.stringify(o) + m) },
    });
    try {
      await nomad.registerJob({ namespace: 'es', Job: webJob('p-es-a', { namespace: 'es' }) });
      expect((await nomad.listJobs({ namespace: 'es' })).items.map((j) => j.ID)).toEqual(['p-es-a']);
      expect((await nomad.listJobs({ namespace: '*' })).items.map((j) => j.ID)).toEqual(['p-es-a']);
      const err = (await nomad.registerJob({ namespace: 'web', Job: webJob('w', { namespace: 'web' }) }).catch((e: unknown) => e)) as ForbiddenError;
      expect(err).toBeInstanceOf(ForbiddenError);
      expect(err.serverMessage).toBe('Permission denied');
      const read = (await nomad.readJob('web', 'w').catch((e: unknown) => e)) as ForbiddenError;
      expect(read).toBeInstanceOf(ForbiddenError);
      for (const e of [err, read]) {
        expect(e.message).not.toContain(secret);
        expect(JSON.stringify(e)).not.toContain(secret);
        expect(util.inspect(e, { showHidden: true, depth: 10 })).not.toContain(secret);
      }
      expect(logs.length).toBeGreaterThan(0);
      expect(logs.join('\n')).not.toContain(secret);
      const anonymous = new NomadHttpClient({ address: sim.nomadUrl, clock });
      await expect(anonymous.listJobs({ namespace: 'es' })).rejects.toBeInstanceOf(ForbiddenError);
      anonymous.close();
    } finally {
      nomad.close();
      await sim.stop();
    }
  });
});

describe('NomadHttpClient over IPv6 loopback', () => {
  it('talks to http://[::1]:PORT', async () => {
    let sim: Simulator;
    try {
      sim = await Simulator.start({ host: '::1' });
    } catch (e) {
      // Hosts without IPv6 loopback cannot run this case.
      expect((e as { code?: string }).code).toMatch(/EADDRNOTAVAIL|EAFNOSUPPORT/);
      return;
    }
    const nomad = new NomadHttpClient({ address: sim.nomadUrl });
    try {
      expect(sim.nomadUrl).toMatch(/^http:\/\/\[::1\]:\d+$/);
      await nomad.registerJob({ namespace: 'default', Job: webJob('v6') });
      expect((await nomad.listJobs()).items.map((j) => j.ID)).toEqual(['v6']);
      expect((await nomad.capabilities()).version).toBe('1.10.3');
    } finally {
      nomad.close();
      await sim.stop();
    }
  });
});
