import { RULE_NAMES, type Policy, type RuleName } from '../../../crd-schemas/policy';
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { applyModifiers } from '../../../lib/core/policy';
import { resolvePositions } from '../../../lib/core/spec/load';
import { baseJob, ctxFor, declaredPolicy, loadText, positionOf, specText, type SpecParts } from './harness';
import { jsonDiff, type Changes } from './job-diff';

/** The declared policy with only `rule` switched on. */
function only(rule: RuleName, over: Parameters<typeof declaredPolicy>[0] = () => undefined): Policy {
  return declaredPolicy((p) => {
    const rules: Record<string, unknown> = { ...(p.rules ?? {}) };
    for (const name of RULE_NAMES) rules[name] = { ...((rules[name] as object | undefined) ?? {}), enabled: name === rule };
    p.rules = rules;
    over(p);
  });
}

interface Case {
  rule: RuleName;
  parts: SpecParts;
  over?: Parameters<typeof declaredPolicy>[0];
  config?: ReturnType<typeof defaultOperatorConfig>;
  /** Exactly the leaf changes to the job. */
  changes: Changes;
  modifications?: string[];
  error?: { code: string; at: string };
}

const DH = { LTarget: '', RTarget: 'true', Operand: 'distinct_hosts' };
/** The tags the traefik modifier gives cerebro's exposed task on the internal entrypoint. */
const CEREBRO_ROUTE = [
  'traefik.enable=true',
  'traefik.http.routers.p-es-cerebro.rule=Host(`p-es-cerebro.cloud.internal.domain`)',
  'traefik.http.routers.p-es-cerebro.entrypoints=websecure',
  'traefik.http.routers.p-es-cerebro.tls=true',
  'traefik.http.routers.p-es-cerebro.tls.certresolver=internal',
  'traefik.http.routers.p-es-cerebro.service=p-es-cerebro',
  'traefik.http.services.p-es-cerebro.loadbalancer.server.port=9000',
];
const G0 = 'TaskGroups[0]';
const T0 = 'TaskGroups[0].Tasks[0]';
const threeDcs = defaultOperatorConfig();
threeDcs.platform.datacenters = ['dc1', 'dc2', 'dc3'];

