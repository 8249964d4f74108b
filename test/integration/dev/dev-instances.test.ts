/**
 * `nomadguard dev --instances 2` as a user runs it: two operator processes on the simulated cluster, one
 * leading; the guide names the leader's process, and stopping it hands the lead to the other.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OperatorStatus } from '../../../crd-schemas/status';

const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'nomadguard');

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100)); // polling separate processes: the condition ends the wait
  }
  throw new Error(`timed out waiting for ${what}`);
}

const role = async (url: string): Promise<string | undefined> => {
  try {
    return ((await (await fetch(`${url}/api/v1/status`)).json()) as OperatorStatus).role;
  } catch {
    return undefined;
  }
};

describe('nomadguard dev --instances 2', () => {
  it('runs two operators that elect one leader; SIGTERM to the leader hands the lead over at once', async () => {
    expect(existsSync(join(ROOT, 'dist', 'lib', 'cli', 'main.js'))).toBe(true); // make test builds first
    const child = spawn(process.execPath, [BIN, 'dev', '--instances', '2', '--listen', '127.0.0.1:0'], { cwd: ROOT, env: { ...process.env, NOMAD_TOKEN: '' } });
    let seen = '';
    child.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    child.stderr.on('data', (d: Buffer) => (seen += d.toString()));
    try {
      const guide = await until('the guide', () => (/kill -9 (\d+)/.test(seen) ? seen : undefined));
      const rows = [...guide.matchAll(/(operator-\d)\s+pid (\d+)\s+(http:\/\/127\.0\.0\.1:\d+)\/(\s+<- leader)?/g)];
      expect(rows).toHaveLength(2);
      const leader = rows.find((r) => r[4]);
      const other = rows.find((r) => !r[4]);
      expect(leader && other).toBeTruthy();
      expect(guide).toContain(`kill -9 ${leader?.[2]}`);
      expect(await role(other?.[3] as string)).toBe('follower');
      process.kill(Number(leader?.[2]), 'SIGTERM');
      await until('the other to lead', async () => ((await role(other?.[3] as string)) === 'leader' ? true : undefined));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      await expect(exited).resolves.toBe(0);
      expect(seen).toContain('nomadguard dev stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
