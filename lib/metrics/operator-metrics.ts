/**
 * The operator's Prometheus metrics, registered on an injected registry (never the global one).
 *
 * Names follow controller-runtime's so existing dashboards and alerts carry over:
 * `nomadguard_reconcile_total{controller,result}`, `nomadguard_reconcile_errors_total{controller}`,
 * `nomadguard_reconcile_time_seconds{controller}`, `nomadguard_active_workers{controller}`,
 * `nomadguard_workqueue_depth{name}`; plus `nomadguard_jobs{phase}`, `nomadguard_source_healthy{source}` and
 * `nomadguard_pass_errors_total{reason}` (passes that failed, by what failed: NomadUnavailable, GitFailed...),
 * and `nomadguard_leader{cluster}` (1 while this instance holds the lease, set only under an election).
 * Every label combination known up front is set to 0 at construction, so series exist before the first event.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_PHASES, type JobPhase } from '../../crd-schemas/status';
import { METRIC_RESULTS, type MetricResult } from '../core/reconcile-result';

const ERROR_RESULTS: ReadonlySet<MetricResult> = new Set<MetricResult>(['error', 'conflict', 'stalled', 'terminal']);

export class OperatorMetrics {
  readonly registry: Registry;
  private readonly reconcileTotal: Counter<'controller' | 'result'>;
  private readonly reconcileErrors: Counter<'controller'>;
  private readonly reconcileTime: Histogram<'controller'>;
  private readonly activeWorkers: Gauge<'controller'>;
  private readonly queueDepth: Gauge<'name'>;
  private readonly jobs: Gauge<'phase'>;
  private readonly sourceHealthy: Gauge<'source'>;
  private readonly passErrors: Counter<'reason'>;
  private readonly leader: Gauge<'cluster'>;

  constructor(registry: Registry = new Registry(), controllers: readonly string[] = ['job']) {
    this.registry = registry;
    this.reconcileTotal = new Counter({ name: 'nomadguard_reconcile_total', help: 'Reconciles by controller and result.', labelNames: ['controller', 'result'], registers: [registry] });
    this.reconcileErrors = new Counter({ name: 'nomadguard_reconcile_errors_total', help: 'Reconciles that ended in an error.', labelNames: ['controller'], registers: [registry] });
    this.reconcileTime = new Histogram({
      name: 'nomadguard_reconcile_time_seconds',
      help: 'Time a reconcile took.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    this.activeWorkers = new Gauge({ name: 'nomadguard_active_workers', help: 'Workers currently reconciling.', labelNames: ['controller'], registers: [registry] });
    this.queueDepth = new Gauge({ name: 'nomadguard_workqueue_depth', help: 'Keys waiting in the work queue.', labelNames: ['name'], registers: [registry] });
    this.jobs = new Gauge({ name: 'nomadguard_jobs', help: 'Managed jobs by phase.', labelNames: ['phase'], registers: [registry] });
    this.passErrors = new Counter({ name: 'nomadguard_pass_errors_total', help: 'Passes that failed, by what failed (NomadUnavailable, NomadForbidden, ConsulUnavailable, GitFailed...).', labelNames: ['reason'], registers: [registry] });
    this.sourceHealthy = new Gauge({ name: 'nomadguard_source_healthy', help: '1 while the spec source checkout is usable.', labelNames: ['source'], registers: [registry] });
    this.leader = new Gauge({ name: 'nomadguard_leader', help: '1 while this instance holds the leader lease of the cluster, 0 while it follows.', labelNames: ['cluster'], registers: [registry] });

    for (const controller of controllers) {
      for (const result of METRIC_RESULTS) this.reconcileTotal.inc({ controller, result }, 0);
      this.reconcileErrors.inc({ controller }, 0);
      this.activeWorkers.set({ controller }, 0);
      this.queueDepth.set({ name: controller }, 0);
    }
    for (const phase of JOB_PHASES) this.jobs.set({ phase }, 0);
  }

  /** Counts one finished reconcile and its duration. */
  observeReconcile(controller: string, result: MetricResult, seconds: number): void {
    this.reconcileTotal.inc({ controller, result });
    if (ERROR_RESULTS.has(result)) this.reconcileErrors.inc({ controller });
    this.reconcileTime.observe({ controller }, seconds);
  }

  setActiveWorkers(controller: string, n: number): void {
    this.activeWorkers.set({ controller }, n);
  }

  setQueueDepth(name: string, n: number): void {
    this.queueDepth.set({ name }, n);
  }

  setPhaseCounts(counts: Readonly<Record<JobPhase, number>>): void {
    for (const phase of JOB_PHASES) this.jobs.set({ phase }, counts[phase] ?? 0);
  }

  /** Counts one failed pass. */
  countPassError(reason: string): void {
    this.passErrors.inc({ reason });
  }

  setSourceHealthy(source: string, healthy: boolean): void {
    this.sourceHealthy.set({ source }, healthy ? 1 : 0);
  }

  /** Whether this instance leads `cluster` (writes) or follows it. */
  setLeader(cluster: string, leading: boolean): void {
    this.leader.set({ cluster }, leading ? 1 : 0);
  }
}
