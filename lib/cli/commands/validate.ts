/**
 * `nomadguard validate [PATH...]`: checks specs the way the operator would render them, for CI and
 * pre-commit. Files or directories (walked for nomadgen.toml); every spec of one repository is checked
 * together so the repository-wide rules (unique job IDs and hosts) apply. Diagnostics as
 * `file:line:col: severity[CODE]: message`, or `--json`. Exit 1 on any error (or warning with `--strict`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { formatDiagnostic, type Diagnostic } from '../../core/diagnostics';
import { validateRepo, type PipelineEnv, type RepoFile, type RenderResult } from '../../core/pipeline';
import { teamFromPath } from '../../core/spec/load';
import { CliError, type CliContext, type RegisterCommand } from '../context';
import { displayName, findRepoRoot, loadPipelineEnv, readSpecFile, relativeSlash, walkSpecs } from '../spec-files';
import { looksOneLevelTooHigh, teamFolderGuess, teamFromSpecPath, teamUnknown, UNKNOWN_TEAM, withoutStandInTeam } from '../spec-team';

interface ValidateOptions {
  json?: boolean;
  strict?: boolean;
  config?: string;
  team?: string;
}

/** One spec found on the command line: where it is, its repository root and its display name. */
interface Found {
  abs: string;
  root: string | undefined;
  /** True when `root` holds `.git` (else it is a directory given on the command line, or none). */
  git: boolean;
  /** The directory given on the command line that this spec was found under, when it is not in a repository. */
  walked?: string;
  display: string;
}

/**
 * Resolves PATH arguments to spec files with their repository roots, and a `DIR_UNREADABLE` diagnostic
 * for each folder a walk could not read. Arguments are looked at with `lstat`: a symlink is never
 * followed, it is a spec the reader refuses by name.
 */
function collect(paths: string[], cwd: string): { found: Found[]; folders: FolderReport[] } {
  const found = new Map<string, Found>();
  const folders = new Map<string, FolderReport>();
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(abs);
    } catch {
      throw new CliError(`${displayName(p)}: no such file or directory`);
    }
    const walk = stat.isDirectory() ? walkSpecs(abs) : { files: [abs], unreadable: [] };
    const files = walk.files;
    for (const u of walk.unreadable) {
      const folder = shortened(displayName(path.relative(cwd, u.dir) || u.dir));
      folders.set(u.dir, { folder, diagnostics: [{ code: 'DIR_UNREADABLE', severity: 'error', file: folder, message: `cannot read the folder: ${u.errno}; specs below it are not checked` }] });
    }
    if (stat.isDirectory() && files.length === 0 && walk.unreadable.length === 0) throw new CliError(`${displayName(p)}: no nomadgen.toml found`);
    const gitRoot = stat.isDirectory() ? findRepoRoot(abs) : undefined;
    const dirRoot = stat.isDirectory() ? gitRoot ?? abs : undefined;
    for (const f of files) {
      if (found.has(f)) continue;
      const root = dirRoot ?? findRepoRoot(path.dirname(f));
      found.set(f, { abs: f, root, git: stat.isDirectory() ? gitRoot !== undefined : root !== undefined, ...(stat.isDirectory() && !gitRoot ? { walked: abs } : {}), display: displayName(path.relative(cwd, f) || f) });
    }
  }
  return { found: [...found.values()], folders: [...folders.values()] };
}

/** A name for one output line: at most 241 characters, its start and end kept around an ellipsis. */
function shortened(name: string): string {
  return name.length <= 241 ? name : `${name.slice(0, 120)}…${name.slice(-120)}`;
}

/** A folder `validate` could not read, with its diagnostic. */
export interface FolderReport {
  folder: string;
  diagnostics: Diagnostic[];
}

/** The JSON shape of `validate --json`. */
export interface ValidateReport {
  specs: Array<{ file: string; jobId?: string; ok: boolean; legacy: boolean; diagnostics: Diagnostic[] }>;
  /** Folders that could not be read (present only when there are any); their errors count in `errors`. */
  folders?: FolderReport[];
  errors: number;
  warnings: number;
}

