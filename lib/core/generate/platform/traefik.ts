/**
 * Traefik exposure (contracts/TRAEFIK-TAGS.md): a task whose check is `http` is served on
 * `https://<job id>.<domain>` unless `http.expose = false`; `http.expose = true` exposes a task with another
 * check. Tags: `traefik.enable=true`, a router named after the job (after the service when several tasks
 * are exposed) with ``Host(`<job id>.<domain>`)`` (and ``PathPrefix`` when asked), the internal entrypoint
 * (plus the public one for `http.internet`), TLS with the configured resolver, and the service port.
 */
import type { TaskSpec } from '../../../../crd-schemas/spec-v1';
import type { Job, Service } from '../../nomad/types';
import type { PlatformContext, PlatformFn } from '../context';

/** True when the task is exposed through traefik. */
export function isExposed(task: TaskSpec): boolean {
  return task.port !== undefined && (task.http?.expose ?? task.check?.type === 'http');
}

/** traefik's `normalize`: every run of characters other than letters and digits becomes "-". */
export function normalizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9]+/g, '-');
}

/** The tags that expose `task` (served by `service`) of job `jobId` under router `router`. */
export function traefikTags(task: TaskSpec, router: string, jobId: string, ctx: PlatformContext): string[] {
  const { entrypoints, certResolver } = ctx.config.traefik;
  const host = `Host(\`${jobId}.${ctx.config.platform.domain}\`)`;
  const rule = task.http?.path_prefix ? `${host} && PathPrefix(\`${task.http.path_prefix}\`)` : host;
  const eps = task.http?.internet ? `${entrypoints.internal},${entrypoints.public}` : entrypoints.internal;
  const r = `traefik.http.routers.${router}`;
  return [
    'traefik.enable=true',
    `${r}.rule=${rule}`,
    `${r}.entrypoints=${eps}`,
    `${r}.tls=true`,
    `${r}.tls.certresolver=${certResolver}`,
    `${r}.service=${router}`,
    `traefik.http.services.${router}.loadbalancer.server.port=${String(task.port)}`,
  ];
}

/** Adds traefik tags to the service of every exposed task. */
export const traefik: PlatformFn = (job, ctx) => {
  const exposed = new Set(ctx.spec.group.flatMap((g) => g.task.filter(isExposed).map((t) => `${g.name}/${t.name}`)));
  if (exposed.size === 0) return job;
  const single = exposed.size === 1;
  return {
    ...job,
    TaskGroups: job.TaskGroups.map((g) => {
      const groupSpec = ctx.spec.group.find((s) => s.name === g.Name);
      return {
        ...g,
        Tasks: g.Tasks.map((t) => {
          const taskSpec = groupSpec?.task.find((s) => s.name === t.Name);
          if (!taskSpec || !exposed.has(`${g.Name}/${t.Name}`) || !t.Services || t.Services.length === 0) return t;
          const [first, ...rest] = t.Services;
          const router = normalizeName(single ? job.ID : first.Name);
          const tagged: Service = { ...first, Tags: [...(first.Tags ?? []), ...traefikTags(taskSpec, router, job.ID, ctx)] };
          return { ...t, Services: [tagged, ...rest] };
        }),
      };
    }),
  };
};

/** The hosts a job is served on (from its router rules, `host/prefix` with a PathPrefix), for the repository-wide duplicate check. */
export function exposedHosts(job: Job): string[] {
  const hosts = new Set<string>();
  for (const g of job.TaskGroups) for (const t of g.Tasks) for (const s of t.Services ?? []) for (const tag of s.Tags ?? []) {
    const m = /^traefik\.http\.routers\.[^.]+\.rule=(.*)$/.exec(tag);
    if (!m) continue;
    const prefix = /PathPrefix\(`([^`]+)`\)/.exec(m[1])?.[1] ?? '';
    for (const h of m[1].matchAll(/Host\(`([^`]+)`\)/g)) hosts.add(`${h[1]}${prefix}`);
  }
  return [...hosts].sort();
}
