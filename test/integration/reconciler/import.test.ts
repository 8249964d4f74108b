/**
 * `nomadguard import NAMESPACE/JOB` against the simulator: every example of `nomadguard dev`, registered
 * and read back as Nomad stores it, imports to a spec that renders to the running job; a job made by
 * hand gets comments for what a spec cannot say, and its secret-named values are never printed.
 */
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import type { Job } from '../../../lib/core/nomad/types';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { main } from '../../../lib/cli/main';
import { EXAMPLE_SPECS } from '../../../lib/dev/example-specs';
import { renderSpec } from '../../../lib/core/pipeline';
import { compareJobs, withoutMarker } from '../../../lib/core/plan';
import { teamFromPath } from '../../../lib/core/spec/load';
import { Simulator } from '../../../lib/sim';

describe('nomadguard import', () => {
  let sim: Simulator;
  let nomad: NomadHttpClient;
  const config = defaultOperatorConfig({});
  const env = { config, policy: defaultPolicy() };
  beforeAll(async () => {
    sim = await Simulator.start({ seed: 11, timings: { timeScale: 0.01, allocStartMs: 20, evalMs: 5 } });
    nomad = new NomadHttpClient({ address: sim.nomadUrl, backoff: { maxAttempts: 1 } });
  });
  afterAll(async () => {
    nomad.close();
    await sim.stop();
  });

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const e = { NOMAD_ADDR: sim.nomadUrl, CONSUL_HTTP_ADDR: sim.consulUrl, PATH: process.env.PATH };
    const code = await main(args, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, env: e, cwd: process.cwd(), signal: new AbortController().signal });
    return { code, out, err };
  }

  async function register(job: Job): Promise<Job> {
    const ns = job.Namespace ?? 'default';
    await nomad.upsertNamespace({ Name: ns });
    await nomad.registerJob({ namespace: ns, Job: job });
    return (await nomad.readJob(ns, job.ID)) as Job;
  }

  it.each(EXAMPLE_SPECS.map((e) => [e.path, e.text]))('round-trips %s through Nomad', async (file, text) => {
    const team = teamFromPath(file) as string;
    const rendered = renderSpec({ text, file, team, source: 'local' }, env);
    if (!rendered.job) return; // the deliberately invalid example
    const live = await register(rendered.job);
    const r = await cli('import', `${team}/${live.ID}`);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/^# (not expressible|added by the platform|error):/m);
    expect(r.out).toMatch(new RegExp(`^# imported from Nomad job ${team}/${live.ID} at JobModifyIndex \\d+; commit it as ${file}$`, 'm'));
    const again = renderSpec({ text: r.out, file, team, source: 'local' }, env);
    expect(again.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(compareJobs(again.job!, live, { namespace: team, serverVersion: (await nomad.capabilities()).version }).changes).toEqual([]);
  });

  it('comments on what a hand-made job has that a spec cannot say, and never prints a secret-named value', async () => {
    const base = renderSpec({ text: EXAMPLE_SPECS[0].text, file: 'web/shop/nomadgen.toml', team: 'web' }, env).job as Job;
    const hand = withoutMarker(base);
    hand.ID = 'shop-legacy';
    hand.Name = 'shop-legacy';
    const task = hand.TaskGroups[0].Tasks[0];
    task.Env = { ...(task.Env ?? {}), DB_PASSWORD: 'hunter2-very-secret' };
    task.Artifacts = [{ GetterSource: 'https://example.com/tool.tgz', RelativeDest: 'local/' }];
    hand.TaskGroups[0].Spreads = null;
    const live = await register(hand);
    const r = await cli('import', 'web/shop-legacy');
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('hunter2');
    expect(r.out).toMatch(/^# not expressible: task shop: env DB_PASSWORD is secret-named and not printed/m);
    expect(r.out).toMatch(/^# not expressible: TaskGroups\[main\]\.Tasks\[shop\]\.Artifacts/m);
    expect(r.out).toMatch(/^# added by the platform: Meta\.nomadguard\.managed$/m);
    expect(r.out).toMatch(/^# added by the platform: TaskGroups\[main\]\.Spreads/m);
    expect(r.out).toMatch(/^id += "shop-legacy"$/m);
    // The spec renders to the running job's ID.
    expect(renderSpec({ text: r.out, file: 'web/shop/nomadgen.toml', team: 'web' }, env).job?.ID).toBe(live.ID);
  });

  it('exits 1 naming a job that does not exist, and 2 on a malformed reference', async () => {
    const r = await cli('import', 'web/nope');
    expect(r.code).toBe(1);
    expect(r.err).toBe('nomadguard: job "nope" not found in namespace "web"\n');
    const bad = await cli('import', 'nope');
    expect(bad.code).toBe(2);
  });
});
