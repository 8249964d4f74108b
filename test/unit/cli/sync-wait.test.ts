import type { JobStatus, SourceStatus } from '../../../crd-schemas/status';
import { judgeJob, waitLine, type WaitVerdict } from '../../../lib/cli/sync-wait';

function job(phase: JobStatus['phase'], extra: Partial<JobStatus> = {}): JobStatus {
  return { key: 'web/t-web-shop', namespace: 'web', jobId: 't-web-shop', phase, conditions: [], history: [], ...extra };
}

const source = (pass: number, decided: number): SourceStatus =>
  ({ name: 'specs', repo: '/srv/specs', branch: 'main', healthy: true, passGeneration: pass, observedGeneration: decided, counts: {} }) as SourceStatus;

const error = (code: NonNullable<JobStatus['lastError']>['code']): JobStatus['lastError'] => ({ code, reason: 'X', message: 'y', time: '2026-01-01T00:00:00Z' });

describe('sync --wait: judging a job against the sync accepted at generation 10', () => {
  it.each<[string, JobStatus | undefined, SourceStatus | undefined, WaitVerdict]>([
    ['no pass began since the sync', job('Healthy', { observedGeneration: 12 }), source(9, 11), 'waiting'],
    ['a pass began, the job was looked at before it decided', job('Healthy', { observedGeneration: 11 }), source(11, 12), 'waiting'],
    ['decided by that pass', job('Healthy', { observedGeneration: 12 }), source(11, 12), 'converged'],
    ['reconciled after that pass', job('Progressing', { observedGeneration: 15 }), source(11, 12), 'progressing'],
    ['Synced counts as converged', job('Synced', { observedGeneration: 12 }), source(11, 12), 'converged'],
    ['Degraded', job('Degraded', { observedGeneration: 12 }), source(11, 12), 'failed'],
    ['Invalid', job('Invalid', { observedGeneration: 12 }), source(11, 12), 'failed'],
    ['OutOfSync', job('OutOfSync', { observedGeneration: 12 }), source(11, 12), 'failed'],
    ['a stalled error', job('Progressing', { observedGeneration: 12, lastError: error('Stalled') }), source(11, 12), 'failed'],
    ['an error the operator retries', job('Healthy', { observedGeneration: 12, lastError: error('Transient') }), source(11, 12), 'waiting'],
    ['Pruned, not looked at again', job('Pruned', { observedGeneration: 3 }), source(11, 12), 'converged'],
    ['no longer listed', undefined, source(11, 12), 'gone'],
  ])('%s', (_name, j, s, verdict) => {
    expect(judgeJob(j, 10, s)).toBe(verdict);
  });

  it('judges by the phase alone for an operator that gives no generation', () => {
    expect(judgeJob(job('Healthy'), undefined, undefined)).toBe('converged');
  });

  it('says what it waits for, and names a spec that names no job by its path', () => {
    expect(waitLine('web/t-web-shop', job('Healthy'), 'waiting')).toBe('web/t-web-shop: waiting for the operator to look again (was Healthy)');
    const keyless = job('Invalid', { key: 'web/x/nomadgen.toml', spec: 'web/x/nomadgen.toml', lastError: { code: 'Invalid', reason: 'SpecInvalid', message: 'web/x/nomadgen.toml:1:1: bad', time: '' } });
    expect(waitLine(keyless.key, keyless, 'failed')).toBe('spec/web/x/nomadgen.toml: Invalid: SpecInvalid: web/x/nomadgen.toml:1:1: bad');
    const rolling = job('Progressing', { rollout: { deployment: { status: 'running', healthy: 1, desired: 2 }, allocations: { healthy: 1, desired: 2 } } });
    expect(waitLine(rolling.key, rolling, 'progressing')).toBe('web/t-web-shop: Progressing: deployment running 1/2 healthy, allocs 1/2 healthy');
  });
});
