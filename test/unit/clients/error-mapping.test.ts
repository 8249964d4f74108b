import { failureFromNetwork, failureFromResponse, failureFromTimeout, parseCasConflict } from '../../../lib/adapters/http/error-mapping';
import { BadRequestError, CasConflictError, ForbiddenError, NotFoundError, TimeoutError, UnavailableError } from '../../../lib/ports/errors';

const ctx = { service: 'nomad' as const, method: 'POST', route: '/v1/jobs', attempts: 2 };

describe('parseCasConflict', () => {
  it.each([
    ['Enforcing job modify index 1098: job exists with conflicting job modify index: 1171', { sentIndex: 1098, currentIndex: 1171, jobExists: true }],
    ['Enforcing job modify index 0: job already exists', { sentIndex: 0, jobExists: true }],
    ['Enforcing job modify index 12: job does not exist', { sentIndex: 12, jobExists: false }],
    ['rpc error: Enforcing job modify index 5: job exists with conflicting job modify index: 6', { sentIndex: 5, currentIndex: 6, jobExists: true }],
  ])('parses %s', (body, expected) => {
    expect(parseCasConflict(body)).toEqual(expected);
  });
  it('ignores other text', () => expect(parseCasConflict('job not found')).toBeUndefined());
});

describe('failureFromResponse', () => {
  it.each([
    ['404 not found', 404, 'job not found', NotFoundError, false],
    ['403 forbidden', 403, 'Permission denied', ForbiddenError, false],
    ['400 bad request', 400, 'Job ID does not match name', BadRequestError, false],
    ['405 method', 405, 'Invalid method', BadRequestError, false],
    ['429 throttled', 429, 'rate limited', UnavailableError, true],
    ['500 CAS', 500, 'Enforcing job modify index 3: job exists with conflicting job modify index: 4', CasConflictError, false],
    ['500 validation', 500, '1 error occurred:\n\t* Task group web validation failed: x\n\n', BadRequestError, false],
    ['500 plural validation', 500, '2 errors occurred:\n\t* a\n\t* b\n\n', BadRequestError, false],
    ['500 type change', 500, 'cannot update job from type "service" to "batch"', BadRequestError, false],
    ['500 tag on another version', 500, 'tag "golden" already exists on a different version of job "web"', BadRequestError, false],
    ['500 tagged version missing', 500, 'rpc error: job "web" version 9 not found', BadRequestError, false],
    ['500 tag missing', 500, 'tag "golden" not found on job "web"', BadRequestError, false],
    ['500 permission text', 500, 'rpc error: Permission denied', ForbiddenError, false],
    ['500 no leader', 500, 'No cluster leader', UnavailableError, true],
    ['500 other', 500, 'rpc error: EOF', UnavailableError, true],
    ['502', 502, '', UnavailableError, true],
    ['503', 503, 'busy', UnavailableError, true],
    ['504', 504, '', UnavailableError, true],
  ])('%s', (_name, status, body, cls, retryable) => {
    const f = failureFromResponse(ctx, status, body);
    expect(f.error).toBeInstanceOf(cls);
    expect(f.retryable).toBe(retryable);
    expect(f.error.status).toBe(status);
    expect(f.error.serverMessage).toBe(body.trim());
    expect(f.error.route).toBe('/v1/jobs');
    expect(f.error.method).toBe('POST');
    expect(f.error.attempts).toBe(2);
  });

  it('CAS conflicts carry the indexes and whether an earlier attempt was ambiguous', () => {
    const f = failureFromResponse({ ...ctx, afterAmbiguous: true }, 500, 'Enforcing job modify index 10: job exists with conflicting job modify index: 11');
    const e = f.error as CasConflictError;
    expect(e.kind).toBe('cas-conflict');
    expect(e.sentIndex).toBe(10);
    expect(e.currentIndex).toBe(11);
    expect(e.afterRetry).toBe(true);
    expect(e.message).toBe('nomad POST /v1/jobs: 500: Enforcing job modify index 10: job exists with conflicting job modify index: 11');
  });

  it('no-leader 5xx is not ambiguous (nothing applied); other 5xx are', () => {
    expect(failureFromResponse(ctx, 500, 'No cluster leader').ambiguous).toBe(false);
    expect(failureFromResponse(ctx, 503, 'x').ambiguous).toBe(false);
    expect(failureFromResponse(ctx, 500, 'boom').ambiguous).toBe(true);
  });
});

describe('failureFromNetwork / timeout', () => {
  it('refused is retryable and unambiguous; reset is retryable but ambiguous; TLS is final', () => {
    expect(failureFromNetwork(ctx, 'ECONNREFUSED', 'x')).toMatchObject({ retryable: true, ambiguous: false });
    expect(failureFromNetwork(ctx, 'ECONNRESET', 'x')).toMatchObject({ retryable: true, ambiguous: true });
    const tls = failureFromNetwork(ctx, 'DEPTH_ZERO_SELF_SIGNED_CERT', 'self signed');
    expect(tls.retryable).toBe(false);
    expect(tls.error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(failureFromNetwork(ctx, 'ECONNREFUSED', 'x').error).toBeInstanceOf(UnavailableError);
  });
  it('timeouts are TimeoutError with the budget', () => {
    const f = failureFromTimeout(ctx, 1500);
    expect(f.error).toBeInstanceOf(TimeoutError);
    expect((f.error as TimeoutError).timeoutMs).toBe(1500);
    expect(f.error.transient).toBe(true);
    expect(f.error.message).toContain('no response within 1500ms');
  });
});
