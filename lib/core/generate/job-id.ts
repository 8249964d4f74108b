/**
 * Job and service names.
 */
import { TIER_LETTER, type SpecV1 } from '../../../crd-schemas/spec-v1';

/** The job ID: the spec's `id` when it has one, else `<tier letter>-<team>-<name>`, e.g. "p-es-cerebro". */
export function jobIdOf(spec: Pick<SpecV1, 'tier' | 'name' | 'id'>, team: string): string {
  return spec.id ?? `${TIER_LETTER[spec.tier]}-${team}-${spec.name}`;
}

/**
 * The Consul service name of each task with a port or check, keyed "group/task": the job ID when the job has
 * one service, `<job>-<task>` otherwise, `<job>-<group>-<task>` when task names repeat across groups.
 */
export function serviceNames(spec: SpecV1, jobId: string): Map<string, string> {
  const tasks: Array<{ g: string; t: string }> = [];
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const g of spec.group) {
    for (const t of g.task) {
      if (t.port === undefined && t.check === undefined) continue;
      tasks.push({ g: g.name, t: t.name });
      if (seen.has(t.name)) repeated.add(t.name);
      else seen.add(t.name);
    }
  }
  const names = new Map<string, string>();
  for (const { g, t } of tasks) {
    names.set(`${g}/${t}`, tasks.length === 1 ? jobId : repeated.has(t) ? `${jobId}-${g}-${t}` : `${jobId}-${t}`);
  }
  return names;
}
