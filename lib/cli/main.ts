/**
 * The `nomadguard` command. Each sub-command lives in `commands/<name>.ts` and registers itself here.
 */
import { Command, CommanderError } from 'commander';
import { CliError, type CliContext, type RegisterCommand } from './context';
import type { Clock } from '../runtime/clock';
import type { CliStdio } from './stdio';
import { register as ps } from './commands/ps';
import { register as validate } from './commands/validate';
import { register as render } from './commands/render';
import { register as schema } from './commands/schema';
import { register as sim } from './commands/sim';
import { register as dev } from './commands/dev';
import { register as run } from './commands/run';
import { register as plan } from './commands/plan';
import { register as status } from './commands/status';
import { register as sync } from './commands/sync';
import { register as logs } from './commands/logs';
import { register as exec } from './commands/exec';
import { register as importCommand } from './commands/import';

import { versionText } from './version';

// One entry per line: the order here is the order in `nomadguard --help`.
const COMMANDS: RegisterCommand[] = [
  validate,
  render,
  plan,
  run,
  importCommand,
  status,
  sync,
  ps,
  logs,
  exec,
  sim,
  dev,
  schema,
];

export interface MainOptions {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  clock?: Clock;
  /** stdout is a terminal; default: the process's, unless `stdout` is given. */
  stdoutIsTTY?: boolean;
  /** Byte-level streams and terminal for `exec` (default: the process's). */
  stdio?: CliStdio;
}

/** Runs the command line `argv` (without `node` and the script) and resolves to the exit code. */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const ctx: CliContext = {
    stdout: options.stdout ?? ((t) => process.stdout.write(t)),
    stderr: options.stderr ?? ((t) => process.stderr.write(t)),
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
    exitCode: 0,
    signal: options.signal ?? processSignal(),
    clock: options.clock,
    stdoutIsTTY: options.stdoutIsTTY ?? (options.stdout ? false : process.stdout.isTTY === true),
    stdio: options.stdio,
  };
  const program = new Command('nomadguard')
    .description('GitOps for Nomad: nomadgen specs in git, reconciled against Nomad and Consul.')
    .version(versionText(), '-V, --version', 'print the version and exit')
    // Program options only before the command: `sim --version 1.9.2` is the simulated Nomad's version.
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr });
  for (const register of COMMANDS) register(program, ctx);
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CliError) {
      ctx.stderr(`nomadguard: ${err.message}\n`);
      return err.code;
    }
    throw err;
  }
}

function processSignal(): AbortSignal {
  const ac = new AbortController();
  const stop = (): void => ac.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return ac.signal;
}
