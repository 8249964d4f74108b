/**
 * The `ps` table: a job line with the job's state, then one line per allocation task, columns separated
 * by ` |` as nomadctl printed them, and a legend of the Extra letters shown. ANSI colours only when asked
 * (a terminal without NO_COLOR); widths count the visible text only.
 */
import { FLAG_LETTER, FLAG_ORDER, type JobState, type PsJob, type PsRow } from './rows';

/** How the table is drawn. */
export interface RenderOptions {
  colour: boolean;
  /** Full allocation IDs instead of the 10-character Exec ID. */
  long: boolean;
}

const HEADER = ['Exec ID', 'Job/Task', 'Node', 'DC', 'Address', 'Uptime', 'CPU', 'Mem(max)', 'Extra'];

const ANSI = { red: '31', green: '32', yellow: '33', cyan: '36', grey: '90' } as const;
type Colour = keyof typeof ANSI;

const STATE_COLOUR: Record<JobState, Colour> = { OK: 'green', degraded: 'yellow', failed: 'red', pending: 'cyan', stopping: 'grey', dead: 'grey' };

/** `3 days ago`, `1 hour ago`, `5 minutes ago`, `12 seconds ago`, `now`; `-` for null. */
export function humanAge(seconds: number | null): string {
  if (seconds === null) return '-';
  const units: Array<[number, string]> = [
    [86400 * 365, 'year'],
    [86400 * 30, 'month'],
    [86400 * 7, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'} ago`;
  }
  return 'now';
}

/** Bytes as `948 MiB`, `1.2 GiB`, `512 KiB`. */
export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  if (mib >= 1024) return `${(mib / 1024).toFixed(1)} GiB`;
  if (mib >= 1) return `${Math.round(mib)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

/** The Job/Task cell of a row: the job ID, with `/task` when its allocation runs several tasks. */
function jobTask(r: PsRow, multi: boolean): string {
  return multi && r.task ? `${r.job}/${r.task}` : r.job;
}

interface Cell {
  text: string;
  colour?: Colour;
}

function rowCells(r: PsRow, multi: boolean, opts: RenderOptions): Cell[] {
  const u = r.usage;
  return [
    { text: opts.long ? r.allocId : r.execId },
    { text: jobTask(r, multi) },
    { text: r.node },
    { text: r.datacenter || '-' },
    { text: r.address ?? '-' },
    { text: humanAge(r.uptimeSeconds) },
    { text: u ? String(u.cpuMHz) : '-' },
    { text: u ? `${formatBytes(u.memoryBytes)}(${formatBytes(u.memoryMaxBytes)})` : '-' },
    { text: r.extra, colour: r.flags.some((f) => f !== 'restarted' && f !== 'terminated') ? 'red' : r.extra ? 'yellow' : undefined },
  ];
}

/** The table for `jobs`, ending with a legend of the Extra letters it shows. */
export function renderPs(jobs: PsJob[], opts: RenderOptions): string {
  const lines: Cell[][] = [HEADER.map((text) => ({ text }))];
  for (const j of jobs) {
    const jobLine: Cell[] = HEADER.map(() => ({ text: '' }));
    jobLine[1] = { text: `${j.id} ${j.state}`, colour: STATE_COLOUR[j.state] };
    lines.push(jobLine);
    const perAlloc = new Map<string, number>();
    for (const r of j.rows) perAlloc.set(r.allocId, (perAlloc.get(r.allocId) ?? 0) + 1);
    for (const r of j.rows) lines.push(rowCells(r, (perAlloc.get(r.allocId) ?? 0) > 1, opts));
  }
  const widths = HEADER.map((_, i) => Math.max(...lines.map((l) => l[i].text.length)));
  const paint = (c: Cell, padded: string): string => {
    if (!opts.colour || !c.colour || c.text === '') return padded;
    return `\u001b[${ANSI[c.colour]}m${c.text}\u001b[0m${padded.slice(c.text.length)}`;
  };
  const out = lines.map((l) =>
    l
      .map((c, i) => (i === l.length - 1 ? paint(c, c.text) : `${paint(c, c.text.padEnd(widths[i]))} |`))
      .join('')
      .trimEnd(),
  );
  const shown = new Set(jobs.flatMap((j) => j.rows.flatMap((r) => r.flags)));
  const legend = FLAG_ORDER.filter((f) => shown.has(f)).map((f) => `${FLAG_LETTER[f].letter} ${FLAG_LETTER[f].meaning}`);
  if (legend.length > 0) out.push(`Extra: ${legend.join(', ')}`);
  return `${out.join('\n')}\n`;
}
