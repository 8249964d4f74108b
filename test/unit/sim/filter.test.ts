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

test('strict: a field the item lacks is an error, unless a guard before it stops the evaluation', () => {
  const strict = (expr: string): boolean => compileFilter(expr, { strict: true })(stub);
  expect(() => strict('Nothing.Here == "x"')).toThrow(/couldn't find key "Nothing"/);
  expect(() => strict('Meta.missing == "x"')).toThrow(/couldn't find key "missing"/);
  expect(() => strict('Nothing["k"] == "x"')).toThrow(/couldn't find key "Nothing"/);
  expect(strict('Namespace == "apps" or Nothing.Here == "x"')).toBe(true);
  expect(strict('"owner" in Meta and Meta["owner"] == "platform"')).toBe(true);
  expect(compileFilter('"k" in Meta and Meta["k"] == "v"', { strict: true })({ Meta: null })).toBe(false);
});

// go-bexpr grammar/ast.go MatchOperator.NotPresentDisposition.
test.each([
  ['Meta["missing"] == "x"', false],
  ['Meta["missing"] != "x"', true],
  ['Meta["missing"] == ""', false],
  ['Meta["missing"] contains "x"', false],
  ['Meta["missing"] not contains "x"', true],
  ['"x" in Meta["missing"]', false],
  ['"x" not in Meta["missing"]', true],
  ['Meta["missing"] matches ".*"', false],
  ['Meta["missing"] not matches ".*"', true],
  ['Meta["missing"] is empty', true],
  ['Meta["missing"] is not empty', false],
  ['not (Meta["missing"] == "x")', true],
])('strict: a key its map lacks is not present: %s → %s', (expr, expected) => {
  expect(compileFilter(expr, { strict: true })(stub)).toBe(expected);
  expect(compileFilter(expr, { strict: true })({ ...stub, Meta: null })).toBe(expected);
});
