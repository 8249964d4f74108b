import { compileFilter } from '../../../lib/sim/filter';

const stub = { ID: 'web-api', Status: 'running', Namespace: 'apps', Meta: { 'nomadguard.managed': 'true', owner: 'platform' }, Datacenters: ['dc1', 'dc2'] };

test.each([
  ['Meta["nomadguard.managed"] == "true"', true],
  ['Meta["nomadguard.managed"] != "true"', false],
  ['Meta.owner == "platform" and Status == "running"', true],
  ['Status == "dead" or Namespace == "apps"', true],
  ['not (Status == "running")', false],
  ['"dc2" in Datacenters', true],
  ['"dc3" not in Datacenters', true],
  ['Datacenters contains "dc1"', true],
  ['"owner" in Meta', true],
  ['ID matches "^web-"', true],
  ['Meta["missing"] is empty', true],
  ['Meta is not empty', true],
  ['ID == `web-api`', true],
])('%s → %s', (expr, expected) => {
  expect(compileFilter(expr)(stub)).toBe(expected);
});

test('syntax errors are reported', () => {
  expect(() => compileFilter('Meta["x" == "y"')).toThrow();
  expect(() => compileFilter('ID ==')).toThrow(/unexpected end/);
  expect(() => compileFilter('')).toThrow(/empty/);
  expect(() => compileFilter('ID == "a" garbage')).toThrow(/unexpected/);
});
