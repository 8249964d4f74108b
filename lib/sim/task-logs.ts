/**
 * What a simulated task writes to its stdout and stderr: a pure function of the allocation, the task and
 * the time, so a log read at a given clock time is always the same bytes and a followed log grows as the
 * clock advances. One file per stream (`alloc/logs/<task>.<stdout|stderr>.0`); no rotation.
 *
 * stdout: a start line, a listen line (the allocation's IPv6 address and the task's port), then one request
 * line every `LOG_LINE_MS`, and a shutdown line when the task was killed. stderr: one warning at start and one
 * line every sixth tick.
 */
import type { SimAlloc } from './alloc-render';

/** Milliseconds between two periodic lines. */
export const LOG_LINE_MS = 10_000;

/** The log streams Nomad keeps per task. */
export type LogType = 'stdout' | 'stderr';

const ZERO = /^0001-01-01/;

function ms(text: string | null | undefined): number | undefined {
  if (!text || ZERO.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/** When the task started (undefined: not yet) and when it stopped (undefined: still running). */
export function taskTimes(a: SimAlloc, task: string): { started?: number; finished?: number } {
  const st = a.TaskStates[task];
  if (!st) return {};
  const started = ms(st.StartedAt);
  const finished = st.State === 'dead' ? (ms(st.FinishedAt) ?? started) : undefined;
  return { started, finished };
}

/** The port the task listens on inside its container: the first port's `To`, else its host value. */
export function taskPort(a: SimAlloc): number | undefined {
  const p = a.Ports[0];
  return p ? p.To || p.Value : undefined;
}

/** The log file's name as Nomad reports it in a frame's `File`. */
export function logFileName(task: string, type: LogType): string {
  return `alloc/logs/${task}.${type}.0`;
}

/** The whole content of a task's log at `nowMs` (empty before the task started). */
export function taskLog(a: SimAlloc, task: string, type: LogType, nowMs: number): Buffer {
  const { started, finished } = taskTimes(a, task);
  if (started === undefined) return Buffer.alloc(0);
  const end = Math.min(nowMs, finished ?? nowMs);
  const stamp = (t: number): string => new Date(t).toISOString();
  const lines: string[] = [];
  if (type === 'stdout') {
    lines.push(`${stamp(started)} ${task} starting (allocation ${a.ID.slice(0, 8)}, ${a.Name})`);
    const port = taskPort(a);
    lines.push(`${stamp(started)} ${task} listening on [${a.Address || '::'}]:${port ?? 0}`);
  } else {
    lines.push(`${stamp(started)} ${task} warning: no configuration file, using defaults`);
  }
  for (let n = 1; started + n * LOG_LINE_MS <= end; n++) {
    const t = started + n * LOG_LINE_MS;
    if (type === 'stdout') lines.push(`${stamp(t)} ${task} GET /health 200 ${(n * 7) % 13}ms`);
    else if (n % 6 === 0) lines.push(`${stamp(t)} ${task} warning: slow request GET /search ${1000 + ((n * 37) % 900)}ms`);
  }
  if (finished !== undefined && finished <= nowMs && type === 'stdout') lines.push(`${stamp(finished)} ${task} received interrupt, shutting down`);
  return Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
}

/** When the content of the log may next change on its own (the next periodic line), or undefined. */
export function nextLogChange(a: SimAlloc, task: string, nowMs: number): number | undefined {
  const { started, finished } = taskTimes(a, task);
  if (started === undefined || finished !== undefined) return undefined;
  const n = Math.floor((nowMs - started) / LOG_LINE_MS) + 1;
  return started + n * LOG_LINE_MS;
}
