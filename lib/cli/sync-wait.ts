/**
 * `sync --wait`: after a sync was accepted, reads the operator's status until every job it covers is
 * converged (Healthy, Synced or Pruned) or has failed, or the timeout passes. A job counts only once the
 * operator looked at it after a pass that began after the sync was accepted (`lookedAtSince`), so an old
 * Healthy, or a look at git as it was before the sync, never ends the wait. A terminal gets one line per job, redrawn in place; anything else
 * gets a plain line each time a job's line changes.
 */
import type { JobStatus, OperatorStatus, SourceStatus } from '../../crd-schemas/status';
import { SystemClock } from '../runtime/clock';
import { CliError, type CliContext } from './context';
import { callOperator } from './operator-client';

/** Where a job stands for the wait. */
export type WaitVerdict = 'waiting' | 'progressing' | 'converged' | 'failed' | 'gone';

/** Phases that end the wait well (as for `run --once`). */
const CONVERGED: ReadonlySet<string> = new Set(['Healthy', 'Synced', 'Pruned']);

/** Error codes the operator retries by itself: the job is not judged while one stands. */
const RETRIED: ReadonlySet<string> = new Set(['Transient', 'Conflict', 'Waiting']);

/** `sync --wait` exit codes: 0 every job converged, 1 any failed (or was unknown), 3 timed out while waiting. */
export const WAIT_EXIT = { converged: 0, failed: 1, timedOut: 3 } as const;

/**
 * True when the job's status reflects a look taken after the sync was accepted at `generation`: a pass
 * began after it (the source's `passGeneration`) and the job was looked at no earlier than that pass
 * decided (the source's `observedGeneration`): decided by it, or reconciled since. A Pruned job stays so.
 */
export function lookedAtSince(job: JobStatus, generation: number | undefined, source: SourceStatus | undefined): boolean {
  if (generation === undefined || job.phase === 'Pruned') return true; // an operator that gives no generation: as it reports
  if (!source || (source.passGeneration ?? -1) <= generation) return false;
  return (job.observedGeneration ?? -1) >= (source.observedGeneration ?? Infinity);
}

/**
 * The verdict on one job: `gone` when the operator no longer lists it; `waiting` until it was looked at
 * since the sync (`lookedAtSince`) and while an error the operator retries stands; else by its phase:
 * converged, progressing, or failed (Degraded, Invalid, Error, OutOfSync, Suspended, or a Stalled error).
 */
export function judgeJob(job: JobStatus | undefined, generation: number | undefined, source: SourceStatus | undefined): WaitVerdict {
  if (!job) return 'gone';
  if (!lookedAtSince(job, generation, source)) return 'waiting';
  if (job.lastError?.code === 'Stalled') return 'failed';
  if (job.lastError && RETRIED.has(job.lastError.code ?? 'Transient')) return 'waiting';
  if (CONVERGED.has(job.phase)) return 'converged';
  if (job.phase === 'Progressing') return 'progressing';
  return 'failed';
}

/** The message a job's status gives: its last error, else its newest condition. */
function message(job: JobStatus): string {
  if (job.lastError) return `${job.lastError.reason}: ${job.lastError.message}`;
  const newest = [...job.conditions].sort((a, b) => b.lastTransitionTime.localeCompare(a.lastTransitionTime))[0];
  return newest ? `${newest.reason}: ${newest.message}` : '';
}

/** `deployment 2/3 healthy, allocs 2/3 healthy` for a job with a rollout; empty without. */
export function progressText(job: JobStatus): string {
  const r = job.rollout;
  if (!r) return '';
  const parts: string[] = [];
  if (r.deployment) parts.push(`deployment ${r.deployment.status} ${r.deployment.healthy}/${r.deployment.desired} healthy`);
  parts.push(`allocs ${r.allocations.healthy}/${r.allocations.desired} healthy`);
  return parts.join(', ');
}

/** One job's line: `<key>: <phase>[: <progress>][: <message>]`, or what the wait is for. */
export function waitLine(key: string, job: JobStatus | undefined, verdict: WaitVerdict): string {
  if (!job) return `${key}: gone (no longer known to the operator)`;
  const subject = job.spec && job.key === job.spec ? `spec/${job.spec}` : key;
  if (verdict === 'waiting') {
    const why = job.lastError ? `; ${job.lastError.reason}: ${job.lastError.message}` : '';
    return `${subject}: waiting for the operator to look again (was ${job.phase}${why})`;
  }
  return [subject, job.phase, progressText(job), message(job)].filter((p) => p !== '').join(': ');
}

