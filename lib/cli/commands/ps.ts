/**
 * `nomadguard ps [JOB|TEAM|NAME]...`: the on-call view of what runs. A job line with the job's state, then
 * one line per allocation task: Exec ID, job, node, datacenter, IPv6 address, uptime, CPU and memory in
 * use (with the peak), and the Extra flags (lib/cli/ps/rows.ts). A table, or `--json`.
 *
 * Calls, whatever the number of allocations: one job list and one allocation list (both filtered by
 * Nomad, lib/cli/ps/match.ts), the node list, Consul's service catalog and one Consul health read per
 * service name of the jobs shown; then one client stats read per running allocation shown (at most 8 at
 * a time; none with `--no-stats`), and one full allocation read per running allocation shown whose
 * address neither Consul nor the list gave (bridge or CNI networking: `NetworkStatus`; 8 at a time). A
 * node list or Consul the token cannot read degrades the view (no
 * datacenter from Nomad, health unknown); an allocation whose stats cannot be read shows none.
 */
import type { Command } from 'commander';
import type { ServiceEntry } from '../../core/consul/types';
import type { AllocResourceUsage } from '../../core/nomad/alloc-stats';
import type { NodeListStub } from '../../core/nomad/types';
import { ConsulHttpClient } from '../../adapters/consul-http/consul-http-client';
import { NomadHttpClient } from '../../adapters/nomad-http/nomad-http-client';
import { ApiError, NotFoundError } from '../../ports/errors';
import type { ConsulApi } from '../../ports/consul-api';
import type { NomadApi } from '../../ports/nomad-api';
import { SystemClock, type Clock } from '../../runtime/clock';
import { CliError, type CliContext, type RegisterCommand } from '../context';
import { clusterConnections } from '../nomad-connection';
import { allocationFilter, jobFilter, validArgument } from '../ps/match';
import { addressUnknown, buildPs, FLAG_LETTER, FLAG_ORDER, type PsInput, type PsJob } from '../ps/rows';
import { renderPs } from '../ps/render';

export type { PsRow, PsFlag, PsJob, JobState } from '../ps/rows';

/** How many client stats reads run at once. */
const STATS_CONCURRENCY = 8;

/** How many full allocation reads (for an address) run at once. */
const FULL_READ_CONCURRENCY = 8;

