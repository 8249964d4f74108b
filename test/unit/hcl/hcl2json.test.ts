import { parse } from '@cdktf/hcl2json';
import type { Job, Task, TaskGroup } from '../../../lib/core/nomad/types';
import { renderHcl } from '../../../lib/core/hcl/render';
import { quote } from '../../../lib/core/hcl/writer';
import { formatDuration } from '../../../lib/core/spec/duration';
import { fixtureSpecs, renderFixture } from '../generate/golden-fixtures';

type Obj = Record<string, unknown>;

/** hcl2json keeps template escapes (JSON-syntax HCL uses the same ones); undo them to get the value Nomad sees. */
function unescape(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
  if (Array.isArray(v)) return v.map(unescape);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unescape(x)]));
  return v;
}

/** A block that hcl2json gives as `[ {...} ]`, or a map attribute given as `{...}`: the object either way. */
function one(v: unknown): Obj {
  return (Array.isArray(v) ? v[0] : v) as Obj;
}

function labelled(v: unknown, label: string): Obj {
  return one((v as Record<string, unknown>)[label]);
}

function compareTask(h: Obj, t: Task): void {
  expect(h.driver).toBe(t.Driver);
  const config = one(h.config);
  const c = t.Config ?? {};
  expect(config.image).toBe(c.image);
  expect(config.args).toEqual(c.args);
  expect(config.volumes).toEqual(c.volumes);
  expect(config.advertise_ipv6_address).toBe(true);
  expect(one(config.logging).type).toBe('journald');
  expect(one(one(config.logging).config).tag).toBe(((c.logging as Obj[])[0].config as Obj[])[0].tag);
  if (t.Env) expect(one(h.env)).toEqual(t.Env);
  if (t.Meta) expect(one(h.meta)).toEqual(t.Meta);
  const res = one(h.resources);
  expect(res.cpu).toBe(t.Resources?.CPU);
  expect(res.memory).toBe(t.Resources?.MemoryMB);
  expect(res.memory_max).toBe(t.Resources?.MemoryMaxMB);
  const services = (h.service ?? []) as Obj[];
  expect(services).toHaveLength(t.Services?.length ?? 0);
  services.forEach((s, i) => {
    const js = t.Services![i];
    expect(s.name).toBe(js.Name);
    expect(s.port).toBe(js.PortLabel);
    expect(s.address_mode).toBe(js.AddressMode);
    expect(s.tags ?? []).toEqual(js.Tags);
    const checks = (s.check ?? []) as Obj[];
    checks.forEach((ch, k) => {
      const jc = js.Checks![k];
      expect(ch.type).toBe(jc.Type);
      expect(ch.path).toBe(jc.Path);
      expect(ch.interval).toBe(formatDuration(jc.Interval!));
      expect(one(ch.check_restart).grace).toBe(formatDuration(jc.CheckRestart!.Grace!));
    });
  });
  const templates = (h.template ?? []) as Obj[];
  expect(templates.map((x) => [x.data, x.destination])).toEqual((t.Templates ?? []).map((x) => [x.EmbeddedTmpl, x.DestPath]));
  if (t.Vault) expect(one(h.vault)).toMatchObject(t.Vault.Role ? { role: t.Vault.Role } : { policies: t.Vault.Policies });
}

function compareGroup(h: Obj, g: TaskGroup): void {
  expect(h.count).toBe(g.Count);
  if (g.Spreads) {
    const s = one(h.spread);
    expect(s.attribute).toBe(g.Spreads[0].Attribute);
    const targets = s.target as Record<string, Obj[]>;
    expect(Object.entries(targets).map(([v, x]) => [v, x[0].percent])).toEqual(g.Spreads[0].SpreadTarget!.map((t) => [t.Value, t.Percent]));
  }
  if (g.Meta) expect(one(h.meta)).toEqual(g.Meta);
  expect(one(h.update).auto_revert).toBe(g.Update?.AutoRevert);
  expect(Object.keys(h.task as Obj).sort()).toEqual(g.Tasks.map((t) => t.Name).sort());
  for (const t of g.Tasks) compareTask(labelled(h.task, t.Name), t);
}

function compareJob(parsed: Obj, job: Job): void {
  const jobs = parsed.job as Obj;
  expect(Object.keys(jobs)).toEqual([job.ID]);
  const h = labelled(jobs, job.ID);
  expect(h.namespace).toBe(job.Namespace);
  expect(h.region).toBe(job.Region);
  expect(h.datacenters).toEqual(job.Datacenters);
  expect(h.type).toBe(job.Type);
  expect(one(h.meta)).toEqual(job.Meta);
  expect((h.constraint as Obj[]).map((c) => [c.attribute, c.operator ?? '=', c.value])).toEqual(job.Constraints!.map((c) => [c.LTarget, c.Operand, c.RTarget]));
  expect(Object.keys(h.group as Obj).sort()).toEqual(job.TaskGroups.map((g) => g.Name).sort());
  for (const g of job.TaskGroups) compareGroup(labelled(h.group, g.Name), g);
}

describe('HCL rendering parses with HashiCorp\'s HCL2 parser and carries the JSON job\'s values', () => {
  it.each(fixtureSpecs())('%s', async (file) => {
    const job = renderFixture(file).job!;
    const parsed = unescape(await parse('job.nomad.hcl', renderHcl(job))) as Obj;
    compareJob(parsed, job);
  });
});

describe('string escaping', () => {
  const cases: Array<[string, string]> = [
    ['plain', '"plain"'],
    ['${NOMAD_TASK_DIR}/x', '"$${NOMAD_TASK_DIR}/x"'],
    ['100%{x}', '"100%%{x}"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['C:\\dir\\', '"C:\\\\dir\\\\"'],
    ['a\nb\tc', '"a\\nb\\tc"'],
    ['$ alone and % alone', '"$ alone and % alone"'],
  ];
  it.each(cases)('quotes %j', (input, expected) => {
    expect(quote(input)).toBe(expected);
  });

  it.each(cases.map(([s]) => s).concat(['\u0001ctrl', '$${already}', 'ends with $', '{{ .Data }}']))('round-trips %j through the HCL2 parser', async (s) => {
    const parsed = (await parse('x.hcl', `v = ${quote(s)}\n`)) as Obj;
    expect(unescape(parsed.v)).toBe(s);
  });
});
