/**
 * Firewall prefixes reach the node firewall through task Meta in canonical form, and an ingress prefix
 * shorter than /16 (the internet or a large share of it) is only for an internet-facing task.
 */
import { renderSpec } from '../../../lib/core/pipeline';
import { canonicalFirewallEntry } from '../../../lib/core/generate/firewall-entry';
import { taskMeta } from '../../../lib/core/generate/meta';
import { CONFIG, declaredPolicy, positionOf, specText } from './harness';

const env = { config: CONFIG, policy: declaredPolicy() };

function render(task: string) {
  const text = specText({ task });
  return { text, r: renderSpec({ text, file: 'es/cerebro/nomadgen.toml', team: 'es' }, env) };
}

describe('firewall entries in task meta', () => {
  it.each([
    ['2001:0db8:0000:0000::/048', '2001:db8::/48'],
    ['2001:DB8:100::/48', '2001:db8:100::/48'],
    ['2001:0db8::0001', '2001:db8::1'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['10.0.0.0/08', '10.0.0.0/8'],
    ['g/netscaler', 'g/netscaler'],
    ['not-a-prefix', 'not-a-prefix'],
    ['2001:db8::1/48', '2001:db8::1/48'],
  ])('%s is written %s', (entry, written) => {
    expect(canonicalFirewallEntry(entry)).toBe(written);
  });

  it('a rendered job carries the canonical form, and the spec is valid', () => {
    const { r } = render('  firewall = { ingress = ["g/netscaler", "2001:0db8:0000:0000::/048"], egress = ["::ffff:10.0.0.0/104", "2001:0DB8::0001"] }');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.job?.TaskGroups[0].Tasks[0].Meta).toMatchObject({ 'firewall.ingress': 'g/netscaler,2001:db8::/48', 'firewall.egress': '10.0.0.0/8,2001:db8::1' });
  });

  it('taskMeta alone writes the canonical form', () => {
    expect(taskMeta({ name: 'x', image: 'i', firewall: { ingress: ['2001:0db8::/048'] } })).toEqual({ 'firewall.ingress': '2001:db8::/48' });
  });
});

describe('short ingress prefixes', () => {
  it.each(['::/0', '::/1', '2000::/3', '2000::/15', '8000::/1'])('%s is refused for a task that is not internet-facing', (prefix) => {
    const { text, r } = render(`  firewall = { ingress = ["${prefix}"] }`);
    const { line, col } = positionOf(text, `"${prefix}"`);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.line}:${d.col}`)).toEqual([`FIREWALL_OPEN_INGRESS ${line}:${col}`]);
  });

  it.each(['::/1', '2000::/3'])('%s is allowed for an internet-facing task', (prefix) => {
    const { r } = render(`  http = { internet = true }\n  firewall = { ingress = ["${prefix}"] }`);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('a /16 or longer is allowed for any task, and egress is not limited', () => {
    const { r } = render('  firewall = { ingress = ["2001::/16", "2001:db8::/32"], egress = ["2000::/3", "0.0.0.0/0"] }');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('a short prefix wholly inside unique-local or link-local space is no open ingress (it never reaches the internet)', () => {
    const { r } = render('  firewall = { ingress = ["fc00::/7", "fd00::/8", "fe80::/10"] }');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const { r: wide } = render('  firewall = { ingress = ["f000::/4"] }');
    expect(wide.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['FIREWALL_OPEN_INGRESS']);
  });
});
