/**
 * `make bench`: runs every benchmark module, merges their entries into bench/results.json (keeping the
 * entries of modules not run) and writes bench/results.md: the machine, a summary (each entry's figure
 * next to its target) and one table per entry.
 *
 * A module exports `run(opts: BenchOptions)`. It returns either one entry's figures (named as the module)
 * or `{ entries: { name: figures, ... } }` for several. Every entry carries `ratio` (the figure its target
 * is about), `target` (as text) and `met`; a missed target adds `profile`, the top self-time functions.
 *
 * Entries are merged into the files as each module ends.
 * `node dist/bench/run.js [--quick] [NAME...]`: NAME picks modules or entries; `--quick` runs at 1,000
 * jobs instead of 10,000 and writes bench/results-quick.json and .md instead.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as specPipeline from './spec-pipeline';
import * as noopPass from './noop-pass';
import * as policyRules from './policy-rules';
import * as simJobsList from './sim-jobs-list';
import * as ps from './ps';
import * as coldStart from './cold-start';
import * as oneSpecCommit from './one-spec-commit';
import * as driftRevert from './drift-revert';
import * as memory from './memory';
import * as faults from './faults';
import type { HotFunction } from './profile';

/** What every module is given. */
export interface BenchOptions {
  /** Jobs (or specs) at the scenario's full scale: 10,000, or 1,000 with `--quick`. */
  size: number;
  quick: boolean;
}

/** A benchmark module. */
export interface BenchModule {
  run(opts: BenchOptions): Promise<Record<string, unknown>>;
}

/** Every benchmark, by module name, with the entries it writes (its own name when it writes one). */
export const MODULES: ReadonlyArray<readonly [string, BenchModule, (readonly string[])?]> = [
  ['spec-pipeline', specPipeline],
  ['noop-pass', noopPass, ['noop-pass', 'noop-pass-watched', 'peers-plan-per-job']],
  ['cold-start', coldStart],
  ['one-spec-commit', oneSpecCommit],
  ['drift-revert', driftRevert],
  ['memory', memory],
  ['faults', faults],
  ['policy-rules', policyRules],
  ['sim-jobs-list', simJobsList],
  ['ps', ps],
];

/** The machine a run happened on. */
export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    model: cpus[0]?.model ?? 'unknown',
    loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
    totalMemoryMB: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** Where results are written: the source bench/ folder (this file runs from dist/bench/). */
function benchDir(): string {
  const here = __dirname;
  return path.basename(path.dirname(here)) === 'dist' ? path.join(here, '..', '..', 'bench') : here;
}

function cell(v: unknown): string {
  return (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)).replace(/\|/g, '\\|');
}

/** The markdown of all results: the machine, a summary of figures against targets, one table per entry. */
export function toMarkdown(results: Record<string, Record<string, unknown>>): string {
  const m = results._machine ?? {};
  const parts = [
    '# Benchmark results',
    '',
    'Written by `make bench` (bench/run.ts); numbers from the machine that last ran it. Each entry also records the load average when it ran.',
    '',
    `Machine: ${cell(m.cores)} cores (${cell(m.model)}), ${cell(m.totalMemoryMB)} MB, load ${cell(m.loadAvg)} at the start, Node ${cell(m.node)}, ${cell(m.platform)}; size ${cell(m.size)}${m.quick ? ' (--quick)' : ''}, ${cell(m.at)}.`,
    '',
    '| entry | figure | ratio | target | met |',
    '|---|---|---|---|---|',
  ];
  const names = Object.keys(results).filter((n) => n !== '_machine').sort();
  for (const name of names) {
    const r = results[name];
    parts.push(`| ${name} | ${cell(r.figure ?? '')} | ${cell(r.ratio)} | ${cell(r.target)} | ${r.met === true ? 'yes' : r.met === false ? '**no**' : cell(r.met)} |`);
  }
  parts.push('');
  for (const name of names) {
    parts.push(`## ${name}`, '');
    // An entry's `note` is prose about how to read its figures, written above its table.
    const { note, profile, ...figures } = results[name];
    if (typeof note === 'string') parts.push(note, '');
    parts.push('| metric | value |', '|---|---|');
    for (const [k, v] of Object.entries(figures)) parts.push(`| ${k} | ${cell(v)} |`);
    parts.push('');
    if (Array.isArray(profile) && profile.length > 0) {
      parts.push('Where the time goes (CPU profile of one more run, top self time):', '', '| function | at | self % |', '|---|---|---|');
      for (const f of profile as HotFunction[]) parts.push(`| ${cell(f.name)} | ${cell(f.at)} | ${f.selfPercent} |`);
      parts.push('');
    }
  }
  return parts.join('\n');
}

/** A module's result as named entries. */
export function entriesOf(name: string, out: Record<string, unknown>): Record<string, Record<string, unknown>> {
  if (out.entries && typeof out.entries === 'object') return out.entries as Record<string, Record<string, unknown>>;
  return { [name]: out };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.filter((a) => !a.startsWith('--'));
  const opts: BenchOptions = { size: quick ? 1_000 : 10_000, quick };
  const dir = benchDir();
  const base = quick ? 'results-quick' : 'results';
  const jsonPath = path.join(dir, `${base}.json`);
  const read = (): Record<string, Record<string, unknown>> => (fs.existsSync(jsonPath) ? JSON.parse(fs.readFileSync(jsonPath, 'utf8')) : {}) as Record<string, Record<string, unknown>>;
  const runMachine = { ...machine(), size: opts.size, quick, at: new Date().toISOString() };
  /** Merges entries into the files as each module ends, so a run cut short keeps what it measured. */
  const write = (entries: Record<string, Record<string, unknown>>): void => {
    const results: Record<string, Record<string, unknown>> = { ...read(), ...entries, _machine: runMachine };
    const sorted = Object.fromEntries(Object.keys(results).sort().map((k) => [k, results[k]]));
    fs.writeFileSync(jsonPath, `${JSON.stringify(sorted, null, 2)}\n`);
    fs.writeFileSync(path.join(dir, `${base}.md`), toMarkdown(sorted));
  };
  const started = Date.now();
  for (const [name, mod, names] of MODULES) {
    if (only.length > 0 && !only.includes(name) && !(names ?? []).some((n) => only.includes(n))) continue;
    process.stderr.write(`bench ${name}...\n`);
    const t0 = Date.now();
    const entries = entriesOf(name, await mod.run(opts));
    const stamped: Record<string, Record<string, unknown>> = {};
    for (const [entry, figures] of Object.entries(entries)) {
      stamped[entry] = { ...figures, node: process.version, load1: Math.round(os.loadavg()[0] * 100) / 100, at: new Date().toISOString() };
      const { note: _note, profile: _profile, ...shown } = figures;
      process.stdout.write(`${entry}: ${JSON.stringify(shown)}\n`);
    }
    write(stamped);
    process.stderr.write(`bench ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  process.stderr.write(`bench: ${((Date.now() - started) / 1000).toFixed(1)} s in all\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
