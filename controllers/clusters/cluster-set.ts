/**
 * Several clusters, one operator: one cluster operator (manager, controller, state store, Nomad and Consul
 * clients) per configured cluster, all sharing one git source, one logger and one metrics registry. Each
 * is given only the specs of the tiers its cluster serves (route-render.ts). They run side by side: one
 * cluster failing (its Nomad down) shows in its own status and metrics while the others go on.
 *
 * The merged status keeps each job's key (`namespace/job`) and adds a `cluster` field to every job and
 * source; with one cluster nothing is added, so its output is what it always was.
 */
import type { JobStatus, OperatorStatus } from '../../crd-schemas/status';
import type { OperatorDeps } from '../job-sync/types';
import { runOnce, startOperator, type OperatorHandle, type RunOnceResult, type StartOptions } from '../manager';
import { onceOutcome, type OnceOutcome } from '../once-report';
import { buildClusterDeps, buildSharedWiring, WiringError, type WiringOptions } from '../wiring';

/** One configured cluster and its operator's dependencies. */
export interface ClusterMember {
  name: string;
  deps: OperatorDeps & { close(): void };
}

/** Every configured cluster's dependencies, in config order. */
export interface ClusterSet {
  members: ClusterMember[];
  /** The registry every cluster records to. */
  metrics: OperatorDeps['metrics'];
  close(): void;
}

/** Builds one set of dependencies per configured cluster (one cluster: exactly what `buildOperatorDeps` builds). */
export async function buildClusterSet(opts: WiringOptions): Promise<ClusterSet> {
  const shared = buildSharedWiring(opts);
  const names = Object.keys(shared.config.clusters);
  if (names.length > 1 && (opts.nomad || opts.consul)) throw new WiringError('pre-built Nomad or Consul ports serve one cluster only');
  const members: ClusterMember[] = [];
  try {
    for (const name of names) members.push({ name, deps: await buildClusterDeps(shared, name, opts) });
  } catch (e) {
    for (const m of members) m.deps.close();
    throw e;
  }
  if (shared.several) shared.logger.info({ clusters: names.map((n) => ({ cluster: n, tiers: shared.config.clusters[n].tiers })) }, 'one cluster operator per configured cluster');
  return {
    members,
    metrics: shared.metrics,
    close() {
      for (const m of members) m.deps.close();
    },
  };
}

/** Merges the clusters' statuses: every source, every job (by key, then cluster). */
export function mergeStatus(statuses: readonly OperatorStatus[]): OperatorStatus {
  if (statuses.length === 1) return statuses[0];
  const jobs: JobStatus[] = statuses.flatMap((s) => s.jobs);
  jobs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : (a.cluster ?? '').localeCompare(b.cluster ?? '')));
  return { sources: statuses.flatMap((s) => s.sources), jobs };
}

/** The handle of every cluster's running operator, seen as one. */
export interface ClusterOperatorsHandle extends Omit<OperatorHandle, 'manager'> {
  operators: Array<{ cluster: string; handle: OperatorHandle }>;
}

/** Starts every cluster's operator; status and syncs span them all. */
export function startClusterOperators(set: ClusterSet, opts: StartOptions = {}): ClusterOperatorsHandle {
  const operators = set.members.map((m) => ({ cluster: m.name, handle: startOperator(m.deps, opts) }));
  return {
    operators,
    trigger(t) {
      for (const o of operators) o.handle.trigger(t);
    },
    status: () => mergeStatus(operators.map((o) => o.handle.status())),
    sync({ keys, all }) {
      // A key goes to the clusters that know it; `all` to every cluster.
      for (const o of operators) {
        const known = new Set(o.handle.status().jobs.map((j) => j.key));
        const mine = keys.filter((k) => known.has(k));
        if (all || mine.length > 0) o.handle.sync({ keys: mine, all });
      }
    },
    // The clusters share one look counter (wiring), so any cluster's generation is every cluster's.
    generation: () => operators[0].handle.generation(),
    async readiness() {
      const reports = await Promise.all(operators.map((o) => o.handle.readiness()));
      const merged: Awaited<ReturnType<OperatorHandle['readiness']>> = {};
      reports.forEach((r, i) => {
        for (const [check, v] of Object.entries(r)) merged[`${operators[i].cluster}.${check}`] = v;
      });
      return merged;
    },
    async stop(o) {
      await Promise.all(operators.map((x) => x.handle.stop(o)));
    },
    done: Promise.all(operators.map((o) => o.handle.done)).then(() => undefined),
  };
}

/** The outcome of `run --once` over every cluster. */
export interface ClusterOnceResult extends Omit<RunOnceResult, 'summary'> {
  /** The commit the passes saw (the first cluster's that has one). */
  commit?: string;
  sourceError?: string;
  /** Clusters whose pass could not read Nomad, Consul or the state store, with the error. */
  failed: Array<{ cluster: string; message: string }>;
}

/**
 * `run --once` on every cluster at once: each runs its pass and follows its deployments; a cluster whose
 * pass fails is reported with its error and the others still run to their end. Failed when any cluster
 * failed, timed out when any timed out, else converged.
 */
export async function runOnceClusters(set: ClusterSet, opts: Parameters<typeof runOnce>[1] = {}): Promise<ClusterOnceResult> {
  const results = await Promise.allSettled(set.members.map((m) => runOnce(m.deps, opts)));
  const failed: ClusterOnceResult['failed'] = [];
  const done: RunOnceResult[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') done.push(r.value);
    else failed.push({ cluster: set.members[i].name, message: r.reason instanceof Error ? r.reason.message : String(r.reason) });
  });
  const status = mergeStatus(done.map((d) => d.status).concat(done.length === 0 ? [{ sources: [], jobs: [] }] : []));
  const timedOut = done.some((d) => d.timedOut);
  const outcomes = done.map((d) => d.outcome);
  const outcome: OnceOutcome = failed.length > 0 || outcomes.includes('failed') ? 'failed' : outcomes.includes('timed-out') ? 'timed-out' : onceOutcome(status, { passOk: true, timedOut });
  const commit = done.find((d) => d.summary.commit)?.summary.commit;
  const sourceError = done.find((d) => d.summary.sourceError)?.summary.sourceError;
  return { converged: outcome === 'converged', outcome, status, timedOut, failed, ...(commit ? { commit } : {}), ...(sourceError ? { sourceError } : {}) };
}
