/**
 * resources: cpu, memory and count lie within the tier's range, and memory_max is not below memory.
 * Only values the spec sets are checked; the platform's defaults are within every sensible range.
 * A spec's size is bounded too, whatever its tier: at most `maxGroups` groups (GROUP_LIMIT at the first group
 * beyond), `maxTasksPerGroup` tasks in a group (TASK_LIMIT at the first task beyond) and `maxInstances`
 * instances over all groups (COUNT_LIMIT at the count, or scaling.max, that goes beyond), a group counting
 * its count (default 1) or its scaling.max when that is higher, since an autoscaler may go that far.
 * Codes: RESOURCE_CPU_RANGE, RESOURCE_MEMORY_RANGE, RESOURCE_MEMORY_MAX, COUNT_RANGE, GROUP_LIMIT, TASK_LIMIT,
 * COUNT_LIMIT.
 */
import type { Diagnostic } from '../../diagnostics';
import type { ValidatorRule } from '../types';
import type { SpecV1 } from '../../../../crd-schemas/spec-v1';
import type { Rules } from '../../../../crd-schemas/policy';

interface Range {
  min?: number;
  max?: number;
}

function rangeText(r: Range, unit: string): string {
  if (r.min !== undefined && r.max !== undefined) return `between ${r.min} and ${r.max}${unit}`;
  if (r.min !== undefined) return `at least ${r.min}${unit}`;
  return `at most ${r.max}${unit}`;
}

function outside(v: number, r: Range): boolean {
  return (r.min !== undefined && v < r.min) || (r.max !== undefined && v > r.max);
}

/** The limits on a spec's size: groups, tasks per group and instances over all groups (one finding each at most). */
function sizeLimits(spec: SpecV1, params: Rules['resources']): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { maxGroups, maxTasksPerGroup, maxInstances } = params;
  if (spec.group.length > maxGroups) {
    out.push({
      code: 'GROUP_LIMIT',
      severity: 'error',
      message: `the spec declares ${spec.group.length} groups; the platform allows at most ${maxGroups} per spec. Split the service into several specs, or ask the platform team to raise the limit.`,
      path: ['group', maxGroups, 'name'],
    });
  }
  const crowded = spec.group.findIndex((g) => g.task.length > maxTasksPerGroup);
  if (crowded >= 0) {
    const g = spec.group[crowded];
    out.push({
      code: 'TASK_LIMIT',
      severity: 'error',
      message: `group ${JSON.stringify(g.name)} declares ${g.task.length} tasks; the platform allows at most ${maxTasksPerGroup} per group. Move tasks into other groups or specs.`,
      path: ['group', crowded, 'task', maxTasksPerGroup, 'name'],
    });
  }
  let total = 0;
  for (let gi = 0; gi < spec.group.length; gi++) {
    const g = spec.group[gi];
    const count = g.count ?? 1;
    const instances = Math.max(count, g.scaling?.max ?? 0);
    const scaled = instances > count;
    total += instances;
    if (total <= maxInstances) continue;
    out.push({
      code: 'COUNT_LIMIT',
      severity: 'error',
      message: `the spec's groups add up to ${total} instances by group ${JSON.stringify(g.name)} (counting scaling.max where it is higher than count); the platform allows at most ${maxInstances} per spec. Lower the counts.`,
      path: scaled ? ['group', gi, 'scaling', 'max'] : ['group', gi, g.count === undefined ? 'name' : 'count'],
    });
    break;
  }
  return out;
}

/** Default memory (MiB) the generator gives a task without `memory`. */
const DEFAULT_MEMORY = 256;

/** The `resources` validator rule (see the file comment for what it checks). */
export const resources: ValidatorRule<'resources'> = {
  name: 'resources',
  validate(spec, _ctx, params) {
    const out: Diagnostic[] = [];
    const limits = params.tiers[spec.tier];
    out.push(...sizeLimits(spec, params));
    spec.group.forEach((g, gi) => {
      const count = g.count ?? 1;
      if (outside(count, limits.count)) {
        out.push({
          code: 'COUNT_RANGE',
          severity: 'error',
          message: `count ${count} is outside what tier ${JSON.stringify(spec.tier)} allows: ${rangeText(limits.count, '')} instances per group. Change count.`,
          path: ['group', gi, g.count === undefined ? 'name' : 'count'],
        });
      }
      if (g.scaling && limits.count.max !== undefined && g.scaling.max > limits.count.max) {
        out.push({
          code: 'COUNT_RANGE',
          severity: 'error',
          message: `scaling.max ${g.scaling.max} is above the ${limits.count.max} instances per group tier ${JSON.stringify(spec.tier)} allows. Lower scaling.max.`,
          path: ['group', gi, 'scaling', 'max'],
        });
      }
      g.task.forEach((t, ti) => {
        const at = ['group', gi, 'task', ti];
        if (t.cpu !== undefined && outside(t.cpu, limits.cpu)) {
          out.push({
            code: 'RESOURCE_CPU_RANGE',
            severity: 'error',
            message: `cpu ${t.cpu} MHz is outside what tier ${JSON.stringify(spec.tier)} allows: ${rangeText(limits.cpu, ' MHz')}. Change cpu.`,
            path: [...at, 'cpu'],
          });
        }
        if (t.memory !== undefined && outside(t.memory, limits.memory)) {
          out.push({
            code: 'RESOURCE_MEMORY_RANGE',
            severity: 'error',
            message: `memory ${t.memory} MiB is outside what tier ${JSON.stringify(spec.tier)} allows: ${rangeText(limits.memory, ' MiB')}. Change memory.`,
            path: [...at, 'memory'],
          });
        }
        const memory = t.memory ?? DEFAULT_MEMORY;
        if (t.memory_max !== undefined && t.memory_max < memory) {
          out.push({
            code: 'RESOURCE_MEMORY_MAX',
            severity: 'error',
            message: `memory_max ${t.memory_max} MiB is below memory ${memory} MiB${t.memory === undefined ? ' (the default)' : ''}; memory_max is the burst ceiling above memory. Raise memory_max to at least ${memory}, or remove it.`,
            path: [...at, 'memory_max'],
          });
        }
      });
    });
    return out;
  },
};
