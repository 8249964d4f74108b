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

test('strict: a selector the item lacks is an error, unless a guard before it stops the evaluation', () => {
  const strict = (expr: string): boolean => compileFilter(expr, { strict: true })(stub);
  expect(() => strict('Meta["missing"] == "x"')).toThrow(/couldn't find key "missing"/);
  expect(() => strict('Nothing.Here == "x"')).toThrow(/couldn't find key "Nothing"/);
  expect(strict('"missing" in Meta and Meta["missing"] == "x"')).toBe(false);
  expect(strict('Namespace == "apps" or Meta["missing"] == "x"')).toBe(true);
  expect(strict('"owner" in Meta and Meta["owner"] == "platform"')).toBe(true);
  expect(compileFilter('"k" in Meta and Meta["k"] == "v"', { strict: true })({ Meta: null })).toBe(false);
  expect(() => compileFilter('Meta["k"] == "v"', { strict: true })({ Meta: null })).toThrow();
});
