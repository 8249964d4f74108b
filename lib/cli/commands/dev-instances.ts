/**
 * `nomadguard dev --instances N`: N operator processes (`nomadguard run`) on the one simulated cluster and
 * spec repository, each with its own work folder and dashboard. They elect one leader through the
 * simulated Consul; killing it (`kill -9 PID`) shows another taking over once the dead session expires
 * (2×TTL + lock-delay), and `kill PID` (SIGTERM) shows an immediate hand-over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OperatorStatus } from '../../../crd-schemas/status';

/** One operator process. */
export interface DevInstance {
  name: string;
  child: ChildProcess;
  /** Its dashboard, once it listens. */
  url: Promise<string>;
}

/** The `nomadguard` launcher next to this build (run from `dist/` or from the sources). */
function launcher(): string {
  const candidates = [resolve(__dirname, '../../../../bin/nomadguard'), resolve(__dirname, '../../../bin/nomadguard')];
  const found = candidates.find((c) => existsSync(c) && existsSync(resolve(c, '../../dist/lib/cli/main.js')));
  if (!found) throw new Error('dev --instances runs the built CLI: run `make build` first');
  return found;
}

/** Starts `count` `nomadguard run` processes; their output goes to `out`, each line prefixed with its name. */
export function startInstances(count: number, o: { configFile: string; workDir: string; listenHost: string; basePort: number; env: NodeJS.ProcessEnv; out: (text: string) => void }): DevInstance[] {
  const bin = launcher();
  const instances: DevInstance[] = [];
  for (let i = 0; i < count; i++) {
    const name = `operator-${i + 1}`;
    const port = o.basePort === 0 ? 0 : o.basePort + i;
    const host = o.listenHost.includes(':') ? `[${o.listenHost}]` : o.listenHost;
    const child = spawn(process.execPath, [bin, 'run', '--config', o.configFile, '--work-dir', join(o.workDir, name), '--listen', `${host}:${port}`], { env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    const url = new Promise<string>((resolveUrl, reject) => {
      const onData = (d: Buffer): void => {
        const text = d.toString();
        seen += text;
        for (const line of text.split('\n')) if (line.trim()) o.out(`[${name}] ${line}\n`);
        const m = /"url":"([^"]+)"[^\n]*"msg":"status API listening"/.exec(seen);
        if (m) resolveUrl(m[1]);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it listened`)));
    });
    url.catch(() => undefined);
    instances.push({ name, child, url });
  }
  return instances;
}

/** The instance that reports itself leader (undefined while none does). */
export async function leaderOf(instances: readonly DevInstance[]): Promise<DevInstance | undefined> {
  for (const inst of instances) {
    if (inst.child.exitCode !== null) continue;
    try {
      const status = (await (await fetch(`${await inst.url}/api/v1/status`)).json()) as OperatorStatus;
      if (status.role === 'leader') return inst;
    } catch {
      // not answering (yet, or any more)
    }
  }
  return undefined;
}

/** The guide's part on failover. */
export async function failoverGuide(instances: readonly DevInstance[], leader: DevInstance | undefined): Promise<string> {
  const lines: string[] = [];
  for (const inst of instances) lines.push(`    ${inst.name}  pid ${String(inst.child.pid).padEnd(8)} ${await inst.url}/${inst === leader ? '   <- leader' : ''}`);
  const pid = leader?.child.pid ?? '<pid of the leader>';
  return `
  Operators (one leads through a Consul lock; the others follow, warm, and serve the leader's status):
${lines.join('\n')}

  Failover:
    kill -9 ${pid}     # the leader dies: another leads once its session expires (2×TTL + lock-delay, about 35 s)
    kill ${pid}        # SIGTERM: in-flight writes finish, the lock is released, another leads at once
    # watch the role change on each dashboard, or: curl -s <dashboard>/api/v1/status | jq .role
`;
}

/** Stops every instance (SIGTERM) and waits for them. */
export async function stopInstances(instances: readonly DevInstance[]): Promise<void> {
  await Promise.all(
    instances.map(
      (inst) =>
        new Promise<void>((done) => {
          if (inst.child.exitCode !== null || inst.child.signalCode !== null) return done();
          inst.child.once('exit', () => done());
          inst.child.kill('SIGTERM');
        }),
    ),
  );
}