/** What the wait covers and how. */
export interface WaitOptions {
  addr: string;
  /** The jobs to wait for; every job the operator lists when undefined (`--all`). */
  keys?: readonly string[];
  /** The sync's observation number (from its answer). */
  generation?: number;
  timeoutMs: number;
  intervalMs: number;
  json: boolean;
}

/** The outcome of a wait, per job. */
export interface WaitResult {
  outcome: 'converged' | 'failed' | 'timed-out';
  jobs: Array<{ key: string; verdict: WaitVerdict; phase?: string }>;
}

/** Reads the status until every job has converged or failed, or the timeout passes; draws as it goes. */
export async function waitForJobs(ctx: CliContext, o: WaitOptions): Promise<WaitResult> {
  const clock = ctx.clock ?? new SystemClock();
  const deadline = clock.now() + o.timeoutMs;
  const display = o.json ? undefined : ctx.stdoutIsTTY ? new TerminalDisplay(ctx) : new PlainDisplay(ctx);
  const settledJobs = new Map<string, { key: string; job: JobStatus | undefined; verdict: WaitVerdict }>();
  for (;;) {
    const res = await callOperator(o.addr, '/api/v1/status');
    if (res.status !== 200) throw new CliError(`the operator at ${o.addr} answered ${res.status}`);
    const status = res.body as OperatorStatus;
    const byKey = new Map(status.jobs.map((j) => [j.key, j]));
    const keys = o.keys ?? [...new Set([...status.jobs.map((j) => j.key), ...settledJobs.keys()])];
    const jobs = keys.map((key) => {
      // A job that converged or failed after the sync stays so for this wait (a later pass may look again).
      const settledJob = settledJobs.get(key);
      if (settledJob) return settledJob;
      const job = byKey.get(key);
      const verdict = judgeJob(job, o.generation, status.sources[0]);
      const j = { key, job, verdict };
      if (verdict === 'converged' || verdict === 'failed' || verdict === 'gone') settledJobs.set(key, j);
      return j;
    });
    const lines = jobs.map((j) => waitLine(j.key, j.job, j.verdict));
    for (const s of status.sources) if (!s.healthy) lines.push(`source ${s.name}: UNHEALTHY: ${s.lastError?.message ?? 'unknown error'}`);
    display?.draw(lines);
    // Nothing is settled before a pass began after the sync (with --all, the jobs are those it knows).
    const passed = o.generation === undefined || (status.sources[0]?.passGeneration ?? -1) > o.generation;
    const settled = passed && jobs.every((j) => j.verdict === 'converged' || j.verdict === 'failed' || j.verdict === 'gone');
    const timedOut = !settled && clock.now() >= deadline;
    if (settled || timedOut || ctx.signal.aborted) {
      display?.end();
      const failed = jobs.some((j) => j.verdict === 'failed');
      return {
        outcome: failed ? 'failed' : settled ? 'converged' : 'timed-out',
        jobs: jobs.map((j) => ({ key: j.key, verdict: j.verdict, ...(j.job ? { phase: j.job.phase } : {}) })),
      };
    }
    try {
      await clock.sleep(Math.max(0, Math.min(o.intervalMs, deadline - clock.now())), ctx.signal);
    } catch {
      // interrupted: one more read says where things stand
    }
  }
}

/** Draws the wait's lines. */
interface Display {
  draw(lines: readonly string[]): void;
  end(): void;
}

/** A terminal: the block of lines is redrawn in place (cursor up, clear line). */
class TerminalDisplay implements Display {
  private shown = 0;
  constructor(private readonly ctx: CliContext) {}
  draw(lines: readonly string[]): void {
    let out = this.shown > 0 ? `\x1b[${this.shown}A` : '';
    for (const l of lines) out += `\x1b[2K${l}\n`;
    // Lines left over from a longer block are cleared.
    for (let i = lines.length; i < this.shown; i++) out += '\x1b[2K\n';
    this.ctx.stdout(out);
    this.shown = Math.max(lines.length, this.shown);
  }
  end(): void {
    this.shown = 0;
  }
}

/** Not a terminal: a line each time a job's (or the source's) line changes. */
class PlainDisplay implements Display {
  private last = new Map<string, string>();
  constructor(private readonly ctx: CliContext) {}
  draw(lines: readonly string[]): void {
    for (const l of lines) {
      const subject = l.slice(0, l.indexOf(':'));
      if (this.last.get(subject) === l) continue;
      this.last.set(subject, l);
      this.ctx.stdout(`${l}\n`);
    }
  }
  end(): void {}
}
