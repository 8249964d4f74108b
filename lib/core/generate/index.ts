/**
 * The generator: a v1 spec plus the operator config becomes a complete Nomad job in the API's JSON shape.
 * Pure and deterministic: objects are built in a fixed key order and maps are sorted, so the same input
 * gives byte-identical JSON everywhere. The job has no hash yet; the pipeline adds it after the policy.
 */
import type { SpecV1 } from '../../../crd-schemas/spec-v1';
import type { Job, TaskGroup } from '../nomad/types';
import { sortRecord } from '../hash';
import type { GenerateContext } from './context';
import { jobIdOf, serviceNames } from './job-id';
import { jobMeta } from './meta';
import { generateTask } from './task';

export type { GenerateContext } from './context';
export { jobIdOf } from './job-id';

/** The job before platform concerns: identity, meta, placement constraints, groups and tasks. */
export function baseJob(spec: SpecV1, ctx: GenerateContext): Job {
  const id = jobIdOf(spec, ctx.team);
  const services = serviceNames(spec, id);
  const { platform } = ctx.config;
  return {
    ID: id,
    Name: id,
    Namespace: ctx.team,
    Region: platform.region,
    Datacenters: [...platform.datacenters],
    Type: 'service',
    Meta: jobMeta(spec, ctx),
    Constraints: [
      { LTarget: '${meta.tier}', RTarget: spec.tier, Operand: '=' },
      { LTarget: '${meta.role}', RTarget: platform.nodeRole, Operand: '=' },
    ],
    TaskGroups: spec.group.map((g): TaskGroup => {
      const group: TaskGroup = { Name: g.name, Count: g.count ?? 1, Tasks: [] };
      if (g.scaling) group.Scaling = { Min: g.scaling.min ?? g.count ?? 1, Max: g.scaling.max, Enabled: true };
      if (g.meta && Object.keys(g.meta).length > 0) group.Meta = sortRecord(g.meta);
      group.Tasks = g.task.map((t) => generateTask(t, id, services.get(`${g.name}/${t.name}`), ctx));
      return group;
    }),
  };
}

/**
 * The generated job: the spec translated field by field. The platform's own requirements (spreading,
 * update policies, traefik routes, IPv6 addressing, placement, limits) are policy modifiers
 * (lib/core/policy/modifiers), applied by the pipeline, so each is configurable and recorded on the job.
 */
export function generateJob(spec: SpecV1, ctx: GenerateContext): Job {
  return baseJob(spec, ctx);
}
