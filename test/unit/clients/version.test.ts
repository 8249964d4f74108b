import { capabilitiesOf, versionAtLeast, versionFromAgentSelf } from '../../../lib/adapters/nomad-http/version';
import { LineSplitter } from '../../../lib/adapters/nomad-http/ndjson';

describe('Nomad versions', () => {
  it.each([
    ['1.10.3', '1.5.0', true],
    ['1.4.9', '1.5.0', false],
    ['1.5.0-beta.1', '1.5.0', true],
    ['v2.0.0', '1.10.0', true],
    ['1.9.7+ent', '1.10.0', false],
  ])('%s >= %s is %s', (v, min, ok) => expect(versionAtLeast(v, min)).toBe(ok));

  it('derives capabilities', () => {
    expect(capabilitiesOf('1.4.0')).toMatchObject({ version: '1.4.0', jobListMeta: false, vaultPolicies: true, nodePools: false, workloadIdentity: false });
    expect(capabilitiesOf('1.10.3')).toMatchObject({ version: '1.10.3', jobListMeta: true, vaultPolicies: false, nodePools: true, workloadIdentity: true });
    expect(capabilitiesOf('1.6.2')).toMatchObject({ jobListMeta: true, vaultPolicies: true, nodePools: true, workloadIdentity: false });
    expect([capabilitiesOf('1.8.4').versionTags, capabilitiesOf('1.9.0').versionTags]).toEqual([false, true]);
  });

  it('reads the version from agent/self config or member tags', () => {
    expect(versionFromAgentSelf({ config: { Version: { Version: '1.10.3', VersionPrerelease: '' }, Region: 'global', Datacenter: 'dc1' } })).toEqual({ version: '1.10.3', region: 'global', datacenter: 'dc1' });
    expect(versionFromAgentSelf({ member: { Tags: { build: '1.4.0:abc', region: 'r1', dc: 'dc2' } } })).toEqual({ version: '1.4.0', region: 'r1', datacenter: 'dc2' });
    expect(versionFromAgentSelf({}).version).toBeUndefined();
  });
});

describe('LineSplitter', () => {
  it('splits NDJSON across chunk boundaries, including split UTF-8 characters', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('{"a":"é"}\n{}\n\n{"b":', 'utf8');
    const cut = bytes.indexOf(0xa9); // second byte of é
    expect(s.push(bytes.subarray(0, cut))).toEqual([]);
    expect(s.push(bytes.subarray(cut))).toEqual(['{"a":"é"}', '{}']);
    expect(s.push('1}')).toEqual([]);
    expect(s.flush()).toEqual(['{"b":1}']);
  });
});
