/**
 * Push webhooks of GitHub, Gitea and GitLab: which headers carry the event, the delivery ID and the
 * credential, how a delivery is verified against the raw body, and what of a push payload is read.
 * Pure apart from hashing: no I/O, no clock.
 *
 * | provider | event header (push) | delivery ID | credential |
 * |---|---|---|---|
 * | github | `X-GitHub-Event: push` (`ping` on set-up) | `X-GitHub-Delivery` | `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>` |
 * | gitea | `X-Gitea-Event: push` | `X-Gitea-Delivery` | `X-Gitea-Signature: <hex HMAC-SHA256 of the JSON>` (a form: of its `payload` field) |
 * | gitlab | `X-Gitlab-Event: Push Hook` | `Idempotency-Key`, else `X-Gitlab-Event-UUID` | `X-Gitlab-Token: <the secret>` |
 *
 * Gitea: services/webhook/deliver.go, `Deliver` (hex HMAC-SHA256 of the payload under the hook's secret,
 * no prefix, in `X-Gitea-Signature`; the task UUID in `X-Gitea-Delivery`). GitLab:
 * app/services/web_hook_service.rb, `build_headers` (`X-Gitlab-Token` is the hook's token with line breaks
 * removed; `Idempotency-Key` stays the same across retries of one delivery, `X-Gitlab-Event-UUID` is new
 * per request). GitHub: its webhook documentation ("Validating webhook deliveries", "Webhook events and
 * payloads": `X-Hub-Signature-256`, `X-GitHub-Delivery`, the `push` and `ping` events).
 *
 * Every comparison with the secret runs in constant time over SHA-256 digests of both sides, so neither the
 * length of the secret nor the first differing byte shows in the timing.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The providers, as named in the endpoint path. */
