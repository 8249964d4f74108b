import type { JobPhase, JobStatus, OperatorStatus } from '../../../crd-schemas/status';
import { jobLine, onceOutcome, onceReport } from '../../../controllers/once-report';

const T = '2026-01-01T00:00:00.000Z';

function job(key: string, phase: JobPhase, reason = 'R', message = 'm', spec?: string): JobStatus {
  const [namespace, ...rest] = key.split('/');
  return { key, namespace, jobId: rest.join('/'), phase, conditions: [{ type: 'Healthy', status: phase === 'Healthy' ? 'True' : 'False', reason, message, lastTransitionTime: T }], history: [], ...(spec ? { spec } : {}) };
}

function status(jobs: JobStatus[], healthy = true): OperatorStatus {
  return { sources: [{ name: 'specs', repo: 'r', branch: 'main', healthy, counts: {} as OperatorStatus['sources'][0]['counts'] }], jobs };
}

describe('run --once outcome and report', () => {
  it('is converged only when every job is Synced, Healthy or Pruned and the source is healthy', () => {
    expect(onceOutcome(status([job('web/a', 'Healthy'), job('web/b', 'Synced'), job('web/c', 'Pruned')]), { passOk: true, timedOut: false })).toBe('converged');
    expect(onceOutcome(status([job('web/a', 'Healthy')], false), { passOk: true, timedOut: false })).toBe('failed');
    expect(onceOutcome(status([job('web/a', 'Healthy')]), { passOk: false, timedOut: false })).toBe('failed');
  });

  it('a failure wins over a timeout; a timeout with only progressing jobs is timed out', () => {
    expect(onceOutcome(status([job('web/a', 'Progressing'), job('web/b', 'Degraded')]), { passOk: true, timedOut: true })).toBe('failed');
    expect(onceOutcome(status([job('web/a', 'Progressing'), job('web/b', 'Healthy')]), { passOk: true, timedOut: true })).toBe('timed-out');
    for (const phase of ['Invalid', 'Error', 'OutOfSync', 'Suspended'] as const) expect(onceOutcome(status([job('web/a', phase)]), { passOk: true, timedOut: false })).toBe('failed');
  });

  it('prints a line per job not converged, a spec that names no job by its path, then the summary', () => {
    const s = status([job('web/a', 'Healthy'), job('web/b', 'Degraded', 'AutoReverted', 'version 1 failed'), job('web/x/nomadgen.toml', 'Invalid', 'SpecInvalid', 'web/x/nomadgen.toml:1:1: bad', 'web/x/nomadgen.toml')]);
    expect(onceReport(s, { outcome: 'failed', commit: '0123456789abcdef', timeoutMs: 600_000 })).toEqual([
      'web/b: Degraded: AutoReverted: version 1 failed',
      'spec/web/x/nomadgen.toml: Invalid: SpecInvalid: web/x/nomadgen.toml:1:1: bad',
      'Once at 0123456789ab: failed (exit 1): 1 Degraded, 1 Healthy, 1 Invalid.',
    ]);
    expect(onceReport(status([job('web/a', 'Progressing', 'DeploymentRunning', 'placing')]), { outcome: 'timed-out', commit: 'abc', timeoutMs: 5000 }).pop()).toBe('Once at abc: timed out after 5s while progressing (exit 3): 1 Progressing.');
  });

  it('names the last error before the conditions', () => {
    const j = { ...job('web/a', 'Error'), lastError: { code: 'Transient' as const, reason: 'NomadUnavailable', message: 'nomad POST /v1/jobs: 500: x', time: T } };
    expect(jobLine(j)).toBe('web/a: Error: NomadUnavailable: nomad POST /v1/jobs: 500: x');
  });
});