const cases: Array<[string, Case]> = [
  // spread
  ['spread: count 2 over two datacenters', {
    rule: 'spread', parts: { count: 2 },
    changes: {
      [`${G0}.Spreads`]: [undefined, [{ Attribute: '${node.datacenter}', Weight: 100, SpreadTarget: [{ Value: 'dc1', Percent: 50 }, { Value: 'dc2', Percent: 50 }] }]],
      [`${G0}.Constraints`]: [undefined, [DH]],
    },
    modifications: [`${G0}.Spreads`, `${G0}.Constraints`],
  }],
  ['spread: count 1 stays in one datacenter, unchanged', { rule: 'spread', parts: { count: 1 }, changes: {} }],
  ['spread: no count means one instance', { rule: 'spread', parts: { count: null }, changes: {} }],
  ['spread: an odd count is rejected', { rule: 'spread', parts: { count: 3 }, changes: {}, error: { code: 'COUNT_ODD', at: 'count = 3' } }],
  ['spread: an odd count is rounded up when the policy says so', {
    rule: 'spread', parts: { count: 3 }, over: (p) => { p.rules!.spread = { oddCount: 'roundUp' }; },
    changes: {
      [`${G0}.Count`]: [3, 4],
      [`${G0}.Spreads`]: [undefined, [{ Attribute: '${node.datacenter}', Weight: 100, SpreadTarget: [{ Value: 'dc1', Percent: 50 }, { Value: 'dc2', Percent: 50 }] }]],
      [`${G0}.Constraints`]: [undefined, [DH]],
    },
  }],
  ['spread: three datacenters get 34/33/33 and need a multiple of three', {
    rule: 'spread', parts: { count: 6 }, config: threeDcs,
    changes: {
      [`${G0}.Spreads`]: [undefined, [{ Attribute: '${node.datacenter}', Weight: 100, SpreadTarget: [{ Value: 'dc1', Percent: 34 }, { Value: 'dc2', Percent: 33 }, { Value: 'dc3', Percent: 33 }] }]],
      [`${G0}.Constraints`]: [undefined, [DH]],
    },
  }],
  // placement
  ['placement: a matching rule pins to a node pool and class', {
    rule: 'placement', parts: {},
    over: (p) => { p.placement = [{ name: 'es-prod', match: { team: 'es', tier: 'production', job: 'p-es-*' }, nodePool: 'es', nodeClass: 'search' }]; },
    changes: { NodePool: [undefined, 'es'], Constraints: [undefined, [{ LTarget: '${node.class}', RTarget: 'search', Operand: '=' }]] },
    modifications: ['NodePool', 'Constraints'],
  }],
  ['placement: a generic constraint', {
    rule: 'placement', parts: {},
    over: (p) => { p.placement = [{ match: { job: '*-cerebro' }, constraint: { attribute: '${meta.ssd}', value: 'true' } }]; },
    changes: { Constraints: [undefined, [{ LTarget: '${meta.ssd}', RTarget: 'true', Operand: '=' }]] },
  }],
  ['placement: a rule for another tier does not apply', {
    rule: 'placement', parts: {},
    over: (p) => { p.placement = [{ match: { team: 'es', tier: ['quality', 'test'] }, nodePool: 'nonprod' }]; },
    changes: {},
  }],
  ['placement: a glob that does not match', {
    rule: 'placement', parts: {},
    over: (p) => { p.placement = [{ match: { job: 'p-web-*' }, nodePool: 'web' }]; },
    changes: {},
  }],
  // limits
  ['limits: within the tier ceiling nothing changes', { rule: 'limits', parts: { tier: 'test', task: '  cpu = 4000\n  memory = 8192' }, changes: {} }],
  ['limits: cpu and memory above the ceiling are lowered and recorded', {
    rule: 'limits', parts: { tier: 'test', task: '  cpu = 6000\n  memory = 10000\n  memory_max = 12000' },
    changes: {
      [`${T0}.Resources.CPU`]: [6000, 4000],
      [`${T0}.Resources.MemoryMB`]: [10000, 8192],
      [`${T0}.Meta`]: [undefined, { 'nomadguard.original.cpu': '6000', 'nomadguard.original.memory': '10000' }],
    },
    modifications: [`${T0}.Resources.CPU`, `${T0}.Resources.MemoryMB`],
  }],
  ['limits: memory_max is clamped but never below memory', {
    rule: 'limits', parts: { tier: 'test', task: '  memory = 4096\n  memory_max = 9000' },
    over: (p) => { p.rules!.limits = { tiers: { test: { memoryMax: 2048 } } }; },
    changes: { [`${T0}.Resources.MemoryMaxMB`]: [9000, 4096], [`${T0}.Meta`]: [undefined, { 'nomadguard.original.memory_max': '9000' }] },
  }],
  ['limits: production has no ceiling by default', { rule: 'limits', parts: { task: '  cpu = 20000' }, changes: {} }],
  // update
  ['update: the tier update, restart and reschedule policies', {
    rule: 'update', parts: {},
    changes: {
      [`${G0}.Update`]: [undefined, { Stagger: 30e9, MaxParallel: 1, HealthCheck: 'checks', MinHealthyTime: 30e9, HealthyDeadline: 300e9, ProgressDeadline: 600e9, AutoRevert: true, AutoPromote: false, Canary: 0 }],
      [`${G0}.RestartPolicy`]: [undefined, { Attempts: 2, Interval: 1800e9, Delay: 15e9, Mode: 'fail' }],
      [`${G0}.ReschedulePolicy`]: [undefined, { Attempts: 0, Interval: 0, Delay: 30e9, DelayFunction: 'exponential', MaxDelay: 3600e9, Unlimited: true }],
    },
    modifications: [`${G0}.Update`, `${G0}.RestartPolicy`, `${G0}.ReschedulePolicy`],
  }],
  ['update: a group without checks is judged by task states', {
    rule: 'update', parts: { check: null, port: null },
    over: (p) => { p.rules!.update = { tiers: { production: { restart: { attempts: 5 } } } }; },
    changes: {
      [`${G0}.Update`]: [undefined, { Stagger: 30e9, MaxParallel: 1, HealthCheck: 'task_states', MinHealthyTime: 30e9, HealthyDeadline: 300e9, ProgressDeadline: 600e9, AutoRevert: true, AutoPromote: false, Canary: 0 }],
      [`${G0}.RestartPolicy`]: [undefined, { Attempts: 5, Interval: 1800e9, Delay: 15e9, Mode: 'fail' }],
      [`${G0}.ReschedulePolicy`]: [undefined, { Attempts: 0, Interval: 0, Delay: 30e9, DelayFunction: 'exponential', MaxDelay: 3600e9, Unlimited: true }],
    },
  }],
  // traefik
  ['traefik: an http check exposes the task on the internal entrypoint', {
    rule: 'traefik', parts: { task: '  tags = ["ui"]' },
    changes: {
      [`${T0}.Services[0].Tags`]: [['ui'], [
        'ui',
        ...CEREBRO_ROUTE,
      ]],
    },
    modifications: [`${T0}.Services[0].Tags`],
  }],
  ['traefik: internet adds the public entrypoint; a path prefix narrows the rule', {
    rule: 'traefik', parts: { check: '{ type = "tcp" }', task: '  http = { expose = true, internet = true, path_prefix = "/api" }' },
    changes: {
      [`${T0}.Services[0].Tags`]: [[], [
        'traefik.enable=true',
        'traefik.http.routers.p-es-cerebro.rule=Host(`p-es-cerebro.cloud.internal.domain`) && PathPrefix(`/api`)',
        'traefik.http.routers.p-es-cerebro.entrypoints=websecure,public',
        'traefik.http.routers.p-es-cerebro.tls=true',
        'traefik.http.routers.p-es-cerebro.tls.certresolver=internal',
        'traefik.http.routers.p-es-cerebro.service=p-es-cerebro',
        'traefik.http.services.p-es-cerebro.loadbalancer.server.port=9000',
      ]],
    },
  }],
  ['traefik: expose = false opts an http task out; its service is kept off traefik\'s default router', {
    rule: 'traefik', parts: { task: '  http = { expose = false }' },
    changes: { [`${T0}.Services[0].Tags`]: [[], ['traefik.enable=false']] },
  }],
  ['traefik: a tcp-checked task is not exposed; its service is kept off traefik\'s default router', {
    rule: 'traefik', parts: { check: '{ type = "tcp" }', task: '  tags = ["ui"]' },
    changes: { [`${T0}.Services[0].Tags`]: [['ui'], ['ui', 'traefik.enable=false']] },
  }],
  ['traefik: a task without a port has no service to disable', { rule: 'traefik', parts: { port: null, check: null }, changes: {} }],
  ['traefik: next to an exposed task, the unexposed one is disabled', {
    rule: 'traefik', parts: { tail: '  [[group.task]]\n  name = "worker"\n  image = "registry.internal/es/worker:1.0.0"\n  port = 9100\n  check = { type = "tcp" }' },
    changes: {
      [`${T0}.Services[0].Tags`]: [[], [
        ...CEREBRO_ROUTE,
      ]],
      'TaskGroups[0].Tasks[1].Services[0].Tags': [[], ['traefik.enable=false']],
    },
  }],
  // ipv6
  ['ipv6: advertise the container address; services and checks use it', {
    rule: 'ipv6', parts: {},
    changes: {
      [`${T0}.Config.advertise_ipv6_address`]: [undefined, true],
      [`${T0}.Services[0].AddressMode`]: [undefined, 'driver'],
      [`${T0}.Services[0].Checks[0].AddressMode`]: [undefined, 'driver'],
    },
    modifications: [T0],
  }],
  ['ipv6: a task without services still advertises its address', {
    rule: 'ipv6', parts: { port: null, check: null },
    changes: { [`${T0}.Config.advertise_ipv6_address`]: [undefined, true] },
  }],
];

