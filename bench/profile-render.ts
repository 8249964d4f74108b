/**
 * A profiling harness (not part of `make bench`): runs renderSpec over the benchmark specs in a loop so
 * `node --cpu-prof dist/bench/profile-render.js` shows where the operator's path spends its time.
 */
import { defaultOperatorConfig } from '../crd-schemas/operator-config';
import { defaultPolicy } from '../crd-schemas/policy';
import { renderSpec } from '../lib/core/pipeline';
import { generateSpecs } from './spec-generator';

const specs = generateSpecs(10_000);
const env = { config: defaultOperatorConfig(), policy: defaultPolicy() };
const rounds = Number(process.argv[2] ?? '3');
const start = process.hrtime.bigint();
for (let r = 0; r < rounds; r++) for (const s of specs) renderSpec({ text: s.text, file: s.file, team: s.team, commit: 'bench' }, env);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(`${Math.round((rounds * specs.length) / seconds)} specs/s\n`);
