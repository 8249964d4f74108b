/**
 * The corpus of bad specs (test/fixtures/bad): every file there is one kind of bad input a team can commit,
 * with `<name>.expect.json` = {code, line, col[, team]} naming the error it must give. One table, two
 * levels:
 * - the pipeline: rendering the file gives an error with exactly that code at that line and column, and
 *   no error without a position;
 * - the operator: the file is committed over a running spec of its team, next to a valid change of
 *   another team, on the simulator. The valid change applies, the bad spec is reported Invalid with its
 *   position, its running job is untouched, nothing of another team changes and nothing is pruned.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Job } from '../../../lib/core/nomad/types';
import { defaultOperatorConfig } from '../../../crd-schemas/operator-config';
import { defaultPolicy } from '../../../crd-schemas/policy';
import { renderSpec } from '../../../lib/core/pipeline';
import { spec, startHarness, type Harness } from '../reconciler/harness';

const DIR = join(__dirname, '..', '..', 'fixtures', 'bad');

interface Expectation {
  code: string;
  line: number;
  col: number;
  /** The team folder the spec sits in (default es). */
  team?: string;
}

const CASES: Array<[string, Expectation]> = readdirSync(DIR)
  .filter((f) => f.endsWith('.toml'))
  .sort()
  .map((f) => {
    const name = f.slice(0, -'.toml'.length);
    return [name, JSON.parse(readFileSync(join(DIR, `${name}.expect.json`), 'utf8')) as Expectation];
  });

const text = (name: string): Buffer => readFileSync(join(DIR, `${name}.toml`));
const env = { config: defaultOperatorConfig({}), policy: defaultPolicy() };

describe('bad specs: the corpus', () => {
  it('holds at least 80 cases, each with its expectation', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(80);
    for (const [, e] of CASES) expect(e).toEqual({ code: expect.stringMatching(/^[A-Z][A-Z0-9_]+$/), line: expect.any(Number), col: expect.any(Number), ...(e.team ? { team: e.team } : {}) });
  });

  it.each(CASES)('%s: rendering gives its error at its position', (name, e) => {
    const team = e.team ?? 'es';
    const file = `${team}/victim/nomadgen.toml`;
    const r = renderSpec({ text: text(name), file, team }, env);
    expect(r.ok).toBe(false);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.code} ${d.line}:${d.col}`)).toContain(`${e.code} ${e.line}:${e.col}`);
    for (const d of errors) {
      expect(d.file).toBe(file);
      expect([typeof d.line, typeof d.col]).toEqual(['number', 'number']);
      expect(d.message.length).toBeGreaterThan(10);
    }
  });
});

describe('bad specs: committed next to valid ones, on the operator', () => {
  let h: Harness;
  const teams = [...new Set(CASES.map(([, e]) => e.team ?? 'es'))].sort();

  beforeAll(async () => {
    h = await startHarness();
    for (const t of teams) h.repo.write(`${t}/victim/nomadgen.toml`, spec('victim'));
    h.repo.write('other/bump/nomadgen.toml', spec('bump', { memory: 128 }));
    h.repo.commitAndPush('victims and a bystander');
    await h.converge();
  }, 120_000);
  afterAll(async () => { await h?.close(); });

  /** Every job's JobModifyIndex and Stop, by key. */
  async function snapshot(): Promise<Map<string, string>> {
    const { items } = await h.nomad.listJobs({ namespace: '*' });
    return new Map(items.map((j) => [`${j.Namespace}/${j.ID}`, `${j.JobModifyIndex}:${j.Stop}`]));
  }

  it('starts with every victim and the bystander running', () => {
    const phases = h.manager.status().jobs.map((j) => [j.key, j.phase]);
    expect(phases).toEqual([...teams.map((t) => [`${t}/t-${t}-victim`, 'Healthy']), ['other/t-other-bump', 'Healthy']].sort((a, b) => a[0].localeCompare(b[0])));
  });

  let memory = 128;
  it.each(CASES)('%s: the valid change applies, the bad spec is Invalid, nothing else moves', async (name, e) => {
    const team = e.team ?? 'es';
    const key = `${team}/t-${team}-victim`;
    const before = await snapshot();
    memory = memory === 128 ? 256 : 128;
    h.repo.write(`${team}/victim/nomadgen.toml`, text(name));
    h.repo.write('other/bump/nomadgen.toml', spec('bump', { memory }));
    h.repo.commitAndPush(`bad: ${name}`);
    h.sim.resetRequestCounts();
    await h.manager.pass();
    await h.manager.drain();

    const after = await snapshot();
    // The valid change of another team applied.
    const bump = (await h.nomad.readJob('other', 't-other-bump')) as Job;
    expect(bump.TaskGroups[0].Tasks[0].Resources?.MemoryMB).toBe(memory);
    // Nothing else moved: the victim's running job and every other job keep their index; nothing stopped or purged.
    for (const [k, v] of before) if (k !== 'other/t-other-bump') expect([k, after.get(k)]).toEqual([k, v]);
    expect(Object.keys(h.sim.requestCounts('nomad')).filter((r) => r.startsWith('DELETE'))).toEqual([]);
    // The bad spec is reported with its position.
    const st = h.manager.status().jobs.find((j) => j.key === key);
    expect(st?.phase).toBe('Invalid');
    expect(st?.conditions.find((c) => c.type === 'Synced')?.message).toContain(`${team}/victim/nomadgen.toml:${e.line}:${e.col}`);
  });
});
