/**
 * What the generator needs besides the spec: the team, where the spec came from, the operator config, and
 * the Vault identity the team's jobs use.
 */
import type { OperatorConfig } from '../../../crd-schemas/operator-config';

/** Everything the generator may read. */
export interface GenerateContext {
  /** The team: Nomad namespace and the middle of the job ID. */
  team: string;
  /** Spec path relative to the repo root, e.g. "es/cerebro/nomadgen.toml". */
  file: string;
  /** SHA of the commit that last changed the spec; "" outside git. Never written into the job (see meta.ts). */
  commit: string;
  /** Source identity written to `nomadguard.source`. */
  source: string;
  config: OperatorConfig;
  /** Vault role (workload-identity mode); defaults to the team. */
  vaultRole?: string;
  /** Vault policies (policies mode); default `[team]`. */
  vaultPolicies?: readonly string[];
}
