/**
 * A running Nomad job as a v1 spec: the inverse of the generator for what a spec can say. Platform parts
 * (spreads, update and restart policies, traefik tags, IPv6 addressing, placement, Vault identities, the
 * nomadguard marker) are left out: rendering the spec adds them again. What a spec cannot say at all is
 * found afterwards by rendering the spec and comparing (import.ts).
 */
import { DockerSchema, TIERS, TIER_LETTER, type DockerSpec, type GroupSpec, type SpecV1, type TaskSpec, type Tier } from '../../../crd-schemas/spec-v1';
import type { OperatorConfig } from '../../../crd-schemas/operator-config';
import type { Job, Service, Task, TaskGroup } from '../nomad/types';
import { META } from '../plan/types';
import { isSecretKey } from '../plan/compare';
import { formatDuration } from '../spec/duration';
import { CHECK_DEFAULTS } from '../generate/service';
import { FIREWALL_META } from '../generate/meta';
import { isTraefikTag } from '../generate/grammar';
import { isDnsLabel } from '../policy/helpers';

/** The spec of a job, and what was left out on purpose (one line each, never a secret value). */
export interface SpecFromJob {
  spec: SpecV1;
  /** The spec's path in the repository: `<namespace>/<name>/nomadgen.toml`, or the one the job's Meta names. */
  file: string;
  team: string;
  notes: string[];
}

const LETTER_TIER: Record<string, Tier> = Object.fromEntries(TIERS.map((t) => [TIER_LETTER[t], t]));
const OWN_META = new Set<string>(['contact', ...Object.values(META)]);
const DOCKER_KEYS = Object.keys(DockerSchema.shape) as Array<keyof DockerSpec>;

function nonEmpty<T extends object>(o: T | null | undefined): T | undefined {
  return o && Object.keys(o).length > 0 ? o : undefined;
}

/** Duration text of `ns` unless it is the generator's default. */
function duration(ns: number | undefined, fallback: string): string | undefined {
  if (ns === undefined || ns === null) return undefined;
  const text = formatDuration(ns);
  return text === fallback ? undefined : text;
}

/** The tier: the job's `${meta.tier}` constraint, else its ID's tier letter. */
function tierOf(job: Job, notes: string[]): Tier {
  const c = (job.Constraints ?? []).find((x) => x.LTarget === '${meta.tier}' && (x.Operand ?? '=') === '=');
  if (c && (TIERS as readonly string[]).includes(c.RTarget ?? '')) return c.RTarget as Tier;
  const letter = /^([a-z])-/.exec(job.ID)?.[1];
  if (letter && LETTER_TIER[letter]) return LETTER_TIER[letter];
  notes.push('tier: the job has no ${meta.tier} constraint and no tier letter; production assumed, check it');
  return 'production';
}

/** The spec's name and, when the ID is not `<t>-<team>-<name>`, the ID itself. */
function nameOf(jobId: string, team: string, tier: Tier): { name: string; id?: string } {
  const prefix = `${TIER_LETTER[tier]}-${team}-`;
  if (jobId.startsWith(prefix) && isDnsLabel(jobId.slice(prefix.length))) return { name: jobId.slice(prefix.length) };
  const at = jobId.lastIndexOf(`-${team}-`);
  const tail = at >= 0 ? jobId.slice(at + team.length + 2) : jobId;
  return { name: isDnsLabel(tail) ? tail : 'service', id: jobId };
}

