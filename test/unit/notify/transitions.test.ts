import { notifyStateOf, TransitionTracker } from '../../../lib/core/notify';
import type { JobPhase, LastError } from '../../../crd-schemas/status';

const at = (phase: JobPhase, lastError?: Partial<LastError>): { phase: JobPhase; lastError?: LastError } => ({
  phase,
  ...(lastError ? { lastError: { reason: 'X', message: 'm', time: 't', ...lastError } } : {}),
});
const autoReverted = at('Degraded', { code: 'Stalled', reason: 'AutoReverted' });

describe('notifyStateOf', () => {
  it('reads an auto-revert as Stalled and the alert phases as themselves', () => {
    expect(notifyStateOf(autoReverted)).toBe('Stalled');
    expect(notifyStateOf(at('Degraded', { code: 'Transient', reason: 'DeploymentFailed' }))).toBe('Degraded');
    expect(notifyStateOf(at('Error', { code: 'Stalled', reason: 'Forbidden' }))).toBe('Error');
    expect(notifyStateOf(at('Invalid'))).toBe('Invalid');
    expect(notifyStateOf(at('Healthy', { code: 'Stalled', reason: 'AutoReverted' }))).toBe('Healthy');
    for (const p of ['Synced', 'OutOfSync', 'Progressing', 'Suspended', 'Pruned'] as const) expect(notifyStateOf(at(p))).toBeUndefined();
  });
});

describe('TransitionTracker', () => {
  it('notifies each transition into an alert once and the way back to Healthy', () => {
    const t = new TransitionTracker();
    expect(t.observe('a', at('Progressing'))).toBeUndefined();
    expect(t.observe('a', at('Healthy'))).toBeUndefined();
    expect(t.observe('a', at('Degraded'))).toEqual({ event: 'Degraded', previousPhase: 'Healthy' });
    expect(t.observe('a', at('Degraded'))).toBeUndefined();
    expect(t.observe('a', autoReverted)).toEqual({ event: 'Stalled', previousPhase: 'Degraded' });
    expect(t.observe('a', autoReverted)).toBeUndefined();
    expect(t.observe('a', at('Progressing'))).toBeUndefined();
    expect(t.observe('a', at('Healthy'))).toEqual({ event: 'Recovered', recoveredFrom: 'Stalled', previousPhase: 'Progressing' });
    expect(t.observe('a', at('Healthy'))).toBeUndefined();
  });

  it('Synced with no error after Invalid or Error is the recovery; after Degraded it is not', () => {
    const t = new TransitionTracker();
    expect(t.observe('a', at('Invalid'))?.event).toBe('Invalid');
    expect(t.observe('a', at('Synced'))).toEqual({ event: 'Recovered', recoveredFrom: 'Invalid', previousPhase: 'Invalid' });
    expect(t.observe('a', at('Healthy'))).toBeUndefined();
    expect(t.observe('b', at('Error'))?.event).toBe('Error');
    expect(t.observe('b', at('Synced', { code: 'Transient', reason: 'NomadUnavailable' }))).toBeUndefined();
    expect(t.observe('b', at('Synced'))?.event).toBe('Recovered');
    expect(t.observe('c', at('Degraded'))?.event).toBe('Degraded');
    expect(t.observe('c', at('Synced'))).toBeUndefined();
    expect(t.observe('c', at('Healthy'))?.event).toBe('Recovered');
  });

  it('a job that fails, retries and fails again notifies twice', () => {
    const t = new TransitionTracker();
    expect(t.observe('a', at('Error'))?.event).toBe('Error');
    expect(t.observe('a', at('Progressing'))).toBeUndefined();
    expect(t.observe('a', at('Error'))?.event).toBe('Error');
  });

  it('a baseline observation is remembered but never news, and a later recovery from it is', () => {
    const t = new TransitionTracker();
    expect(t.observe('a', at('Degraded'), true)).toBeUndefined();
    expect(t.observe('a', at('Degraded'))).toBeUndefined();
    expect(t.observe('a', at('Healthy'))).toEqual({ event: 'Recovered', recoveredFrom: 'Degraded', previousPhase: 'Degraded' });
    expect(t.observe('b', at('Healthy'), true)).toBeUndefined();
    expect(t.observe('b', at('Healthy'))).toBeUndefined();
  });

  it('a new job whose first status is an alert is news; a healthy one is not', () => {
    const t = new TransitionTracker();
    expect(t.observe('new', at('Invalid'))).toEqual({ event: 'Invalid' });
    expect(t.observe('fine', at('Healthy'))).toBeUndefined();
  });

  it('forgets removed jobs (memory follows the jobs)', () => {
    const t = new TransitionTracker();
    t.observe('a', at('Degraded'));
    t.observe('b', at('Healthy'));
    t.forget('a');
    expect(t.size).toBe(1);
    expect(t.observe('a', at('Degraded'))?.event).toBe('Degraded');
  });
});
