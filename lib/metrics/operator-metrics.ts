/**
 * The operator's Prometheus metrics, registered on an injected registry (never the global one).
 *
 * Names follow controller-runtime's so existing dashboards and alerts carry over:
 * `nomadguard_reconcile_total{controller,result}`, `nomadguard_reconcile_errors_total{controller}`,
 * `nomadguard_reconcile_time_seconds{controller}`, `nomadguard_active_workers{controller}`,
 * `nomadguard_workqueue_depth{name}`; plus `nomadguard_jobs{phase}`, `nomadguard_source_healthy{source}` and
 * `nomadguard_pass_errors_total{reason}` (passes that failed, by what failed: NomadUnavailable, GitFailed...),
 * `nomadguard_notifications_total{result}` (sent, failed, dropped), `nomadguard_passes_without_list_total` (passes
 * that took the live cache the live watch vouched for, without a job list),
 * and `nomadguard_leader{cluster}` (1 while this instance holds the lease, set only under an election).
 * Every label combination known up front is set to 0 at construction, so series exist before the first event.
 *
 * An operator of several clusters builds one registry with `clusters` named: every series then carries a
 * `cluster` label, and each cluster's operator records through `forCluster(name)`. With no clusters named
 * (one cluster) the series have no `cluster` label, as they always had.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_PHASES, type JobPhase } from '../../crd-schemas/status';
import { METRIC_RESULTS, type MetricResult } from '../core/reconcile-result';

const ERROR_RESULTS: ReadonlySet<MetricResult> = new Set<MetricResult>(['error', 'conflict', 'stalled', 'terminal']);

/** The metric objects of one registry, shared by its per-cluster views. */
interface MetricSet {
  reconcileTotal: Counter<string>;
  reconcileErrors: Counter<string>;
  reconcileTime: Histogram<string>;
  activeWorkers: Gauge<string>;
  queueDepth: Gauge<string>;
  jobs: Gauge<string>;
  sourceHealthy: Gauge<string>;
  passErrors: Counter<string>;
  passesWithoutList: Counter<string>;
  notifications: Counter<string>;
  leader: Gauge<string>;
}

/** The `cluster` label of a view, or none. */
type ClusterLabel = { cluster: string } | Record<string, never>;

export class OperatorMetrics {
  readonly registry: Registry;
  private readonly m: MetricSet;
  private readonly at: ClusterLabel;

