import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ConnectionConfigError, connectionsFromCluster, consulFromEnv, loadCaPath, nomadFromEnv, normaliseAddress, parseGoBool } from '../../../lib/adapters/env-config';

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

describe('env-config: what Nomad\'s and Consul\'s own clients read', () => {
  const tls = path.join(__dirname, 'fixtures', 'tls');
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-envcfg2-'));
    fs.mkdirSync(path.join(dir, 'cas', 'sub'), { recursive: true });
    fs.copyFileSync(path.join(tls, 'ca2.pem'), path.join(dir, 'cas', 'b.pem'));
    fs.copyFileSync(path.join(tls, 'ca.pem'), path.join(dir, 'cas', 'sub', 'a.pem'));
    fs.writeFileSync(path.join(dir, 'cas', 'a.pem'), `# a bundle with a key block Go skips\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n${fs.readFileSync(path.join(tls, 'ca.pem'), 'utf8')}`);
    fs.mkdirSync(path.join(dir, 'junk'));
    fs.copyFileSync(path.join(tls, 'ca.pem'), path.join(dir, 'junk', 'ca.pem'));
    fs.writeFileSync(path.join(dir, 'junk', 'README'), 'not a certificate\n');
    fs.mkdirSync(path.join(dir, 'empty'));
    fs.writeFileSync(path.join(dir, 'token'), '  file-token\n');
    fs.writeFileSync(path.join(dir, 'blank-token'), '\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['1', true], ['t', true], ['T', true], ['TRUE', true], ['true', true], ['True', true],
    ['0', false], ['f', false], ['F', false], ['FALSE', false], ['false', false], ['False', false],
    ['', undefined], [undefined, undefined],
  ])('parses %p as Go\'s strconv.ParseBool: %p', (value, expected) => {
    expect(parseGoBool('NOMAD_SKIP_VERIFY', value)).toBe(expected);
  });

  it.each(['yes', 'on', 'no', 'off', 'tRUE', 'TrUe', ' true', 'true ', '2', 'enabled'])('refuses %p, naming the variable', (value) => {
    expect(() => parseGoBool('NOMAD_SKIP_VERIFY', value)).toThrow(ConnectionConfigError);
    expect(() => parseGoBool('NOMAD_SKIP_VERIFY', value)).toThrow(/^NOMAD_SKIP_VERIFY: .* is not a boolean/);
  });

  it('every boolean variable is parsed that way', () => {
    expect(nomadFromEnv({ NOMAD_ADDR: 'https://n:4646', NOMAD_SKIP_VERIFY: 'T' }).tls).toEqual({ verify: false });
    expect(nomadFromEnv({ NOMAD_ADDR: 'https://n:4646', NOMAD_SKIP_VERIFY: 'False' }).tls).toBeUndefined();
    expect(() => nomadFromEnv({ NOMAD_SKIP_VERIFY: 'yes' })).toThrow(/^NOMAD_SKIP_VERIFY: "yes" is not a boolean/);
    expect(consulFromEnv({ CONSUL_HTTP_ADDR: 'c:8501', CONSUL_HTTP_SSL: 'TRUE', CONSUL_HTTP_SSL_VERIFY: 'f' })).toEqual({ address: 'https://c:8501', tls: { verify: false } });
    expect(consulFromEnv({ CONSUL_HTTP_ADDR: 'c:8500', CONSUL_HTTP_SSL: '0' }).address).toBe('http://c:8500');
    expect(() => consulFromEnv({ CONSUL_HTTP_SSL: 'on' })).toThrow(/^CONSUL_HTTP_SSL: "on" is not a boolean/);
    expect(() => consulFromEnv({ CONSUL_HTTP_SSL_VERIFY: 'no' })).toThrow(/^CONSUL_HTTP_SSL_VERIFY: "no" is not a boolean/);
  });

  it('reads NOMAD_HTTP_AUTH, NOMAD_CAPATH and NOMAD_TLS_SERVER_NAME', () => {
    const c = nomadFromEnv({ NOMAD_ADDR: 'https://[::1]:4646', NOMAD_HTTP_AUTH: 'ops:s3:cret', NOMAD_CAPATH: path.join(dir, 'cas'), NOMAD_TLS_SERVER_NAME: 'server.global.nomad' });
    expect(c.basicAuth?.username).toBe('ops');
    expect(c.basicAuth?.password).toBe('s3:cret');
    expect(c.tls?.serverName).toBe('server.global.nomad');
    const ca = c.tls?.ca as string[];
    // Lexical walk: a.pem (its key block skipped), b.pem, then sub/a.pem.
    expect(ca.map((pem) => new X509Certificate(pem).subject)).toEqual(['CN=nomadguard test CA', 'CN=nomadguard test CA 2', 'CN=nomadguard test CA']);
  });

  it('reads CONSUL_HTTP_AUTH, CONSUL_CAPATH and CONSUL_TLS_SERVER_NAME without its port', () => {
    const c = consulFromEnv({ CONSUL_HTTP_ADDR: 'https://c:8501', CONSUL_HTTP_AUTH: 'consul-ops', CONSUL_CAPATH: path.join(tls, 'ca2.pem'), CONSUL_TLS_SERVER_NAME: 'consul.service.dc1.consul:8501' });
    expect([c.basicAuth?.username, c.basicAuth?.password]).toEqual(['consul-ops', '']);
    expect(c.tls?.serverName).toBe('consul.service.dc1.consul');
    expect((c.tls?.ca as string[]).map((pem) => new X509Certificate(pem).subject)).toEqual(['CN=nomadguard test CA 2']);
    expect(consulFromEnv({ CONSUL_TLS_SERVER_NAME: '[2001:db8::20]:8501' }).tls?.serverName).toBe('2001:db8::20');
    expect(consulFromEnv({ CONSUL_TLS_SERVER_NAME: 'consul.internal' }).tls?.serverName).toBe('consul.internal');
  });

  it('reads CONSUL_NAMESPACE and CONSUL_PARTITION (Consul Enterprise)', () => {
    expect(consulFromEnv({ CONSUL_NAMESPACE: 'team-a', CONSUL_PARTITION: 'apps' })).toEqual({ address: 'http://127.0.0.1:8500', namespace: 'team-a', partition: 'apps' });
  });

  it('a CA file wins over a CA path, which is then not read', () => {
    const c = nomadFromEnv({ NOMAD_CACERT: path.join(tls, 'ca.pem'), NOMAD_CAPATH: path.join(dir, 'does-not-exist') });
    expect(String(c.tls?.ca)).toContain('BEGIN CERTIFICATE');
  });

  it('a CA path with a file that holds no certificate, a missing path or no certificate at all is refused, naming the variable', () => {
    expect(() => nomadFromEnv({ NOMAD_CAPATH: path.join(dir, 'junk') })).toThrow(new ConnectionConfigError(`NOMAD_CAPATH: no PEM certificate in ${path.join(dir, 'junk', 'README')}`));
    expect(() => consulFromEnv({ CONSUL_CAPATH: path.join(dir, 'nope') })).toThrow(new ConnectionConfigError(`CONSUL_CAPATH: cannot read ${path.join(dir, 'nope')} (ENOENT)`));
    expect(() => nomadFromEnv({ NOMAD_CAPATH: path.join(dir, 'empty') })).toThrow(new ConnectionConfigError(`NOMAD_CAPATH: no certificates in ${path.join(dir, 'empty')}`));
    expect(() => loadCaPath('X', path.join(dir, 'cas'), () => { throw Object.assign(new Error('denied'), { code: 'EACCES' }); })).toThrow(/^X: cannot read .*a\.pem \(EACCES\)$/);
  });

  it('the content of CONSUL_HTTP_TOKEN_FILE wins over CONSUL_HTTP_TOKEN unless it is blank, as in Consul\'s NewClient', () => {
    expect(consulFromEnv({ CONSUL_HTTP_TOKEN: 'env-token', CONSUL_HTTP_TOKEN_FILE: path.join(dir, 'token') }).token).toBe('file-token');
    expect(consulFromEnv({ CONSUL_HTTP_TOKEN: 'env-token', CONSUL_HTTP_TOKEN_FILE: path.join(dir, 'blank-token') }).token).toBe('env-token');
    expect(() => consulFromEnv({ CONSUL_HTTP_TOKEN: 'env-token', CONSUL_HTTP_TOKEN_FILE: path.join(dir, 'missing') })).toThrow(/^CONSUL_HTTP_TOKEN_FILE: cannot read .* \(ENOENT\)$/);
  });

  it('an operator-config cluster keeps the environment\'s basic auth and server name', () => {
    const { nomad, consul } = connectionsFromCluster(
      { nomad: { address: 'https://[2001:db8::10]:4646', caCert: path.join(tls, 'ca.pem') }, consul: { address: 'https://[2001:db8::20]:8501' } },
      { NOMAD_HTTP_AUTH: 'ops:pw-1234', NOMAD_TLS_SERVER_NAME: 'server.global.nomad', CONSUL_HTTP_AUTH: 'c:pw-5678' },
    );
    expect(nomad.basicAuth?.password).toBe('pw-1234');
    expect(nomad.tls?.serverName).toBe('server.global.nomad');
    expect(String(nomad.tls?.ca)).toContain('BEGIN CERTIFICATE');
    expect(consul.basicAuth?.password).toBe('pw-5678');
  });
});
