/**
 * `nomadguard dev` as a user runs it: a real process (the built CLI), its real simulator, git repo and
 * HTTP API. The example jobs must converge, and Ctrl-C must stop everything cleanly.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OperatorStatus } from '../../../crd-schemas/status';

const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'nomadguard');

/** Resolves with the first match of `re` in the process output so far or to come. */
function waitForOutput(child: ChildProcessWithoutNullStreams, re: RegExp, seen: { text: string }): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const m = seen.text.match(re);
      if (m) {
        child.stdout.off('data', check);
        child.off('exit', onExit);
        resolve(m);
      }
      return Boolean(m);
    };
    const onExit = (code: number | null): void => reject(new Error(`dev exited (${code}) before printing ${re}:\n${seen.text}`));
    if (check()) return;
    child.stdout.on('data', check);
    child.once('exit', onExit);
  });
}

async function waitForStatus(url: string, done: (s: OperatorStatus) => boolean): Promise<OperatorStatus> {
  for (;;) {
    const status = (await (await fetch(`${url}/api/v1/status`)).json()) as OperatorStatus;
    if (done(status)) return status;
    await new Promise((r) => setTimeout(r, 250)); // polling a separate process: the condition, not the delay, ends the wait
  }
}

describe('nomadguard dev', () => {
  it('starts the cluster, converges the example jobs, reports the invalid spec, and stops on Ctrl-C', async () => {
    expect(existsSync(join(ROOT, 'dist', 'lib', 'cli', 'main.js'))).toBe(true); // make test builds first
    const child = spawn(process.execPath, [BIN, 'dev', '--listen', '127.0.0.1:0'], { cwd: ROOT, env: { ...process.env, NOMAD_TOKEN: '' } });
    const seen = { text: '' };
    child.stdout.on('data', (d: Buffer) => { seen.text += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { seen.text += d.toString(); });
    try {
      const [, dashboard] = await waitForOutput(child, /Dashboard\s+(http:\/\/127\.0\.0\.1:\d+)\//, seen);
      expect(seen.text).toMatch(/Nomad API\s+http:\/\/127\.0\.0\.1:\d+/);
      expect(seen.text).toMatch(/Spec repository\s+\S+nomadguard-specs-/);

      const converged = await waitForStatus(dashboard, (s) => s.jobs.filter((j) => j.phase === 'Healthy').length === 4);
      expect(converged.jobs.filter((j) => j.phase === 'Healthy').map((j) => j.key).sort()).toEqual([
        'data/q-data-redis', 'ops/t-ops-reporter', 'web/p-web-landing', 'web/p-web-shop',
      ]);
      expect(converged.sources[0].healthy).toBe(true);
      const invalid = converged.jobs.filter((j) => j.phase === 'Invalid');
      expect(invalid.map((j) => j.spec)).toEqual(['es/broken/nomadgen.toml']);
      expect(invalid[0].conditions.map((c) => c.message).join(' ')).toContain('es/broken/nomadgen.toml:12:3');
      const page = await (await fetch(`${dashboard}/`)).text();
      expect(page).toContain('<title>nomadguard</title>');

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      await expect(exited).resolves.toBe(0);
      expect(seen.text).toContain('nomadguard dev stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
