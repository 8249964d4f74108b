/**
 * resources: cpu, memory and count lie within the tier's range, and memory_max is not below memory.
 * Only values the spec sets are checked; the platform's defaults are within every sensible range.
 * Codes: RESOURCE_CPU_RANGE, RESOURCE_MEMORY_RANGE, RESOURCE_MEMORY_MAX, COUNT_RANGE.
 */
import type { Diagnostic } from '../../diagnostics';
import type { ValidatorRule } from '../types';

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

/** Default memory (MiB) the generator gives a task without `memory`. */
const DEFAULT_MEMORY = 256;

/** The `resources` validator rule (see the file comment for what it checks). */
export const resources: ValidatorRule<'resources'> = {
  name: 'resources',
  validate(spec, _ctx, params) {
    const out: Diagnostic[] = [];
    const limits = params.tiers[spec.tier];
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