/** The http check, tcp or script check of a service, as a spec writes it. */
function checkOf(svc: Service, task: Task, notes: string[]): TaskSpec['check'] {
  const checks = svc.Checks ?? [];
  if (checks.length === 0) return undefined;
  if (checks.length > 1) notes.push(`task ${task.Name}: only the first of ${checks.length} checks can be written`);
  const c = checks[0];
  const type = c.Type === 'http' || c.Type === 'tcp' || c.Type === 'script' ? c.Type : undefined;
  if (!type) {
    notes.push(`task ${task.Name}: a check of type ${JSON.stringify(c.Type)} cannot be written`);
    return undefined;
  }
  const check: NonNullable<TaskSpec['check']> = { type };
  if (type === 'http' && c.Path) check.path = c.Path;
  if (type === 'script') {
    if (c.Command) check.command = c.Command;
    if (c.Args && c.Args.length > 0) check.args = [...c.Args];
  }
  const interval = duration(c.Interval, CHECK_DEFAULTS.interval);
  const timeout = duration(c.Timeout, CHECK_DEFAULTS.timeout);
  const grace = duration(c.CheckRestart?.Grace, CHECK_DEFAULTS.grace);
  if (interval) check.interval = interval;
  if (timeout) check.timeout = timeout;
  if (grace) check.grace = grace;
  return check;
}

