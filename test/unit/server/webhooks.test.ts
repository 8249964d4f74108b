import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OperatorStatus } from '../../../crd-schemas/status';
import { hostPolicy } from '../../../lib/server/host-policy';
import { createStatusApp } from '../../../lib/server/status-app';
import { createWebhookEndpoint, type WebhookEndpoint, type WebhookPush, type WebhookTarget } from '../../../lib/server/webhook-endpoint';
import { credentialFor, hmacHex, parsePush, RecentDeliveries, repositoryName, sameRepository, verifyDelivery, type WebhookProvider } from '../../../lib/server/webhooks';

const FIXTURES = path.join(__dirname, '../../fixtures/webhooks');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const SECRET = 'wh-5ecret-for-tests-only';

/** The headers each provider sends with a push (beside the credential), as their documentation and source give them. */
function providerHeaders(provider: WebhookProvider, delivery: string, event?: string): Record<string, string> {
  switch (provider) {
    case 'github':
      return {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/044aadd',
        'x-github-event': event ?? 'push',
        'x-github-delivery': delivery,
        'x-github-hook-id': '109948940',
        'x-github-hook-installation-target-type': 'repository',
        'x-github-hook-installation-target-id': '186853002',
      };
    case 'gitea':
      return {
        'content-type': 'application/json',
        'user-agent': 'Go-http-client/1.1',
        'x-gitea-delivery': delivery,
        'x-gitea-event': event ?? 'push',
        'x-gitea-event-type': event ?? 'push',
        'x-gogs-delivery': delivery,
        'x-gogs-event': event ?? 'push',
        'x-github-delivery': delivery,
        'x-github-event': event ?? 'push',
      };
    case 'gitlab':
      return {
        'content-type': 'application/json',
        'user-agent': 'GitLab/17.5.0',
        'idempotency-key': delivery,
        'x-gitlab-event': event ?? 'Push Hook',
        'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e',
        'x-gitlab-instance': 'https://gitlab.internal',
        'x-gitlab-webhook-uuid': '2b4a5a68-7e6b-4b28-8bd8-4b9b5c2a3b71',
      };
  }
}

const CREDENTIAL_HEADER: Record<WebhookProvider, string> = { github: 'x-hub-signature-256', gitea: 'x-gitea-signature', gitlab: 'x-gitlab-token' };

/** A delivery as `provider` would send it for `body` signed with `secret` (undefined: no credential header). */
function delivery(provider: WebhookProvider, body: string, o: { secret?: string | null; id?: string; event?: string; extra?: Record<string, string>; signed?: string } = {}): RequestInit {
  const headers = providerHeaders(provider, o.id ?? `d-${provider}-1`, o.event);
  const secret = o.secret === undefined ? SECRET : o.secret;
  const signed = Buffer.from(o.signed ?? body);
  if (secret !== null) {
    headers[CREDENTIAL_HEADER[provider]] = credentialFor(provider, secret, signed);
    if (provider === 'gitea') headers['x-hub-signature-256'] = `sha256=${hmacHex(secret, signed)}`;
  }
  return { method: 'POST', headers: { ...headers, ...o.extra }, body };
}

class RecordingTarget implements WebhookTarget {
  readonly pushes: WebhookPush[] = [];
  processed?: string;
  constructor(readonly repo = 'https://gitea.internal/platform/nomad-specs.git', readonly branch = 'main') {}
  processedCommit(): string | undefined { return this.processed; }
  push(p: WebhookPush): void { this.pushes.push(p); }
}

interface Line { level: string; fields: Record<string, unknown>; msg: string }
function recordingLogger(): { lines: Line[]; logger: { info: (f: object, m: string) => void; warn: (f: object, m: string) => void; debug: (f: object, m: string) => void } } {
  const lines: Line[] = [];
  const at = (level: string) => (fields: object, msg: string): void => { lines.push({ level, fields: fields as Record<string, unknown>, msg }); };
  return { lines, logger: { info: at('info'), warn: at('warn'), debug: at('debug') } };
}

function setUp(o: { secret?: string; target?: RecordingTarget; maxBodyBytes?: number } = {}) {
  const target = o.target ?? new RecordingTarget();
  const { lines, logger } = recordingLogger();
  const endpoint = createWebhookEndpoint({ secret: 'secret' in o ? o.secret : SECRET, target, logger, maxBodyBytes: o.maxBodyBytes });
  const send = (provider: string, init: RequestInit, remoteAddress = '192.0.2.7'): Promise<Response> =>
    endpoint(new Request(`http://operator/api/v1/webhooks/${provider}`, init), { provider, hosts: null, remoteAddress });
  return { target, lines, endpoint, send };
}

