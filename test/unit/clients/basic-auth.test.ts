/** HTTP basic authentication from NOMAD_HTTP_AUTH / CONSUL_HTTP_AUTH (sent on every request, never shown), and Consul's namespace and partition. */
import * as util from 'node:util';
import { ConsulHttpClient } from '../../../lib/adapters/consul-http/consul-http-client';
import { consulFromEnv, nomadFromEnv } from '../../../lib/adapters/env-config';
import { BasicAuth } from '../../../lib/adapters/http/basic-auth';
import type { HttpLogger } from '../../../lib/adapters/http/http-transport';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { ForbiddenError, type ApiError } from '../../../lib/ports/errors';
import { FakeClock } from '../../../lib/runtime/clock';
import { reply, TinyServer } from './tiny-server';

const PASSWORD = 'pa55:w0rd-of-the-day';
const TOKEN = 'c0ffee00-dead-beef-cafe-000000000002';
const basic = (userPass: string): string => `Basic ${Buffer.from(userPass).toString('base64')}`;

describe('BasicAuth', () => {
  it.each([
    ['ops:secret', 'ops', 'secret'],
    ['ops:s3:cr:et', 'ops', 's3:cr:et'],
    ['ops', 'ops', ''],
    ['ops:', 'ops', ''],
    [':secret', '', 'secret'],
  ])('parses %p as the Go clients split it', (value, username, password) => {
    const a = BasicAuth.parse(value);
    expect([a.username, a.password]).toEqual([username, password]);
    expect(a.header()).toBe(basic(`${username}:${password}`));
  });

  it('never prints its password', () => {
    const a = BasicAuth.parse(`ops:${PASSWORD}`);
    for (const shown of [util.inspect(a, { showHidden: true, depth: 10 }), JSON.stringify(a), String(a), `${a}`, Object.values(a).map(String).join(' '), util.inspect({ conn: { basicAuth: a } }, { depth: 10 })]) {
      expect(shown).not.toContain(PASSWORD);
      expect(shown).toContain('ops');
    }
  });
});

