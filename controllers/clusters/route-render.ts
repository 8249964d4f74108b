/**
 * The render function of one cluster's operator: a spec whose tier another cluster serves is left to that
 * cluster (`elsewhere`, never rendered here); every other spec is rendered with this cluster's region and
 * datacenters. A spec whose tier no cluster serves is rendered, and invalid (`TIER_UNROUTED`), in the first
 * configured cluster only, so it is reported once; a spec too broken to name its tier is invalid in every
 * cluster, so none of them touches the job it may have left running.
 */
import { clusterRenderConfig, type OperatorConfig } from '../../crd-schemas/operator-config';
import type { Policy } from '../../crd-schemas/policy';
import { clusterOfTier, specTier } from '../../lib/core/cluster-routing';
import { renderSpec } from '../../lib/core/pipeline';
import type { RenderFn } from '../job-sync/types';

/** The cluster that reports specs of a tier no cluster serves: the first configured one. */
export function reportingCluster(config: OperatorConfig): string {
  return Object.keys(config.clusters)[0];
}

/** Renders the specs of cluster `name` (see the file comment). */
export function routedRender(config: OperatorConfig, policy: Policy, name: string): RenderFn {
  const env = { config: clusterRenderConfig(config, name), policy };
  const reporter = reportingCluster(config);
  const single = Object.keys(config.clusters).length === 1;
  return (input) => {
    if (!single) {
      const tier = specTier(input);
      if (tier !== undefined) {
        const owner = clusterOfTier(config.clusters, tier) ?? reporter;
        if (owner !== name) return { ok: false, elsewhere: owner, diagnostics: [] };
      }
    }
    return renderSpec(input, env);
  };
}
