/**
 * traefik: every exposed task (an `http` check exposes a task unless `http.expose = false`;
 * `http.expose = true` exposes any task with a port) gets the Consul tags traefik routes by:
 * `traefik.enable=true`, a router named after the job (after the task's service when several tasks of the
 * job are exposed) with ``Host(`<job id>.<domain>`)`` (and
 * ``PathPrefix(`…`)`` when the spec sets `path_prefix`), the internal entrypoint plus the public one when
 * `http.internet = true`, TLS with the configured cert resolver, and the service port. Tags of the spec
 * are kept; any other `traefik.*` tag on the task's first service is replaced, so the route is exactly what
 * the policy says. A task without a service (the generator registers one for every task with a port) is skipped.
 */
import type { TaskSpec } from '../../../../crd-schemas/spec-v1';
import type { Job, Service } from '../../nomad/types';
import { sameJson } from '../helpers';
import type { Modification, ModifierRule } from '../types';

/** A tag traefik reads (any case), which the route's own tags replace. */
const TRAEFIK_TAG = /^traefik\./i;

/** Whether the platform routes HTTP traffic to this task. */
export function isExposed(task: TaskSpec): boolean {
  if (task.port === undefined) return false;
  return task.http?.expose ?? task.check?.type === 'http';
}

/** traefik's `normalize`: every run of characters other than letters and digits becomes "-". */
export function traefikName(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '-');
}

/** The traefik tags of one exposed task. */
export function traefikTags(o: { router: string; service: string; host: string; pathPrefix?: string; entrypoints: string[]; certResolver: string; port: number }): string[] {
  const rule = o.pathPrefix ? `Host(\`${o.host}\`) && PathPrefix(\`${o.pathPrefix}\`)` : `Host(\`${o.host}\`)`;
  const r = `traefik.http.routers.${o.router}`;
  return [
    'traefik.enable=true',
    `${r}.rule=${rule}`,
    `${r}.entrypoints=${o.entrypoints.join(',')}`,
    `${r}.tls=true`,
    `${r}.tls.certresolver=${o.certResolver}`,
    `${r}.service=${o.service}`,
    `traefik.http.services.${o.service}.loadbalancer.server.port=${o.port}`,
  ];
}

/** The `traefik` modifier rule (see the file comment for what it changes). */
export const traefik: ModifierRule<'traefik'> = {
  name: 'traefik',
  modify(job, spec, ctx) {
    const modifications: Modification[] = [];
    const exposed: Array<{ gi: number; ti: number; task: TaskSpec; group: string }> = [];
    job.TaskGroups.forEach((tg, gi) => {
      const g = spec.group.find((x) => x.name === tg.Name);
      if (!g) return;
      tg.Tasks.forEach((t, ti) => {
        const task = g.task.find((x) => x.name === t.Name);
        if (task && isExposed(task)) exposed.push({ gi, ti, task, group: g.name });
      });
    });
    const { entrypoints, certResolver } = ctx.config.traefik;
    const host = `${job.ID}.${ctx.config.platform.domain}`;
    for (const e of exposed) {
      const t = job.TaskGroups[e.gi].Tasks[e.ti];
      const svc: Service | undefined = t.Services?.[0];
      if (!svc) continue;
      const name = traefikName(exposed.length === 1 ? job.ID : svc.Name);
      const tags = traefikTags({
        router: name,
        service: name,
        host,
        pathPrefix: e.task.http?.path_prefix,
        entrypoints: e.task.http?.internet === true ? [entrypoints.internal, entrypoints.public] : [entrypoints.internal],
        certResolver,
        port: e.task.port!,
      });
      const at = `TaskGroups[${e.gi}].Tasks[${e.ti}].Services[0].Tags`;
      const before = svc.Tags ?? [];
      const after = [...before.filter((tag) => !TRAEFIK_TAG.test(tag)), ...tags];
      if (sameJson(before, after)) continue;
      svc.Tags = after;
      const where = e.task.http?.internet === true ? `internal and public entrypoints (${entrypoints.internal}, ${entrypoints.public})` : `internal entrypoint (${entrypoints.internal})`;
      modifications.push({
        rule: 'traefik',
        path: at,
        message: `task "${e.task.name}" routed at https://${host}${e.task.http?.path_prefix ?? ''} on the ${where}, TLS by "${certResolver}", port ${e.task.port}`,
        before,
        after,
      });
    }
    return { modifications, diagnostics: [] };
  },
};

/** The hosts a job is served on, from its router rules (`host/prefix` with a PathPrefix), sorted: what the repository rules compare. */
export function exposedHosts(job: Job): string[] {
  const hosts = new Set<string>();
  for (const g of job.TaskGroups)
    for (const t of g.Tasks)
      for (const s of t.Services ?? [])
        for (const tag of s.Tags ?? []) {
          const m = /^traefik\.http\.routers\.[^.]+\.rule=(.*)$/.exec(tag);
          if (!m) continue;
          const prefix = /PathPrefix\(`([^`]+)`\)/.exec(m[1])?.[1] ?? '';
          for (const h of m[1].matchAll(/Host\(`([^`]+)`\)/g)) hosts.add(`${h[1]}${prefix}`);
        }
  return [...hosts].sort();
}