describe('modifier rules', () => {
  it.each(cases)('%s', (_name, c) => {
    const text = specText(c.parts);
    const { spec, positions } = loadText(text);
    const before = baseJob(spec);
    const job = baseJob(spec);
    const ctx = c.config ? ctxFor('es', undefined, c.config) : ctxFor();
    const result = applyModifiers(job, spec, ctx, only(c.rule, c.over));
    const applied = [...new Set(result.modifications.map((m) => m.rule))].join(',');
    const after = structuredClone(result.job);
    expect(jsonDiff(before, after)).toEqual(c.changes);
    expect(applied).toBe(Object.keys(c.changes).length > 0 ? c.rule : '');
    expect(result.modifications.every((m) => m.rule === c.rule && m.message.length > 0)).toBe(true);
    if (c.modifications) expect(result.modifications.map((m) => m.path)).toEqual(c.modifications);
    if (c.error) {
      resolvePositions(result.diagnostics, positions);
      expect(result.diagnostics).toMatchObject([{ code: c.error.code, severity: 'error', file: 'es/cerebro/nomadgen.toml', ...positionOf(text, c.error.at) }]);
    } else expect(result.diagnostics).toEqual([]);
  });

  it('returns every applied rule, in order, and writes none of them into the job (its Meta must not move)', () => {
    const { spec } = loadText(specText({ tier: 'test', task: '  cpu = 9000' }));
    const result = applyModifiers(baseJob(spec), spec, ctxFor(), declaredPolicy());
    expect([...new Set(result.modifications.map((m) => m.rule))].join(',')).toBe('spread,limits,update,traefik,ipv6');
    expect(result.job.Meta).not.toHaveProperty(['nomadguard.modifications']);
  });

  it('running the modifiers twice changes nothing the second time', () => {
    const { spec } = loadText(specText({ count: 3, tier: 'test', task: '  cpu = 9000' }));
    const policy = declaredPolicy((p) => { p.rules!.spread = { oddCount: 'roundUp' }; });
    const once = applyModifiers(baseJob(spec), spec, ctxFor(), policy).job;
    const snapshot = structuredClone(once);
    const twice = applyModifiers(once, spec, ctxFor(), policy);
    expect(twice.modifications).toEqual([]);
    expect(twice.job).toEqual(snapshot);
  });
});
