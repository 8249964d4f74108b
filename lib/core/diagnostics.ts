/**
 * Diagnostics: problems found in a spec, as data.
 *
 * Every stage (loading, schema, policy validators, modifiers) returns diagnostics instead of throwing.
 * `path` is the location inside the spec document (`['group', 0, 'task', 1, 'image']`); the loader turns
 * it into `line`/`col` with the positions it recorded while parsing, so a rule never needs to know about
 * TOML. `code` is stable: scripts and docs refer to it.
 */

export type Severity = 'error' | 'warning';

export type SpecPath = ReadonlyArray<string | number>;

export interface Diagnostic {
  /** Stable, upper-case, e.g. `TOML_SYNTAX`, `UNKNOWN_KEY`, `IMAGE_MUTABLE_TAG`. */
  code: string;
  severity: Severity;
  /** One sentence a developer understands without reading nomadguard's code. */
  message: string;
  /** The spec file, as given on the command line or relative to the repo root. */
  file?: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  col?: number;
  /** Where in the spec document the problem is. */
  path?: SpecPath;
  /** A suggestion, e.g. "did you mean `memory`?". */
  hint?: string;
}

/** `path:line:col: error[CODE]: message` — the format editors and CI logs understand. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = [d.file ?? '<spec>', d.line, d.col].filter((x) => x !== undefined).join(':');
  const hint = d.hint ? ` (${d.hint})` : '';
  return `${where}: ${d.severity}[${d.code}]: ${d.message}${hint}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
