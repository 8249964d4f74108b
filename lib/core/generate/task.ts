/**
 * One task of the generated job: docker driver, environment, meta, resources, service, Vault and templates.
 */
import type { TaskSpec } from '../../../crd-schemas/spec-v1';
import type { Task } from '../nomad/types';
import { sortRecord } from '../hash';
import type { GenerateContext } from './context';
import { dockerConfig } from './docker';
import { taskMeta } from './meta';
import { secretTemplate, vaultBlock } from './secrets';
import { taskService } from './service';
import { isSecretPath } from './grammar';

/** Resource defaults when the spec gives none. */
export const RESOURCE_DEFAULTS = { cpu: 100, memory: 256 } as const;

/** The Nomad task for `task` of job `jobId`; `serviceName` is its Consul service name (if it has one). */
export function generateTask(task: TaskSpec, jobId: string, serviceName: string | undefined, ctx: GenerateContext): Task {
  const out: Task = { Name: task.name, Driver: 'docker', Config: dockerConfig(task, jobId) };
  if (task.env && Object.keys(task.env).length > 0) out.Env = sortRecord(task.env);
  const meta = taskMeta(task);
  if (meta) out.Meta = meta;
  out.Resources = {
    CPU: task.cpu ?? RESOURCE_DEFAULTS.cpu,
    MemoryMB: task.memory ?? RESOURCE_DEFAULTS.memory,
    ...(task.memory_max !== undefined ? { MemoryMaxMB: task.memory_max } : {}),
  };
  const service = serviceName !== undefined ? taskService(task, serviceName) : undefined;
  if (service) out.Services = [service];
  // Templates come only from paths that follow the grammar; the policy reports the others.
  const secrets = task.secrets?.filter(isSecretPath) ?? [];
  if (secrets.length > 0) {
    out.Vault = vaultBlock(ctx);
    out.Templates = secrets.map((s) => secretTemplate(s, ctx.config.vault.kvMount));
  }
  return out;
}
