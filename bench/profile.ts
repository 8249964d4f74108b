/**
 * Where the time goes when a target is missed: a CPU profile (node:inspector's Profiler) around one more
 * run of the scenario, reduced to the functions with the most self time. The profile covers this process:
 * the simulator runs in it too, so its functions (lib/sim/...) are listed with the operator's.
 */
import * as path from 'node:path';
import { Session } from 'node:inspector/promises';

/** One function of a profile: where it is and its share of the sampled (non-idle) time. */
export interface HotFunction {
  name: string;
  /** `file:line` relative to the project, or the runtime's own location (`node:...`, `(native)`). */
  at: string;
  /** Self time, percent of the non-idle samples. */
  selfPercent: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const ROOT = path.resolve(__dirname, '..', '..');

function where(url: string, line: number): string {
  if (!url) return '(native)';
  let file = url.startsWith('file://') ? url.slice('file://'.length) : url;
  if (file.startsWith(ROOT)) file = path.relative(ROOT, file);
  return `${file}:${line + 1}`;
}

/** The `top` functions by self time of a profile's nodes (idle and program time left out). */
export function topSelf(nodes: readonly ProfileNode[], top = 10): HotFunction[] {
  const by = new Map<string, { name: string; at: string; hits: number }>();
  let total = 0;
  for (const n of nodes) {
    const hits = n.hitCount ?? 0;
    const name = n.callFrame.functionName || '(anonymous)';
    if (hits === 0 || name === '(idle)' || name === '(program)' || name === '(root)') continue;
    total += hits;
    const at = where(n.callFrame.url, n.callFrame.lineNumber);
    const k = `${name}@${at}`;
    const e = by.get(k) ?? { name, at, hits: 0 };
    e.hits += hits;
    by.set(k, e);
  }
  return [...by.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, top)
    .map((e) => ({ name: e.name, at: e.at, selfPercent: Math.round((1000 * e.hits) / Math.max(1, total)) / 10 }));
}

/** Runs `fn` under the CPU profiler; returns its result and the top self-time functions. */
export async function profiled<T>(fn: () => Promise<T>, top = 10): Promise<{ result: T; hot: HotFunction[] }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    let nodes: ProfileNode[] = [];
    let result: T;
    try {
      result = await fn();
    } finally {
      const { profile } = (await session.post('Profiler.stop')) as { profile: { nodes: ProfileNode[] } };
      nodes = profile.nodes;
    }
    return { result, hot: topSelf(nodes, top) };
  } finally {
    session.disconnect();
  }
}

/** Where `entry` missed its target (full runs only): the top functions of `again` (more rounds), as `entry.profile`. */
export async function profileIfMissed(entry: Record<string, unknown>, quick: boolean, again: () => Promise<unknown>): Promise<void> {
  if (entry.met === false && !quick) entry.profile = (await profiled(again)).hot;
}