describe('basic authentication on the wire', () => {
  let server: TinyServer;
  let logs: string[];
  const logger: HttpLogger = {
    debug: (o, m) => logs.push(JSON.stringify({ ...o, m })),
    warn: (o, m) => logs.push(JSON.stringify({ ...o, m })),
  };
  beforeEach(async () => {
    server = await TinyServer.start();
    logs = [];
  });
  afterEach(async () => {
    await server.stop();
  });

  const nomad = (env: NodeJS.ProcessEnv): NomadHttpClient =>
    NomadHttpClient.fromConnection(nomadFromEnv({ NOMAD_ADDR: server.url, ...env }), { clock: new FakeClock(), backoff: { maxAttempts: 1 }, logger });

  it('NOMAD_HTTP_AUTH is sent as basic auth on every request, next to the token', async () => {
    server.next(reply(200, [], { 'X-Nomad-Index': '3' }), reply(200, []));
    const c = nomad({ NOMAD_HTTP_AUTH: `ops:${PASSWORD}`, NOMAD_TOKEN: TOKEN });
    try {
      await c.listJobs();
      await c.namespaces();
    } finally {
      c.close();
    }
    expect(server.seen.map((s) => s.headers.authorization)).toEqual([basic(`ops:${PASSWORD}`), basic(`ops:${PASSWORD}`)]);
    expect(server.seen[0].headers['x-nomad-token']).toBe(TOKEN);
  });

  it('a user without a password is sent with an empty one', async () => {
    server.next(reply(200, []));
    const c = nomad({ NOMAD_HTTP_AUTH: 'ops' });
    try {
      await c.listJobs();
    } finally {
      c.close();
    }
    expect(server.seen[0].headers.authorization).toBe(basic('ops:'));
  });

  it('credentials in NOMAD_ADDR win over NOMAD_HTTP_AUTH and are not part of the printed address', async () => {
    server.next(reply(200, []));
    const c = nomad({ NOMAD_ADDR: server.url.replace('http://', 'http://url-user:url%40pass@'), NOMAD_HTTP_AUTH: `ops:${PASSWORD}` });
    try {
      await c.listJobs();
      expect(c.transport.baseUrl).toBe(server.url);
    } finally {
      c.close();
    }
    expect(server.seen[0].headers.authorization).toBe(basic('url-user:url@pass'));
  });

  it('without NOMAD_HTTP_AUTH no Authorization header is sent', async () => {
    server.next(reply(200, []));
    const c = nomad({});
    try {
      await c.listJobs();
    } finally {
      c.close();
    }
    expect(server.seen[0].headers.authorization).toBeUndefined();
  });

  it('CONSUL_HTTP_AUTH is sent by the Consul client', async () => {
    server.next(reply(200, { web: [] }, { 'X-Consul-Index': '4' }));
    const c = ConsulHttpClient.fromConnection(consulFromEnv({ CONSUL_HTTP_ADDR: server.url, CONSUL_HTTP_AUTH: `consul-ops:${PASSWORD}` }), { clock: new FakeClock(), backoff: { maxAttempts: 1 } });
    try {
      expect((await c.catalogServices()).value).toEqual({ web: [] });
    } finally {
      c.close();
    }
    expect(server.seen[0].headers.authorization).toBe(basic(`consul-ops:${PASSWORD}`));
  });

  it('CONSUL_NAMESPACE and CONSUL_PARTITION are sent on every Consul request, reads and writes', async () => {
    server.next(reply(200, { web: [] }, { 'X-Consul-Index': '4' }), reply(200, true));
    const c = ConsulHttpClient.fromConnection(consulFromEnv({ CONSUL_HTTP_ADDR: server.url, CONSUL_NAMESPACE: 'team-a', CONSUL_PARTITION: 'apps' }), { clock: new FakeClock(), backoff: { maxAttempts: 1 } });
    try {
      await c.catalogServices();
      await c.kvPut('gitops/x', 'v', { cas: 0 });
    } finally {
      c.close();
    }
    const params = server.seen.map((s) => new URL(s.url, 'http://x').searchParams);
    expect(params.map((p) => [p.get('ns'), p.get('partition')])).toEqual([['team-a', 'apps'], ['team-a', 'apps']]);
    expect(params[1].get('cas')).toBe('0');
  });

  it('the password and token are in no error, log line or inspected client, even when the server echoes them', async () => {
    const encoded = Buffer.from(`ops:${PASSWORD}`).toString('base64');
    server.next(reply(403, `Permission denied for ops:${PASSWORD} (Basic ${encoded}) token ${TOKEN}`));
    const c = nomad({ NOMAD_HTTP_AUTH: `ops:${PASSWORD}`, NOMAD_TOKEN: TOKEN });
    let err: ApiError;
    try {
      err = (await c.listJobs().catch((e: unknown) => e)) as ApiError;
      for (const shown of [util.inspect(c, { showHidden: true, depth: 6 }), util.inspect(c.transport, { showHidden: true, depth: 6 })]) {
        expect(shown).not.toContain(PASSWORD);
        expect(shown).not.toContain(encoded);
        expect(shown).not.toContain(TOKEN);
      }
    } finally {
      c.close();
    }
    expect(err).toBeInstanceOf(ForbiddenError);
    for (const shown of [err.message, JSON.stringify(err), util.inspect(err, { showHidden: true, depth: 10 }), String(err.stack), logs.join('\n')]) {
      expect(shown).not.toContain(PASSWORD);
      expect(shown).not.toContain(encoded);
      expect(shown).not.toContain(TOKEN);
    }
    expect(err.serverMessage).toContain('<redacted>');
    expect(logs.length).toBeGreaterThan(0);
  });
});
