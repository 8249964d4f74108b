/**
 * What `run --once` tells a CI job: the exit code, one line per job that did not converge (its phase and
 * why) and a summary line. Pure: built from the status a `runOnce` ended with.
 */
import type { Condition, JobStatus, OperatorStatus } from '../crd-schemas/status';

/** Phases a job may end `run --once` in and still count as converged. */
export const CONVERGED_PHASES: ReadonlySet<string> = new Set(['Synced', 'Healthy', 'Pruned']);

/** How a `run --once` ended. */
export type OnceOutcome = 'converged' | 'failed' | 'timed-out';

/** `run --once` exit codes: 0 converged, 1 an invalid spec, a failed or reverted deployment or an error, 3 timed out while progressing. */
export const ONCE_EXIT: Readonly<Record<OnceOutcome, number>> = { converged: 0, failed: 1, 'timed-out': 3 };

/**
 * The outcome of a finished `run --once`: failed when the source is unhealthy or any job ended outside
 * the converged phases other than Progressing; timed out when the wait ended early while something was
 * still progressing; converged otherwise.
 */
export function onceOutcome(status: OperatorStatus, o: { passOk: boolean; timedOut: boolean }): OnceOutcome {
  if (!o.passOk || status.sources.some((s) => !s.healthy)) return 'failed';
  if (status.jobs.some((j) => !CONVERGED_PHASES.has(j.phase) && j.phase !== 'Progressing')) return 'failed';
  if (o.timedOut || status.jobs.some((j) => j.phase === 'Progressing')) return 'timed-out';
  return 'converged';
}

/** The condition that says why a job is where it is: the newest one that is not True, else the newest. */
function telling(conditions: readonly Condition[]): Condition | undefined {
  const byTime = [...conditions].sort((a, b) => a.lastTransitionTime.localeCompare(b.lastTransitionTime));
  return byTime.filter((c) => c.status !== 'True').pop() ?? byTime.pop();
}

/**
 * `<key>: <phase>: <reason>: <message>` for a job that did not converge (`spec/<path>` for a spec that names no
 * job), led by `<cluster>: ` when the operator serves several clusters.
 */
export function jobLine(j: JobStatus): string {
  const c = telling(j.conditions);
  const reason = j.lastError?.reason ?? c?.reason ?? 'Unknown';
  const message = j.lastError?.message ?? c?.message ?? '';
  // An invalid spec too broken to name its job is keyed by its path: shown as plan shows it.
  const subject = j.spec && j.key === j.spec ? `spec/${j.spec}` : j.key;
  return `${j.cluster !== undefined ? `${j.cluster}: ` : ''}${subject}: ${j.phase}: ${reason}${message ? `: ${message}` : ''}`;
}

/** The report's lines: the source when it failed, every job not converged, then the summary line. */
export function onceReport(status: OperatorStatus, o: { outcome: OnceOutcome; commit?: string; sourceError?: string; timeoutMs: number }): string[] {
  const lines: string[] = [];
  for (const s of status.sources) {
    if (s.healthy) continue;
    lines.push(`source ${s.name}${s.cluster !== undefined ? ` on cluster ${s.cluster}` : ''}: unhealthy: ${s.lastError?.reason ?? 'Unknown'}: ${s.lastError?.message ?? o.sourceError ?? 'the checkout is not usable'}`);
  }
  for (const j of status.jobs) if (!CONVERGED_PHASES.has(j.phase)) lines.push(jobLine(j));
  const counts = new Map<string, number>();
  for (const j of status.jobs) counts.set(j.phase, (counts.get(j.phase) ?? 0) + 1);
  const parts = [...counts].sort((a, b) => a[0].localeCompare(b[0])).map(([phase, n]) => `${n} ${phase}`);
  const verdict = o.outcome === 'converged' ? 'converged' : o.outcome === 'failed' ? 'failed' : `timed out after ${Math.round(o.timeoutMs / 1000)}s while progressing`;
  lines.push(`Once at ${o.commit ? o.commit.slice(0, 12) : 'unknown commit'}: ${verdict} (exit ${ONCE_EXIT[o.outcome]}): ${parts.length ? parts.join(', ') : 'no jobs'}.`);
  return lines;
}
