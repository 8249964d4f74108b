/**
 * The policy: validators that judge a spec and modifiers that add the platform's requirements to the
 * generated job. See README.md for the order rules run in and the codes they report.
 */
import type { Diagnostic } from '../diagnostics';
import type { Job } from '../nomad/types';
import type { SpecV1 } from '../../../crd-schemas/spec-v1';
import type { Policy, RuleName } from '../../../crd-schemas/policy';
import type { Modification, ModifierRule, PolicyContext, ValidatorRule } from './types';
import { authorisation } from './validators/authorisation';
import { names } from './validators/names';
import { images } from './validators/images';
import { resources } from './validators/resources';
import { volumes } from './validators/volumes';
import { docker } from './validators/docker';
import { firewall } from './validators/firewall';
import { secrets } from './validators/secrets';
import { checks } from './validators/checks';
import { tags } from './validators/tags';
import { env } from './validators/env';
import { meta } from './validators/meta';
import { spread } from './modifiers/spread';
import { placement } from './modifiers/placement';
import { limits } from './modifiers/limits';
import { update } from './modifiers/update';
import { traefik } from './modifiers/traefik';
import { ipv6 } from './modifiers/ipv6';
import { checkJob } from './job-checks';

export type { Modification, PolicyContext, PolicyConfigView, VaultMode } from './types';

/** Validators in the order they run. */
export const VALIDATORS: ReadonlyArray<ValidatorRule> = [authorisation, names, images, resources, volumes, docker, firewall, secrets, checks, tags, env, meta] as ReadonlyArray<ValidatorRule>;
/** Modifiers in the order they run (each sees the job as the previous one left it). */
export const MODIFIERS: ReadonlyArray<ModifierRule> = [spread, placement, limits, update, traefik, ipv6] as ReadonlyArray<ModifierRule>;

function withSeverity(diagnostics: Diagnostic[], policy: Policy, rule: RuleName): Diagnostic[] {
  const severity = policy.rules[rule].severity;
  if (severity === undefined) return diagnostics;
  for (const d of diagnostics) d.severity = severity;
  return diagnostics;
}

/** Run every enabled validator over the spec; each diagnostic carries `path` into the spec and `file`. */
export function validateSpec(spec: SpecV1, ctx: PolicyContext, policy: Policy): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const rule of VALIDATORS) {
    const params = policy.rules[rule.name];
    if (!params.enabled) continue;
    for (const d of withSeverity(rule.validate(spec, ctx, params as never, policy), policy, rule.name)) {
      d.file ??= ctx.file;
      out.push(d);
    }
  }
  return out;
}

/**
 * Apply every enabled modifier to the job, in place (callers pass the generator's fresh job), then check the
 * result (namespace, Vault access). The modifications are returned, never written into the job (its Meta holds
 * only what does not move while the spec stays in place). Diagnostics carry `path` into the spec, like the
 * validators'.
 */
export function applyModifiers(
  job: Job,
  spec: SpecV1,
  ctx: PolicyContext,
  policy: Policy,
): { job: Job; modifications: Modification[]; diagnostics: Diagnostic[] } {
  const out = job;
  const modifications: Modification[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const rule of MODIFIERS) {
    const params = policy.rules[rule.name];
    if (!params.enabled) continue;
    const result = rule.modify(out, spec, ctx, params as never, policy);
    modifications.push(...result.modifications);
    for (const d of withSeverity(result.diagnostics, policy, rule.name)) {
      d.file ??= ctx.file;
      diagnostics.push(d);
    }
  }
  for (const d of checkJob(out, spec, ctx, policy)) {
    d.file ??= ctx.file;
    diagnostics.push(d);
  }
  return { job: out, modifications, diagnostics };
}

export { crossSpecRules, liveHolders, serviceNamesOf, type LiveHolders, type RenderedSpecSummary } from './cross-spec';
export { exposedHosts, isExposed } from './modifiers/traefik';
