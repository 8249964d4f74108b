import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseOperatorConfig, clusterRenderConfig, defaultOperatorConfig, type OperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import type { JobStatus, OperatorStatus } from '../../../crd-schemas/status';
import { mergeStatus } from '../../../controllers/clusters/cluster-set';
import { routedRender } from '../../../controllers/clusters/route-render';
import { jobLine, onceReport } from '../../../controllers/once-report';
import { specTier, unroutedTier } from '../../../lib/core/cluster-routing';
import { renderSpec } from '../../../lib/core/pipeline';
import { main } from '../../../lib/cli/main';
import { OperatorMetrics } from '../../../lib/metrics/operator-metrics';
import { resolveJobs } from '../../../lib/server/status-app';
import { spec } from '../../integration/reconciler/harness';

const TWO = `clusters:
  prod:
    tiers: [production]
    region: eu
    datacenters: [p1, p2]
  nonprod:
    tiers: [quality, test]
`;

function config(text: string): OperatorConfig {
  const r = parseOperatorConfig(text, 'nomadguard.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.config;
}

describe('cluster configuration', () => {
  it('refuses a tier served by two clusters, at the second claim', () => {
    const r = parseOperatorConfig('clusters:\n  a: { tiers: [production, test] }\n  b:\n    tiers:\n      - quality\n      - test\n', 'ops.yaml');
    expect(r.ok).toBe(false);
    expect(r.diagnostics).toEqual([expect.objectContaining({ file: 'ops.yaml', line: 6, col: 9, message: 'clusters.b.tiers.1: tier "test" is already served by cluster "a"; a tier goes to one cluster only' })]);
  });

  it('renders a cluster with its own region and datacenters, else the platform', () => {
    const c = config(TWO);
    expect(clusterRenderConfig(c, 'prod').platform).toMatchObject({ region: 'eu', datacenters: ['p1', 'p2'] });
    expect(clusterRenderConfig(c, 'nonprod')).toBe(c);
  });
});

describe('routing specs to clusters', () => {
  const c = config(TWO);
  const input = (tier: string, text = spec('shop', { tier })) => ({ text, file: 'web/shop/nomadgen.toml', team: 'web' });

  it('renders a spec in the cluster of its tier only, with that cluster region and datacenters', () => {
    const prod = routedRender(c, defaultPolicy(), 'prod')(input('production'));
    expect(prod.elsewhere).toBeUndefined();
    expect(prod.job).toMatchObject({ ID: 'p-web-shop', Region: 'eu', Datacenters: ['p1', 'p2'] });
    expect(routedRender(c, defaultPolicy(), 'nonprod')(input('production'))).toEqual({ ok: false, elsewhere: 'prod', diagnostics: [] });
    expect(routedRender(c, defaultPolicy(), 'prod')(input('test')).elsewhere).toBe('nonprod');
  });

  it('reports a spec of an unserved tier in the first cluster only', () => {
    const only = config('clusters:\n  prod: { tiers: [production] }\n  q: { tiers: [quality] }\n');
    const first = routedRender(only, defaultPolicy(), 'prod')(input('test'));
    expect(first.ok).toBe(false);
    expect(first.diagnostics.find((d) => d.code === 'TIER_UNROUTED')).toMatchObject({ line: 2, message: 'tier "test" is served by no configured cluster; the clusters are prod (production), q (quality)' });
    expect(routedRender(only, defaultPolicy(), 'q')(input('test')).elsewhere).toBe('prod');
  });

  it('keeps a spec too broken to name its tier in every cluster, and routes one that names it despite other errors', () => {
    const noTier = 'name = "x"\n[[group]]\nname = "main"\n';
    expect(routedRender(c, defaultPolicy(), 'prod')(input('', noTier)).elsewhere).toBeUndefined();
    expect(routedRender(c, defaultPolicy(), 'nonprod')(input('', noTier)).elsewhere).toBeUndefined();
    const typo = spec('shop', { tier: 'test' }).replace('memory', 'memroy');
    expect(specTier({ text: typo, file: 'f', team: 'web' })).toBe('test');
    expect(routedRender(c, defaultPolicy(), 'prod')(input('', typo)).elsewhere).toBe('nonprod');
  });

  it('leaves validate unchanged with the default cluster, which serves every tier', () => {
    expect(unroutedTier(defaultOperatorConfig().clusters, 'quality')).toBeUndefined();
    expect(renderSpec(input('quality'), { config: defaultOperatorConfig(), policy: defaultPolicy() }).ok).toBe(true);
  });
});

function job(key: string, cluster: string | undefined, phase: JobStatus['phase'] = 'Healthy'): JobStatus {
  const [namespace, jobId] = key.split('/');
  return { key, ...(cluster ? { cluster } : {}), namespace, jobId, phase, conditions: [], history: [] };
}

describe('the status and metrics of several clusters', () => {
  const source = (cluster: string, healthy = true): OperatorStatus['sources'][0] => ({ name: 'specs', cluster, repo: '/r', branch: 'main', healthy, counts: {} as OperatorStatus['sources'][0]['counts'] });

  it('merges every cluster status, jobs by key then cluster', () => {
    const a: OperatorStatus = { sources: [source('a')], jobs: [job('web/p-web-shop', 'a'), job('web/x', 'a')] };
    const b: OperatorStatus = { sources: [source('b', false)], jobs: [job('data/t-data-cache', 'b'), job('web/x', 'b')] };
    const merged = mergeStatus([a, b]);
    expect(merged.sources.map((s) => s.cluster)).toEqual(['a', 'b']);
    expect(merged.jobs.map((j) => `${j.cluster} ${j.key}`)).toEqual(['b data/t-data-cache', 'a web/p-web-shop', 'a web/x', 'b web/x']);
    expect(mergeStatus([a])).toBe(a);
  });

  it('resolves a bare job ID known in several clusters under one key, and still refuses one in two namespaces', () => {
    const jobs = [job('web/x', 'a'), job('web/x', 'b'), job('web/y', 'a'), job('ops/y', 'b')];
    expect(resolveJobs(jobs, ['x', 'y', 'web/y'])).toEqual({ accepted: ['web/x', 'web/y'], unknown: ['y'] });
  });

  it('names the cluster in the once report, and nothing more with one cluster', () => {
    expect(jobLine(job('web/p-web-shop', 'a', 'Degraded'))).toBe('a: web/p-web-shop: Degraded: Unknown');
    expect(jobLine(job('web/p-web-shop', undefined, 'Degraded'))).toBe('web/p-web-shop: Degraded: Unknown');
    expect(onceReport({ sources: [source('b', false)], jobs: [] }, { outcome: 'failed', timeoutMs: 1000 })[0]).toBe('source specs on cluster b: unhealthy: Unknown: the checkout is not usable');
  });

  it('labels every series with the cluster when several are named, and none otherwise', async () => {
    const m = new OperatorMetrics(undefined, undefined, { clusters: ['a', 'b'] });
    m.forCluster('b').countPassError('NomadUnavailable');
    m.forCluster('a').setPhaseCounts({ Healthy: 2 } as Parameters<OperatorMetrics['setPhaseCounts']>[0]);
    const text = await m.registry.metrics();
    expect(text).toContain('nomadguard_pass_errors_total{reason="NomadUnavailable",cluster="b"} 1');
    expect(text).toContain('nomadguard_jobs{phase="Healthy",cluster="a"} 2');
    expect(text).toContain('nomadguard_jobs{phase="Healthy",cluster="b"} 0');
    const single = new OperatorMetrics();
    single.setPhaseCounts({ Healthy: 1 } as Parameters<OperatorMetrics['setPhaseCounts']>[0]);
    expect(await single.registry.metrics()).toContain('nomadguard_jobs{phase="Healthy"} 1');
  });
});

describe('validate with a config of several clusters', () => {
  it('reports a spec whose tier no cluster serves at its tier line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-validate-'));
    try {
      fs.writeFileSync(path.join(dir, 'nomadguard.yaml'), 'clusters:\n  p: { tiers: [production] }\n  q: { tiers: [quality] }\n');
      fs.mkdirSync(path.join(dir, 'web', 'shop'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'web', 'shop', 'nomadgen.toml'), spec('shop', { tier: 'test' }));
      let out = '';
      let err = '';
      const code = await main(['validate', '--config', 'nomadguard.yaml', '--team', 'web', 'web/shop/nomadgen.toml'], { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, env: {}, cwd: dir, signal: new AbortController().signal });
      expect(code).toBe(1);
      expect(out + err).toContain('web/shop/nomadgen.toml:2:1: error[TIER_UNROUTED]: tier "test" is served by no configured cluster; the clusters are p (production), q (quality)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
