/** The operator's controllers: the job-sync controller, its manager, `runOnce`/`startOperator`, plan, wiring. */
export { JobSyncController, needsReconcile, serviceNames, type PassSummary } from './job-sync/controller';
export { DesiredState } from './job-sync/desired-state';
export { LiveCache, listLive, stubOf } from './job-sync/live-cache';
export { StatusStore } from './job-sync/status-store';
export { DEFAULT_TUNING, type OperatorDeps, type OperatorTuning, type RenderFn } from './job-sync/types';
export { Manager, startOperator, runOnce, CONVERGED_PHASES, type OperatorHandle, type RunOnceResult, type StartOptions } from './manager';
export { ONCE_EXIT, onceOutcome, onceReport, jobLine, type OnceOutcome } from './once-report';
export { planReport, type PlanReport } from './plan-report';
export { buildOperatorDeps, buildClusterDeps, buildSharedWiring, loadConfig, defaultWorkDir, WiringError, type SharedWiring, type WiringOptions } from './wiring';
export { buildClusterSet, mergeStatus, runOnceClusters, startClusterOperators, type ClusterMember, type ClusterOnceResult, type ClusterOperatorsHandle, type ClusterSet } from './clusters/cluster-set';
export { routedRender, reportingCluster } from './clusters/route-render';
