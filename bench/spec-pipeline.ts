/**
 * Spec pipeline throughput: 10,000 varied specs on one core (this process's main thread), three figures
 * measured interleaved spec by spec:
 *  - TOML parsing alone (@iarna/toml): the baseline the target is defined against;
 *  - `renderSpec` with every policy rule on: load (decode, TOML, schema) + policy validators + generate +
 *    policy modifiers + hash, i.e. the desired Nomad job as API JSON. This is the operator's path and what
 *    "render" produces for it, so the targets apply to this figure;
 *  - `renderSpec` + HCL: HCL is the human-facing format, produced on demand by
 *    `nomadguard render --format hcl` and never on the operator's path; it is reported as its own figure.
 * Targets: at least 10,000 specs/s, and renderSpec at most 1.5x the cost of TOML parsing alone.
 */
import * as TOML from '@iarna/toml';
import { defaultOperatorConfig } from '../crd-schemas/operator-config';
import { RULE_NAMES, defaultPolicy } from '../crd-schemas/policy';
import { renderHcl } from '../lib/core/hcl/render';
import { renderSpec } from '../lib/core/pipeline';
import { generateSpecs, type BenchSpec } from './spec-generator';
import { profiled } from './profile';
import type { BenchOptions } from './run';

const ROUNDS = 3;
const TARGET_SPECS_PER_SECOND = 10_000;
const TARGET_RATIO = 1.5;

/**
 * Seconds spent in each of `fns` over every spec, the best of `ROUNDS` after a warm-up. The functions run
 * interleaved spec by spec, so a busy machine slows all of them alike and their ratio stays fair.
 */
function interleaved(specs: readonly BenchSpec[], fns: ReadonlyArray<(s: BenchSpec) => void>): number[] {
  for (const s of specs.slice(0, 1000)) for (const fn of fns) fn(s);
  const best = fns.map(() => Infinity);
  for (let r = 0; r < ROUNDS; r++) {
    const sums = fns.map(() => 0);
    for (const s of specs) {
      for (let f = 0; f < fns.length; f++) {
        const start = process.hrtime.bigint();
        fns[f](s);
        sums[f] += Number(process.hrtime.bigint() - start);
      }
    }
    for (let f = 0; f < fns.length; f++) best[f] = Math.min(best[f], sums[f] / 1e9);
  }
  return best;
}

/** Runs the benchmark and returns its figures. */
export async function run(opts: BenchOptions = { size: 10_000, quick: false }): Promise<Record<string, unknown>> {
  const SPECS = opts.size;
  const specs = generateSpecs(SPECS);
  const env = { config: defaultOperatorConfig(), policy: defaultPolicy() };
  const off = RULE_NAMES.filter((r) => !env.policy.rules[r].enabled);
  if (off.length > 0) throw new Error(`the benchmark measures every policy rule on; off: ${off.join(', ')}`);
  let invalid = 0;
  for (const s of specs) if (!renderSpec({ text: s.text, file: s.file, team: s.team }, env).ok) invalid++;
  if (invalid > 0) throw new Error(`${invalid} generated specs are invalid; the benchmark must measure valid specs`);

  let bytes = 0;
  const [tomlSeconds, renderSeconds, withHclSeconds] = interleaved(specs, [
    (s) => {
      TOML.parse(s.text);
    },
    (s) => {
      if (!renderSpec({ text: s.text, file: s.file, team: s.team, commit: 'bench' }, env).job) throw new Error(`${s.file} does not render`);
    },
    (s) => {
      const r = renderSpec({ text: s.text, file: s.file, team: s.team, commit: 'bench' }, env);
      bytes += renderHcl(r.job!).length;
    },
  ]);
  const perSecond = (seconds: number): number => Math.round(SPECS / seconds);
  const ratio = (seconds: number): number => Number((seconds / tomlSeconds).toFixed(2));
  const renderPerSecond = perSecond(renderSeconds);
  const tomlPerSecond = perSecond(tomlSeconds);
  const renderRatio = ratio(renderSeconds);
  const met = renderRatio <= TARGET_RATIO;
  // Where the time goes when the ratio is missed: renderSpec alone over every spec, under the profiler.
  const profile = met
    ? undefined
    : (
        await profiled(async () => {
          for (const s of specs) renderSpec({ text: s.text, file: s.file, team: s.team, commit: 'bench' }, env);
          await Promise.resolve();
        })
      ).hot;
  return {
    figure: 'renderSpec time / TOML parsing alone',
    ratio: renderRatio,
    target: `<= ${TARGET_RATIO}x`,
    met,
    specs: SPECS,
    policyRules: 'all on',
    tomlOnlySpecsPerSecond: tomlPerSecond,
    renderSpecSpecsPerSecond: renderPerSecond,
    renderSpecOverTomlRatio: renderRatio,
    renderSpecPlusHclSpecsPerSecond: perSecond(withHclSeconds),
    renderSpecPlusHclOverTomlRatio: ratio(withHclSeconds),
    tomlOnlySeconds: Number(tomlSeconds.toFixed(3)),
    renderSpecSeconds: Number(renderSeconds.toFixed(3)),
    renderSpecPlusHclSeconds: Number(withHclSeconds.toFixed(3)),
    hclBytesPerSpec: Math.round(bytes / (SPECS * ROUNDS + 1000)),
    targetSpecsPerSecond: TARGET_SPECS_PER_SECOND,
    targetRatio: TARGET_RATIO,
    meetsRatioTarget: renderRatio <= TARGET_RATIO,
    meetsRateTarget: renderPerSecond >= TARGET_SPECS_PER_SECOND,
    // The pipeline includes a TOML parse, so it cannot beat TOML alone: below 10,000/s here, the rate target is out of reach.
    rateTargetReachableHere: tomlPerSecond >= TARGET_SPECS_PER_SECOND,
    meetsTargets: renderRatio <= TARGET_RATIO && renderPerSecond >= TARGET_SPECS_PER_SECOND,
    ...(profile ? { profile } : {}),
    note: [
      'The targets (at least 10,000 specs/s on one core; at most 1.5x the cost of TOML parsing alone with @iarna/toml)',
      'apply to `renderSpec` with every policy rule on: load + schema + validators + generate + modifiers + hash, which',
      'produces the desired Nomad job as API JSON — what the operator and `render` need. HCL is the human-facing format,',
      'produced on demand by `nomadguard render --format hcl` and not on the operator\'s path, so renderSpec+HCL is',
      'reported as its own figure. The pipeline includes a TOML parse, so it can never beat TOML alone: where',
      '`tomlOnlySpecsPerSecond` is below 10,000 (`rateTargetReachableHere` false), the absolute rate target cannot be',
      'met on that machine whatever the pipeline costs, and `meetsTargets` stays false.',
    ].join(' '),
  };
}
