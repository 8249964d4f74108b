import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { http } from './http';

const root = path.resolve(__dirname, '../../..');

test('`nomadguard sim` prints the addresses when ready, serves both APIs and stops on SIGTERM', async () => {
  if (!fs.existsSync(path.join(root, 'dist/lib/cli/commands/sim.js'))) throw new Error('dist/ is missing: run `npx tsc -p .` before this test');
  const child = spawn(process.execPath, [path.join(root, 'bin/nomadguard'), 'sim', '--seed', '3', '--version', '1.9.2'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const addrs = await new Promise<Record<string, string>>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nomad = /^NOMAD_ADDR=(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      const consul = /^CONSUL_HTTP_ADDR=(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (nomad && consul) resolve({ nomad: nomad[1], consul: consul[1] });
    });
    void exited.then((code) => reject(new Error(`exited early with ${code}: ${err}`)));
  });
  try {
    const self = await http<{ config: { Version: { Version: string } } }>('GET', `${addrs.nomad}/v1/agent/self`);
    expect(self.json.config.Version.Version).toBe('1.9.2');
    expect((await http('PUT', `${addrs.consul}/v1/kv/probe`, 'x')).json).toBe(true);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  expect(err).toContain('simulator stopped');
  expect(out.trim().split('\n')).toHaveLength(2);
});
