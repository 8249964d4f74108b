import { loadSpec } from '../../../lib/core/spec/load';

/** The one diagnostic of a spec the TOML parser refuses. */
function syntaxError(text: string): { message: string; line?: number; col?: number } {
  const r = loadSpec({ text, file: 'es/x/nomadgen.toml' });
  expect(r.ok).toBe(false);
  expect(r.diagnostics).toHaveLength(1);
  expect(r.diagnostics[0].code).toBe('TOML_SYNTAX');
  return r.diagnostics[0];
}

describe('a key defined twice names the key and the line of its first definition', () => {
  it.each([
    ['a top-level key', 'name = "a"\ntier = "test"\nname = "b"\n', 'name', '1:1', 3],
    ['a key of a task', '[[group]]\nname = "main"\n\n  [[group.task]]\n  name = "web"\n  port = 80\n  port = 8080\n', 'port', '6:3', 7],
    ['a key of an inline table', 'name = "a"\ncheck = { type = "http", type = "tcp" }\n', 'type', '2:11', 2],
    ['a table header', '[sync]\nmode = "detect-only"\n[sync]\nsuspend = true\n', 'sync', '1:1', 3],
    ['a dotted key, quoted the second time', 'a.b = 1\n"a".b = 2\n', '"a".b', '1:1', 2],
  ])('%s', (_name, text, key, first, line) => {
    const d = syntaxError(text);
    expect(d.message).toBe(`Can't redefine existing key \`${key}\` (first defined at line ${first})`);
    expect(d.line).toBe(line);
  });

  it('keeps the parser\'s own message for other syntax errors', () => {
    expect(syntaxError('name = \n').message).not.toContain('first defined');
  });
});
