import { computeResult, controllerError, isControllerError, type ControllerError, type Outcome, type ReconcileResult } from '../../../lib/core/reconcile-result';
import { appendHistory, countPhases, setCondition, JobStatusSchema } from '../../../crd-schemas/status';

interface Case {
  name: string;
  result?: ReconcileResult;
  error?: ControllerError;
  expected: Partial<Outcome>;
}

const cases: Case[] = [
  { name: 'done forgets the key and reports Ready', result: { kind: 'done' }, expected: { queue: { type: 'forget' }, metric: 'success', phase: undefined, event: false } },
  { name: 'no result and no error counts as done', expected: { queue: { type: 'forget' }, metric: 'success' } },
  { name: 'requeueAfter forgets backoff and adds after the delay', result: { kind: 'requeueAfter', ms: 5000 }, expected: { queue: { type: 'forgetAndAddAfter', ms: 5000 }, metric: 'requeue_after' } },
  { name: 'a negative requeue delay is clamped to now', result: { kind: 'requeueAfter', ms: -5 }, expected: { queue: { type: 'forgetAndAddAfter', ms: 0 } } },
  { name: 'transient errors back off per key and set Error', error: controllerError('Transient', 'NomadUnavailable', 'down'), expected: { queue: { type: 'addRateLimited' }, metric: 'error', phase: 'Error', log: 'warn', event: false } },
  { name: 'an error wins over a result', result: { kind: 'done' }, error: controllerError('Transient', 'X', 'y'), expected: { queue: { type: 'addRateLimited' } } },
  { name: 'conflicts retry rate-limited and keep the phase', error: controllerError('Conflict', 'IndexConflict', 'moved'), expected: { queue: { type: 'addRateLimited' }, metric: 'conflict', phase: undefined, log: 'info' } },
  { name: 'waiting requeues after its own delay', error: controllerError('Waiting', 'DeploymentRunning', 'wait', { retryAfterMs: 2500, phase: 'Progressing' }), expected: { queue: { type: 'forgetAndAddAfter', ms: 2500 }, metric: 'waiting', phase: 'Progressing' } },
  { name: 'waiting without a delay uses the default', error: controllerError('Waiting', 'W', 'w'), expected: { queue: { type: 'forgetAndAddAfter', ms: 10_000 } } },
  { name: 'stalled is not retried and notifies', error: controllerError('Stalled', 'AutoReverted', 'needs a new commit', { phase: 'Degraded' }), expected: { queue: { type: 'forget' }, metric: 'stalled', phase: 'Degraded', notify: true, event: true, log: 'error' } },
  { name: 'terminal is not retried', error: controllerError('Terminal', 'Forbidden', 'no'), expected: { queue: { type: 'forget' }, metric: 'terminal', phase: 'Error' } },
  { name: 'invalid specs set Invalid and are not retried', error: controllerError('Invalid', 'SpecInvalid', 'bad'), expected: { queue: { type: 'forget' }, metric: 'invalid', phase: 'Invalid', notify: false } },
];

describe('computeResult', () => {
  it.each(cases)('$name', ({ result, error, expected }) => {
    const outcome = computeResult(result, error);
    const { phase, ...rest } = expected;
    expect(outcome).toMatchObject(rest);
    if ('phase' in expected) expect(outcome.phase).toBe(phase);
    expect(outcome.condition.status).toBe(error ? (error.code === 'Conflict' || error.code === 'Waiting' ? 'Unknown' : 'False') : result?.kind === 'requeueAfter' ? 'Unknown' : 'True');
    if (error) expect(outcome.condition.reason).toBe(error.reason);
  });

  it('recognises controller errors by shape only', () => {
    expect(isControllerError(controllerError('Terminal', 'R', 'm'))).toBe(true);
    expect(isControllerError(new Error('x'))).toBe(false);
    expect(isControllerError({ code: 'Nope', reason: 'r', message: 'm' })).toBe(false);
  });
});

describe('status helpers', () => {
  it('setCondition keeps the transition time while the status holds', () => {
    let c = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, 't1');
    c = setCondition(c, { type: 'Ready', status: 'False', reason: 'B', message: 'b' }, 't2');
    expect(c).toEqual([{ type: 'Ready', status: 'False', reason: 'B', message: 'b', lastTransitionTime: 't1' }]);
    c = setCondition(c, { type: 'Ready', status: 'True', reason: 'C', message: 'c' }, 't3');
    expect(c[0].lastTransitionTime).toBe('t3');
  });

  it('appendHistory keeps the newest entries only', () => {
    let h = appendHistory([], { time: 't0', event: 'Created', message: 'm' }, 3);
    for (let i = 1; i < 5; i++) h = appendHistory(h, { time: `t${i}`, event: 'Updated', message: 'm' }, 3);
    expect(h.map((e) => e.time)).toEqual(['t2', 't3', 't4']);
  });

  it('countPhases has every phase', () => {
    const counts = countPhases([{ phase: 'Healthy' }, { phase: 'Healthy' }, { phase: 'Invalid' }]);
    expect(counts.Healthy).toBe(2);
    expect(counts.Invalid).toBe(1);
    expect(counts.Pruned).toBe(0);
  });

  it('the job status schema rejects an unknown phase and an overlong history', () => {
    const base = { key: 'a/b', namespace: 'a', jobId: 'b', phase: 'Healthy', conditions: [], history: [] };
    expect(JobStatusSchema.safeParse(base).success).toBe(true);
    expect(JobStatusSchema.safeParse({ ...base, phase: 'Running' }).success).toBe(false);
    const history = Array.from({ length: 21 }, () => ({ time: 't', event: 'e', message: 'm' }));
    expect(JobStatusSchema.safeParse({ ...base, history }).success).toBe(false);
  });
});
