/**
 * `POST /api/v1/webhooks/{github,gitea,gitlab}`: a push to the followed branch asks for an incremental
 * pass at once, instead of waiting for the poll interval. The pass fetches the branch and re-renders only
 * what the commit diff from git changed; the payload is never trusted for what changed.
 *
 * Checked in this order, the body read only once the headers pass:
 *
 * | check | answer |
 * |---|---|
 * | unknown provider | 404 |
 * | not POST | 405 |
 * | no secret configured | 503 (nothing unsigned is ever accepted) |
 * | `Origin` of another site, `Sec-Fetch-Site` cross-site or same-site | 403 |
 * | no event header of the provider | 400 |
 * | no signature / token header | 401, logged |
 * | not `Content-Type: application/json` (GitHub, Gitea: or a form with the JSON in `payload`) | 415 |
 * | body above the limit | 413 |
 * | signature or token wrong for the signed bytes (the raw body; Gitea's form: its `payload` field) | 401, logged (provider, delivery ID, remote address; never the body or the credential) |
 * | delivery ID seen before (a replay) | 200 ignored |
 * | not JSON | 400 |
 * | `ping` | 200 pong, no pass |
 * | another event, a tag, another branch, another repository, `after` already processed | 200 ignored, with the reason |
 * | a push to the followed branch | 202 accepted: a pass is asked for |
 */
import { BodyTooLarge, isJson, readLimited } from './body';
import { originAllowed, type HostPolicy } from './host-policy';
import { isNullCommit, isWebhookProvider, loggableId, parsePush, PROVIDER_HEADERS, readDeliveryHead, RecentDeliveries, sameRepository, signedBytes, verifyDelivery, WEBHOOK_PROVIDERS, type WebhookProvider } from './webhooks';

/** What a verified push to the followed branch asks of the operator. */
export interface WebhookPush {
  provider: WebhookProvider;
  deliveryId?: string;
  branch: string;
  before?: string;
  after?: string;
}

/** The operator as the webhooks see it. */
export interface WebhookTarget {
  /** The followed repository and branch. */
  repo: string;
  branch: string;
  /** The commit the last successful pass processed (undefined before the first). */
  processedCommit(): string | undefined;
  /** Asks for an incremental pass now. */
  push(push: WebhookPush): void;
}

/** Where the endpoint logs (a pino logger fits). */
export interface WebhookLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export interface WebhookEndpointOptions {
  /** The shared secret; without one every delivery is refused with 503. */
  secret?: string;
  target: WebhookTarget;
  logger?: WebhookLogger;
  /** The largest body read (default {@link MAX_WEBHOOK_BODY_BYTES}). */
  maxBodyBytes?: number;
  /** How many delivery IDs are remembered against replays (default 1,000). */
  rememberDeliveries?: number;
}

/** Where a request came from, as far as the app knows it. */
export interface WebhookRequestContext {
  /** The provider segment of the path (still to be checked). */
  provider: string;
  /** The listener's host policy (null: an app on no socket). */
  hosts: HostPolicy | null;
  /** The peer address of the connection, for logs. */
  remoteAddress?: string;
}

/** A webhook endpoint: one request of any provider to one response. */
export type WebhookEndpoint = (request: Request, context: WebhookRequestContext) => Promise<Response>;

/**
 * The default body limit: push payloads carry the commits with their file lists. A larger delivery is
 * refused (413) and its push is picked up by the next poll.
 */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/** Where the secret comes from, for the 503 message. */
export const WEBHOOK_SECRET_HELP = 'set webhooks.secretFile (or webhooks.secret) in the operator config, or NOMADGUARD_WEBHOOK_SECRET';

const COMMON = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8' };
const json = (body: unknown, status: number): Response => new Response(`${JSON.stringify(body, null, 2)}\n`, { status, headers: COMMON });

