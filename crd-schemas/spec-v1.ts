/**
 * The nomadgen v1 spec: what a developer writes in `<team>/<name>/nomadgen.toml`.
 *
 * This schema is structural only: it says which keys exist and what type each value has, and rejects
 * unknown keys. Platform rules (names, registries, firewall groups, secret prefixes, resource limits,
 * durations) are policy and live in lib/core/policy, where they get stable codes and positions.
 * Defaults are applied by the generator, not here, so the exported JSON Schema shows what a user may
 * write rather than what the platform fills in.
 */
import { z } from 'zod';

export const TIERS = ['production', 'quality', 'test'] as const;
export type Tier = (typeof TIERS)[number];

/** The tier's letter in a job ID: p-es-cerebro, q-…, t-…. */
export const TIER_LETTER: Record<Tier, string> = { production: 'p', quality: 'q', test: 't' };

const stringMap = z.record(z.string(), z.string());

export const CheckSchema = z.strictObject({
  type: z.enum(['tcp', 'http', 'script']).describe('How Consul checks the task: tcp connect, http GET, or a script run in the container.'),
  path: z.string().optional().describe('HTTP path for an http check, e.g. "/health".'),
  command: z.string().optional().describe('Command for a script check.'),
  args: z.array(z.string()).optional().describe('Arguments for a script check.'),
  interval: z.string().optional().describe('Duration between checks, e.g. "10s" (default 10s).'),
  timeout: z.string().optional().describe('Check timeout, e.g. "2s" (default 2s).'),
  grace: z.string().optional().describe('Time after start before a failing check restarts the task, e.g. "90s".'),
});

export const HttpSchema = z.strictObject({
  expose: z.boolean().optional().describe('Expose through traefik. Defaults to true for tasks with an http check, false otherwise.'),
  internet: z.boolean().optional().describe('Also route the public (internet) entrypoint to this task.'),
  path_prefix: z.string().optional().describe('Only route requests under this path prefix, e.g. "/api": "/" followed by URL path characters (no backtick, quote, backslash or whitespace).'),
});

export const FirewallSchema = z.strictObject({
  ingress: z.array(z.string()).optional().describe('Who may connect: firewall groups ("g/netscaler") or IPv6 prefixes.'),
  egress: z.array(z.string()).optional().describe('Where the task may connect: firewall groups or IPv4/IPv6 prefixes.'),
});

export const DockerDeviceSchema = z.strictObject({
  host_path: z.string(),
  container_path: z.string().optional(),
  cgroup_permissions: z.string().optional(),
});

/** Docker driver options a spec may write; the policy's docker rule says which are allowed and within which limits. */
export const DockerSchema = z.strictObject({
  entrypoint: z.array(z.string()).optional(),
  work_dir: z.string().optional(),
  hostname: z.string().optional(),
  labels: stringMap.optional(),
  privileged: z.boolean().optional(),
  network_mode: z.string().optional(),
  pid_mode: z.string().optional(),
  ipc_mode: z.string().optional(),
  userns_mode: z.string().optional(),
  cap_add: z.array(z.string()).optional(),
  cap_drop: z.array(z.string()).optional(),
  devices: z.array(DockerDeviceSchema).optional(),
  security_opt: z.array(z.string()).optional(),
  shm_size: z.number().int().optional(),
  ulimit: stringMap.optional(),
  sysctl: stringMap.optional(),
});

export const TaskSchema = z.strictObject({
  name: z.string().describe('Task name: a DNS label, unique in its group.'),
  image: z.string().describe('Docker image with an immutable tag, e.g. "registry.internal/team/app:1.2.3".'),
  command: z.string().optional().describe('Override the image entrypoint command.'),
  args: z.array(z.string()).optional().describe('Arguments passed to the container.'),
  cpu: z.number().int().optional().describe('CPU in MHz (default 100).'),
  memory: z.number().int().optional().describe('Memory in MiB (default 256).'),
  memory_max: z.number().int().optional().describe('Memory the task may burst to, in MiB (at least memory).'),
  port: z.number().int().min(1).max(65535).optional().describe('The port the container listens on.'),
  check: CheckSchema.optional(),
  env: stringMap.optional().describe('Environment variables; names match [A-Za-z_][A-Za-z0-9_]*.'),
  secrets: z.array(z.string()).optional().describe('Vault paths under the team prefix, e.g. "es/cerebro" (segments of letters, digits, "_", "." and "-"); each becomes an env template.'),
  volumes: z.array(z.string()).optional().describe('"name:/container/path[:ro]" named volumes, or host paths allowed by the policy.'),
  tags: z.array(z.string()).optional().describe('Extra Consul service tags: printable, no whitespace, quotes, backticks, backslashes, "$", "{" or "}", at most 128 characters; never in traefik\'s namespace (routes come from http).'),
  http: HttpSchema.optional(),
  firewall: FirewallSchema.optional(),
  docker: DockerSchema.optional(),
  meta: stringMap.optional().describe('Extra task meta; keys outside the platform\'s "nomadguard." and "firewall." namespaces.'),
});

export const ScalingSchema = z.strictObject({
  min: z.number().int().min(0).optional(),
  max: z.number().int().min(1),
});

export const GroupSchema = z.strictObject({
  name: z.string().describe('Group name: a DNS label, unique in the job.'),
  count: z.number().int().min(0).optional().describe('Instances (default 1). More than one is spread evenly over both datacenters.'),
  scaling: ScalingSchema.optional().describe('Under an autoscaler: the operator keeps the live count.'),
  meta: stringMap.optional(),
  task: z.array(TaskSchema).min(1).describe('The group\'s tasks.'),
});

export const SyncSchema = z.strictObject({
  mode: z.enum(['self-heal', 'detect-only']).optional().describe('self-heal reverts manual changes; detect-only only reports them.'),
  suspend: z.boolean().optional().describe('Report only; never write this job.'),
});

export const SpecV1Schema = z.strictObject({
  name: z.string().describe('Service name; the job ID becomes "<tier letter>-<team>-<name>".'),
  id: z.string().optional().describe('The job ID when it is not "<tier letter>-<team>-<name>" (a job an older pipeline deployed): a DNS label holding the team folder as one of its "-"-separated parts.'),
  tier: z.enum(TIERS),
  contact: z.string().describe('Who owns this service (mail address).'),
  meta: stringMap.optional().describe('Extra job meta.'),
  sync: SyncSchema.optional(),
  group: z.array(GroupSchema).min(1),
});

export type SpecV1 = z.infer<typeof SpecV1Schema>;
export type GroupSpec = z.infer<typeof GroupSchema>;
export type TaskSpec = z.infer<typeof TaskSchema>;
export type CheckSpec = z.infer<typeof CheckSchema>;
export type HttpSpec = z.infer<typeof HttpSchema>;
export type FirewallSpec = z.infer<typeof FirewallSchema>;
export type DockerSpec = z.infer<typeof DockerSchema>;
export type DockerDeviceSpec = z.infer<typeof DockerDeviceSchema>;
