/**
 * Spec pipeline throughput: 10,000 varied specs through load (decode, TOML, schema) + generate + hash +
 * HCL rendering, next to TOML parsing alone, on one core (this process's main thread). The full path with
 * the policy (validators, and the modifiers that add spreading, update policies, traefik and IPv6) is
 * measured as well: `withPolicy*` is what `render` and the operator pay per spec.
 * Targets: at least 10,000 specs/s, and the pipeline at most 2x the cost of TOML parsing.
 */
import * as TOML from '@iarna/toml';
import { defaultOperatorConfig } from '../crd-schemas/operator-config';
import { defaultPolicy } from '../crd-schemas/policy';
import { renderHcl } from '../lib/core/hcl/render';
import { renderSpec } from '../lib/core/pipeline';
import { loadSpec } from '../lib/core/spec/load';
import { generateJob } from '../lib/core/generate';
import { withHash } from '../lib/core/hash';
import { generateSpecs, type BenchSpec } from './spec-generator';

const SPECS = 10_000;
const ROUNDS = 3;

/**
 * Seconds spent in each of `fns` over every spec, the best of `ROUNDS` after a warm-up. The functions run
 * interleaved spec by spec, so a busy machine slows all of them alike and their ratio stays fair.
 */
function interleaved(specs: readonly BenchSpec[], fns: ReadonlyArray<(s: BenchSpec) => void>): number[] {
  for (const s of specs.slice(0, 500)) for (const fn of fns) fn(s);
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
export async function run(): Promise<Record<string, unknown>> {
  const specs = generateSpecs(SPECS);
  const env = { config: defaultOperatorConfig(), policy: defaultPolicy() };
  let invalid = 0;
  for (const s of specs) if (!renderSpec({ text: s.text, file: s.file, team: s.team }, env).ok) invalid++;
  if (invalid > 0) throw new Error(`${invalid} generated specs are invalid; the benchmark must measure valid specs`);

  let bytes = 0;
  const [tomlSeconds, pipelineSeconds, withPolicySeconds] = interleaved(specs, [
    (s) => {
      TOML.parse(s.text);
    },
    (s) => {
      const loaded = loadSpec({ text: s.text, file: s.file, team: s.team });
      if (!loaded.ok) throw new Error(`${s.file} does not load`);
      const job = withHash(generateJob(loaded.spec, { team: s.team, file: s.file, commit: 'bench', source: 'bench', config: env.config }));
      bytes += renderHcl(job).length;
    },
    (s) => {
      const r = renderSpec({ text: s.text, file: s.file, team: s.team, commit: 'bench' }, env);
      renderHcl(r.job!);
    },
  ]);
  const specsPerSecond = Math.round(SPECS / pipelineSeconds);
  const ratio = Number((pipelineSeconds / tomlSeconds).toFixed(2));
  await Promise.resolve();
  return {
    specs: SPECS,
    pipelineSpecsPerSecond: specsPerSecond,
    tomlOnlySpecsPerSecond: Math.round(SPECS / tomlSeconds),
    pipelineSeconds: Number(pipelineSeconds.toFixed(3)),
    tomlOnlySeconds: Number(tomlSeconds.toFixed(3)),
    pipelineOverTomlRatio: ratio,
    withPolicySpecsPerSecond: Math.round(SPECS / withPolicySeconds),
    withPolicyOverTomlRatio: Number((withPolicySeconds / tomlSeconds).toFixed(2)),
    hclBytesPerSpec: Math.round(bytes / (SPECS * ROUNDS + 500)),
    targetSpecsPerSecond: 10_000,
    targetRatio: 2,
    meetsTargets: specsPerSecond >= 10_000 && ratio <= 2,
  };
}
