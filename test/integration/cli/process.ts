/**
 * The built CLI as a user runs it: `node bin/nomadguard ...` as a child process (after `npx tsc -p
 * tsconfig.json` built dist/), and `nomadguard sim` as another. Waiting is on the processes' exit or
 * output, never on a fixed delay.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin', 'nomadguard');

/** Fails clearly when dist/ was not built. */
export function requireBuild(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist/lib/cli/main.js'))) throw new Error('dist/ is missing: run `npx tsc -p tsconfig.json` before this test');
}

/** What a finished command printed and its exit code. */
export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs `nomadguard ...args` to its exit, with only `env` (plus PATH and HOME) in its environment; with
 * `input`, that is its stdin (a pipe, closed after it; without, closed at once).
 */
export function nomadguard(args: string[], env: Record<string, string>, cwd = ROOT, input?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(input ?? '');
  });
}

/** A running `nomadguard sim`. */
export interface SimProcess {
  child: ChildProcess;
  nomad: string;
  consul: string;
  token?: string;
  /** POSTs (or DELETEs) a simulator control endpoint. */
  control(method: 'GET' | 'POST' | 'DELETE', route: string, body?: unknown): Promise<unknown>;
  stop(): Promise<number | null>;
}

/** Starts `nomadguard sim ...args` and resolves once it printed its addresses. */
export function startSim(args: string[]): Promise<SimProcess> {
  const child = spawn(process.execPath, [BIN, 'sim', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nomad = /^NOMAD_ADDR=(\S+)$/m.exec(out)?.[1];
      const consul = /^CONSUL_HTTP_ADDR=(\S+)$/m.exec(out)?.[1];
      const wantToken = args.includes('--acl');
      const token = /^NOMAD_TOKEN=(\S+)$/m.exec(out)?.[1];
      if (!nomad || !consul || (wantToken && !token)) return;
      resolve({
        child,
        nomad,
        consul,
        token,
        async control(method, route, body) {
          const res = await fetch(`${nomad}${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
          const text = await res.text();
          return text ? (JSON.parse(text) as unknown) : undefined;
        },
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => reject(new Error(`sim exited early with ${code}: ${err}`)));
  });
}

/**
 * A loopback port nothing listens on. A port bound and released could be taken by a server of another test
 * running at the same time, so it is a low port, below the range the system hands out for port 0, that
 * refuses a connection right now.
 */
export async function closedPort(): Promise<number> {
  for (const port of [1, 9, 47, 79, 99]) if (await refuses(port)) return port;
  throw new Error('no closed low port on 127.0.0.1 to stand for an unreachable server');
}

/** True when a connection to 127.0.0.1:`port` is refused. */
function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}
