import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConnectionConfigError, connectionsFromCluster, consulFromEnv, nomadFromEnv, normaliseAddress } from '../../../lib/adapters/env-config';

describe('env-config', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-envcfg-'));
    fs.writeFileSync(path.join(dir, 'ca.pem'), 'CA-PEM');
    fs.writeFileSync(path.join(dir, 'cert.pem'), 'CERT-PEM');
    fs.writeFileSync(path.join(dir, 'key.pem'), 'KEY-PEM');
    fs.writeFileSync(path.join(dir, 'token'), 'file-token\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('defaults to the local agents', () => {
    expect(nomadFromEnv({})).toEqual({ address: 'http://127.0.0.1:4646' });
    expect(consulFromEnv({})).toEqual({ address: 'http://127.0.0.1:8500' });
  });

  it('reads every NOMAD_* variable, TLS files as contents', () => {
    const c = nomadFromEnv({
      NOMAD_ADDR: 'https://[2001:db8::10]:4646/',
      NOMAD_TOKEN: ' secret ',
      NOMAD_REGION: 'eu',
      NOMAD_NAMESPACE: 'es',
      NOMAD_CACERT: path.join(dir, 'ca.pem'),
      NOMAD_CLIENT_CERT: path.join(dir, 'cert.pem'),
      NOMAD_CLIENT_KEY: path.join(dir, 'key.pem'),
      NOMAD_SKIP_VERIFY: 'true',
    });
    expect(c.address).toBe('https://[2001:db8::10]:4646');
    expect(c.token).toBe('secret');
    expect(c.region).toBe('eu');
    expect(c.namespace).toBe('es');
    expect(String(c.tls?.ca)).toBe('CA-PEM');
    expect(String(c.tls?.cert)).toBe('CERT-PEM');
    expect(String(c.tls?.key)).toBe('KEY-PEM');
    expect(c.tls?.verify).toBe(false);
  });

  it('reads CONSUL_* variables; a schemeless address gets http (or https with CONSUL_HTTP_SSL)', () => {
    expect(consulFromEnv({ CONSUL_HTTP_ADDR: '[::1]:8500', CONSUL_HTTP_TOKEN: 't' })).toEqual({ address: 'http://[::1]:8500', token: 't' });
    const c = consulFromEnv({ CONSUL_HTTP_ADDR: 'consul:8501', CONSUL_HTTP_SSL: 'true', CONSUL_CACERT: path.join(dir, 'ca.pem'), CONSUL_HTTP_SSL_VERIFY: 'false' });
    expect(c.address).toBe('https://consul:8501');
    expect(String(c.tls?.ca)).toBe('CA-PEM');
    expect(c.tls?.verify).toBe(false);
  });

  it('names the variable and path of an unreadable file, never a token', () => {
    expect(() => nomadFromEnv({ NOMAD_TOKEN: 'tok-123456', NOMAD_CACERT: '/nonexistent/ca.pem' })).toThrow(new ConnectionConfigError('NOMAD CA certificate: cannot read /nonexistent/ca.pem (ENOENT)'));
    expect(() => nomadFromEnv({ NOMAD_CLIENT_CERT: path.join(dir, 'cert.pem') })).toThrow(/needs its key/);
  });

  it('rejects addresses that are not http(s) URLs', () => {
    expect(() => normaliseAddress('unix:///var/run/nomad.sock', 'NOMAD_ADDR')).toThrow(/unsupported scheme unix:/);
    expect(() => normaliseAddress('   ', 'NOMAD_ADDR')).toThrow(/empty address/);
  });

  it('builds connections from an operator-config cluster entry, falling back to the environment', () => {
    const { nomad, consul } = connectionsFromCluster(
      {
        nomad: { address: 'https://[2001:db8::10]:4646', tokenEnv: 'NOMAD_TOKEN_P', region: 'global', caCert: path.join(dir, 'ca.pem'), skipVerify: true },
        consul: { address: 'http://[2001:db8::20]:8500', tokenFile: path.join(dir, 'token') },
      },
      { NOMAD_TOKEN_P: 'p-token', NOMAD_NAMESPACE: 'es', CONSUL_HTTP_TOKEN: 'env-consul' },
      undefined,
      'production',
    );
    expect(nomad).toMatchObject({ address: 'https://[2001:db8::10]:4646', token: 'p-token', region: 'global', namespace: 'es' });
    expect(String(nomad.tls?.ca)).toBe('CA-PEM');
    expect(nomad.tls?.verify).toBe(false);
    expect(consul).toEqual({ address: 'http://[2001:db8::20]:8500', token: 'file-token' });
    expect(() => connectionsFromCluster({ nomad: { tokenEnv: 'MISSING_VAR' } }, {}, undefined, 'nonprod')).toThrow('nonprod.nomad.tokenEnv: environment variable MISSING_VAR is not set');
    expect(connectionsFromCluster({}, { NOMAD_ADDR: 'http://n:4646', NOMAD_TOKEN: 'x' }).nomad).toEqual({ address: 'http://n:4646', token: 'x' });
  });
});

describe('env-config with the default operator-config cluster', () => {
  it('treats the standard token variables as optional', () => {
    const { nomad, consul } = connectionsFromCluster({ nomad: { address: 'http://[::1]:4646', tokenEnv: 'NOMAD_TOKEN' }, consul: { tokenEnv: 'CONSUL_HTTP_TOKEN' } }, {});
    expect(nomad).toEqual({ address: 'http://[::1]:4646' });
    expect(consul).toEqual({ address: 'http://127.0.0.1:8500' });
  });
});
