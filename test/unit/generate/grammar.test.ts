import { goStringLiteral, isCheckPath, isPathPrefix, isSecretPath, isTag, isTraefikTag, ruleLiteral } from '../../../lib/core/generate/grammar';
import { secretTemplate } from '../../../lib/core/generate/secrets';

describe('grammars of values that reach another syntax', () => {
  it.each([
    ['ui', true], ['v0.9', true], ['prometheus.io/scrape=true', true], ['', false], ['a b', false], ['a"b', false], ["a'b", false],
    ['a`b', false], ['a\\b', false], ['${X}', false], ['{{x}}', false], ['a\nb', false], ['é', false], ['a'.repeat(128), true], ['a'.repeat(129), false],
  ])('tag %j -> %s', (tag, ok) => expect(isTag(tag)).toBe(ok));

  it.each([['traefik.enable=true', true], ['TRAEFIK.x', true], ['Traefik-x', true], ['traefik', true], ['trae', false], ['my-traefik', false]])(
    'traefik namespace %j -> %s', (tag, reserved) => expect(isTraefikTag(tag)).toBe(reserved));

  it.each([
    ['/', true], ['/api', true], ['/a/b-c_d.e~f', true], ['/%2F', true], ['/a:b@c!$&*+,;=', true], ['api', false], ['', false], ['/a`b', false],
    ['/a"b', false], ["/a'b", false], ['/a\\b', false], ['/a b', false], ['/a\tb', false], ['/%zz', false], ['/(a)', false], [`/${'a'.repeat(256)}`, false],
  ])('path prefix %j -> %s', (p, ok) => expect(isPathPrefix(p)).toBe(ok));

  it.each([
    ['/', true], ['/health', true], ['/.well-known/ready', true], ['/a/b-c_d.e~f', true], ['/%2F', true], ['/a:b@c!&*+,;=', true],
    ['/health?full=1&x=a/b', true], ['/status?', true], ['health', false], ['', false], ['//169.254.169.254/latest/meta-data/', false],
    ['///x', false], ['/a//b', false], ['/${X}', false], ['/$X', false], ['/a{b}', false], ['/a\\b', false], ['/\\\\host/x', false],
    ['/a b', false], ['/a\tb', false], ['/a\nb', false], ['/a\u0000', false], ['/a#frag', false], ['/a"b', false], ['/a`b', false],
    ['/..', false], ['/a/../b', false], ['/./a', false], ['/%2e%2E/x', false], ['/a/..b', true], ['/%zz', false], ['/x?a b', false],
    ['/x?${Y}', false], ['http://evil/', false], [`/${'a'.repeat(255)}`, true], [`/${'a'.repeat(256)}`, false],
  ])('check path %j -> %s', (p, ok) => expect(isCheckPath(p)).toBe(ok));

  it.each([
    ['es/cerebro', true], ['es/shared/ldap.v2', true], ['es', true], ['es/', false], ['/es/a', false], ['es//a', false], ['es/./a', false],
    ['es/../web', false], ['es/a b', false], ['es/a"b', false], ['es/a}}b', false], ['es/a{{b', false], ['', false],
  ])('secret path %j -> %s', (p, ok) => expect(isSecretPath(p)).toBe(ok));

  it('a rule literal refuses what could close it', () => {
    expect(ruleLiteral('/api')).toBe('`/api`');
    expect(ruleLiteral('/a`) || Host(`x')).toBeUndefined();
    expect(ruleLiteral('/a\\')).toBeUndefined();
  });

  it('a secret template quotes its path as a Go string literal, whatever it holds', () => {
    expect(secretTemplate('es/cerebro', 'kv').EmbeddedTmpl).toBe('{{ with secret "kv/data/es/cerebro" }}{{ range $k, $v := .Data.data }}{{ $k }}={{ $v }}\n{{ end }}{{ end }}\n');
    const t = secretTemplate('es/a" }}{{ key "x', 'kv').EmbeddedTmpl ?? '';
    expect(t.startsWith(`{{ with secret ${goStringLiteral('kv/data/es/a" }}{{ key "x')} }}`)).toBe(true);
    expect(t).toContain('\\" }}{{ key \\"x');
  });
});
