/**
 * The sender against a real HTTP receiver on loopback, on a FakeClock: retries wait on the clock, so a
 * retry that is not due cannot happen, and no test sleeps.
 */
import { WebhookSender, retryAfterMs, type DeliveryResult } from '../../../lib/adapters/notify-http/webhook-sender';
import { FakeClock } from '../../../lib/runtime/clock';
import { seededRandom } from '../../../lib/runtime/random';
import { startReceiver, type Receiver, type ReceiverAnswer } from '../../helpers/http-receiver';
import { until } from '../../helpers/until';

async function receiver(answers: ReceiverAnswer[] = [{ status: 200 }]): Promise<Receiver> {
  const r = await startReceiver(answers);
  r.url = `${r.url}hooks/T0K3N`;
  return r;
}

describe('WebhookSender', () => {
  let rcv: Receiver | undefined;
  let sender: WebhookSender | undefined;
  const results: DeliveryResult[] = [];
  /** The waits before each retry, in order. */
  const waits: number[] = [];
  const clock = new FakeClock();
  const make = (o: Partial<ConstructorParameters<typeof WebhookSender>[0]> = {}): WebhookSender =>
    (sender = new WebhookSender({
      clock,
      random: seededRandom(7),
      onResult: (_e, r) => results.push(r),
      onRetry: (_e, _a, ms) => waits.push(ms),
      backoff: { baseMs: 1000, capMs: 60_000 },
      ...o,
    }));

  afterEach(async () => {
    await sender?.stop(0);
    await rcv?.close();
    rcv = undefined;
    sender = undefined;
    results.length = 0;
    waits.length = 0;
  });

  it('posts in order, one at a time', async () => {
    rcv = await receiver();
    const s = make();
    for (const n of [1, 2, 3]) s.enqueue({ id: 'e', url: rcv.url }, JSON.stringify({ n }));
    await s.whenIdle();
    expect(rcv.bodies).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(results).toEqual(['sent', 'sent', 'sent']);
  });

  it('retries a 503 after a backoff on the clock, then delivers', async () => {
    rcv = await receiver([{ status: 503 }, { status: 503 }, { status: 200 }]);
    const s = make();
    s.enqueue({ id: 'e', url: rcv.url }, '{"n":1}');
    await until(() => waits.length === 1, 'the first backoff');
    expect(waits[0]).toBeLessThan(1000); // the first retry waits below the base
    await clock.advance(waits[0] - 1);
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(rcv.bodies).toHaveLength(1);
    await clock.advance(1);
    await until(() => waits.length === 2, 'the second backoff');
    expect(waits[1]).toBeLessThan(2000);
    await clock.advance(waits[1]);
    await s.whenIdle();
    expect(rcv.bodies).toHaveLength(3);
    expect(results).toEqual(['sent']);
  });

  it('waits what Retry-After says on a 429, not less', async () => {
    rcv = await receiver([{ status: 429, headers: { 'retry-after': '7' } }, { status: 204 }]);
    const s = make();
    s.enqueue({ id: 'e', url: rcv.url }, '{}');
    await until(() => waits.length === 1, 'the wait');
    expect(waits).toEqual([7000]);
    await clock.advance(6999);
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(rcv.bodies).toHaveLength(1);
    await clock.advance(1);
    await s.whenIdle();
    expect(rcv.bodies).toHaveLength(2);
    expect(results).toEqual(['sent']);
  });

  it('a 400 is final: no retry', async () => {
    rcv = await receiver([{ status: 400 }]);
    const s = make();
    s.enqueue({ id: 'e', url: rcv.url }, '{}');
    await s.whenIdle();
    expect(rcv.bodies).toHaveLength(1);
    expect(results).toEqual(['failed']);
  });

  it('gives up after maxAttempts', async () => {
    rcv = await receiver([{ status: 500 }]);
    const s = make({ maxAttempts: 3 });
    s.enqueue({ id: 'e', url: rcv.url }, '{}');
    const r = rcv;
    for (let n = 1; n <= 2; n++) {
      await until(() => r.bodies.length === n && waits.length === n, `attempt ${n}`);
      await clock.advance(waits[n - 1]);
    }
    await s.whenIdle();
    expect(rcv.bodies).toHaveLength(3);
    expect(results).toEqual(['failed']);
  });

  it('a dead endpoint keeps at most queueLimit notifications, dropping the oldest', async () => {
    // A port that refuses connections: the first of the low, never-assigned ports.
    const s = make({ queueLimit: 5 });
    for (let i = 0; i < 1000; i++) s.enqueue({ id: 'dead', url: 'http://127.0.0.1:9/hook' }, `{"n":${i}}`);
    // five waiting and the one being tried
    expect(s.pending()).toBe(6);
    expect(results.filter((r) => r === 'dropped')).toHaveLength(994);
  });

  it('a full queue drops the oldest waiting notification, never the one being posted', async () => {
    rcv = await receiver();
    const s = make({ queueLimit: 1 });
    for (const n of ['A', 'B', 'C']) s.enqueue({ id: 'e', url: rcv.url }, n);
    await s.whenIdle();
    expect(rcv.bodies).toEqual(['A', 'C']);
    expect(results).toEqual(['dropped', 'sent', 'sent']);
  });

  it('enqueue returns at once even when the endpoint never answers; stop abandons what is left', async () => {
    rcv = await receiver(['hang']);
    const s = make();
    const r = rcv;
    s.enqueue({ id: 'e', url: rcv.url }, '{"n":1}');
    s.enqueue({ id: 'e', url: rcv.url }, '{"n":2}');
    expect(s.pending()).toBe(2);
    await until(() => r.bodies.length === 1, 'the first post');
    const stopping = s.stop(1000);
    await clock.advance(1000); // the flush bound passes; the hanging post is abandoned
    await stopping;
    expect(results).toEqual(['dropped', 'dropped']);
    expect(s.pending()).toBe(0);
  });

  it('a POST that does not answer within the timeout is retried', async () => {
    rcv = await receiver(['hang', { status: 200 }]);
    const s = make({ timeoutMs: 5000 });
    s.enqueue({ id: 'e', url: rcv.url }, '{}');
    const r = rcv;
    await until(() => r.bodies.length === 1, 'the first post');
    await clock.advance(5000);
    await until(() => waits.length === 1, 'the backoff after the timeout');
    await clock.advance(waits[0]);
    await s.whenIdle();
    expect(rcv.bodies).toHaveLength(2);
    expect(results).toEqual(['sent']);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('12', 0)).toBe(12_000);
    expect(retryAfterMs('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(retryAfterMs(null, 0)).toBeUndefined();
  });
});
