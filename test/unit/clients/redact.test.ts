import { redactSecrets, routeOf, safeBaseUrl, REDACTED } from '../../../lib/adapters/http/redact';
import { formatGoDuration, parseGoDuration } from '../../../lib/adapters/http/go-duration';

describe('redaction', () => {
  it('replaces every occurrence of each secret', () => {
    const tok = '3f1c9a2e-0000-4b2b-9c7e-aaaaaaaaaaaa';
    expect(redactSecrets(`token ${tok} and again ${tok}`, [tok, undefined, ''])).toBe(`token ${REDACTED} and again ${REDACTED}`);
  });
  it('routes drop the query string and the authority', () => {
    expect(routeOf('/v1/jobs?namespace=*&token=secret')).toBe('/v1/jobs');
    expect(routeOf('http://[::1]:4646/v1/job/web?x=1#f')).toBe('/v1/job/web');
    expect(routeOf('https://nomad:4646')).toBe('/');
  });
  it('base URLs lose embedded credentials', () => {
    expect(safeBaseUrl('https://user:pw@nomad:4646')).toBe('https://nomad:4646');
  });
});

describe('Go durations', () => {
  it.each([
    ['30s', 30000],
    ['5m', 300000],
    ['1m30s', 90000],
    ['250ms', 250],
    ['1h', 3600000],
    ['0', 0],
  ])('%s = %i ms', (text, ms) => expect(parseGoDuration(text)).toBe(ms));
  it.each(['', '30', 'abc', '5x', '1m 30s'])('rejects %p', (text) => expect(parseGoDuration(text)).toBeUndefined());
  it('formats', () => {
    expect(formatGoDuration(30000)).toBe('30s');
    expect(formatGoDuration(1500)).toBe('1500ms');
  });
});
