/**
 * What every command gets: where to write, the environment, and how to say the exit code. Commands never
 * touch `process` directly, so tests run them in-process and read what they printed.
 */
import type { Command } from 'commander';
import type { Clock } from '../runtime/clock';
import type { CliStdio } from './stdio';

export interface CliContext {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Set by a command's action; `main` returns it. */
  exitCode: number;
  /** Aborted on SIGINT/SIGTERM (long-running commands stop cleanly). */
  signal: AbortSignal;
  /** Time source for commands that show or wait on time; SystemClock when absent. */
  clock?: Clock;
  /** stdout is a terminal (colours allowed, a live display may redraw its lines); false when absent. */
  stdoutIsTTY?: boolean;
  /** Byte-level stdin/stdout/stderr and the terminal (`exec`); the process's own when absent. */
  stdio?: CliStdio;
}

/** A command module: adds its sub-command (with `--help` text) to the program. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** Thrown by a command for a usage or input problem: printed as one line on stderr, exit code `code`. */
export class CliError extends Error {
  constructor(message: string, readonly code = 1) {
    super(message);
    this.name = 'CliError';
  }
}
