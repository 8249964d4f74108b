/**
 * A push webhook against a running operator: a real spec repository of many specs, the simulator seeded with
 * the jobs the operator wrote before, the operator's HTTP server on a port. A push changing one spec renders
 * and queues exactly that spec, at once: the FakeClock never reaches the poll interval.
 */
import * as fs from 'node:fs';
import pino from 'pino';
import { defaultOperatorConfig, type OperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { HASH_SCHEME } from '../../../lib/core/hash';
import type { Job } from '../../../lib/core/nomad/types';
import type { JobRecord } from '../../../lib/core/plan';
import { renderSpec } from '../../../lib/core/pipeline';
import { GitSpecSource } from '../../../lib/adapters/git-spec-source';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { FileStateStore } from '../../../lib/adapters/state-store';
import { serveOperator } from '../../../lib/cli/operator-server';
import { FakeClock } from '../../../lib/runtime/clock';
import { createWebhookEndpoint } from '../../../lib/server/webhook-endpoint';
import { credentialFor } from '../../../lib/server/webhooks';
import { Simulator } from '../../../lib/sim';
import { Manager, startOperator } from '../../../controllers/manager';
import type { OperatorDeps, RenderSpecInput } from '../../../controllers/job-sync/types';
import { webhookTarget } from '../../../controllers/webhooks';
import { TestRepo } from '../../helpers/git-repo';
import { spec } from './harness';
import { until } from '../../helpers/until';

const N = 500;
const TEAMS = 5;
const SECRET = 'integration-webhook-secret';
const specPath = (i: number): string => `team${i % TEAMS}/svc${i}/nomadgen.toml`;

interface World {
  clock: FakeClock;
  sim: Simulator;
  repo: TestRepo;
  nomad: NomadHttpClient;
  deps: OperatorDeps;
  /** Spec paths rendered since the last `rendered.length = 0`. */
  rendered: string[];
  /** Every log line, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * N specs committed and pushed; their jobs in the simulator and their records in the state file as the
 * operator would have left them, so the first full pass writes nothing.
 */
async function world(): Promise<World> {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const sim = await Simulator.start({ clock, seed: 7 });
  const repo = TestRepo.create();
  for (let i = 0; i < N; i++) repo.write(specPath(i), spec(`svc${i}`));
  const head = repo.commitAndPush('specs');
  const base = defaultOperatorConfig({});
  const config: OperatorConfig = { ...base, source: { ...base.source, repo: repo.remote, name: 'specs-repo' } };
  const env = { config, policy: defaultPolicy() };
  const jobs: Job[] = [];
  const hashes = new Map<string, string>();
  for (let i = 0; i < N; i++) {
    const r = renderSpec({ text: spec(`svc${i}`), file: specPath(i), team: `team${i % TEAMS}`, commit: head, source: 'specs-repo' }, env);
    if (!r.ok || !r.job || !r.hash) throw new Error(`spec ${specPath(i)} does not render`);
    jobs.push(r.job);
    hashes.set(`${r.job.Namespace}/${r.job.ID}`, r.hash);
  }
  sim.seedJobs(jobs);
  const nomad = new NomadHttpClient({ address: sim.nomadUrl }); // retried: a list on a kept-alive socket the simulator closed while every spec rendered
  const { items } = await nomad.listJobs({ namespace: '*', meta: true });
  const records: Record<string, JobRecord> = {};
  for (const s of items) records[`${s.Namespace}/${s.ID}`] = { jobModifyIndex: s.JobModifyIndex, hash: hashes.get(`${s.Namespace}/${s.ID}`) ?? '', scheme: HASH_SCHEME, commit: head };
  const stateFile = repo.tempDir('state.json');
  fs.writeFileSync(stateFile, JSON.stringify({ version: 1, jobs: records }));
  const rendered: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>); } });
  const deps: OperatorDeps = {
    nomad,
    source: new GitSpecSource({ repo: repo.remote, branch: 'main', workDir: repo.tempDir('work.git') }),
    state: new FileStateStore(stateFile),
    clock,
    logger,
    config,
    render: (input: RenderSpecInput) => {
      rendered.push(input.file);
      return renderSpec(input, env);
    },
    tuning: { healthPollMs: 1000, backoffBaseMs: 100, backoffMaxMs: 1000 },
  };
  return {
    clock, sim, repo, nomad, deps, rendered, logs,
    async close() {
      nomad.close();
      await sim.stop();
      repo.cleanup();
    },
  };
}

const req = (reasons: string[], full = false) => ({ full, forced: new Set<string>(), confirmPrune: new Set<string>(), reasons });

