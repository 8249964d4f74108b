/**
 * `make bench`: runs every benchmark module, merges their figures into bench/results.json (by module
 * name, keeping the entries of modules not run) and writes bench/results.md as markdown tables.
 * A module exports `run(): Promise<Record<string, unknown>>`; add it to MODULES to have it run.
 * `node dist/bench/run.js NAME...` runs only the named modules.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as specPipeline from './spec-pipeline';
import * as noopPass from './noop-pass';
import * as policyRules from './policy-rules';
import * as simJobsList from './sim-jobs-list';
import * as ps from './ps';

/** A benchmark module. */
export interface BenchModule {
  run(): Promise<Record<string, unknown>>;
}

/** Every benchmark, by name. */
export const MODULES: ReadonlyArray<readonly [string, BenchModule]> = [
  ['spec-pipeline', specPipeline],
  ['noop-pass', noopPass],
  ['policy-rules', policyRules],
  ['sim-jobs-list', simJobsList],
  ['ps', ps],
];

/** Where results are written: the source bench/ folder (this file runs from dist/bench/). */
function benchDir(): string {
  const here = __dirname;
  return path.basename(path.dirname(here)) === 'dist' ? path.join(here, '..', '..', 'bench') : here;
}

/** The markdown of all results: one table per module. */
export function toMarkdown(results: Record<string, Record<string, unknown>>): string {
  const parts = ['# Benchmark results', '', 'Written by `make bench` (bench/run.ts); numbers from the machine that last ran it.', ''];
  for (const name of Object.keys(results).sort()) {
    parts.push(`## ${name}`, '');
    // A module's `note` is prose about how to read its figures, written above its table.
    const { note, ...figures } = results[name];
    if (typeof note === 'string') parts.push(note, '');
    parts.push('| metric | value |', '|---|---|');
    for (const [k, v] of Object.entries(figures)) parts.push(`| ${k} | ${typeof v === 'object' ? JSON.stringify(v) : String(v)} |`);
    parts.push('');
  }
  return parts.join('\n');
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const dir = benchDir();
  const jsonPath = path.join(dir, 'results.json');
  const results = (fs.existsSync(jsonPath) ? JSON.parse(fs.readFileSync(jsonPath, 'utf8')) : {}) as Record<string, Record<string, unknown>>;
  for (const [name, mod] of MODULES) {
    if (only.length > 0 && !only.includes(name)) continue;
    process.stderr.write(`bench ${name}...\n`);
    const figures = await mod.run();
    results[name] = { ...figures, node: process.version, at: new Date().toISOString() };
    process.stdout.write(`${name}: ${JSON.stringify(figures)}\n`);
  }
  const sorted = Object.fromEntries(Object.keys(results).sort().map((k) => [k, results[k]]));
  fs.writeFileSync(jsonPath, `${JSON.stringify(sorted, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'results.md'), toMarkdown(sorted));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