const RECORDED: Array<[WebhookProvider, string, string]> = [
  ['github', 'github-push.json', '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c'],
  ['gitea', 'gitea-push.json', 'bffeb74224043ba2feb48d137756c8a9331c449a'],
  ['gitlab', 'gitlab-push.json', 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7'],
];

describe('push webhooks', () => {
  it("computes GitHub's documented HMAC-SHA256 test vector", () => {
    // docs.github.com, "Validating webhook deliveries", "Testing the webhook payload validation".
    expect(hmacHex("It's a Secret to Everybody", Buffer.from('Hello, World!'))).toBe('757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
    expect(verifyDelivery('github', "It's a Secret to Everybody", 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17', Buffer.from('Hello, World!'))).toBe(true);
    expect(verifyDelivery('gitea', "It's a Secret to Everybody", '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17', Buffer.from('Hello, World!'))).toBe(true);
    // GitHub's header carries the prefix, Gitea's does not.
    expect(verifyDelivery('github', "It's a Secret to Everybody", '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17', Buffer.from('Hello, World!'))).toBe(false);
    expect(verifyDelivery('gitea', "It's a Secret to Everybody", 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17', Buffer.from('Hello, World!'))).toBe(false);
  });

  it.each(RECORDED)('%s: a recorded push to the followed branch asks for one pass, 202', async (provider, file, after) => {
    const { send, target, lines } = setUp();
    const body = fixture(file);
    const res = await send(provider, delivery(provider, body));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ result: 'accepted', commit: after });
    expect(target.pushes).toEqual([expect.objectContaining({ provider, branch: 'main', after, deliveryId: `d-${provider}-1` })]);
    const line = lines.find((l) => l.msg.startsWith('webhook push'));
    expect(line?.fields).toMatchObject({ provider, delivery: `d-${provider}-1`, branch: 'main', after, filesInPayload: 1 });
    expect(JSON.stringify(lines)).not.toContain('nomadgen.toml');
  });

  it.each(RECORDED)('%s: a wrong secret, a missing credential or a changed body is 401, logged without payload or credential', async (provider, file) => {
    const { send, target, lines } = setUp();
    const body = fixture(file);
    const wrong = delivery(provider, body, { secret: 'not-the-secret', id: 'wrong-1' });
    expect((await send(provider, wrong)).status).toBe(401);
    expect((await send(provider, delivery(provider, body, { secret: null, id: 'missing-1' }))).status).toBe(401);
    if (provider !== 'gitlab') {
      // Signed for one body, sent with another (the branch changed in transit). GitLab's token signs nothing.
      const signed = delivery(provider, body, { id: 'tampered-1' });
      expect((await send(provider, { ...signed, body: body.replace('refs/heads/main', 'refs/heads/prod') })).status).toBe(401);
    }
    expect(target.pushes).toEqual([]);
    const refused = lines.filter((l) => l.level === 'warn');
    expect(refused.map((l) => l.fields)).toEqual([
      { provider, delivery: 'wrong-1', remote: '192.0.2.7' },
      { provider, delivery: 'missing-1', remote: '192.0.2.7' },
      ...(provider === 'gitlab' ? [] : [{ provider, delivery: 'tampered-1', remote: '192.0.2.7' }]),
    ]);
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain('not-the-secret');
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain(credentialFor(provider, 'not-the-secret', Buffer.from(body)));
    expect(logged).not.toContain('nomad-specs');
  });

  it.each(RECORDED)('%s: a push to another branch is ignored with the reason', async (provider, file) => {
    const { send, target } = setUp();
    const body = fixture(file).replace('"refs/heads/main"', '"refs/heads/feature/x"');
    const res = await send(provider, delivery(provider, body));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: 'ignored', reason: 'a push to "feature/x", not to the followed branch "main"' });
    expect(target.pushes).toEqual([]);
  });

  it.each(RECORDED)('%s: a repeated delivery is ignored; a new delivery of a processed commit too', async (provider, file, after) => {
    const { send, target } = setUp();
    const body = fixture(file);
    expect((await send(provider, delivery(provider, body, { id: 'same-id' }))).status).toBe(202);
    const replay = await send(provider, delivery(provider, body, { id: 'same-id' }));
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ result: 'ignored', reason: 'this delivery was received before' });
    expect(target.pushes).toHaveLength(1);
    target.processed = after;
    const again = await send(provider, delivery(provider, body, { id: 'other-id' }));
    expect(await again.json()).toEqual({ result: 'ignored', reason: `commit ${after} is processed already` });
    expect(target.pushes).toHaveLength(1);
  });

  it('logs a delivery ID only when it is a plain token', async () => {
    const { send, lines } = setUp();
    const body = fixture('github-push.json');
    expect((await send('github', delivery('github', body, { id: `${'x'.repeat(300)}`, secret: 'guess' }))).status).toBe(401);
    expect((await send('github', delivery('github', body, { id: 'a b\u00e9', secret: 'guess' }))).status).toBe(401);
    expect(lines.map((l) => l.fields.delivery)).toEqual(['(malformed)', '(malformed)']);
  });

  it('a deletion of the followed branch asks for a pass (the pass reports the missing branch)', async () => {
    const { send, target } = setUp();
    const body = fixture('github-push.json').replace('"after": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"', `"after": "${'0'.repeat(40)}"`);
    target.processed = '0'.repeat(40);
    expect((await send('github', delivery('github', body))).status).toBe(202);
    expect(target.pushes).toEqual([expect.objectContaining({ branch: 'main', after: '0'.repeat(40) })]);
  });

  it('remembers only verified deliveries: a forged ID does not make the real delivery a replay', async () => {
    const { send, target } = setUp();
    const body = fixture('github-push.json');
    expect((await send('github', delivery('github', body, { id: 'abc', secret: 'guess' }))).status).toBe(401);
    expect((await send('github', delivery('github', body, { id: 'abc' }))).status).toBe(202);
    expect(target.pushes).toHaveLength(1);
  });

  // GitHub signs the form body as sent; Gitea signs the JSON text and then sends it as the form's payload field.
  it.each([
    ['github', 'the raw form body', 'github-push.json'],
    ['gitea', 'the JSON of its payload field', 'gitea-push.json'],
  ] as const)('%s: a push sent as a form (the JSON in its payload field) is verified over %s', async (provider, _signed, file) => {
    const { send, target } = setUp();
    const signedPart = (form: string, json: string): string => (provider === 'github' ? form : json);
    const asForm = { 'content-type': 'application/x-www-form-urlencoded' };
    const json = fixture(file);
    const form = new URLSearchParams({ payload: json }).toString();
    expect((await send(provider, delivery(provider, form, { signed: signedPart(form, json), extra: asForm }))).status).toBe(202);
    expect(target.pushes).toHaveLength(1);
    const otherPart = delivery(provider, form, { id: 'other-part', signed: signedPart(json, form), extra: asForm });
    expect((await send(provider, otherPart)).status).toBe(401);
    const forged = delivery(provider, form, { id: 'forged', secret: 'guess', signed: signedPart(form, json), extra: asForm });
    expect((await send(provider, forged)).status).toBe(401);
    const noPayload = 'other=1';
    expect((await send(provider, delivery(provider, noPayload, { id: 'no-payload', signed: signedPart(noPayload, ''), extra: asForm }))).status).toBe(400);
    expect(target.pushes).toHaveLength(1);
  });

  it('answers a GitHub ping without a pass, and ignores events that are not pushes', async () => {
    const { send, target } = setUp();
    const ping = await send('github', delivery('github', fixture('github-ping.json'), { event: 'ping' }));
    expect(ping.status).toBe(200);
    expect(await ping.json()).toEqual({ result: 'pong' });
    const tag = await send('gitlab', delivery('gitlab', fixture('gitlab-tag-push.json'), { event: 'Tag Push Hook' }));
    expect(await tag.json()).toEqual({ result: 'ignored', reason: 'X-Gitlab-Event "Tag Push Hook" is not a push' });
    const tagAsPush = await send('gitlab', delivery('gitlab', fixture('gitlab-tag-push.json'), { id: 'as-push' }));
    expect(await tagAsPush.json()).toEqual({ result: 'ignored', reason: '"refs/tags/v1.0.0" is not a branch' });
    expect(target.pushes).toEqual([]);
  });

  it('ignores a push that names another repository; a mirror or another host of the same repository matches', async () => {
    const { send, target } = setUp({ target: new RecordingTarget('ssh://git@git.mirror.internal:2222/platform/Nomad-Specs.git') });
    const other = fixture('github-push.json').replaceAll('nomad-specs', 'website');
    expect(await (await send('github', delivery('github', other, { id: 'o' }))).json()).toEqual({ result: 'ignored', reason: 'the push names another repository' });
    expect((await send('github', delivery('github', fixture('github-push.json'), { id: 'm' }))).status).toBe(202);
    expect(target.pushes).toHaveLength(1);
    expect(sameRepository('/srv/git/specs', ['https://github.com/x/other.git'])).toBe(true); // a local path is not compared
    expect(repositoryName('git@gitea.internal:platform/nomad-specs.git')).toBe('nomad-specs');
    expect(repositoryName('https://bot:tok@gitlab.internal/group/sub/nomad-specs/')).toBe('nomad-specs');
  });

  it('without a secret every endpoint answers 503 and accepts nothing, signed or not', async () => {
    const { send, target } = setUp({ secret: undefined });
    for (const [provider, file] of RECORDED) {
      const res = await send(provider, delivery(provider, fixture(file), { secret: '' }));
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toContain('NOMADGUARD_WEBHOOK_SECRET');
    }
    expect(target.pushes).toEqual([]);
    // An app built without webhooks says the same.
    const app = createStatusApp({ status: () => ({ sources: [], jobs: [] }) as OperatorStatus, sync: () => undefined });
    expect((await app(new Request('http://operator/api/v1/webhooks/github', delivery('github', fixture('github-push.json'))))).status).toBe(503);
  });

  it('refuses an unknown provider, another method, a missing event header, a form body, a page of another site', async () => {
    const { send, target } = setUp();
    const body = fixture('github-push.json');
    expect((await send('bitbucket', delivery('github', body))).status).toBe(404);
    expect((await send('github', { method: 'GET' })).status).toBe(405);
    const noEvent = delivery('github', body);
    delete (noEvent.headers as Record<string, string>)['x-github-event'];
    expect((await send('github', noEvent)).status).toBe(400);
    expect((await send('github', delivery('github', body, { extra: { 'content-type': 'text/plain' } }))).status).toBe(415);
    expect((await send('gitlab', delivery('gitlab', fixture('gitlab-push.json'), { extra: { 'content-type': 'application/x-www-form-urlencoded' } }))).status).toBe(415);
    expect((await send('github', delivery('github', body, { extra: { 'sec-fetch-site': 'cross-site' } }))).status).toBe(403);
    expect((await send('github', delivery('github', '{"ref": ', { id: 'broken' }))).status).toBe(400);
    expect(target.pushes).toEqual([]);
  });

  it('refuses a body above the limit, declared or streamed, before verifying anything', async () => {
    const { send, target } = setUp({ maxBodyBytes: 1024 });
    const big = JSON.stringify({ ref: 'refs/heads/main', pad: 'x'.repeat(2000) });
    expect((await send('github', delivery('github', big))).status).toBe(413);
    const streamed = delivery('github', big, { id: 'streamed' });
    const stream = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(Buffer.from(big)); c.close(); } });
    expect((await send('github', { ...streamed, body: stream, duplex: 'half' } as RequestInit)).status).toBe(413);
    expect(target.pushes).toEqual([]);
  });

  it('is routed by the status app behind its host policy, with no bearer token', async () => {
    const target = new RecordingTarget();
    const endpoint: WebhookEndpoint = createWebhookEndpoint({ secret: SECRET, target });
    const app = createStatusApp({ status: () => ({ sources: [], jobs: [] }) as OperatorStatus, sync: () => undefined }, { token: 'api-token', hosts: hostPolicy('0.0.0.0', 4680, ['nomadguard.example.com']), webhooks: endpoint });
    const body = fixture('gitea-push.json');
    const at = (host: string, init: RequestInit): Promise<Response> =>
      app(new Request('http://operator/api/v1/webhooks/gitea/', { ...init, headers: { ...(init.headers as Record<string, string>), host } }));
    expect((await at('evil.example.com:4680', delivery('gitea', body))).status).toBe(421);
    const ok = await at('nomadguard.example.com', delivery('gitea', body));
    expect(ok.status).toBe(202);
    expect(target.pushes).toHaveLength(1);
  });

  it('reads the push payload fields of every provider and nothing else', () => {
    for (const [, file, after] of RECORDED) {
      const push = parsePush(JSON.parse(fixture(file)));
      expect(push).toMatchObject({ ref: 'refs/heads/main', branch: 'main', after, filesHint: 1 });
      expect(push?.repositoryUrls.every((u) => repositoryName(u) === 'nomad-specs')).toBe(true);
    }
    expect(parsePush({ ref: 'refs/heads/main', after: 'not-a-sha' })).toEqual({ ref: 'refs/heads/main', branch: 'main', before: undefined, after: undefined, repositoryUrls: [], filesHint: 0 });
    expect(parsePush({ after: 'x' })).toBeUndefined();
    expect(parsePush([])).toBeUndefined();
  });

  it('remembers a bounded number of delivery IDs, forgetting the oldest first', () => {
    const recent = new RecentDeliveries(3);
    for (const id of ['a', 'b', 'c', 'd']) expect(recent.seenBefore(id)).toBe(false);
    expect(recent.size).toBe(3);
    expect(recent.seenBefore('d')).toBe(true);
    expect(recent.seenBefore('a')).toBe(false); // forgotten
  });
});