export const WEBHOOK_PROVIDERS = ['github', 'gitea', 'gitlab'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

/** True for a provider name of the endpoint path. */
export function isWebhookProvider(name: string): name is WebhookProvider {
  return (WEBHOOK_PROVIDERS as readonly string[]).includes(name);
}

/** The header names of one provider. */
export interface ProviderHeaders {
  event: string;
  /** Delivery ID headers, the first present wins. */
  delivery: readonly string[];
  credential: string;
  /** The event value of a push. */
  push: string;
  /** The event value of a set-up ping (answered without a pass), if the provider sends one. */
  ping?: string;
}

export const PROVIDER_HEADERS: Readonly<Record<WebhookProvider, ProviderHeaders>> = {
  github: { event: 'X-GitHub-Event', delivery: ['X-GitHub-Delivery'], credential: 'X-Hub-Signature-256', push: 'push', ping: 'ping' },
  gitea: { event: 'X-Gitea-Event', delivery: ['X-Gitea-Delivery'], credential: 'X-Gitea-Signature', push: 'push' },
  gitlab: { event: 'X-Gitlab-Event', delivery: ['Idempotency-Key', 'X-Gitlab-Event-UUID'], credential: 'X-Gitlab-Token', push: 'Push Hook' },
};

/** What the headers of a delivery say, before its body is read. */
export interface DeliveryHead {
  event?: string;
  /** The delivery ID as sent (may be anything: use {@link loggableId} before logging it). */
  deliveryId?: string;
  credential?: string;
}

/** Reads the event, delivery ID and credential headers of `provider`. */
export function readDeliveryHead(provider: WebhookProvider, headers: Headers): DeliveryHead {
  const h = PROVIDER_HEADERS[provider];
  const deliveryId = h.delivery.map((name) => headers.get(name)).find((v): v is string => v !== null && v !== '');
  return { event: headers.get(h.event) ?? undefined, deliveryId, credential: headers.get(h.credential) ?? undefined };
}

/** A delivery ID fit for a log line and the replay memory, or undefined when it is not one (too long, odd characters). */
export function loggableId(id: string | undefined): string | undefined {
  return id !== undefined && /^[A-Za-z0-9._:-]{1,100}$/.test(id) ? id : undefined;
}

const digest = (s: string | Uint8Array): Buffer => createHash('sha256').update(s).digest();

/** `a === b` in time independent of where they differ and of their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The lower-case hex HMAC-SHA256 of `body` under `secret`. */
export function hmacHex(secret: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * The bytes a provider signs for a delivery of `body`. GitHub signs the body as sent, a form included
 * (its documentation, "Validating webhook deliveries": the HMAC of the request body). Gitea signs the JSON
 * text alone: for a form it signs the `payload` field before encoding it (services/webhook/deliver.go,
 * `Deliver`: the form is `url.Values{"payload": ...}.Encode()`, the signature is over `PayloadContent`).
 * `payload` is that field, decoded (undefined: no form, or a form without it).
 */
export function signedBytes(provider: WebhookProvider, body: Uint8Array, form: { payload?: string } | undefined): Uint8Array {
  return provider === 'gitea' && form !== undefined ? Buffer.from(form.payload ?? '', 'utf8') : body;
}

/**
 * True when `credential` proves the sender knows `secret` for this exact `body`: GitHub's `sha256=<hex>`
 * and Gitea's bare hex HMAC-SHA256 of the raw body, GitLab's token equal to the secret (GitLab sends its
 * token with line breaks removed). A missing credential is never valid.
 */
export function verifyDelivery(provider: WebhookProvider, secret: string, credential: string | undefined, body: Uint8Array): boolean {
  if (credential === undefined || secret === '') return false;
  switch (provider) {
    case 'github':
      return constantTimeEqual(credential.trim().toLowerCase(), `sha256=${hmacHex(secret, body)}`);
    case 'gitea':
      return constantTimeEqual(credential.trim().toLowerCase(), hmacHex(secret, body));
    case 'gitlab':
      return constantTimeEqual(credential, secret.replace(/[\r\n]/g, ''));
  }
}

/** The credential header a provider would send for `body` (for tests and for documenting the scheme). */
export function credentialFor(provider: WebhookProvider, secret: string, body: Uint8Array): string {
  switch (provider) {
    case 'github':
      return `sha256=${hmacHex(secret, body)}`;
    case 'gitea':
      return hmacHex(secret, body);
    case 'gitlab':
      return secret.replace(/[\r\n]/g, '');
  }
}

/** What is read from a push payload. Everything but `ref` is optional: the commit diff from git is the truth. */
export interface PushEvent {
  /** `refs/heads/<branch>` for a branch, `refs/tags/<tag>` for a tag. */
  ref: string;
  /** The branch pushed to, when `ref` names one. */
  branch?: string;
  /** The commit the branch pointed to before (all zeros: the branch was created). */
  before?: string;
  /** The commit the branch points to now (all zeros: the branch was deleted). */
  after?: string;
  /** The repository's URLs as the provider names them (clone, ssh, web). */
  repositoryUrls: string[];
  /** Paths the payload says the commits added, modified or removed: a hint for logs only, never trusted. */
  filesHint: number;
}

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Repository URL fields of the three providers' push payloads (`repository` and GitLab's `project`). */
const URL_FIELDS = ['clone_url', 'ssh_url', 'git_url', 'html_url', 'url', 'git_http_url', 'git_ssh_url', 'http_url', 'web_url', 'homepage'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The push read from a parsed payload, or undefined when it carries no `ref`. */
export function parsePush(payload: unknown): PushEvent | undefined {
  if (!isObject(payload) || typeof payload.ref !== 'string' || payload.ref === '') return undefined;
  const ref = payload.ref;
  const id = (v: unknown): string | undefined => (typeof v === 'string' && OBJECT_ID.test(v) ? v : undefined);
  const urls = new Set<string>();
  for (const holder of [payload.repository, payload.project]) {
    if (!isObject(holder)) continue;
    for (const f of URL_FIELDS) {
      const v = holder[f];
      if (typeof v === 'string' && v !== '' && v.length <= 2048) urls.add(v);
    }
  }
  let filesHint = 0;
  if (Array.isArray(payload.commits)) {
    for (const c of payload.commits) {
      if (!isObject(c)) continue;
      for (const f of ['added', 'modified', 'removed']) if (Array.isArray(c[f])) filesHint += (c[f] as unknown[]).length;
    }
  }
  const branch = ref.startsWith('refs/heads/') && ref.length > 'refs/heads/'.length ? ref.slice('refs/heads/'.length) : undefined;
  return { ref, ...(branch !== undefined ? { branch } : {}), before: id(payload.before), after: id(payload.after), repositoryUrls: [...urls], filesHint };
}

/** True for the all-zero object ID a provider sends for a created (`before`) or deleted (`after`) branch. */
export function isNullCommit(id: string | undefined): boolean {
  return id !== undefined && /^0+$/.test(id);
}

/**
 * The repository part of a git URL or scp-like address: its last path segment without `.git`, lower case
 * (`https://git.example/platform/specs.git`, `git@git.example:platform/specs` -> `specs`). Undefined for a
 * local path, which no provider names.
 */
export function repositoryName(repo: string): string | undefined {
  let rest: string;
  const url = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(repo);
  const scp = /^[^/@\s]+@[^/:\s]+:(.*)$/.exec(repo);
  if (url) rest = url[1] ?? '';
  else if (scp) rest = scp[1];
  else return undefined;
  const last = rest.split(/[?#]/)[0].replace(/\/+$/, '').split('/').pop() ?? '';
  const name = last.replace(/\.git$/i, '').toLowerCase();
  return name === '' ? undefined : name;
}

/**
 * True unless the payload clearly names another repository: the followed repository is a URL and none
 * of the payload's URLs ends in the same repository name. Mirrors, proxies and host aliases keep the name,
 * so they still match; a mismatch only saves a pass, since the pass reads the followed repository anyway.
 */
export function sameRepository(followed: string, urls: readonly string[]): boolean {
  const ours = repositoryName(followed);
  if (ours === undefined || urls.length === 0) return true;
  return urls.some((u) => repositoryName(u) === ours);
}

/**
 * The delivery IDs seen most recently, at most `capacity` of them (the oldest is forgotten first). A
 * provider redelivering an event sends the same ID, so a repeated ID is a replay.
 */
export class RecentDeliveries {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 1000) {}

  /** True when `id` was seen already; otherwise remembers it. */
  seenBefore(id: string): boolean {
    if (this.ids.has(id)) return true;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
    }
    return false;
  }

  get size(): number {
    return this.ids.size;
  }
}
