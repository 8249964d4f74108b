/**
 * The pure pipeline: spec text -> load (positions kept) -> schema -> generate -> policy validators ->
 * policy modifiers -> hash -> diagnostics with line:col. The same function serves `render`, `validate`,
 * a CI step and the operator.
 */
import type { Diagnostic } from './diagnostics';
import { hasErrors } from './diagnostics';
import type { Job } from './nomad/types';
import type { SpecV1 } from '../../crd-schemas/spec-v1';
import type { OperatorConfig } from '../../crd-schemas/operator-config';
import type { Policy } from '../../crd-schemas/policy';
import { loadSpec, resolvePositions } from './spec/load';
import { generateJob } from './generate';
import type { PositionIndex } from './spec/positions';
import { jobHash } from './hash';
import { declaredTeam } from './policy/helpers';
import { sourceIdentity } from './source-id';
import { unroutedTier } from './cluster-routing';
import { applyModifiers, crossSpecRules, exposedHosts, serviceNamesOf, validateSpec, type Modification, type PolicyContext } from './policy';

/** The platform and policy a spec is rendered against. */
export interface PipelineEnv {
  config: OperatorConfig;
  policy: Policy;
}

/** One spec to render. `team` is the first folder under the repo root (or given for a file outside a repo). */
export interface RenderInput {
  text: string | Uint8Array;
  file: string;
  team: string;
  /** SHA of the commit that last changed this spec; "" (the default) outside git. */
  commit?: string;
  /** Source identity for `nomadguard.source`; defaults to the config's source name or repo without credentials, else "local". */
  source?: string;
}

/** The outcome of rendering one spec. `job` is present whenever generation succeeded, even with errors. */
export interface RenderResult {
  ok: boolean;
  jobId?: string;
  job?: Job;
  /** The hash of `job` (see lib/core/hash.ts): present whenever `job` is. Never part of the job itself. */
  hash?: string;
  /** The loaded (and, for legacy files, converted) spec. */
  spec?: SpecV1;
  /** Every diagnostic, each with file, line and col where a position exists. */
  diagnostics: Diagnostic[];
  modifications: Modification[];
  legacy: boolean;
}

/** The source identity when the input names none: the config's, without credentials (source-id.ts). */
function sourceOf(input: RenderInput, config: OperatorConfig): string {
  return input.source ?? sourceIdentity(config.source);
}

/** Renders one spec to its desired job. Pure. */
export function renderSpec(input: RenderInput, env: PipelineEnv): RenderResult {
  return render(input, env).result;
}

/** renderSpec, also returning the position index for diagnostics found later (repository rules). */
function render(input: RenderInput, env: PipelineEnv): { result: RenderResult; positions?: PositionIndex } {
  const loaded = loadSpec({ text: input.text, file: input.file, team: input.team });
  if (!loaded.ok) return { result: { ok: false, diagnostics: loaded.diagnostics, modifications: [], legacy: loaded.legacy }, positions: loaded.positions };
  const { spec, positions } = loaded;
  const diagnostics = [...loaded.diagnostics];
  const team = declaredTeam(env.policy, input.team);
  const ctx: PolicyContext = { team: input.team, file: input.file, config: env.config, vaultMode: env.config.vault.mode };

  // Policy: validators judge the spec.
  diagnostics.push(...validateSpec(spec, ctx, env.policy));
  const unrouted = unroutedTier(env.config.clusters, spec.tier);
  if (unrouted) diagnostics.push(unrouted);

  const generated = generateJob(spec, {
    team: input.team,
    file: input.file,
    commit: input.commit ?? '',
    source: sourceOf(input, env.config),
    config: env.config,
    ...(team?.vaultRole ? { vaultRole: team.vaultRole } : {}),
    ...(team?.vaultPolicies ? { vaultPolicies: team.vaultPolicies } : {}),
  });

  // Policy: modifiers add the platform's rules to the job and say what they changed.
  const modified = applyModifiers(generated, spec, ctx, env.policy);
  diagnostics.push(...modified.diagnostics);

  const job = modified.job;
  resolvePositions(diagnostics, positions);
  for (const d of diagnostics) d.file ??= input.file;
  return {
    result: { ok: !hasErrors(diagnostics), jobId: job.ID, job, hash: jobHash(job), spec, diagnostics, modifications: modified.modifications, legacy: loaded.legacy },
    positions,
  };
}

/** One file of a repository, with its team. */
export interface RepoFile {
  file: string;
  text: string | Uint8Array;
  team: string;
  commit?: string;
}

/** Renders every spec of a repository and adds the repository-wide rules (unique job IDs and hosts). */
export function validateRepo(files: readonly RepoFile[], env: PipelineEnv & { source?: string }): Map<string, RenderResult> {
  const results = new Map<string, RenderResult>();
  const positions = new Map<string, PositionIndex | undefined>();
  for (const f of files) {
    const r = render({ text: f.text, file: f.file, team: f.team, commit: f.commit, ...(env.source ? { source: env.source } : {}) }, env);
    results.set(f.file, r.result);
    positions.set(f.file, r.positions);
  }
  const summaries = [...results.entries()].map(([file, r]) => ({ file, ...(r.jobId ? { jobId: r.jobId } : {}), hosts: r.job ? exposedHosts(r.job) : [], services: r.job ? serviceNamesOf(r.job) : [] }));
  for (const [file, extra] of crossSpecRules(summaries, env.policy)) {
    const result = results.get(file);
    if (!result) continue;
    resolvePositions(extra, positions.get(file));
    for (const d of extra) d.file ??= file;
    result.diagnostics.push(...extra);
    result.ok = !hasErrors(result.diagnostics);
  }
  return results;
}