  constructor(registry: Registry = new Registry(), controllers: readonly string[] = ['job'], opts: { clusters?: readonly string[] } = {}) {
    this.registry = registry;
    const clusters = opts.clusters && opts.clusters.length > 0 ? opts.clusters : undefined;
    const labels = (names: string[]): string[] => (clusters ? [...names, 'cluster'] : names);
    this.at = {};
    this.m = {
      reconcileTotal: new Counter({ name: 'nomadguard_reconcile_total', help: 'Reconciles by controller and result.', labelNames: labels(['controller', 'result']), registers: [registry] }),
      reconcileErrors: new Counter({ name: 'nomadguard_reconcile_errors_total', help: 'Reconciles that ended in an error.', labelNames: labels(['controller']), registers: [registry] }),
      reconcileTime: new Histogram({
        name: 'nomadguard_reconcile_time_seconds',
        help: 'Time a reconcile took.',
        labelNames: labels(['controller']),
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        registers: [registry],
      }),
      activeWorkers: new Gauge({ name: 'nomadguard_active_workers', help: 'Workers currently reconciling.', labelNames: labels(['controller']), registers: [registry] }),
      queueDepth: new Gauge({ name: 'nomadguard_workqueue_depth', help: 'Keys waiting in the work queue.', labelNames: labels(['name']), registers: [registry] }),
      jobs: new Gauge({ name: 'nomadguard_jobs', help: 'Managed jobs by phase.', labelNames: labels(['phase']), registers: [registry] }),
      passErrors: new Counter({ name: 'nomadguard_pass_errors_total', help: 'Passes that failed, by what failed (NomadUnavailable, NomadForbidden, ConsulUnavailable, GitFailed...).', labelNames: labels(['reason']), registers: [registry] }),
      passesWithoutList: new Counter({ name: 'nomadguard_passes_without_list_total', help: 'Passes that took the live cache without a job list: the live watch held its query at the index of the last list.', labelNames: labels([]), registers: [registry] }),
      sourceHealthy: new Gauge({ name: 'nomadguard_source_healthy', help: '1 while the spec source checkout is usable.', labelNames: labels(['source']), registers: [registry] }),
      leader: new Gauge({ name: 'nomadguard_leader', help: '1 while this instance holds the leader lease of the cluster, 0 while it follows.', labelNames: ['cluster'], registers: [registry] }),
      notifications: new Counter({ name: 'nomadguard_notifications_total', help: 'Notifications by how they ended: sent, failed (refused or out of attempts), dropped (queue full or shutdown).', labelNames: labels(['result']), registers: [registry] }),
    };
    for (const at of clusters ? clusters.map((cluster) => ({ cluster })) : [{}]) {
      for (const controller of controllers) {
        for (const result of METRIC_RESULTS) this.m.reconcileTotal.inc({ controller, result, ...at }, 0);
        this.m.reconcileErrors.inc({ controller, ...at }, 0);
        this.m.activeWorkers.set({ controller, ...at }, 0);
        this.m.queueDepth.set({ name: controller, ...at }, 0);
      }
      for (const phase of JOB_PHASES) this.m.jobs.set({ phase, ...at }, 0);
      for (const result of ['sent', 'failed', 'dropped']) this.m.notifications.inc({ result, ...at }, 0);
      this.m.passesWithoutList.inc({ ...at }, 0);
    }
  }

  /** The view a cluster's operator records through: the same series, with `cluster` set to `name`. */
  forCluster(name: string): OperatorMetrics {
    const view = Object.create(OperatorMetrics.prototype) as OperatorMetrics;
    Object.assign(view, { registry: this.registry, m: this.m, at: { cluster: name } });
    return view;
  }

  /** Counts one finished reconcile and its duration. */
  observeReconcile(controller: string, result: MetricResult, seconds: number): void {
    this.m.reconcileTotal.inc({ controller, result, ...this.at });
    if (ERROR_RESULTS.has(result)) this.m.reconcileErrors.inc({ controller, ...this.at });
    this.m.reconcileTime.observe({ controller, ...this.at }, seconds);
  }

  setActiveWorkers(controller: string, n: number): void {
    this.m.activeWorkers.set({ controller, ...this.at }, n);
  }

  setQueueDepth(name: string, n: number): void {
    this.m.queueDepth.set({ name, ...this.at }, n);
  }

  setPhaseCounts(counts: Readonly<Record<JobPhase, number>>): void {
    for (const phase of JOB_PHASES) this.m.jobs.set({ phase, ...this.at }, counts[phase] ?? 0);
  }

  /** Counts one failed pass. */
  countPassError(reason: string): void {
    this.m.passErrors.inc({ reason, ...this.at });
  }

  /** Counts one pass that needed no job list (the live watch vouched for the live cache). */
  countPassWithoutList(): void {
    this.m.passesWithoutList.inc({ ...this.at });
  }

  /** Counts one notification that ended. */
  countNotification(result: 'sent' | 'failed' | 'dropped'): void {
    this.m.notifications.inc({ result, ...this.at });
  }

  setSourceHealthy(source: string, healthy: boolean): void {
    this.m.sourceHealthy.set({ source, ...this.at }, healthy ? 1 : 0);
  }

  /** 1 while this instance holds the leader lease of `cluster`. */
  setLeader(cluster: string, leading: boolean): void {
    this.m.leader.set({ cluster }, leading ? 1 : 0);
  }
}
