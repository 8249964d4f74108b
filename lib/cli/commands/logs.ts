/**
 * `nomadguard logs ALLOC|JOB [TASK] [-f] [--stderr] [--tail N]`: a task's stdout (or stderr) from
 * `/v1/client/fs/logs/:alloc`, as `nomad alloc logs` prints it (command/alloc_logs.go).
 *
 * - `--tail N` asks for the last N×120 bytes (origin `end`, Nomad's `bytesToLines`) and prints their last
 *   N lines; with `-f` it prints them once the backlog is in (the requested bytes arrived, or the first
 *   heartbeat came) and then follows.
 * - `-f` follows. Nomad keeps a followed stream open after the task died (its log file stays until the
 *   allocation is collected), so the command watches the allocation with a blocking query and, once the
 *   task is dead, stops at the stream's second heartbeat after that (the server sends one a second, after
 *   the rest of the file). SIGINT/SIGTERM stop it at once. Both exit 0.
 * - A job name picks its newest running allocation (the newest of any status when none runs) and says
 *   which on stderr.
 */
import type { Command } from 'commander';
import { NomadAllocClient } from '../../adapters/nomad-http/alloc-client';
import { NomadHttpClient } from '../../adapters/nomad-http/nomad-http-client';
import { ApiError, ForbiddenError } from '../../ports/errors';
import type { LogType, NomadAllocApi } from '../../ports/nomad-alloc';
import { SystemClock, type Clock } from '../../runtime/clock';
import { resolveAllocRef } from '../alloc-ref';
import { CliError, type CliContext, type RegisterCommand } from '../context';
import { nomadConnection, type ClusterOptions } from '../nomad-connection';

/** Bytes asked per tailed line (command/alloc_logs.go `bytesToLines`). */
export const BYTES_PER_LINE = 120;
/** Heartbeats to wait for after the task is seen dead before a followed stream stops. */
const HEARTBEATS_AFTER_DEATH = 2;

interface LogsOptions extends ClusterOptions {
  follow?: boolean;
  stderr?: boolean;
  tail?: string;
}

/** The last `n` lines of `text` (a final line without a newline counts). */
export function lastLines(text: string, n: number): string {
  if (n <= 0 || text === '') return '';
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const lines = body.split('\n');
  return `${lines.slice(-n).join('\n')}${text.endsWith('\n') ? '\n' : ''}`;
}

/** Whether the task (or its whole allocation) has stopped. */
function taskDead(alloc: Record<string, unknown>, task: string): boolean {
  const state = (alloc.TaskStates as Record<string, { State?: string }> | undefined)?.[task];
  return state?.State === 'dead' || ['complete', 'failed', 'lost'].includes(String(alloc.ClientStatus ?? ''));
}

/**
 * Watches the allocation until the task is dead; calls `onDead` then. Ends quietly when `signal` aborts or a
 * read fails (the stream then runs until interrupted).
 */
async function watchTask(allocs: NomadAllocApi, id: string, namespace: string, task: string, signal: AbortSignal, onDead: () => void): Promise<void> {
  let index = 0;
  try {
    while (!signal.aborted) {
      const res = await allocs.readAllocation(id, { namespace, index, wait: '5m', signal });
      if (taskDead(res.items, task)) return onDead();
      index = res.index > index ? res.index : index === 0 ? 1 : index;
    }
  } catch {
    // An aborted or failed watch leaves the stream to SIGINT.
  }
}

