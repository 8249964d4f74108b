/** Argument handling of `logs` and `exec` that needs no cluster. */
import { splitTaskAndCommand } from '../../../lib/cli/commands/exec';
import { lastLines } from '../../../lib/cli/commands/logs';
import { CliError } from '../../../lib/cli/context';

describe('exec: TASK and CMD split at --', () => {
  it('takes operands before -- as TASK and the rest as the command, even when it looks like options', () => {
    expect(splitTaskAndCommand(['echo', 'hi'], ['exec', 'ab12', '--', 'echo', 'hi'])).toEqual({ task: undefined, command: ['echo', 'hi'] });
    expect(splitTaskAndCommand(['app', 'ls', '--config', 'x'], ['exec', 'ab12', 'app', '--', 'ls', '--config', 'x'])).toEqual({ task: 'app', command: ['ls', '--config', 'x'] });
    expect(splitTaskAndCommand(['app'], ['exec', '--config', 'f', 'ab12', 'app'])).toEqual({ task: 'app', command: [] });
    expect(splitTaskAndCommand([], ['exec', 'ab12'])).toEqual({ task: undefined, command: [] });
  });

  it('refuses a second operand before -- as a usage error', () => {
    expect(() => splitTaskAndCommand(['app', 'ls'], ['exec', 'ab12', 'app', 'ls'])).toThrow(CliError);
    try {
      splitTaskAndCommand(['app', 'ls'], ['exec', 'ab12', 'app', 'ls']);
    } catch (e) {
      expect((e as CliError).code).toBe(2);
    }
  });
});

describe('logs: --tail keeps the last lines', () => {
  it('counts a last line without a newline and keeps the text as it was', () => {
    expect(lastLines('a\nb\nc\n', 2)).toBe('b\nc\n');
    expect(lastLines('a\nb\nc', 2)).toBe('b\nc');
    expect(lastLines('a\n', 5)).toBe('a\n');
    expect(lastLines('a\nb\n', 0)).toBe('');
    expect(lastLines('', 3)).toBe('');
  });
});
