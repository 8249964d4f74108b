/**
 * `nomadguard run` twice on one source against the simulator: the first leads, the second follows; a
 * SIGTERM (the command's abort signal) makes the first stop taking work, give the lock up and exit 0, and
 * the second leads at once, without waiting for the lock-delay.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../lib/cli/main';
import { Simulator } from '../../../lib/sim';
import { TestRepo } from '../../helpers/git-repo';
import { spec } from '../reconciler/harness';

interface Running {
  out: () => string;
  stop: () => void;
  exit: Promise<number>;
}

describe('run: SIGTERM hands the lead over', () => {
  let sim: Simulator;
  let repo: TestRepo;
  let work: string;
  beforeAll(async () => {
    sim = await Simulator.start({ seed: 2, timings: { timeScale: 0.01, allocStartMs: 10 } });
    repo = TestRepo.create();
    repo.write('web/shop/nomadgen.toml', spec('shop'));
    repo.commitAndPush('shop');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'nomadguard-ha-'));
  });
  afterAll(async () => {
    await sim.stop();
    repo.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  });

  function run(name: string): Running {
    const ac = new AbortController();
    let out = '';
    const env = { NOMAD_ADDR: sim.nomadUrl, CONSUL_HTTP_ADDR: sim.consulUrl, PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const exit = main(['run', '--repo', repo.remote, '--work-dir', path.join(work, name), '--listen', 'off'], { env, cwd: work, signal: ac.signal, stdout: (t) => (out += t), stderr: (t) => (out += t) });
    return { out: () => out, stop: () => ac.abort(new Error('SIGTERM')), exit };
  }

  /** Waits for a log line (the processes' own output, no fixed delay). */
  async function logged(r: Running, msg: string): Promise<void> {
    for (let i = 0; i < 2000; i++) {
      if (r.out().includes(`"msg":"${msg}"`)) return;
      await new Promise((res) => setTimeout(res, 5));
    }
    throw new Error(`never logged ${msg}: ${r.out()}`);
  }

  it('the leader stops on SIGTERM with exit 0 and releases the lock; the follower leads at once', async () => {
    const first = run('first');
    await logged(first, 'elected leader');
    await logged(first, 'job created');
    const second = run('second');
    await logged(second, 'operator started');
    expect(second.out()).not.toContain('"msg":"elected leader"');
    first.stop();
    expect(await first.exit).toBe(0);
    expect(first.out()).toContain('"released":true');
    await logged(second, 'elected leader');
    // Released, not lost: no acquire of the successor met the lock-delay a lost session leaves.
    expect(sim.consul.lockDelayRefusals).toBe(0);
    second.stop();
    expect(await second.exit).toBe(0);
    expect(sim.registers.repeats()).toBe(0);
  });
});
