/**
 * The prune guard: a pass that would stop too large a share of a namespace's managed jobs at once is
 * refused until a human confirms it. Protects against a broken checkout that looks like a mass delete.
 */
import { isManaged } from './pair';
import { ownedByAdoption } from './adopt';
import { META, type JobKey, type PlanItem } from './types';
import { isSourceOf } from '../source-id';

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
    const ours = it.live !== undefined && (ownedByAdoption(it.live, it.record, opts.source) || (isManaged(it.live) && isSourceOf(it.live.Meta?.[META.source], opts.source)));
    if (!it.live || !ours || it.live.Stop) continue;
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

/** Confirmed prunes by namespace: the keys a human saw held back and confirmed. */
export type PruneConfirmations = ReadonlyMap<string, ReadonlySet<JobKey>>;

function pruneCandidates(items: readonly PlanItem[]): Map<string, Set<JobKey>> {
  const out = new Map<string, Set<JobKey>>();
  for (const it of items) {
    if (it.action !== 'prune' && it.action !== 'prune-wait') continue;
    let keys = out.get(it.namespace);
    if (!keys) out.set(it.namespace, (keys = new Set()));
    keys.add(it.key);
  }
  return out;
}

/**
 * Carries prune confirmations from pass to pass, so a confirmation outlives a failed delete, a requeue
 * and the prune grace. A namespace confirmed now (`requested`) covers its prunes (and prunes in grace)
 * of `items` (decisions before the guard). A confirmation then lasts while every prune of its namespace
 * is one it covers and at least one is left: a new prune there (the desired state changed) or none left
 * (done, or its specs came back) ends it. Pass `canPrune: false` when nothing may be pruned this pass
 * (source not healthy or not loaded): confirmations are carried unchanged and requests cover nothing.
 */
export function carryConfirmations(previous: PruneConfirmations, requested: Iterable<string>, items: readonly PlanItem[], opts: { canPrune: boolean }): Map<string, ReadonlySet<JobKey>> {
  if (!opts.canPrune) return new Map(previous);
  const candidates = pruneCandidates(items);
  const out = new Map<string, ReadonlySet<JobKey>>();
  for (const [namespace, covered] of previous) {
    const now = candidates.get(namespace);
    if (now && [...now].every((k) => covered.has(k))) out.set(namespace, covered);
  }
  for (const namespace of requested) {
    const now = candidates.get(namespace);
    if (now) out.set(namespace, now);
  }
  return out;
}
