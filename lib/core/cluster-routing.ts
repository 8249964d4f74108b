/**
 * Which configured cluster a spec goes to: the one whose `tiers` list its tier (the config refuses a tier
 * listed by two clusters, crd-schemas/operator-config.ts `tierOverlaps`). A spec whose tier no cluster
 * serves is invalid (`TIER_UNROUTED`, at its `tier` key), in `validate` as in the operator.
 */
import type { OperatorConfig } from '../../crd-schemas/operator-config';
import { TIERS } from '../../crd-schemas/spec-v1';
import type { Diagnostic } from './diagnostics';
import { loadSpec } from './spec/load';

/** The name of the cluster serving `tier`, or undefined when none does. */
export function clusterOfTier(clusters: OperatorConfig['clusters'], tier: string): string | undefined {
  for (const [name, cluster] of Object.entries(clusters)) if ((cluster.tiers as readonly string[]).includes(tier)) return name;
  return undefined;
}

/** The configured clusters and their tiers in words: `a (production), b (quality, test)`. */
export function describeClusters(clusters: OperatorConfig['clusters']): string {
  return Object.entries(clusters)
    .map(([name, c]) => `${name} (${c.tiers.join(', ')})`)
    .join(', ');
}

/** The error of a spec whose tier no configured cluster serves; undefined when one does. */
export function unroutedTier(clusters: OperatorConfig['clusters'], tier: string): Diagnostic | undefined {
  if (clusterOfTier(clusters, tier) !== undefined) return undefined;
  return {
    code: 'TIER_UNROUTED',
    severity: 'error',
    message: `tier "${tier}" is served by no configured cluster; the clusters are ${describeClusters(clusters)}`,
    path: ['tier'],
    hint: `add "${tier}" to the tiers of one cluster in the operator config`,
  };
}

/** A top-level `tier = "..."` line, before the first table header. */
const TIER_LINE = /^[ \t]*tier[ \t]*=[ \t]*["']([a-z]+)["'][ \t]*(?:#.*)?$/m;

/**
 * The tier a spec names, or undefined when it names none the platform knows. A spec that loads gives its
 * tier; one that fails its schema elsewhere still names its tier when a top-level `tier = "..."` line
 * (before any table) says one of the platform's tiers, so it is reported by its own cluster only.
 */
export function specTier(input: { text: string | Uint8Array; file: string; team: string }): string | undefined {
  const loaded = loadSpec(input);
  if (loaded.ok) return loaded.spec.tier;
  let text: string;
  try {
    text = typeof input.text === 'string' ? input.text : new TextDecoder('utf-8', { fatal: true }).decode(input.text);
  } catch {
    return undefined;
  }
  const header = /^[ \t]*\[/m.exec(text);
  const m = TIER_LINE.exec(header ? text.slice(0, header.index) : text);
  return m && (TIERS as readonly string[]).includes(m[1]) ? m[1] : undefined;
}
