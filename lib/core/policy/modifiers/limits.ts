/**
 * limits: cpu, memory and memory_max above the tier's ceiling are lowered to it. The value the spec asked
 * for stays visible in task Meta (`nomadguard.original.cpu`, `.memory`, `.memory_max`) and in the
 * modification, so nobody wonders where their resources went. memory_max never drops below memory.
 */
import type { Task } from '../../nomad/types';
import type { Modification, ModifierRule } from '../types';

type Field = 'CPU' | 'MemoryMB' | 'MemoryMaxMB';
const META_KEY: Record<Field, string> = { CPU: 'nomadguard.original.cpu', MemoryMB: 'nomadguard.original.memory', MemoryMaxMB: 'nomadguard.original.memory_max' };
const UNIT: Record<Field, string> = { CPU: 'MHz', MemoryMB: 'MiB', MemoryMaxMB: 'MiB' };
const SPEC_NAME: Record<Field, string> = { CPU: 'cpu', MemoryMB: 'memory', MemoryMaxMB: 'memory_max' };

/** The `limits` modifier rule (see the file comment for what it changes). */
export const limits: ModifierRule<'limits'> = {
  name: 'limits',
  modify(job, spec, _ctx, params) {
    const modifications: Modification[] = [];
    const ceiling = params.tiers[spec.tier];
    const clamp = (task: Task, at: string, field: Field, max: number | undefined): void => {
      const r = task.Resources;
      const v = r?.[field];
      if (!r || v === undefined || max === undefined || v <= max) return;
      const floor = field === 'MemoryMaxMB' ? (r.MemoryMB ?? 0) : 0;
      const to = Math.max(max, floor);
      if (to >= v) return;
      r[field] = to;
      task.Meta = { ...(task.Meta ?? {}), [META_KEY[field]]: String(v) };
      modifications.push({
        rule: 'limits',
        path: `${at}.Resources.${field}`,
        message: `${SPEC_NAME[field]} of task ${JSON.stringify(task.Name)} lowered from ${v} to ${to} ${UNIT[field]}, the ceiling of tier ${JSON.stringify(spec.tier)}`,
        before: v,
        after: to,
      });
    };
    job.TaskGroups.forEach((tg, gi) =>
      tg.Tasks.forEach((task, ti) => {
        const at = `TaskGroups[${gi}].Tasks[${ti}]`;
        clamp(task, at, 'CPU', ceiling.cpu);
        clamp(task, at, 'MemoryMB', ceiling.memory);
        clamp(task, at, 'MemoryMaxMB', ceiling.memoryMax);
      }),
    );
    return { modifications, diagnostics: [] };
  },
};
