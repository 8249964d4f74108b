/**
 * The team of a spec outside a git repository, for `validate` and `render`. A spec folder follows
 * `<team>/<name>/nomadgen.toml`: when the file is called nomadgen.toml, its folder is named after the spec
 * (its `name`, or the last part of its `id`/legacy `job`) and the folder above is a DNS label, that folder is
 * the team. Otherwise the team is unknown: the spec is still checked (with a stand-in team whose own
 * diagnostics are dropped) and a `TEAM_UNKNOWN` warning says why. A directory walked outside a repository
 * whose specs all sit deeper than `<team>/<name>/` is probably the folder above the spec repository: each
 * spec gets a `TEAM_FOLDER_GUESS` warning naming the team and job ID that guess gives.
 */
import * as path from 'node:path';
import type { Diagnostic } from '../core/diagnostics';
import { isDnsLabel } from '../core/policy/helpers';
import { loadSpec } from '../core/spec/load';

/** The stand-in team of a spec whose team is unknown; diagnostics naming it are dropped. */
export const UNKNOWN_TEAM = 'team-unknown';

/** The team and the repository path of a spec file found from its own path, or undefined (see the file comment). */
export function teamFromSpecPath(abs: string, text: string | Uint8Array): { team: string; file: string } | undefined {
  if (path.basename(abs) !== 'nomadgen.toml') return undefined;
  const folder = path.basename(path.dirname(abs));
  const team = path.basename(path.dirname(path.dirname(abs)));
  if (!isDnsLabel(team) || folder === '') return undefined;
  const loaded = loadSpec({ text, file: 'nomadgen.toml' });
  if (!loaded.ok) return undefined;
  const { name, id } = loaded.spec;
  const named = name === folder || (id !== undefined && `-${id}`.endsWith(`-${folder}`) && `-${id}-`.includes(`-${team}-`));
  return named ? { team, file: `${team}/${folder}/nomadgen.toml` } : undefined;
}

/** The warning of a spec whose team cannot be told. */
export function teamUnknown(display: string, why: string): Diagnostic {
  return { code: 'TEAM_UNKNOWN', severity: 'warning', file: display, message: `cannot tell the team of this spec: ${why}; only the spec's own rules were checked (not the team's tiers, secrets, firewall groups or job ID)`, hint: 'pass --team, or validate it in its repository as <team>/<name>/nomadgen.toml' };
}

/** The spec's own diagnostics among those checked with the stand-in team: any naming that team is dropped. */
export function withoutStandInTeam(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const quoted = JSON.stringify(UNKNOWN_TEAM);
  return diagnostics.filter((d) => !d.message.includes(quoted) && !d.message.includes(`-${UNKNOWN_TEAM}-`));
}

/** True when no spec of a directory walked outside a repository sits at `<team>/<name>/nomadgen.toml` but some sit deeper. */
export function looksOneLevelTooHigh(relativePaths: readonly string[]): boolean {
  const depths = relativePaths.map((p) => p.split('/').length);
  return depths.length > 0 && depths.every((d) => d >= 4);
}

/** The warning of a spec whose team was taken from a folder that may not be a team folder. */
export function teamFolderGuess(display: string, dir: string, team: string, jobId: string | undefined): Diagnostic {
  return {
    code: 'TEAM_FOLDER_GUESS',
    severity: 'warning',
    file: display,
    message: `the team is taken as ${JSON.stringify(team)}, the first folder under ${dir}, but no spec there sits at <team>/<name>/nomadgen.toml${jobId ? ` (the job ID would be ${JSON.stringify(jobId)})` : ''}; ${dir} may be the folder above the spec repository`,
    hint: 'validate the spec repository folder itself, or pass --team',
  };
}
