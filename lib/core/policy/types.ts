/**
 * The vocabulary every policy rule shares: what a rule is told (PolicyContext), what a validator returns
 * (diagnostics with a spec path), and what a modifier reports (Modification).
 */
import type { Diagnostic, SpecPath } from '../diagnostics';
import type { Job } from '../nomad/types';
import type { SpecV1 } from '../../../crd-schemas/spec-v1';
import type { Policy, RuleName, Rules } from '../../../crd-schemas/policy';
import type { OperatorConfig } from '../../../crd-schemas/operator-config';

/** The slice of the operator config the policy reads. */
export type PolicyConfigView = Pick<OperatorConfig, 'platform' | 'traefik' | 'vault'>;

/** How the cluster hands Vault tokens to tasks: workload identity (Nomad >= 1.10) or legacy policies. */
export type VaultMode = 'workload-identity' | 'policies';

/** What every rule knows about the spec besides its content. */
export interface PolicyContext {
  /** The spec's team: its first folder under the repo root. */
  team: string;
  /** The spec file, relative to the repo root. */
  file: string;
  config: OperatorConfig;
  vaultMode: VaultMode;
}

/** One change a modifier made to the job, shown by `render --explain`. */
export interface Modification {
  /** The rule's name in the policy (`spread`, `limits`, ...). */
  rule: string;
  /** Where in the job, e.g. `TaskGroups[0].Spreads`. */
  path: string;
  message: string;
  before?: unknown;
  after?: unknown;
}

/** A validator: a pure function of the spec; diagnostics carry `path` into the spec. */
export interface ValidatorRule<N extends RuleName = RuleName> {
  name: N;
  validate(spec: SpecV1, ctx: PolicyContext, params: Rules[N], policy: Policy): Diagnostic[];
}

/** What a modifier returns: the changed job (a modifier may mutate the job it is given), its changes, its findings. */
export interface ModifierOutcome {
  modifications: Modification[];
  diagnostics: Diagnostic[];
}

/** A modifier: changes the generated job in place and says what it changed. */
export interface ModifierRule<N extends RuleName = RuleName> {
  name: N;
  modify(job: Job, spec: SpecV1, ctx: PolicyContext, params: Rules[N], policy: Policy): ModifierOutcome;
}

export type { SpecPath };
