/**
 * Job and service names.
 */
import { TIER_LETTER, type SpecV1 } from '../../../crd-schemas/spec-v1';

/** The job ID `<tier letter>-<team>-<name>`, e.g. "p-es-cerebro". */
export function jobIdOf(spec: Pick<SpecV1, 'tier' | 'name'>, team: string): string {
  return `${TIER_LETTER[spec.tier]}-${team}-${spec.name}`;
}

/**
 * The Consul service name of each task with a port or check, keyed "group/task": the job ID when the job has
 * one service, `<job>-<task>` otherwise, `<job>-<group>-<task>` when task names repeat across groups.
 */
export function serviceNames(spec: SpecV1, jobId: string): Map<string, string> {
  const tasks = spec.group.flatMap((g) => g.task.filter((t) => t.port !== undefined || t.check !== undefined).map((t) => ({ g: g.name, t: t.name })));
  const names = new Map<string, string>();
  const repeated = new Set(tasks.map((x) => x.t).filter((t, i, all) => all.indexOf(t) !== i));
  for (const { g, t } of tasks) {
    names.set(`${g}/${t}`, tasks.length === 1 ? jobId : repeated.has(t) ? `${jobId}-${g}-${t}` : `${jobId}-${t}`);
  }
  return names;
}
