/**
 * deploy/: the Nomad job parses with HashiCorp's HCL2 parser and has the shape the operator needs; the
 * example config and policy load with the operator's own parsers; the Dockerfile builds what `make build`
 * builds (static checks: no container runtime here).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { parseOperatorConfig } from '../../../crd-schemas/operator-config';
import { parsePolicy } from '../../../crd-schemas/policy';

const ROOT = path.resolve(__dirname, '../../..');
const read = (p: string): string => fs.readFileSync(path.join(ROOT, p), 'utf8');

type Obj = Record<string, unknown>;
/** hcl2json gives every block as a list: the only one. */
function one(v: unknown): Obj {
  expect(Array.isArray(v) ? v.length : 1).toBe(1);
  return (Array.isArray(v) ? v[0] : v) as Obj;
}
function all(v: unknown): Obj[] {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]) as Obj[];
}
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}
const seconds = (d: string): number => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN);

describe('deploy/nomadguard.nomad.hcl', () => {
  let job: Obj;
  let group: Obj;
  let task: Obj;
  beforeAll(async () => {
    const doc = (await parse('nomadguard.nomad.hcl', read('deploy/nomadguard.nomad.hcl'))) as Obj;
    job = one((doc.job as Obj).nomadguard);
    group = one((job.group as Obj).operator);
    task = one((group.task as Obj).nomadguard);
  });

  it('runs two instances of a service, spread over the datacenters on distinct hosts, with rolling updates that revert', () => {
    expect(job.type).toBe('service');
    expect(group.count).toBe(2);
    expect(one(group.spread).attribute).toBe('${node.datacenter}');
    expect(all(group.constraint)).toContainEqual({ operator: 'distinct_hosts', value: 'true' });
    expect(one(job.update)).toMatchObject({ max_parallel: 1, health_check: 'checks', auto_revert: true });
  });

  it('checks /healthz and /readyz over HTTP; a deployment waits on /healthz only', () => {
    const checks = all(one(group.service).check);
    expect(checks.map((c) => [c.type, c.path])).toEqual([
      ['http', '/healthz'],
      ['http', '/readyz'],
    ]);
    expect(checks[0].on_update).toBeUndefined();
    expect(checks[1].on_update).toBe('ignore');
  });

  it('runs the image with docker on the config the templates write, stopping within the client cap above the shutdown bound', () => {
    expect(task.driver).toBe('docker');
    const config = one(task.config);
    expect(config.image).toBe('${var.image}');
    const args = config.args as string[];
    expect(args[0]).toBe('run');
    const destinations = all(task.template).map((t) => `/${t.destination as string}`);
    expect(destinations).toContain(args[args.indexOf('--config') + 1]);
    expect(destinations).toContain('/local/policy.yaml');
    expect(args[args.indexOf('--listen') + 1]).toBe('[::]:4680');
    expect(task.kill_signal).toBe('SIGTERM');
    const kill = seconds(task.kill_timeout as string);
    expect(kill).toBeGreaterThan(10);
    expect(kill).toBeLessThanOrEqual(30);
  });

  it('puts every token the example config names into the environment from the job variable, and holds no secret itself', () => {
    const env = all(task.template).filter((t) => t.env === true);
    expect(env).toHaveLength(1);
    const data = env[0].data as string;
    expect(data).toContain('nomadVar "nomad/jobs/nomadguard"');
    expect(env[0].destination).toMatch(/^secrets\//);
    const parsed = parseOperatorConfig(read('deploy/nomadguard.yaml'), 'deploy/nomadguard.yaml');
    if (!parsed.ok) throw new Error('the example config does not parse');
    const named = Object.values(parsed.config.clusters).flatMap((c) => [c.nomad.tokenEnv, c.consul.tokenEnv]);
    for (const name of named) expect(data).toMatch(new RegExp(`^\\s*${name}=\\{\\{ \\.[a-z_]+ \\}\\}$`, 'm'));
    expect(data).toMatch(/^\s*NOMADGUARD_TOKEN=\{\{ \.[a-z_]+ \}\}$/m);
    // No literal secrets: no token-named env, no UUID (Nomad and Consul tokens), no Vault token.
    for (const key of Object.keys(one(task.env))) expect(key).not.toMatch(/TOKEN|SECRET|PASSWORD/);
    for (const s of strings(job)) {
      expect(s).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
      expect(s).not.toMatch(/\b(hvs|hvb|s)\.[A-Za-z0-9]{20,}/);
      expect(s).not.toMatch(/TOKEN[A-Z_]*=(?!\{\{)/);
    }
  });
});

describe('the example config and policy', () => {
  it('load with the operator parsers: two clusters whose tiers do not overlap, and the policy next to the config', () => {
    const parsed = parseOperatorConfig(read('deploy/nomadguard.yaml'), 'deploy/nomadguard.yaml');
    expect(parsed.diagnostics).toEqual([]);
    if (!parsed.ok) return;
    expect(Object.keys(parsed.config.clusters)).toHaveLength(2);
    expect(Object.values(parsed.config.clusters).flatMap((c) => c.tiers).sort()).toEqual(['production', 'quality', 'test']);
    expect(path.resolve(ROOT, 'deploy', parsed.config.policy as string)).toBe(path.join(ROOT, 'deploy/policy.yaml'));
    const policy = parsePolicy(read('deploy/policy.yaml'), 'deploy/policy.yaml');
    expect(policy.diagnostics).toEqual([]);
    expect(policy.ok).toBe(true);
  });
});

/** The instructions of one stage of a Dockerfile (continuation lines joined). */
function stages(text: string): Array<{ from: string; name?: string; lines: string[] }> {
  const joined = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const args = new Map<string, string>();
  const out: Array<{ from: string; name?: string; lines: string[] }> = [];
  for (const line of joined) {
    const arg = /^ARG (\w+)=(\S+)$/.exec(line);
    if (arg && out.length === 0) args.set(arg[1], arg[2]);
    const from = /^FROM (\S+)(?: AS (\S+))?$/i.exec(line);
    if (from) out.push({ from: from[1].replace(/\$\{(\w+)\}/g, (_m, n: string) => args.get(n) ?? ''), name: from[2], lines: [] });
    else if (out.length > 0) out[out.length - 1].lines.push(line);
  }
  return out;
}

describe('deploy/Dockerfile', () => {
  const docker = stages(read('deploy/Dockerfile'));
  const build = docker[0];
  const runtime = docker[docker.length - 1];

  it('is two stages on one Node 20 slim image pinned by version', () => {
    expect(docker).toHaveLength(2);
    for (const s of docker) expect(s.from).toMatch(/^node:20\.\d+\.\d+-bookworm-slim$/);
    expect(build.from).toBe(runtime.from);
  });

  it('compiles as make build does: npm ci, the same tsc command over every folder tsconfig includes', () => {
    const makeBuild = /^build:.*\n\t(.+)$/m.exec(read('Makefile'))?.[1];
    expect(makeBuild).toBe('npx tsc -p tsconfig.json');
    expect(build.lines).toContain(`RUN ${makeBuild}`);
    expect(build.lines).toContain('RUN npm ci --no-audit --no-fund');
    const copied = build.lines.filter((l) => l.startsWith('COPY ')).flatMap((l) => l.split(/\s+/).slice(1, -1));
    const tsconfig = JSON.parse(read('tsconfig.json')) as { include: string[] };
    for (const p of [...tsconfig.include, 'tsconfig.json', 'package.json', 'package-lock.json']) expect(copied).toContain(p);
    const compile = build.lines.findIndex((l) => l === `RUN ${makeBuild}`);
    expect(compile).toBe(build.lines.length - 1);
  });

  it('runs as a non-root user with production dependencies, git, the compiled operator and bin/', () => {
    expect(runtime.lines.some((l) => /^RUN .*apt-get install .*\bgit\b/.test(l))).toBe(true);
    expect(runtime.lines).toContain('RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force');
    const user = runtime.lines.findIndex((l) => l.startsWith('USER '));
    expect(runtime.lines[user]).toBe('USER node');
    expect(runtime.lines.findIndex((l) => l.startsWith('ENTRYPOINT '))).toBeGreaterThan(user);
    expect(runtime.lines).toContain('COPY bin ./bin');
    const fromBuild = runtime.lines.filter((l) => l.startsWith('COPY --from=build ')).map((l) => l.split(/\s+/)[2]);
    expect(fromBuild.sort()).toEqual(['/src/dist/controllers', '/src/dist/crd-schemas', '/src/dist/lib']);
    expect(read('bin/nomadguard')).toContain("require('../dist/lib/cli/main.js')");
  });

  it('copies all the command needs: nothing the command runs imports tests or benchmarks', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && /from '(\.\.\/)+(test|bench)\//.test(fs.readFileSync(path.join(ROOT, p), 'utf8'))) offenders.push(p);
      }
    };
    for (const dir of ['lib', 'controllers', 'crd-schemas']) walk(dir);
    expect(offenders).toEqual([]);
  });

  it('builds from sources only: .dockerignore keeps node_modules and dist out of the context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist']));
    const tsconfig = JSON.parse(read('tsconfig.json')) as { include: string[] };
    for (const p of [...tsconfig.include, 'bin', 'tsconfig.json', 'package.json', 'package-lock.json']) expect(ignored).not.toContain(p);
  });
});
