/**
 * The file-system side of `validate` and `render`: finding spec files, their repository root and team,
 * and reading the operator config and the policy it names. The pure pipeline gets contents, never paths.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultOperatorConfig, parseOperatorConfig } from '../../crd-schemas/operator-config';
import { defaultPolicy, parsePolicy } from '../../crd-schemas/policy';
import { formatDiagnostic } from '../core/diagnostics';
import type { PipelineEnv } from '../core/pipeline';
import { CliError } from './context';

/** The file name of a spec. */
export const SPEC_FILE = 'nomadgen.toml';

const SKIP_DIRS = new Set(['.git', 'node_modules']);

/** The nearest ancestor of `dir` (itself included) that holds a `.git`, or undefined. */
export function findRepoRoot(dir: string): string | undefined {
  for (let cur = path.resolve(dir); ; cur = path.dirname(cur)) {
    if (fs.existsSync(path.join(cur, '.git'))) return cur;
    if (path.dirname(cur) === cur) return undefined;
  }
}

/** Every `nomadgen.toml` under `dir`, sorted, skipping `.git` and `node_modules`. */
export function walkSpecs(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) visit(path.join(d, entry.name));
      } else if (entry.name === SPEC_FILE) out.push(path.join(d, entry.name));
    }
  };
  visit(dir);
  return out;
}

/** A path relative to `root` with forward slashes. */
export function relativeSlash(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/** Reads the operator config (`--config`, else the defaults) and the policy it names (else the open policy). */
export function loadPipelineEnv(configFile: string | undefined, cwd: string, env: NodeJS.ProcessEnv): PipelineEnv {
  if (configFile === undefined) return { config: defaultOperatorConfig(env), policy: defaultPolicy() };
  const configPath = path.resolve(cwd, configFile);
  const text = readText(configPath, 'config');
  const parsed = parseOperatorConfig(text, configFile, env);
  if (!parsed.ok) throw new CliError(`invalid operator config:\n${parsed.diagnostics.map(formatDiagnostic).join('\n')}`);
  const config = parsed.config;
  if (config.policy === undefined) return { config, policy: defaultPolicy() };
  const policyPath = path.resolve(path.dirname(configPath), config.policy);
  const policy = parsePolicy(readText(policyPath, 'policy'), config.policy);
  if (!policy.ok) throw new CliError(`invalid policy:\n${policy.diagnostics.map(formatDiagnostic).join('\n')}`);
  return { config, policy: policy.policy };
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