/** Runs validation and returns the report (exported for tests and other commands). */
export function runValidate(paths: string[], options: ValidateOptions, ctx: CliContext): ValidateReport {
  const env = loadPipelineEnv(options.config, ctx.cwd, ctx.env);
  const byRoot = new Map<string, Array<RepoFile & { display: string; unknown?: string; guess?: string }>>();
  const report: ValidateReport = { specs: [], errors: 0, warnings: 0 };
  const { found, folders } = collect(paths.length > 0 ? paths : ['.'], ctx.cwd);
  if (folders.length > 0) report.folders = folders;
  // Directories walked outside a repository whose specs all sit deeper than <team>/<name>/.
  const walked = new Map<string, string[]>();
  for (const f of found) if (f.walked) walked.set(f.walked, [...(walked.get(f.walked) ?? []), relativeSlash(f.walked, f.abs)]);
  const tooHigh = new Set([...walked].filter(([, rels]) => looksOneLevelTooHigh(rels)).map(([dir]) => dir));
  for (const f of found) {
    const read = readSpecFile(f.abs, f.display);
    if (!read.ok) {
      report.specs.push({ file: f.display, ok: false, legacy: false, diagnostics: [read.diagnostic] });
      continue;
    }
    let rel = f.root ? relativeSlash(f.root, f.abs) : path.basename(f.abs);
    let team = options.team ?? (f.root ? teamFromPath(rel) : undefined);
    let key = f.root ?? '';
    let unknown: string | undefined;
    if (team === undefined && f.git) {
      report.specs.push({ file: f.display, ok: false, legacy: false, diagnostics: [{ code: 'TEAM_UNKNOWN', severity: 'error', file: f.display, message: 'cannot tell the team of this spec: it is not inside a team folder of its repository', hint: 'pass --team' }] });
      continue;
    }
    if (team === undefined) {
      // Outside a repository: the spec's own folders, else a stand-in team and a warning.
      const inferred = teamFromSpecPath(f.abs, read.bytes);
      if (inferred) {
        ({ team, file: rel } = inferred);
        key = path.dirname(path.dirname(path.dirname(f.abs)));
      } else {
        team = UNKNOWN_TEAM;
        rel = 'nomadgen.toml';
        key = f.abs;
        unknown = 'it is not inside a git repository, and its folders do not read <team>/<name>/nomadgen.toml with the folder named after the spec';
      }
    }
    const guess = options.team === undefined && !unknown && f.walked && tooHigh.has(f.walked) ? displayName(path.relative(ctx.cwd, f.walked) || '.') : undefined;
    const list = byRoot.get(key) ?? [];
    list.push({ file: rel, text: read.bytes, team, display: f.display, ...(unknown ? { unknown } : {}), ...(guess ? { guess } : {}) });
    byRoot.set(key, list);
  }
  for (const files of byRoot.values()) {
    const results = validateEach(files, env);
    for (const f of files) {
      const r = results.get(f.file);
      if (!r) continue;
      for (const d of r.diagnostics) d.file = f.display;
      if (f.unknown) {
        const diagnostics = [teamUnknown(f.display, f.unknown), ...withoutStandInTeam(r.diagnostics)];
        report.specs.push({ file: f.display, ok: !diagnostics.some((d) => d.severity === 'error'), legacy: r.legacy, diagnostics });
        continue;
      }
      if (f.guess) r.diagnostics.unshift(teamFolderGuess(f.display, f.guess, f.team, r.jobId));
      report.specs.push({ file: f.display, ...(r.jobId ? { jobId: r.jobId } : {}), ok: r.ok, legacy: r.legacy, diagnostics: r.diagnostics });
    }
  }
  report.specs.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const s of [...(report.folders ?? []), ...report.specs]) for (const d of s.diagnostics) {
    if (d.severity === 'error') report.errors++;
    else report.warnings++;
  }
  return report;
}

/**
 * The repository's results; should the pipeline throw on some spec, each spec is checked alone so that
 * one spec's failure is its own `RENDER_FAILED` diagnostic and every other spec is still reported.
 */
function validateEach(files: readonly RepoFile[], env: PipelineEnv): Map<string, RenderResult> {
  try {
    return validateRepo(files, env);
  } catch {
    const results = new Map<string, RenderResult>();
    for (const f of files) {
      try {
        const r = validateRepo([f], env).get(f.file);
        if (r) results.set(f.file, r);
      } catch (e) {
        const name = e instanceof Error ? e.name : 'error';
        results.set(f.file, { ok: false, legacy: false, modifications: [], diagnostics: [{ code: 'RENDER_FAILED', severity: 'error', file: f.file, message: `the spec could not be checked (${name})` }] });
      }
    }
    return results;
  }
}

/** Registers `validate`. */
export const register: RegisterCommand = (program: Command, ctx: CliContext) => {
  program
    .command('validate')
    .description('Check nomadgen.toml specs (files, or directories walked for nomadgen.toml) and print diagnostics as file:line:col.')
    .argument('[paths...]', 'spec files or directories (default: the current directory)')
    .option('--json', 'print a JSON report instead of text')
    .option('--strict', 'fail on warnings too')
    .option('--config <file>', 'operator config (nomadguard.yaml); defaults apply without it')
    .option('--team <team>', 'the team of specs outside a git repository (overrides the folder)')
    .addHelpText('after', '\nExit status: 0 when no errors (and, with --strict, no warnings), 1 otherwise.\nThe team is the first folder under the repository root (the nearest folder with .git, or the directory given).\nOutside a repository a spec file\'s team is the folder above its own when it reads <team>/<name>/nomadgen.toml;\nelse TEAM_UNKNOWN warns and only the spec\'s own rules are checked. A directory whose specs all sit deeper\nthan <team>/<name>/ warns with TEAM_FOLDER_GUESS: it may be the folder above the spec repository.')
    .action((paths: string[], options: ValidateOptions) => {
      const report = runValidate(paths, options, ctx);
      if (options.json) ctx.stdout(`${JSON.stringify(report, null, 2)}\n`);
      else {
        for (const s of [...(report.folders ?? []), ...report.specs]) for (const d of s.diagnostics) ctx.stdout(`${formatDiagnostic(d)}\n`);
        ctx.stdout(`${report.specs.length} spec${report.specs.length === 1 ? '' : 's'} checked: ${report.errors} error${report.errors === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}\n`);
      }
      ctx.exitCode = report.errors > 0 || (options.strict && report.warnings > 0) ? 1 : 0;
    });
};