/** What `gatherPs` reads and how. */
export interface GatherOptions {
  args: readonly string[];
  /** `*` (default) or one namespace. */
  namespace?: string;
  /** Allocations no longer meant to run too. */
  all?: boolean;
  /** Skip the client stats reads. */
  stats?: boolean;
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const reason = (e: unknown): string => (e instanceof ApiError ? e.message : e instanceof Error ? e.message : String(e));

/** Whether Consul service `name` may belong to one of `jobIds` (the generator names services `<job>` or `<job>-…`). */
function serviceOfJobs(name: string, jobIds: ReadonlySet<string>): boolean {
  if (jobIds.has(name)) return true;
  for (let i = name.indexOf('-'); i > 0; i = name.indexOf('-', i + 1)) if (jobIds.has(name.slice(0, i))) return true;
  return false;
}

/** Reads everything `ps` shows through the ports. Nomad failures of the two lists throw; the rest become `warnings`. */
export async function gatherPs(nomad: NomadApi, consul: ConsulApi | undefined, opts: GatherOptions): Promise<{ input: PsInput; warnings: string[] }> {
  const warnings: string[] = [];
  const namespace = opts.namespace || '*';
  const jobs = (await nomad.listJobs({ namespace, filter: jobFilter(opts.args) })).items;
  const [allocations, nodes, catalog] = await Promise.all([
    nomad.listAllocations({ namespace, resources: true, filter: allocationFilter(opts.args, opts.all === true) }).then((r) => r.items),
    nomad.nodes().then(
      (r): NodeListStub[] | undefined => r.items,
      (e: unknown) => {
        warnings.push(`nodes unavailable (datacenters from Consul): ${reason(e)}`);
        return undefined;
      },
    ),
    consul
      ? consul.catalogServices().then(
          (r) => r.value,
          (e: unknown) => {
            warnings.push(`Consul health unavailable: ${reason(e)}`);
            return undefined;
          },
        )
      : Promise.resolve(undefined),
  ]);
  const jobIds = new Set([...jobs.map((j) => j.ID), ...allocations.map((a) => a.JobID)]);
  const names = catalog ? Object.keys(catalog).filter((n) => serviceOfJobs(n, jobIds)).sort() : [];
  const running = opts.stats === false ? [] : allocations.filter((a) => a.ClientStatus === 'running' && a.DesiredStatus === 'run');
  const statsFailures: string[] = [];
  const [health, stats] = await Promise.all([
    consul && catalog
      ? mapLimit(names, 8, async (n) => [n, (await consul.healthService(n)).value] as const).then(
          (pairs) => new Map<string, ServiceEntry[]>(pairs),
          (e: unknown) => {
            warnings.push(`Consul health unavailable: ${reason(e)}`);
            return undefined;
          },
        )
      : Promise.resolve(undefined),
    mapLimit(running, STATS_CONCURRENCY, async (a) => {
      try {
        return [a.ID, await nomad.allocationStats(a.ID, { namespace: a.Namespace })] as const;
      } catch (e) {
        statsFailures.push(reason(e));
        return undefined;
      }
    }).then((pairs) => new Map(pairs.filter((p): p is readonly [string, AllocResourceUsage] => p !== undefined))),
  ]);
  if (statsFailures.length > 0) warnings.push(`stats unavailable for ${statsFailures.length} allocation(s): ${statsFailures[0]}`);
  const input: PsInput = { jobs, allocations, nodes, health, stats };
  const fullFailures: string[] = [];
  const full = await mapLimit(addressUnknown(input), FULL_READ_CONCURRENCY, async (a) => {
    try {
      return [a.ID, await nomad.allocation(a.ID, { namespace: a.Namespace })] as const;
    } catch (e) {
      // An allocation gone since the list shows no address; anything else is said once.
      if (!(e instanceof NotFoundError)) fullFailures.push(reason(e));
      return undefined;
    }
  });
  if (fullFailures.length > 0) warnings.push(`addresses unavailable for ${fullFailures.length} allocation(s): ${fullFailures[0]}`);
  input.fullAllocs = new Map(full.filter((p): p is readonly [string, Record<string, unknown>] => p !== undefined));
  return { input, warnings };
}

interface PsOptions {
  json?: boolean;
  config?: string;
  cluster?: string;
  namespace?: string;
  all?: boolean;
  stats?: boolean;
  long?: boolean;
  verbose?: boolean;
}

/** The `--help` text after the options: the Extra letters and the job states. */
export function psHelpText(): string {
  const letters = FLAG_ORDER.map((f) => `  ${FLAG_LETTER[f].letter}  ${FLAG_LETTER[f].meaning}`).join('\n');
  return (
    '\nArguments: a team (namespace), a spec name (cerebro, es/cerebro or es/cerebro/nomadgen.toml), a part of\n' +
    'a job ID, or a glob over the whole job ID (p-*-cerebro). Several arguments show every job any selects;\n' +
    'none shows every job the token may read.\n' +
    '\nColumns: Exec ID (first 10 characters of the allocation ID; --long for all), Job/Task, Node, DC,\n' +
    'Address (IPv6), Uptime (since the task last started), CPU (MHz in use), Mem(max) (in use, and the\n' +
    'highest seen), Extra (flags).\n' +
    `\nExtra flags:\n${letters}\n` +
    '\nJob states: OK (every allocation runs, no flag above but R, O or T), degraded (something runs, but an\n' +
    'allocation is failed, pending, lost, unhealthy or unregistered, or placements are queued), failed\n' +
    '(nothing runs, an allocation failed), pending (nothing runs yet), stopping, dead.\n' +
    '\nColours only when stdout is a terminal and NO_COLOR is unset. Exit codes: 0 shown, 1 Nomad unreachable\n' +
    'or refused (403 for a token that may not read the namespace), 2 usage error.\n' +
    'Honours NOMAD_ADDR, NOMAD_TOKEN, NOMAD_REGION, NOMAD_CACERT, NOMAD_CLIENT_CERT, NOMAD_CLIENT_KEY,\n' +
    'NOMAD_SKIP_VERIFY, CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, CONSUL_CACERT, CONSUL_HTTP_SSL_VERIFY.\n'
  );
}

function output(jobs: PsJob[], opts: PsOptions, colour: boolean): string {
  if (opts.json) return `${JSON.stringify(jobs.flatMap((j) => j.rows), null, 2)}\n`;
  if (jobs.length === 0) return 'no allocations\n';
  return renderPs(jobs, { colour, long: opts.long === true || opts.verbose === true });
}

/** Adds `ps` to the program. */
export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('ps')
    .description('Allocations per job and task: node, datacenter, IPv6 address, uptime, CPU, memory, flags; and each job\'s state')
    .argument('[filter...]', 'teams, spec names, job ID parts or globs (default: every job)')
    .option('--json', 'print the rows as JSON')
    .option('--config <file>', 'operator config (nomadguard.yaml); default: the NOMAD_*/CONSUL_* environment')
    .option('--cluster <name>', 'cluster of the operator config to show (default: the first)')
    .option('--namespace <ns>', 'read one namespace only (default: every namespace the token may read, *)')
    .option('--all', 'also allocations no longer meant to run (stopped, replaced, complete)')
    .option('--no-stats', 'do not read CPU and memory use from the clients')
    .option('-l, --long', 'full allocation IDs')
    .option('-v, --verbose', 'same as --long')
    .addHelpText('after', psHelpText())
    .action(async (args: string[], opts: PsOptions) => {
      const bad = args.find((a) => !validArgument(a));
      if (bad !== undefined) throw new CliError(`ps: ${JSON.stringify(bad)}: arguments are teams, spec names, job IDs or globs (letters, digits, . _ - / * ?)`, 2);
      const conn = clusterConnections(ctx, opts);
      const clock: Clock = ctx.clock ?? new SystemClock();
      const nomad = NomadHttpClient.fromConnection(conn.nomad, { clock, timeoutMs: 15_000, backoff: { maxAttempts: 3 } });
      const consul = ConsulHttpClient.fromConnection(conn.consul, { clock, timeoutMs: 10_000, backoff: { maxAttempts: 2 } });
      try {
        const { input, warnings } = await gatherPs(nomad, consul, { args, namespace: opts.namespace, all: opts.all, stats: opts.stats });
        const jobs = buildPs(input, clock.now());
        for (const w of warnings) ctx.stderr(`nomadguard ps: warning: ${w}\n`);
        const colour = ctx.stdoutIsTTY === true && !ctx.env.NO_COLOR;
        ctx.stdout(output(jobs, opts, colour));
      } catch (e) {
        if (e instanceof ApiError) throw new CliError(e.message);
        throw e;
      } finally {
        nomad.close();
        consul.close();
      }
    });
};