/** True for `application/x-www-form-urlencoded` (any parameters). */
function isForm(contentType: string | null): boolean {
  return contentType !== null && contentType.split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/** `bytes` as UTF-8 text, or undefined when they are not UTF-8. */
function utf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The answer of a delivery that asks for no pass. */
export interface WebhookIgnored {
  result: 'ignored';
  reason: string;
}

/** Builds the endpoint. */
export function createWebhookEndpoint(options: WebhookEndpointOptions): WebhookEndpoint {
  const maxBody = options.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES;
  const recent = new RecentDeliveries(options.rememberDeliveries ?? 1000);
  const log = options.logger;
  const target = options.target;
  const ignored = (reason: string, fields: Record<string, unknown>): Response => {
    log?.debug({ ...fields, reason }, 'webhook ignored');
    const body: WebhookIgnored = { result: 'ignored', reason };
    return json(body, 200);
  };

  return async (request, context) => {
    const provider = context.provider;
    if (!isWebhookProvider(provider)) return json({ error: `no webhook provider ${JSON.stringify(provider)}; use one of ${WEBHOOK_PROVIDERS.join(', ')}` }, 404);
    if (request.method.toUpperCase() !== 'POST') return json({ error: 'use POST' }, 405);
    const secret = options.secret;
    if (!secret) return json({ error: `webhooks are not enabled on this operator: ${WEBHOOK_SECRET_HELP}` }, 503);
    const origin = request.headers.get('origin');
    const site = request.headers.get('sec-fetch-site');
    if ((context.hosts && origin !== null && !originAllowed(context.hosts, origin)) || site === 'cross-site' || site === 'same-site') {
      return json({ error: 'a webhook may not come from a web page' }, 403);
    }
    const names = PROVIDER_HEADERS[provider];
    const head = readDeliveryHead(provider, request.headers);
    const delivery = loggableId(head.deliveryId);
    const who = { provider, delivery: delivery ?? (head.deliveryId === undefined ? null : '(malformed)'), remote: context.remoteAddress ?? null };
    if (head.event === undefined || head.event === '') return json({ error: `not a ${provider} webhook: the ${names.event} header is missing` }, 400);
    if (head.credential === undefined) {
      log?.warn(who, `webhook refused: no ${names.credential} header`);
      return json({ error: `the ${names.credential} header is missing` }, 401);
    }
    const contentType = request.headers.get('content-type');
    // GitHub and Gitea may also send the JSON as the `payload` field of a form (GitHub's default); GitHub's
    // signature covers the raw form body, Gitea's the `payload` field (see `signedBytes`). A browser's
    // cross-site form cannot carry the signature header.
    const form = provider !== 'gitlab' && isForm(contentType);
    if (!isJson(contentType) && !form) return json({ error: `a ${provider} webhook must be sent as Content-Type: application/json${provider === 'gitlab' ? '' : ' (or a form)'}` }, 415);
    let body: Uint8Array;
    try {
      body = await readLimited(request, maxBody);
    } catch (e) {
      if (e instanceof BodyTooLarge) return json({ error: `a webhook body may hold at most ${maxBody} bytes; the next poll picks the push up` }, 413);
      throw e;
    }
    const text = utf8(body);
    const formPayload = form ? { payload: text === undefined ? undefined : (new URLSearchParams(text).get('payload') ?? undefined) } : undefined;
    if (!verifyDelivery(provider, secret, head.credential, signedBytes(provider, body, formPayload))) {
      log?.warn(who, `webhook refused: ${names.credential} does not match the secret`);
      return json({ error: `${names.credential} does not match` }, 401);
    }
    // Only verified deliveries are remembered, so a forged delivery is never stored. The ID header is not
    // signed: whoever replays a captured delivery under a new ID gets past this check, and whoever can see
    // deliveries can send their IDs ahead of them; the processed-commit check below still holds.
    if (delivery !== undefined && recent.seenBefore(`${provider}:${delivery}`)) return ignored('this delivery was received before', who);
    let payload: unknown;
    try {
      payload = JSON.parse(formPayload ? (formPayload.payload ?? '') : (text ?? ''));
    } catch {
      return json({ error: form ? 'the form has no JSON payload field' : 'the body is not JSON' }, 400);
    }
    if (names.ping !== undefined && head.event === names.ping) {
      log?.info(who, 'webhook ping');
      return json({ result: 'pong' }, 200);
    }
    if (head.event !== names.push) return ignored(`${names.event} ${JSON.stringify(head.event.slice(0, 64))} is not a push`, who);
    const push = parsePush(payload);
    if (!push) return json({ error: 'the push payload has no ref' }, 400);
    if (push.branch === undefined) return ignored(`${JSON.stringify(push.ref.slice(0, 256))} is not a branch`, who);
    if (push.branch !== target.branch) return ignored(`a push to ${JSON.stringify(push.branch.slice(0, 256))}, not to the followed branch ${JSON.stringify(target.branch)}`, who);
    if (!sameRepository(target.repo, push.repositoryUrls)) return ignored('the push names another repository', who);
    if (push.after !== undefined && !isNullCommit(push.after) && push.after === target.processedCommit()) return ignored(`commit ${push.after} is processed already`, who);
    target.push({ provider, branch: push.branch, ...(delivery !== undefined ? { deliveryId: delivery } : {}), ...(push.before ? { before: push.before } : {}), ...(push.after ? { after: push.after } : {}) });
    log?.info({ ...who, branch: push.branch, before: push.before ?? null, after: push.after ?? null, filesInPayload: push.filesHint }, 'webhook push: pass asked for');
    return json({ result: 'accepted', ...(push.after ? { commit: push.after } : {}) }, 202);
  };
}

/** The endpoint of an operator that serves no webhooks: every delivery is 503 (404 for an unknown provider). */
export const webhooksDisabled: WebhookEndpoint = createWebhookEndpoint({ target: { repo: '', branch: '', processedCommit: () => undefined, push: () => undefined } });
