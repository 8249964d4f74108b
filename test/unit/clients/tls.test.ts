/** TLS from the environment: CA verification, skip-verify, and client certificates (mutual TLS). */
import * as https from 'node:https';
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { NomadHttpClient } from '../../../lib/adapters/nomad-http/nomad-http-client';
import { nomadFromEnv } from '../../../lib/adapters/env-config';
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
