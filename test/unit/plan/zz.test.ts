import { readFileSync } from 'node:fs';
import { compareJobs, normalizeJob } from '../../../lib/core/plan';
test('perf', () => {
  const job = JSON.parse(readFileSync('test/fixtures/golden/es-cerebro.json', 'utf8'));
  const live = { ...JSON.parse(JSON.stringify(job)), Status: 'running' };
  for (let i = 0; i < 300; i++) compareJobs(job, live);
  let t = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) normalizeJob(job, {});
  console.log('2k normalize ms', Number(process.hrtime.bigint() - t) / 1e6);
  t = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) compareJobs(job, live);
  console.log('2k compares ms', Number(process.hrtime.bigint() - t) / 1e6);
  t = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) JSON.parse(JSON.stringify(job));
  console.log('2k json clone ms', Number(process.hrtime.bigint() - t) / 1e6);
});
