/**
 * `nomadguard exec ALLOC|JOB [TASK] [-- CMD...]`: runs a command in a task's container over Nomad's exec
 * websocket, as `nomad alloc exec` does (command/alloc_exec.go, api/allocations_exec.go).
 *
 * When stdin is a terminal (or with `--tty`) the session has a TTY: the local terminal goes to raw mode
 * (keys, Ctrl-C included, reach the remote side), its size is sent at the start and on every SIGWINCH, and
 * the mode is restored at the end. Otherwise stdin, stdout and stderr are plain pipes; the end of stdin is
 * sent as `stdin.close`. The command's exit code is the process's exit code.
 */
import type { Command } from 'commander';
import { NomadAllocClient } from '../../adapters/nomad-http/alloc-client';
import { NomadHttpClient } from '../../adapters/nomad-http/nomad-http-client';
import { ApiError, ForbiddenError } from '../../ports/errors';
import { SystemClock, type Clock } from '../../runtime/clock';
import { resolveAllocRef } from '../alloc-ref';
import { CliError, type CliContext, type RegisterCommand } from '../context';
import { nomadConnection, type ClusterOptions } from '../nomad-connection';
import { processStdio } from '../stdio';

/** The command run when none is given. */
export const DEFAULT_COMMAND = ['/bin/sh'];
/** Exit code when SIGINT/SIGTERM ended the session (the remote command's code is unknown). */
export const EXIT_INTERRUPTED = 130;

interface ExecOptions extends ClusterOptions {
  tty?: boolean;
}

/**
 * Splits the operands after ALLOC|JOB into TASK and CMD by where `--` stood: operands before it are TASK
 * (at most one), after it the command. Without `--` the only operand is TASK.
 */
export function splitTaskAndCommand(rest: string[], rawArgs: string[]): { task?: string; command: string[] } {
  const dash = rawArgs.indexOf('--');
  const after = dash < 0 ? 0 : rawArgs.length - dash - 1;
  const before = rest.slice(0, rest.length - after);
  if (before.length > 1) throw new CliError(`unexpected ${JSON.stringify(before.slice(1).join(' '))}: put the command after --, as in: nomadguard exec ALLOC [TASK] -- CMD...`, 2);
  return { task: before[0], command: rest.slice(rest.length - after) };
}

/** Adds `exec` to the program. */
export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('exec')
    .description("Runs a command in a task's container (an interactive TTY when stdin is a terminal)")
    .argument('<alloc|job>', 'allocation ID or prefix (2+ hex digits), or a job ID, TEAM/NAME or spec name (its newest running allocation)')
    .argument('[args...]', '[TASK] -- CMD...: task name (default: the only task, or the only main task), then the command (default /bin/sh)')
    .option('-t, --tty', 'ask for a TTY even when stdin is no terminal')
    .option('-T, --no-tty', 'plain streams even when stdin is a terminal')
    .option('--config <file>', 'operator config (nomadguard.yaml); default: the NOMAD_* environment')
    .option('--cluster <name>', 'cluster of the operator config (default: the first)')
    .addHelpText(
      'after',
      '\nExit codes: the command\'s own exit code; 1 when nomadguard could not run it (no such allocation\n' +
        'or job, an ambiguous prefix or name, no running allocation, a token without alloc-exec in the\n' +
        'namespace, Nomad unreachable; a `nomadguard:` line on stderr says which); 2 usage; 130 interrupted.\n' +
        'Example: nomadguard exec p-es-cerebro -- cat /secrets/es-cerebro.env\n' +
        'Honours NOMAD_ADDR, NOMAD_TOKEN, NOMAD_REGION, NOMAD_CACERT, NOMAD_CLIENT_CERT, NOMAD_CLIENT_KEY, NOMAD_SKIP_VERIFY.\n',
    )
    .action(async (target: string, rest: string[], opts: ExecOptions, cmd: Command) => {
      // commander drops `--` from the operands but keeps the command line as given in the untyped `rawArgs`.
      const raw = (cmd.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
      const split = splitTaskAndCommand(rest, raw);
      const command = split.command.length ? split.command : DEFAULT_COMMAND;
      const conn = nomadConnection(ctx, opts);
      const clock: Clock = ctx.clock ?? new SystemClock();
      const nomad = NomadHttpClient.fromConnection(conn, { clock, timeoutMs: 15_000, backoff: { maxAttempts: 3 } });
      const allocs = new NomadAllocClient(conn, { clock, timeoutMs: 15_000 });
      const stdio = ctx.stdio ?? processStdio();
      const cleanups: Array<() => void> = [];
      const ac = new AbortController();
      const onAbort = (): void => ac.abort(ctx.signal.reason);
      if (ctx.signal.aborted) onAbort();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => ctx.signal.removeEventListener('abort', onAbort));
      try {
        const ref = await resolveAllocRef({ nomad, allocs }, target, split.task, { requireRunning: true });
        if (ref.chosen) ctx.stderr(`nomadguard exec: ${ref.chosen}\n`);
        const tty = opts.tty ?? stdio.stdinIsTTY;
        const open = await allocs.exec({
          allocId: ref.id,
          namespace: ref.namespace,
          task: ref.task,
          command,
          tty,
          onStdout: (d) => stdio.writeStdout(d),
          onStderr: (d) => stdio.writeStderr(d),
          signal: ac.signal,
        });
        cleanups.push(() => open.close());
        if (tty) {
          const sendSize = (): void => {
            const size = stdio.terminalSize() ?? { columns: 80, rows: 24 };
            open.resize({ width: size.columns, height: size.rows });
          };
          sendSize();
          cleanups.push(stdio.onResize(sendSize));
          if (stdio.stdinIsTTY) {
            stdio.setRawMode(true);
            cleanups.push(() => stdio.setRawMode(false));
          }
        }
        cleanups.push(
          stdio.readStdin(
            (d) => open.sendStdin(d),
            () => open.closeStdin(),
          ),
        );
        ctx.exitCode = await open.exitCode;
      } catch (e) {
        if (ac.signal.aborted) {
          ctx.exitCode = EXIT_INTERRUPTED;
          return;
        }
        if (e instanceof ForbiddenError && e.route.startsWith('/v1/client/allocation')) {
          throw new CliError(`permission denied: the token may not exec (alloc-exec) in this allocation's namespace (Nomad: ${e.serverMessage || 'Permission denied'})`);
        }
        if (e instanceof ApiError) throw new CliError(e.message);
        throw e;
      } finally {
        for (const c of cleanups.reverse()) c();
        nomad.close();
        allocs.close();
      }
    });
};
