/**
 * The operator alone in its own process, for the memory benchmark: started by `bench/memory.ts` with
 * `fork`, its options in `NG_BENCH_OPERATOR` (JSON of `BenchOperatorOptions`), it runs the operator as
 * `nomadguard run` does, says `ready` after its first pass, and answers `sample` with its memory after
 * each of the idle passes asked for. `stop` stops it.
 */
import * as fs from 'node:fs';
import { startBenchOperator, until, type BenchOperatorOptions } from './harness';

/**
 * This process's peak RSS in KB: Linux's VmHWM, which starts afresh at exec; `getrusage`'s maxRSS is
 * kept across exec, so in a forked child it would report the parent's peak when that is higher.
 */
function peakRssKB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

/** What the child reports after one idle pass (bytes; `maxRssKB` is the peak since start, in KB). */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  maxRssKB: number;
}

/** Messages from the parent. */
export type ChildRequest = { type: 'sample'; passes: number } | { type: 'stop' };

async function main(): Promise<void> {
  const o = JSON.parse(process.env.NG_BENCH_OPERATOR ?? '{}') as BenchOperatorOptions & { jobs: number };
  const operator = await startBenchOperator(o);
  const m = operator.op.manager;
  await until(() => operator.renders() >= o.jobs && m.idle() && m.controller.live.index > 0, 600_000, 'the first pass', 5);
  process.send?.({ type: 'ready', renders: operator.renders() });
  process.on('message', (req: ChildRequest) => {
    void (async () => {
      if (req.type === 'stop') {
        await operator.stop();
        process.disconnect();
        return;
      }
      const samples: MemorySample[] = [];
      for (let p = 0; p < req.passes; p++) {
        const s = await m.pass();
        if (s.enqueue.length !== 0) throw new Error('an idle pass queued work');
        await until(() => m.idle(), 60_000, 'idle', 5);
        const u = process.memoryUsage();
        samples.push({ rss: u.rss, heapUsed: u.heapUsed, heapTotal: u.heapTotal, external: u.external, maxRssKB: peakRssKB() });
      }
      process.send?.({ type: 'samples', samples });
    })().catch((e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      process.exit(1);
    });
  });
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}
