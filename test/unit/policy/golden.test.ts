/**
 * Golden renders of the policy's modifiers (JSON and HCL): a two-datacenter service, a single instance, a
 * pinned job, an internet-facing job and a job with secrets (both Vault modes). UPDATE_GOLDEN=1 rewrites.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { defaultOperatorConfig, type OperatorConfig } from '../../../crd-schemas/operator-config';
import { parsePolicy, type Policy } from '../../../crd-schemas/policy';
import { renderHcl } from '../../../lib/core/hcl/render';
import type { Job } from '../../../lib/core/nomad/types';
import { renderSpec, type RenderResult } from '../../../lib/core/pipeline';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'policy');
const GOLDEN = join(__dirname, '..', '..', 'fixtures', 'golden', 'policy');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function loadPolicy(): Policy {
  const r = parsePolicy(readFileSync(join(FIXTURES, 'policy.yaml'), 'utf8'), 'policy.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.policy;
}

function config(mode: OperatorConfig['vault']['mode'] = 'workload-identity'): OperatorConfig {
  const c = defaultOperatorConfig({ NOMAD_ADDR: 'http://127.0.0.1:4646' });
  c.vault = { ...c.vault, mode };
  return c;
}

const policy = loadPolicy();

function render(file: string, cfg = config()): RenderResult {
  const team = file.split('/')[0];
  return renderSpec({ text: readFileSync(join(FIXTURES, 'specs', file)), file, team, commit: '0123456789abcdef0123456789abcdef01234567', source: 'ssh://git@gitea.internal/platform/nomad-specs.git' }, { config: cfg, policy });
}

function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (UPDATE || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

type Obj = Record<string, unknown>;
const one = (v: unknown): Obj => (Array.isArray(v) ? v[0] : v) as Obj;
const unescape = (s: string): string => s.replace(/\$\$\{/g, '${');

/** The policy's parts of the HCL, parsed by HashiCorp's HCL2 parser, equal those of the JSON job. */
async function hclAgrees(job: Job, hcl: string): Promise<void> {
  const parsed = (await parse('job.hcl', hcl)) as { job: Record<string, Obj[]> };
  const j = one(parsed.job[job.ID]);
  expect(j.node_pool).toBe(job.NodePool);
  expect(((j.constraint ?? []) as Obj[]).map((c) => [unescape(String(c.attribute ?? '')), String(c.value ?? c.distinct_hosts)])).toEqual(
    (job.Constraints ?? []).map((c) => [c.LTarget, c.RTarget]),
  );
  for (const g of job.TaskGroups) {
    const hg = one((j.group as Record<string, Obj[]>)[g.Name]);
    expect(hg.count).toBe(g.Count);
    const spreads = (hg.spread ?? []) as Obj[];
    expect(spreads.map((s) => unescape(String(s.attribute)))).toEqual((g.Spreads ?? []).map((s) => s.Attribute));
    for (const [i, s] of (g.Spreads ?? []).entries()) {
      const targets = one(spreads[i].target) as Record<string, Obj[]>;
      expect(Object.fromEntries(Object.entries(targets).map(([k, v]) => [k, one(v).percent]))).toEqual(Object.fromEntries(s.SpreadTarget!.map((t) => [t.Value, t.Percent])));
    }
    expect(((hg.constraint ?? []) as Obj[]).some((c) => c.distinct_hosts === true)).toBe((g.Constraints ?? []).some((c) => c.Operand === 'distinct_hosts'));
    expect(one(hg.update).auto_revert).toBe(g.Update?.AutoRevert);
    expect(one(hg.update).health_check).toBe(g.Update?.HealthCheck);
    for (const t of g.Tasks) {
      const ht = one((hg.task as Record<string, Obj[]>)[t.Name]);
      expect(one(ht.config).advertise_ipv6_address).toBe(true);
      expect(one(ht.resources).cpu).toBe(t.Resources?.CPU);
      const services = (ht.service ?? []) as Obj[];
      services.forEach((s, i) => {
        expect(s.address_mode).toBe('driver');
        expect(s.tags ?? []).toEqual(t.Services![i].Tags ?? []);
      });
      if (t.Vault) {
        expect(one(ht.vault).role).toBe(t.Vault.Role);
        expect(one(ht.vault).policies).toEqual(t.Vault.Policies ?? undefined);
      }
    }
  }
}

