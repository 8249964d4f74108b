/**
 * `nomadguard render SPEC`: the final job of one spec, after validation and the policy's modifications,
 * as Nomad API JSON (default) or an HCL2 jobspec. Diagnostics go to stderr; an invalid spec prints no job
 * and exits 1. Outside a git repository the team comes from the spec's folders (`<team>/<name>/nomadgen.toml`,
 * see spec-team.ts); when they do not tell it, the spec's own errors are printed with a TEAM_UNKNOWN warning,
 * no job, and exit 1 (pass --team).
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { formatDiagnostic } from '../../core/diagnostics';
import { renderHcl } from '../../core/hcl/render';
import { renderSpec } from '../../core/pipeline';
import { teamFromPath } from '../../core/spec/load';
import { CliError, type CliContext, type RegisterCommand } from '../context';
import { displayName, findRepoRoot, loadPipelineEnv, readSpecFile, relativeSlash } from '../spec-files';
import { teamFromSpecPath, teamUnknown, UNKNOWN_TEAM, withoutStandInTeam } from '../spec-team';

interface RenderOptions {
  format: string;
  config?: string;
  team?: string;
  commit?: string;
  explain?: boolean;
}

/** Registers `render`. */
export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('render')
    .description('Print the Nomad job a spec becomes, after validation and the policy\'s modifications.')
    .argument('<spec>', 'a nomadgen.toml file')
    .option('--format <format>', 'json (the Nomad API shape) or hcl (a jobspec)', 'json')
    .option('--config <file>', 'operator config (nomadguard.yaml); defaults apply without it')
    .option('--team <team>', 'the team, for a spec outside a git repository (overrides the folder)')
    .option('--commit <sha>', 'commit to record in nomadguard.commit (default: none)')
    .option('--explain', 'list what the policy changed, on stderr')
    .addHelpText('after', '\nExit status: 0 when the spec is valid (warnings are printed), 1 when it has errors.')
    .action((spec: string, options: RenderOptions) => {
      if (options.format !== 'json' && options.format !== 'hcl') throw new CliError(`--format must be json or hcl, not "${options.format}"`);
      const env = loadPipelineEnv(options.config, ctx.cwd, ctx.env);
      const abs = path.resolve(ctx.cwd, spec);
      // Only a regular file is read (never a symlink, FIFO or device), and never past the size limit.
      const read = readSpecFile(abs, displayName(spec));
      if (!read.ok && read.errno !== undefined) throw new CliError(`cannot read ${displayName(spec)}: ${read.errno}`);
      if (!read.ok) {
        ctx.stderr(`${formatDiagnostic(read.diagnostic)}\n`);
        ctx.exitCode = 1;
        return;
      }
      const text = read.bytes;
      const root = findRepoRoot(path.dirname(abs));
      let rel = root ? relativeSlash(root, abs) : path.basename(abs);
      let team = options.team ?? (root ? teamFromPath(rel) : undefined);
      if (team === undefined && root) throw new CliError(`cannot tell the team of ${spec}: it is not inside a team folder; pass --team`);
      if (team === undefined) {
        // Outside a repository: the spec's own folders (<team>/<name>/nomadgen.toml), else its own errors and no job.
        const inferred = teamFromSpecPath(abs, text);
        if (!inferred) {
          const checked = renderSpec({ text, file: rel, team: UNKNOWN_TEAM, commit: options.commit ?? '' }, env);
          const why = 'it is not inside a git repository, and its folders do not read <team>/<name>/nomadgen.toml with the folder named after the spec';
          for (const d of [teamUnknown(displayName(spec), why), ...withoutStandInTeam(checked.diagnostics)]) ctx.stderr(`${formatDiagnostic({ ...d, file: displayName(spec) })}\n`);
          throw new CliError(`cannot tell the team of ${spec}: it is not inside a git repository; pass --team`);
        }
        ({ team, file: rel } = inferred);
      }
      const result = renderSpec({ text, file: rel, team, commit: options.commit ?? '' }, env);
      for (const d of result.diagnostics) ctx.stderr(`${formatDiagnostic({ ...d, file: displayName(spec) })}\n`);
      if (options.explain) for (const m of result.modifications) ctx.stderr(`modified[${m.rule}] ${m.path}: ${m.message}\n`);
      if (!result.ok || !result.job) {
        ctx.exitCode = 1;
        return;
      }
      ctx.stdout(options.format === 'hcl' ? renderHcl(result.job) : `${JSON.stringify(result.job, null, 2)}\n`);
      ctx.exitCode = 0;
    });
};
