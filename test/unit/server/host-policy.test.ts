import { describeHosts, hostAllowed, hostPolicy, originAllowed, parseHost } from '../../../lib/server/host-policy';

describe('host policy', () => {
  it.each([
    ['127.0.0.1', ['127.0.0.1:4680', 'localhost:4680', '[::1]:4680'], ['localhost:4681', 'evil.example:4680', '10.0.0.5:4680', '']],
    ['::1', ['[::1]:4680', 'localhost:4680'], ['[::2]:4680']],
    ['0.0.0.0', ['localhost:4680', '10.0.0.5:4680', '[2001:db8::1]:4680'], ['10.0.0.5:80', 'nomadguard.internal:4680', 'evil.example:4680']],
    ['nomadguard.internal', ['nomadguard.internal:4680', 'NomadGuard.Internal.:4680'], ['localhost:4680', '10.0.0.5:4680']],
  ])('listening on %s', (host, allowed, refused) => {
    const policy = hostPolicy(host, 4680);
    for (const h of allowed) expect([h, hostAllowed(policy, h)]).toEqual([h, true]);
    for (const h of refused) expect([h, hostAllowed(policy, h)]).toEqual([h, false]);
    expect(hostAllowed(policy, null)).toBe(false);
  });

  it('adds configured hosts: a name on any port, a name:port on that port only', () => {
    const policy = hostPolicy('127.0.0.1', 4680, ['ops.example.com', 'nomadguard.internal:8443', '']);
    expect(hostAllowed(policy, 'ops.example.com')).toBe(true);
    expect(hostAllowed(policy, 'ops.example.com:9999')).toBe(true);
    expect(hostAllowed(policy, 'nomadguard.internal:8443')).toBe(true);
    expect(hostAllowed(policy, 'nomadguard.internal')).toBe(false);
    expect(describeHosts(policy)).toBe('127.0.0.1:4680, localhost:4680, [::1]:4680, ops.example.com, nomadguard.internal:8443');
    expect(() => hostPolicy('127.0.0.1', 4680, ['http://ops.example.com/'])).toThrow(/allowed host must look like/);
  });

  it('takes an Origin only as scheme://allowed-host', () => {
    const policy = hostPolicy('127.0.0.1', 4680, ['ops.example.com']);
    expect(originAllowed(policy, 'http://127.0.0.1:4680')).toBe(true);
    expect(originAllowed(policy, 'https://ops.example.com')).toBe(true);
    expect(originAllowed(policy, 'http://127.0.0.1:4681')).toBe(false);
    expect(originAllowed(policy, 'null')).toBe(false);
    expect(originAllowed(policy, 'file://')).toBe(false);
    expect(originAllowed(policy, 'http://127.0.0.1:4680/path')).toBe(false);
    expect(originAllowed(policy, 'http://evil.example')).toBe(false);
  });

  it('parses Host values', () => {
    expect(parseHost('[::1]:4680')).toEqual({ hostname: '[::1]', port: 4680 });
    expect(parseHost('Example.COM')).toEqual({ hostname: 'example.com', port: undefined });
    expect(parseHost('a b')).toBeUndefined();
    expect(parseHost('x:99999')).toBeUndefined();
    expect(parseHost('user@host')).toBeUndefined();
  });
});
