/** TLS from the environment: CA verification (file or path), server name, skip-verify, and client certificates (mutual TLS). */
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ConsulHttpClient } from '../../../lib/adapters/consul-http/consul-http-client';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { consulFromEnv, nomadFromEnv } from '../../../lib/adapters/env-config';
import { ApiError, UnavailableError } from '../../../lib/ports/errors';
import { FakeClock } from '../../../lib/runtime/clock';

const tls = path.join(__dirname, 'fixtures', 'tls');
const read = (f: string): Buffer => fs.readFileSync(path.join(tls, f));

describe('TLS', () => {
  let server: https.Server;
  let url: string;
  const seenCerts: string[] = [];
  beforeAll(async () => {
    server = https.createServer({ key: read('server-key.pem'), cert: read('server.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const sock = req.socket as import('node:tls').TLSSocket;
      const peer = sock.getPeerCertificate();
      seenCerts.push(sock.authorized ? String(peer.subject?.CN) : 'none');
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('X-Nomad-Index', '1');
      res.end('[]');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const client = (env: NodeJS.ProcessEnv, maxAttempts = 1): NomadHttpClient =>
    NomadHttpClient.fromConnection(nomadFromEnv({ NOMAD_ADDR: url, ...env }), { clock: new FakeClock(), backoff: { maxAttempts } });

  it('verifies the server against NOMAD_CACERT and presents NOMAD_CLIENT_CERT', async () => {
    const c = client({ NOMAD_CACERT: path.join(tls, 'ca.pem'), NOMAD_CLIENT_CERT: path.join(tls, 'client.pem'), NOMAD_CLIENT_KEY: path.join(tls, 'client-key.pem') });
    try {
      expect((await c.listJobs()).items).toEqual([]);
      expect(seenCerts[seenCerts.length - 1]).toBe('nomadguard');
    } finally {
      c.close();
    }
  });

  it('refuses an unknown CA without retrying, and accepts it with NOMAD_SKIP_VERIFY', async () => {
    const strict = client({}, 3);
    const err = (await strict.listJobs().catch((e: unknown) => e)) as ApiError;
    strict.close();
    expect(err).toBeInstanceOf(ApiError);
    expect(err).not.toBeInstanceOf(UnavailableError);
    expect(err.code).toMatch(/CERT|SIGNED|VERIFY/);
    expect(err.attempts).toBe(1);
    const lax = client({ NOMAD_SKIP_VERIFY: '1' });
    try {
      expect((await lax.listJobs()).index).toBe(1);
    } finally {
      lax.close();
    }
  });
});

/** A TLS server on 127.0.0.1 with `cert`; records the SNI name of each request. */
async function tlsServer(key: Buffer, cert: Buffer): Promise<{ url: string; port: number; names: Array<string | false>; stop(): Promise<void> }> {
  const names: Array<string | false> = [];
  const server = https.createServer({ key, cert }, (req, res) => {
    names.push((req.socket as import('node:tls').TLSSocket).servername ?? false);
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('X-Nomad-Index', '7');
    res.setHeader('X-Consul-Index', '7');
    res.end(req.url?.startsWith('/v1/catalog/services') ? '{"web":[]}' : '[]');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    names,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('TLS: CA path and server name', () => {
  let plain: Awaited<ReturnType<typeof tlsServer>>;
  let named: Awaited<ReturnType<typeof tlsServer>>;
  let dir: string;
  beforeAll(async () => {
    plain = await tlsServer(read('server-key.pem'), read('server.pem'));
    named = await tlsServer(read('named-key.pem'), read('named.pem'));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-capath-'));
    fs.mkdirSync(path.join(dir, 'cas', 'more'), { recursive: true });
    fs.copyFileSync(path.join(tls, 'ca.pem'), path.join(dir, 'cas', 'a-ca.pem'));
    fs.copyFileSync(path.join(tls, 'ca2.pem'), path.join(dir, 'cas', 'more', 'ca2.crt'));
    fs.mkdirSync(path.join(dir, 'only-first'));
    fs.copyFileSync(path.join(tls, 'ca.pem'), path.join(dir, 'only-first', 'ca.pem'));
  });
  afterAll(async () => {
    await plain.stop();
    await named.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const nomadAt = async (url: string, env: NodeJS.ProcessEnv): Promise<unknown> => {
    const c = NomadHttpClient.fromConnection(nomadFromEnv({ NOMAD_ADDR: url, ...env }), { clock: new FakeClock(), backoff: { maxAttempts: 1 } });
    try {
      return await c.listJobs().then((r) => r.index, (e: unknown) => e);
    } finally {
      c.close();
    }
  };

  it('NOMAD_CAPATH trusts every certificate of the directory, subdirectories included', async () => {
    expect(await nomadAt(plain.url, { NOMAD_CAPATH: path.join(dir, 'cas') })).toBe(7);
    expect(await nomadAt(named.url, { NOMAD_CAPATH: path.join(dir, 'cas'), NOMAD_TLS_SERVER_NAME: 'server.global.nomad' })).toBe(7);
    // Only those: the system's CAs and the CAs of other folders are not trusted.
    const err = await nomadAt(named.url, { NOMAD_CAPATH: path.join(dir, 'only-first'), NOMAD_TLS_SERVER_NAME: 'server.global.nomad' });
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toMatch(/CERT|SIGNED|VERIFY|ISSUER/);
  });

  it('NOMAD_CACERT wins over NOMAD_CAPATH, which is then not read', async () => {
    expect(await nomadAt(plain.url, { NOMAD_CACERT: path.join(tls, 'ca.pem'), NOMAD_CAPATH: path.join(dir, 'does-not-exist') })).toBe(7);
  });

  it('NOMAD_TLS_SERVER_NAME is the name sent as SNI and verified, instead of the address', async () => {
    const before = named.names.length;
    const wrongName = await nomadAt(named.url, { NOMAD_CACERT: path.join(tls, 'ca2.pem') });
    expect(wrongName).toBeInstanceOf(ApiError);
    expect((wrongName as ApiError).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(await nomadAt(named.url, { NOMAD_CACERT: path.join(tls, 'ca2.pem'), NOMAD_TLS_SERVER_NAME: 'server.global.nomad' })).toBe(7);
    expect(named.names.slice(before)).toEqual(['server.global.nomad']);
    const other = await nomadAt(named.url, { NOMAD_CACERT: path.join(tls, 'ca2.pem'), NOMAD_TLS_SERVER_NAME: 'client.global.nomad' });
    expect((other as ApiError).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('CONSUL_CAPATH and CONSUL_TLS_SERVER_NAME (its port dropped) reach the Consul client', async () => {
    const c = ConsulHttpClient.fromConnection(
      consulFromEnv({ CONSUL_HTTP_ADDR: `127.0.0.1:${named.port}`, CONSUL_HTTP_SSL: 'T', CONSUL_CAPATH: path.join(dir, 'cas'), CONSUL_TLS_SERVER_NAME: `server.global.nomad:${named.port}` }),
      { clock: new FakeClock(), backoff: { maxAttempts: 1 } },
    );
    try {
      expect((await c.catalogServices()).value).toEqual({ web: [] });
      expect(named.names[named.names.length - 1]).toBe('server.global.nomad');
    } finally {
      c.close();
    }
  });
});
