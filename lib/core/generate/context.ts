/**
 * What the generator needs besides the spec: the team, where the spec came from, the operator config, and
 * the Vault identity the team's jobs use.
 */
import type { OperatorConfig } from '../../../crd-schemas/operator-config';
import type { SpecV1 } from '../../../crd-schemas/spec-v1';
import type { Job } from '../nomad/types';

/** Everything a generator (and a platform function) may read. */
export interface GenerateContext {
  /** The team: Nomad namespace and the middle of the job ID. */
  team: string;
  /** Spec path relative to the repo root, e.g. "es/cerebro/nomadgen.toml". */
  file: string;
  /** SHA of the commit that last changed the spec; "" outside git. */
  commit: string;
  /** Source identity written to `nomadguard.source`. */
  source: string;
  config: OperatorConfig;
  /** Vault role (workload-identity mode); defaults to the team. */
  vaultRole?: string;
  /** Vault policies (policies mode); default `[team]`. */
  vaultPolicies?: readonly string[];
}

/** What a platform function sees: the generate context plus the spec the job came from. */
export interface PlatformContext extends GenerateContext {
  spec: SpecV1;
}

/** A platform concern: a pure function from a job to a new job with the concern applied (no hidden state). */
export type PlatformFn = (job: Job, ctx: PlatformContext) => Job;
