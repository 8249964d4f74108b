/**
 * `nomadguard validate` over a repository of many teams, with a policy: every rule reports at its
 * file:line:col, and the repository rules give the later spec (by path) the duplicate error.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../lib/cli/main';
import type { ValidateReport } from '../../../lib/cli/commands/validate';

const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'repos', 'many-teams');

async function run(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd, env: {}, signal: new AbortController().signal });
  return { code, out, err };
}

let repo: string;

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'ng-policy-repo-'));
  cpSync(FIXTURE, repo, { recursive: true });
  execFileSync('git', ['init', '-q', repo]);
  execFileSync('git', ['-C', repo, 'add', '-A']);
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'specs']);
});

afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('validate over a repository of many teams', () => {
  it('reports every policy finding and the cross-spec duplicates at their positions', async () => {
    const r = await run(['validate', '.', '--config', 'nomadguard.yaml', '--json'], repo);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as ValidateReport;
    const found = report.specs.flatMap((s) => s.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.severity}[${d.code}]`));
    expect(found).toEqual([
      'es/zz-copy-of-cerebro/nomadgen.toml:2:1 error[DUPLICATE_JOB_ID]',
      'ghost/thing/nomadgen.toml:1:1 error[AUTH_UNKNOWN_TEAM]',
      'ops/monitor/nomadgen.toml:7:1 error[COUNT_ODD]',
      'search/api/nomadgen.toml:1:1 warning[LEGACY]',
      'search/indexer/nomadgen.toml:11:3 error[IMAGE_MUTABLE_TAG]',
      'search/indexer/nomadgen.toml:14:27 error[FIREWALL_IPV4_INGRESS]',
      'web/prod-attempt/nomadgen.toml:2:1 error[AUTH_TIER_DENIED]',
      'web/storefront/nomadgen.toml:2:1 error[DUPLICATE_JOB_ID]',
    ]);
    expect(report).toMatchObject({ errors: 7, warnings: 1 });
    const ok = Object.fromEntries(report.specs.map((s) => [s.file, s.ok]));
    // The earlier spec of each clash keeps working; specs of other teams are unaffected.
    expect(ok).toEqual({
      'data/etl/nomadgen.toml': true,
      'es/cerebro/nomadgen.toml': true,
      'es/kibana/nomadgen.toml': true,
      'es/zz-copy-of-cerebro/nomadgen.toml': false,
      'ghost/thing/nomadgen.toml': false,
      'ops/monitor/nomadgen.toml': false,
      'search/api/nomadgen.toml': true,
      'search/indexer/nomadgen.toml': false,
      'web/prod-attempt/nomadgen.toml': false,
      'web/shop/nomadgen.toml': true,
      'web/storefront/nomadgen.toml': false,
    });
    const dup = report.specs.find((s) => s.file === 'web/storefront/nomadgen.toml')!.diagnostics[0];
    expect(dup.message).toContain('"q-web-shop" is already produced by web/shop/nomadgen.toml');
  });

  it('validating one team folder of the repository still sees the other specs of that folder', async () => {
    const r = await run(['validate', 'es', '--config', 'nomadguard.yaml'], repo);
    expect(r.out).toContain('es/zz-copy-of-cerebro/nomadgen.toml:2:1: error[DUPLICATE_JOB_ID]');
    expect(r.out).toMatch(/3 specs checked: 1 error, 0 warnings\n$/);
    expect(r.code).toBe(1);
  });

  it('render --explain lists what the policy changed', async () => {
    const r = await run(['render', 'data/etl/nomadgen.toml', '--config', 'nomadguard.yaml', '--explain'], repo);
    expect(r.code).toBe(0);
    expect(r.err).toContain('modified[limits] TaskGroups[0].Tasks[0].Resources.CPU: cpu of task "etl" lowered from 6000 to 2000 MHz, the ceiling of tier "test"');
    expect(r.err).toContain('modified[update] TaskGroups[0].Update:');
    expect(r.err).toContain('modified[ipv6] TaskGroups[0].Tasks[0]:');
    const job = JSON.parse(r.out) as { Meta: Record<string, string>; TaskGroups: Array<{ Tasks: Array<{ Meta: Record<string, string>; Resources: { CPU: number } }> }> };
    expect(job.Meta['nomadguard.modifications']).toBeUndefined();
    expect(job.TaskGroups[0].Tasks[0].Resources.CPU).toBe(2000);
    expect(job.TaskGroups[0].Tasks[0].Meta['nomadguard.original.cpu']).toBe('6000');
  });

  it('render --explain shows placement for a pinned job', async () => {
    const r = await run(['render', 'es/cerebro/nomadgen.toml', '--config', 'nomadguard.yaml', '--explain'], repo);
    expect(r.code).toBe(0);
    expect(r.err).toContain('modified[placement] Constraints: es-production: only on nodes where ${node.class} = "es"');
    expect(r.err).toContain('modified[spread] TaskGroups[0].Spreads: 2 instances spread evenly over "dc1", "dc2" (50%/50%)');
  });
});
