/**
 * `--adopt NS...` of `run` and `plan`: namespaces whose jobs running without the nomadguard marker are
 * taken over by the spec naming their ID, on top of the config's `reconcile.adopt`.
 */
import type { OperatorConfig } from '../../crd-schemas/operator-config';

/** The option's help text. */
export const ADOPT_HELP = 'take over jobs running without the nomadguard marker in these namespaces when a spec names their ID (adds to reconcile.adopt.namespaces)';

/** `deps` with the namespaces of `--adopt` added to `config.reconcile.adopt.namespaces`; the same object without any. */
export function withAdoptedNamespaces<T extends { config: OperatorConfig }>(deps: T, namespaces: readonly string[] | undefined): T {
  if (!namespaces || namespaces.length === 0) return deps;
  const adopt = deps.config.reconcile.adopt;
  const merged = [...new Set([...adopt.namespaces, ...namespaces])];
  return { ...deps, config: { ...deps.config, reconcile: { ...deps.config.reconcile, adopt: { ...adopt, namespaces: merged } } } };
}
