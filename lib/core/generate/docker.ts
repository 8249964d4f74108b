/**
 * The docker driver `Config` of a task: image and command line, named volumes, journald logging tagged with
 * the job ID, and the docker options the spec may set (the policy judges which are allowed).
 */
import type { DockerDeviceSpec, TaskSpec } from '../../../crd-schemas/spec-v1';
import type { TaskConfig } from '../nomad/types';
import { sortRecord } from '../hash';

/** Docker options copied from `[group.task.docker]`, in output order; maps are emitted with sorted keys. */
const DOCKER_KEYS = ['entrypoint', 'work_dir', 'hostname', 'labels', 'privileged', 'network_mode', 'pid_mode', 'ipc_mode', 'userns_mode', 'cap_add', 'cap_drop', 'devices', 'security_opt', 'shm_size', 'ulimit', 'sysctl'] as const;
const MAP_KEYS = new Set<string>(['labels', 'ulimit', 'sysctl']);

/** The docker `Config` for a task of job `jobId`. */
export function dockerConfig(task: TaskSpec, jobId: string): TaskConfig {
  const config: TaskConfig = { image: task.image };
  if (task.command !== undefined) config.command = task.command;
  if (task.args && task.args.length > 0) config.args = [...task.args];
  if (task.volumes && task.volumes.length > 0) config.volumes = [...task.volumes];
  const docker = task.docker ?? {};
  // Most tasks set no docker options; skip the walk over every option key for them.
  if (task.docker) for (const key of DOCKER_KEYS) {
    const value = docker[key];
    if (value === undefined) continue;
    if (MAP_KEYS.has(key)) config[key] = sortRecord(value as Record<string, string>);
    else if (key === 'devices') config[key] = docker.devices?.map(device);
    else config[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
  }
  config.logging = [{ type: 'journald', config: [{ tag: jobId }] }];
  return config;
}

/** A device mapping with its keys in a fixed order, whatever order the spec wrote them in (the hash relies on it). */
function device(d: DockerDeviceSpec): Record<string, string> {
  const out: Record<string, string> = { host_path: d.host_path };
  if (d.container_path !== undefined) out.container_path = d.container_path;
  if (d.cgroup_permissions !== undefined) out.cgroup_permissions = d.cgroup_permissions;
  return out;
}