/** Adds `logs` to the program. */
export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('logs')
    .description("A task's stdout or stderr; -f follows it until the task stops")
    .argument('<alloc|job>', 'allocation ID or prefix (2+ hex digits), or a job ID, TEAM/NAME or spec name (its newest running allocation)')
    .argument('[task]', 'task name (default: the only task, or the only main task)')
    .option('-f, --follow', 'keep printing new output until the task stops or SIGINT')
    .option('--stderr', 'print the stderr log instead of stdout')
    .option('--tail <n>', 'only the last N lines')
    .option('--config <file>', 'operator config (nomadguard.yaml); default: the NOMAD_* environment')
    .option('--cluster <name>', 'cluster of the operator config (default: the first)')
    .addHelpText(
      'after',
      '\nExit codes: 0 printed (a followed log: the task stopped, or SIGINT); 1 no such allocation or job,\n' +
        'an ambiguous prefix or name, a token without read-logs in the namespace, Nomad unreachable; 2 usage.\n' +
        'Honours NOMAD_ADDR, NOMAD_TOKEN, NOMAD_REGION, NOMAD_CACERT, NOMAD_CLIENT_CERT, NOMAD_CLIENT_KEY, NOMAD_SKIP_VERIFY.\n',
    )
    .action(async (target: string, task: string | undefined, opts: LogsOptions) => {
      let tail: number | undefined;
      if (opts.tail !== undefined) {
        if (!/^\d+$/.test(opts.tail)) throw new CliError(`--tail ${opts.tail}: expected a number of lines`, 2);
        tail = Number(opts.tail);
      }
      const conn = nomadConnection(ctx, opts);
      const clock: Clock = ctx.clock ?? new SystemClock();
      const nomad = NomadHttpClient.fromConnection(conn, { clock, timeoutMs: 15_000, backoff: { maxAttempts: 3 } });
      const allocs = new NomadAllocClient(conn, { clock, timeoutMs: 15_000 });
      const ac = new AbortController();
      const stop = (): void => ac.abort(new Error('stopped'));
      if (ctx.signal.aborted) stop();
      ctx.signal.addEventListener('abort', stop, { once: true });
      const type: LogType = opts.stderr ? 'stderr' : 'stdout';
      try {
        const ref = await resolveAllocRef({ nomad, allocs }, target, task, { requireRunning: false });
        if (ref.chosen) ctx.stderr(`nomadguard logs: ${ref.chosen}\n`);
        const decoder = new TextDecoder('utf-8');
        const requested = tail === undefined ? 0 : tail * BYTES_PER_LINE;
        let held: string | undefined = tail === undefined ? undefined : '';
        let heldBytes = 0;
        const release = (): void => {
          if (held === undefined) return;
          const out = lastLines(held, tail ?? 0);
          held = undefined;
          if (out) ctx.stdout(out);
        };
        let dead = false;
        let beatsSinceDeath = 0;
        if (opts.follow) void watchTask(allocs, ref.id, ref.namespace, ref.task, ac.signal, () => (dead = true));
        const stream = allocs.logs({
          allocId: ref.id,
          namespace: ref.namespace,
          task: ref.task,
          type,
          follow: !!opts.follow,
          origin: tail === undefined ? 'start' : 'end',
          offset: requested,
          signal: ac.signal,
        });
        for await (const ev of stream) {
          if (ev.kind === 'data') {
            const text = decoder.decode(ev.data, { stream: true });
            if (held !== undefined) {
              held += text;
              heldBytes += ev.data.length;
              if (opts.follow && heldBytes >= requested) release();
            } else if (text) ctx.stdout(text);
          } else if (ev.kind === 'heartbeat') {
            if (opts.follow) release();
            if (dead && ++beatsSinceDeath >= HEARTBEATS_AFTER_DEATH) break;
          }
        }
        if (held !== undefined) held += decoder.decode();
        else {
          const rest = decoder.decode();
          if (rest) ctx.stdout(rest);
        }
        release();
      } catch (e) {
        if (e instanceof ForbiddenError && e.route.startsWith('/v1/client/fs/logs')) throw new CliError(`permission denied: the token may not read logs (read-logs) in this allocation's namespace (Nomad: ${e.serverMessage || 'Permission denied'})`);
        if (e instanceof ApiError) throw new CliError(e.message);
        throw e;
      } finally {
        ctx.signal.removeEventListener('abort', stop);
        ac.abort(new Error('done'));
        nomad.close();
        allocs.close();
      }
    });
};
