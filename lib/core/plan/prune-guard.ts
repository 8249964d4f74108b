/**
 * The prune guard: a pass that would stop too large a share of a namespace's managed jobs at once is
 * refused until a human confirms it. Protects against a broken checkout that looks like a mass delete.
 */
import { isManaged } from './pair';
import { META, type PlanItem } from './types';

/** A namespace whose prunes were held back. */
export interface PruneRefusal {
  namespace: string;
  wouldPrune: number;
  managed: number;
}

/** Guard options. `maxShare` default 1: refuse only a pass that prunes every managed job of a namespace. */
export interface PruneGuardOptions {
  source: string;
  /** Refuse when pruned/managed >= maxShare (a value above 1 disables the guard). */
  maxShare: number;
  /** `true` or the namespaces a human confirmed. */
  confirmed?: boolean | ReadonlySet<string>;
}

/**
 * Returns `items` with refused prunes turned into `leave-alone` (reason `PruneGuard`), and the refusals.
 * Counts only live managed jobs of this source per namespace (prune candidates included).
 */
export function applyPruneGuard(items: readonly PlanItem[], opts: PruneGuardOptions): { items: PlanItem[]; refused: PruneRefusal[] } {
  const managed = new Map<string, number>();
  const prunes = new Map<string, number>();
  for (const it of items) {
    if (!it.live || !isManaged(it.live) || it.live.Meta?.[META.source] !== opts.source || it.live.Stop) continue;
    managed.set(it.namespace, (managed.get(it.namespace) ?? 0) + 1);
    if (it.action === 'prune' || it.action === 'prune-wait') prunes.set(it.namespace, (prunes.get(it.namespace) ?? 0) + 1);
  }
  const refused: PruneRefusal[] = [];
  const blocked = new Set<string>();
  for (const [namespace, n] of prunes) {
    const total = managed.get(namespace) ?? n;
    const confirmed = opts.confirmed === true || (opts.confirmed instanceof Set && opts.confirmed.has(namespace));
    if (!confirmed && n > 0 && n / total >= opts.maxShare) {
      refused.push({ namespace, wouldPrune: n, managed: total });
      blocked.add(namespace);
    }
  }
  // Nothing refused (every pass but a mass delete): the items as they are, without a per-item copy.
  if (blocked.size === 0) return { items: items.slice(), refused };
  const out = items.map((it) =>
    (it.action === 'prune' || it.action === 'prune-wait') && blocked.has(it.namespace)
      ? { ...it, action: 'leave-alone' as const, write: false, reason: 'PruneGuard', message: `pruning ${prunes.get(it.namespace)} of ${managed.get(it.namespace)} managed jobs in ${it.namespace} needs confirmation` }
      : it,
  );
  return { items: out, refused: refused.sort((a, b) => a.namespace.localeCompare(b.namespace)) };
}
