/**
 * `logs` and `exec` as a user runs them: the built CLI as a process, with the process's own stdin and
 * stdout (pipes, no terminal), against `nomadguard sim` as another process.
 */
import { nomadguard, requireBuild, ROOT, startSim, type CliRun, type SimProcess } from './process';

jest.setTimeout(60_000);

/** Runs `nomadguard ...args` with `input` on its stdin (then closed). */
const withStdin = (args: string[], env: Record<string, string>, input: string): Promise<CliRun> => nomadguard(args, env, ROOT, input);

describe('nomadguard logs and exec as processes', () => {
  let sim: SimProcess;
  let env: Record<string, string>;
  let alloc: string;

  beforeAll(async () => {
    requireBuild();
    sim = await startSim(['--seed', '6', '--time-scale', '0.01']);
    env = { NOMAD_ADDR: sim.nomad };
    const job = {
      ID: 't-web-echo',
      Datacenters: ['dc1', 'dc2'],
      Type: 'service',
      TaskGroups: [{ Name: 'main', Count: 1, Networks: [{ DynamicPorts: [{ Label: 'http', To: 8080 }] }], Tasks: [{ Name: 'app', Driver: 'docker', Config: { image: 'registry.internal/acme/web:1.0.0', ports: ['http'] } }] }],
    };
    const res = await fetch(`${sim.nomad}/v1/jobs`, { method: 'POST', body: JSON.stringify({ Job: job }) });
    expect(res.status).toBe(200);
    await sim.control('POST', '/_sim/settle');
    const allocs = (await (await fetch(`${sim.nomad}/v1/job/t-web-echo/allocations`)).json()) as Array<{ ID: string; ClientStatus: string }>;
    expect(allocs.map((a) => a.ClientStatus)).toEqual(['running']);
    alloc = allocs[0].ID;
  });
  afterAll(async () => {
    expect(await sim.stop()).toBe(0);
  });

  it('exec pipes stdin through and exits with the command\'s code', async () => {
    const cat = await withStdin(['exec', alloc.slice(0, 8), '--', 'cat'], env, 'piped in\n');
    expect(cat).toEqual({ code: 0, out: 'piped in\n', err: '' });
    const missing = await withStdin(['exec', 't-web-echo', '--', 'nosuch'], env, '');
    expect(missing.code).toBe(127);
    expect(missing.err).toMatch(/^nomadguard exec: job default\/t-web-echo: its newest running allocation, .*\nOCI runtime exec failed: .*"nosuch": executable file not found in \$PATH: unknown\n$/);
    const no = await withStdin(['exec', alloc, '--', 'false'], env, '');
    expect(no.code).toBe(1);
  });

  it('logs prints the task\'s stdout', async () => {
    const r = await withStdin(['logs', alloc, '--tail', '1'], env, '');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\S+ app (listening on \[[0-9a-f:]+\]:8080|GET \/health 200 \d+ms)\n$/);
  });
});
