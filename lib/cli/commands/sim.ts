/**
 * `nomadguard sim`: runs the Nomad and Consul simulator in the foreground, like `nomad agent -dev`. When both
 * APIs listen it prints `NOMAD_ADDR=...` and `CONSUL_HTTP_ADDR=...` lines (ready to `eval`), then serves
 * until SIGINT/SIGTERM, and stops cleanly.
 */
import type { Command } from 'commander';
import { Simulator } from '../../sim';
import { CliError, type CliContext, type RegisterCommand } from '../context';

function port(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`${name} must be a port number (0-65535), got ${JSON.stringify(value)}`, 2);
  return n;
}

/** Adds `sim` to the program. */
export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('sim')
    .description('Run a simulated two-datacenter Nomad + Consul on loopback ports until interrupted')
    .option('--nomad-port <port>', 'Nomad API port (0 = any free port)', '0')
    .option('--consul-port <port>', 'Consul API port (0 = any free port)', '0')
    .option('--seed <n>', 'seed for IDs, placements and fault rates', '1')
    .option('--version <version>', 'Nomad version to claim', '1.10.3')
    .option('--acl', 'enable ACLs (the management token is printed as NOMAD_TOKEN)', false)
    .option('--namespace <name...>', 'extra namespaces to create')
    .option('--time-scale <factor>', 'multiply job health/progress durations (0.01 = deployments in seconds)', '1')
    .addHelpText('after', '\nControl endpoints (/_sim/requests, /_sim/faults, /_sim/fail-image, /_sim/version, /_sim/settle) are described in lib/sim/README.md.')
    .action(async (opts: { nomadPort: string; consulPort: string; seed: string; version: string; acl: boolean; namespace?: string[]; timeScale: string }) => {
      const timeScale = Number(opts.timeScale);
      if (!(timeScale > 0)) throw new CliError(`--time-scale must be a positive number, got ${JSON.stringify(opts.timeScale)}`, 2);
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got ${JSON.stringify(opts.seed)}`, 2);
      if (!/^\d+\.\d+\.\d+/.test(opts.version)) throw new CliError(`--version must look like 1.10.3, got ${JSON.stringify(opts.version)}`, 2);
      let sim: Simulator;
      try {
        sim = await Simulator.start({ nomadPort: port(opts.nomadPort, '--nomad-port'), consulPort: port(opts.consulPort, '--consul-port'), seed, version: opts.version, acl: opts.acl, namespaces: opts.namespace, timings: { timeScale } });
      } catch (err) {
        throw new CliError(`cannot start the simulator: ${(err as Error).message}`);
      }
      ctx.stdout(`NOMAD_ADDR=${sim.nomadUrl}\nCONSUL_HTTP_ADDR=${sim.consulUrl}\n`);
      if (opts.acl) ctx.stdout(`NOMAD_TOKEN=${sim.managementToken}\n`);
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await sim.stop();
      ctx.stderr('simulator stopped\n');
    });
};