describe('webhooks: a push re-renders and queues only what it changed', () => {
  let w: World;
  afterEach(async () => { await w.close(); });

  it(`a pass after a commit to one spec of ${N} renders one spec and queues one key; other commits render what git says changed`, async () => {
    w = await world();
    const manager = new Manager(w.deps);
    const first = await manager.pass(req(['start'], true));
    expect(first.rendered).toBe(N);
    expect(first.enqueue).toEqual([]);
    expect(w.rendered).toHaveLength(N);

    w.rendered.length = 0;
    w.repo.write(specPath(42), spec('svc42', { memory: 256 }));
    w.repo.commitAndPush('svc42: more memory');
    const one = await manager.pass(req(['test']));
    expect(w.rendered).toEqual([specPath(42)]);
    expect(one.rendered).toBe(1);
    expect(one.enqueue).toEqual(['team2/t-team2-svc42']);
    await manager.drain();
    expect((await w.nomad.readJob('team2', 't-team2-svc42'))?.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(256);

    // A commit touching no spec renders nothing and queues nothing new (svc42's deployment is still followed).
    w.rendered.length = 0;
    w.repo.write('README.md', 'specs\n');
    w.repo.commitAndPush('readme');
    const none = await manager.pass(req(['test']));
    expect(w.rendered).toEqual([]);
    expect(none.enqueue.filter((k) => !manager.controller.memory.following.has(k))).toEqual([]);

    // A spec moved to another folder of its team: the new path is rendered, the job stays the same.
    w.repo.mv(specPath(7), 'team2/moved/nomadgen.toml');
    w.repo.commitAndPush('move svc7');
    const moved = await manager.pass(req(['test']));
    expect(w.rendered).toEqual(['team2/moved/nomadgen.toml']);
    expect(moved.rendered).toBe(1);

    // A force-push (the processed commit is no ancestor of the new head) falls back to the full path.
    w.rendered.length = 0;
    w.repo.resetHard('HEAD~1');
    w.repo.push({ force: true });
    const forced = await manager.pass(req(['test']));
    expect(forced.rendered).toBe(N);
    expect(w.rendered).toHaveLength(N);
    manager.stop();
  });

  it('a signed GitHub push to the running operator renders and queues the one changed spec and registers it before any poll', async () => {
    w = await world();
    const op = startOperator(w.deps, { watch: false, cron: false, sighup: false });
    const webhooks = createWebhookEndpoint({ secret: SECRET, target: webhookTarget(op), logger: w.deps.logger });
    const server = await serveOperator(op, '127.0.0.1:0', { webhooks });
    try {
      const passes = (): Array<Record<string, unknown>> => w.logs.filter((l) => l.msg === 'pass');
      await until(() => passes().length === 1, 'the first pass');
      expect(passes()[0]).toMatchObject({ reasons: ['start'], full: true, rendered: N, enqueue: 0 });
      await until(() => (op.manager as Manager).idle(), 'the operator to be idle');

      w.rendered.length = 0;
      const before = w.repo.head();
      w.repo.write(specPath(3), spec('svc3', { memory: 512 }));
      const after = w.repo.commitAndPush('svc3: more memory');
      const body = JSON.stringify({
        ref: 'refs/heads/main',
        before,
        after,
        repository: { name: 'specs', full_name: 'platform/specs', clone_url: `file://${w.repo.remote}` },
        // The payload's file list is a hint only: it names a spec the commit did not touch.
        commits: [{ id: after, added: [], removed: [], modified: [specPath(4)] }],
      });
      const res = await fetch(`${server.url}/api/v1/webhooks/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
          'x-hub-signature-256': credentialFor('github', SECRET, Buffer.from(body)),
        },
        body,
      });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ result: 'accepted', commit: after });

      await until(() => passes().length === 2, 'the pass the webhook asked for');
      expect(passes()[1]).toMatchObject({ reasons: ['webhook github'], full: false, commit: after, rendered: 1, enqueue: 1, actions: { update: 1 } });
      expect(w.rendered).toEqual([specPath(3)]);
      await until(async () => (await w.nomad.readJob('team3', 't-team3-svc3'))?.TaskGroups[0].Tasks[0].Resources?.MemoryMB === 512, 'svc3 to be registered');
      expect((await w.nomad.readJob('team4', 't-team4-svc4'))?.Version).toBe(0);
      expect(w.clock.now()).toBe(Date.UTC(2026, 0, 1)); // no poll interval elapsed

      // The same delivery again, and a new delivery of the processed commit: no further pass.
      const resent = await fetch(`${server.url}/api/v1/webhooks/github`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'x-hub-signature-256': credentialFor('github', SECRET, Buffer.from(body)) },
        body,
      });
      expect(await resent.json()).toEqual({ result: 'ignored', reason: 'this delivery was received before' });
      const again = await fetch(`${server.url}/api/v1/webhooks/github`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'another-delivery', 'x-hub-signature-256': credentialFor('github', SECRET, Buffer.from(body)) },
        body,
      });
      expect(await again.json()).toEqual({ result: 'ignored', reason: `commit ${after} is processed already` });
      const refused = await fetch(`${server.url}/api/v1/webhooks/github`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'forged', 'x-hub-signature-256': credentialFor('github', 'guess', Buffer.from(body)) },
        body,
      });
      expect(refused.status).toBe(401);
      const warn = w.logs.find((l) => l.msg === 'webhook refused: X-Hub-Signature-256 does not match the secret');
      expect(warn).toMatchObject({ provider: 'github', delivery: 'forged', remote: '127.0.0.1' });
      expect(passes()).toHaveLength(2);
    } finally {
      await server.close();
      await op.stop();
    }
  });
});