/** `http` of an exposed or unexposed task, from the traefik tags the platform wrote (only what differs from the default). */
function httpOf(tags: readonly string[], port: number | undefined, check: TaskSpec['check'], config: OperatorConfig): TaskSpec['http'] {
  if (port === undefined) return undefined;
  const exposed = tags.includes('traefik.enable=true');
  const http: NonNullable<TaskSpec['http']> = {};
  if (exposed !== (check?.type === 'http')) http.expose = exposed;
  if (exposed) {
    const eps = tags.find((t) => /^traefik\.http\.routers\.[^.]+\.entrypoints=/.test(t))?.split('=')[1]?.split(',') ?? [];
    if (eps.includes(config.traefik.entrypoints.public)) http.internet = true;
    const rule = tags.find((t) => /^traefik\.http\.routers\.[^.]+\.rule=/.test(t)) ?? '';
    const prefix = /PathPrefix\(`([^`]*)`\)/.exec(rule)?.[1];
    if (prefix !== undefined) http.path_prefix = prefix;
  }
  return Object.keys(http).length > 0 ? http : undefined;
}

/** The secret paths of the env-file templates the generator writes (`{{ with secret "<mount>/data/<path>" }}`). */
function secretsOf(task: Task, kvMount: string, notes: string[]): string[] {
  const out: string[] = [];
  for (const t of task.Templates ?? []) {
    const m = /^\{\{ with secret "([^"\\]*)" \}\}/.exec(t.EmbeddedTmpl ?? '');
    const path = m && m[1].startsWith(`${kvMount}/data/`) ? m[1].slice(kvMount.length + 6) : undefined;
    if (path) out.push(path);
    else notes.push(`task ${task.Name}: template ${JSON.stringify(t.DestPath ?? '')} is not a secret env file; it cannot be written`);
  }
  return out;
}

function taskOf(task: Task, svc: Service | undefined, config: OperatorConfig, notes: string[]): TaskSpec {
  const cfg = (task.Config ?? {}) as Record<string, unknown>;
  const image = typeof cfg.image === 'string' ? cfg.image : '';
  if (task.Driver !== 'docker') notes.push(`task ${task.Name}: driver ${JSON.stringify(task.Driver)}; a spec runs docker only`);
  if (!image) notes.push(`task ${task.Name}: no docker image`);
  const out: TaskSpec = { name: task.Name, image };
  if (typeof cfg.command === 'string') out.command = cfg.command;
  if (Array.isArray(cfg.args) && cfg.args.length > 0) out.args = cfg.args.map(String);
  if (task.Resources?.CPU !== undefined) out.cpu = task.Resources.CPU;
  if (task.Resources?.MemoryMB !== undefined) out.memory = task.Resources.MemoryMB;
  if (task.Resources?.MemoryMaxMB) out.memory_max = task.Resources.MemoryMaxMB;
  const port = svc?.PortLabel && /^[0-9]{1,5}$/.test(svc.PortLabel) ? Number(svc.PortLabel) : undefined;
  if (svc?.PortLabel && port === undefined) notes.push(`task ${task.Name}: service port label ${JSON.stringify(svc.PortLabel)} is not a port number`);
  if (port !== undefined) out.port = port;
  const check = svc ? checkOf(svc, task, notes) : undefined;
  if (check) out.check = check;
  const env = nonEmpty(task.Env);
  if (env) {
    // A secret-named value is not printed: it belongs in Vault, not in a file committed to git.
    const kept = Object.fromEntries(Object.entries(env).filter(([k]) => !isSecretKey(k)));
    for (const k of Object.keys(env)) if (isSecretKey(k)) notes.push(`task ${task.Name}: env ${k} is secret-named and not printed; keep it in Vault and list its path under secrets`);
    if (Object.keys(kept).length > 0) out.env = kept;
  }
  const secrets = secretsOf(task, config.vault.kvMount, notes);
  if (secrets.length > 0) out.secrets = secrets;
  if (Array.isArray(cfg.volumes) && cfg.volumes.length > 0) out.volumes = cfg.volumes.map(String);
  const tags = svc?.Tags ?? [];
  const own = tags.filter((t) => !isTraefikTag(t));
  if (own.length > 0) out.tags = own;
  const http = httpOf(tags, port, check, config);
  if (http) out.http = http;
  const meta = { ...(task.Meta ?? {}) };
  const split = (v: string | undefined): string[] | undefined => (v ? v.split(',').filter((x) => x !== '') : undefined);
  const ingress = split(meta[FIREWALL_META.ingress]);
  const egress = split(meta[FIREWALL_META.egress]);
  delete meta[FIREWALL_META.ingress];
  delete meta[FIREWALL_META.egress];
  if (ingress || egress) out.firewall = { ...(ingress ? { ingress } : {}), ...(egress ? { egress } : {}) };
  const docker: DockerSpec = {};
  for (const k of DOCKER_KEYS) if (cfg[k] !== undefined) (docker as Record<string, unknown>)[k] = cfg[k];
  if (Object.keys(docker).length > 0) out.docker = docker;
  if (Object.keys(meta).length > 0) out.meta = meta;
  return out;
}

function groupOf(g: TaskGroup, config: OperatorConfig, notes: string[]): GroupSpec {
  const out: GroupSpec = { name: g.Name, count: g.Count ?? 1, task: [] };
  if (g.Scaling && g.Scaling.Enabled !== false && g.Scaling.Max !== undefined) out.scaling = { min: g.Scaling.Min ?? out.count ?? 1, max: g.Scaling.Max };
  const meta = nonEmpty(g.Meta);
  if (meta) out.meta = { ...meta };
  for (const t of g.Tasks ?? []) {
    const services = t.Services ?? [];
    if (services.length > 1) notes.push(`task ${t.Name}: only the first of ${services.length} services can be written`);
    out.task.push(taskOf(t, services[0], config, notes));
  }
  return out;
}

/** The v1 spec of `job` for `config` (see the file comment). */
export function specFromJob(job: Job, config: OperatorConfig): SpecFromJob {
  const notes: string[] = [];
  const team = job.Namespace ?? 'default';
  if (job.Type && job.Type !== 'service') notes.push(`job type ${JSON.stringify(job.Type)}; a spec renders a service job`);
  const tier = tierOf(job, notes);
  const { name, id } = nameOf(job.ID, team, tier);
  const meta = Object.fromEntries(Object.entries(job.Meta ?? {}).filter(([k]) => !OWN_META.has(k)));
  const contact = job.Meta?.contact ?? '';
  if (!contact) notes.push('contact: the job names no contact in its Meta; fill it in');
  const spec: SpecV1 = { name, ...(id !== undefined ? { id } : {}), tier, contact, ...(Object.keys(meta).length > 0 ? { meta } : {}), group: (job.TaskGroups ?? []).map((g) => groupOf(g, config, notes)) };
  const named = job.Meta?.[META.spec];
  const file = named && named.startsWith(`${team}/`) ? named : `${team}/${name}/nomadgen.toml`;
  return { spec, file, team, notes };
}