const cases: Array<[string, string, OperatorConfig['vault']['mode']]> = [
  ['two-datacenter service', 'shop/web/nomadgen.toml', 'workload-identity'],
  ['single instance', 'ops/cron-runner/nomadgen.toml', 'workload-identity'],
  ['pinned job', 'gpu/trainer/nomadgen.toml', 'workload-identity'],
  ['internet-facing job', 'shop/storefront/nomadgen.toml', 'workload-identity'],
  ['job with secrets (workload identity)', 'pay/ledger/nomadgen.toml', 'workload-identity'],
  ['job with secrets (Vault policies)', 'pay/ledger/nomadgen.toml', 'policies'],
];

describe('policy golden renders', () => {
  it.each(cases)('%s: %s renders to its golden JSON and HCL', async (_what, file, mode) => {
    const r = render(file, config(mode));
    expect(r.diagnostics).toEqual([]);
    expect(r.ok).toBe(true);
    const name = `${file.replace(/\/nomadgen\.toml$/, '').replace(/\//g, '-')}${mode === 'policies' ? '-policies' : ''}`;
    const hcl = renderHcl(r.job!);
    golden(`${name}.json`, `${JSON.stringify(r.job, null, 2)}\n`);
    golden(`${name}.hcl`, hcl);
    await hclAgrees(r.job!, hcl);
  });

  it('the two-datacenter service is spread 50/50 on distinct hosts', () => {
    const g = render('shop/web/nomadgen.toml').job!.TaskGroups[0];
    expect(g.Spreads).toEqual([{ Attribute: '${node.datacenter}', Weight: 100, SpreadTarget: [{ Value: 'dc1', Percent: 50 }, { Value: 'dc2', Percent: 50 }] }]);
    expect(g.Constraints).toEqual([{ LTarget: '', RTarget: 'true', Operand: 'distinct_hosts' }]);
  });

  it('the single instance keeps both datacenters and gets no spread', () => {
    const job = render('ops/cron-runner/nomadgen.toml').job!;
    expect(job.Datacenters).toEqual(['dc1', 'dc2']);
    expect(job.TaskGroups[0].Spreads).toBeUndefined();
    expect(job.TaskGroups[0].Update?.HealthCheck).toBe('task_states');
    expect([...new Set(render('ops/cron-runner/nomadgen.toml').modifications.map((m) => m.rule))].join(',')).toBe('update,ipv6');
  });

  it('the pinned job runs in the gpu node pool on gpu-a100 nodes', () => {
    const r = render('gpu/trainer/nomadgen.toml');
    expect(r.job!.NodePool).toBe('gpu');
    expect(r.job!.Constraints).toContainEqual({ LTarget: '${node.class}', RTarget: 'gpu-a100', Operand: '=' });
    expect(r.modifications.filter((m) => m.rule === 'placement').map((m) => m.message)).toEqual([
      'gpu-nodes: runs in node pool "gpu"',
      'gpu-nodes: only on nodes where ${node.class} = "gpu-a100"',
    ]);
  });

  it('the internet-facing job is routed on the public entrypoint under its path prefix', () => {
    const tags = render('shop/storefront/nomadgen.toml').job!.TaskGroups[0].Tasks[0].Services![0].Tags;
    expect(tags).toContain('traefik.http.routers.p-shop-storefront.entrypoints=websecure,public');
    expect(tags).toContain('traefik.http.routers.p-shop-storefront.rule=Host(`p-shop-storefront.cloud.internal.domain`) && PathPrefix(`/shop`)');
  });

  it('the job with secrets uses the team role, or the team policies before Nomad 1.10', () => {
    expect(render('pay/ledger/nomadgen.toml').job!.TaskGroups[0].Tasks[0].Vault).toEqual({ Role: 'pay-apps', ChangeMode: 'restart' });
    expect(render('pay/ledger/nomadgen.toml', config('policies')).job!.TaskGroups[0].Tasks[0].Vault).toEqual({ Policies: ['pay-read'], ChangeMode: 'restart' });
  });
});
