/**
 * traefik: every exposed task (an `http` check exposes a task unless `http.expose = false`;
 * `http.expose = true` exposes any task with a port) gets the Consul tags traefik routes by:
 * `traefik.enable=true`, a router named after the job (after the task's service when several tasks of the
 * job are exposed) with ``Host(`<job id>.<domain>`)`` (and
 * ``PathPrefix(`…`)`` when the spec sets `path_prefix`), the internal entrypoint plus the public one when
 * `http.internet = true`, TLS with the configured cert resolver, and the service port. Every traefik tag
 * comes from here: any other tag in traefik's namespace (any case, see grammar.ts) is removed from every
 * service of every task, exposed or not, so a route is exactly what the policy says. Values are written
 * into tags only when they follow their grammar (a path prefix, a DNS name for the domain, traefik names
 * for entrypoints and the resolver) and are quoted as backtick literals in the rule; a task whose route
 * cannot be written that way gets no route and a diagnostic: HTTP_PATH_PREFIX at the spec's path_prefix,
 * TRAEFIK_CONFIG when the operator config's domain, entrypoints or resolver are not names. Every service
 * that gets no route (a task that is not exposed, a route that cannot be written, a further service of an
 * exposed task) is tagged `traefik.enable=false`: traefik's catalog providers expose every service by default
 * (`exposedByDefault` is true, see test/contracts/TRAEFIK-TAGS.md §3) with a default router, so only that tag
 * keeps an unexposed service off traefik. A task without a service (the generator registers one for every
 * task with a port) is skipped.
 * Codes: HTTP_PATH_PREFIX, TRAEFIK_CONFIG.
 */
import type { TaskSpec } from '../../../../crd-schemas/spec-v1';
import type { Diagnostic } from '../../diagnostics';
import type { Job, Service } from '../../nomad/types';
import { isDnsName, isPathPrefix, isTraefikName, isTraefikTag, ruleLiteral } from '../../generate/grammar';
import { sameJson } from '../helpers';
import type { Modification, ModifierRule } from '../types';

/** Whether the platform routes HTTP traffic to this task. */
export function isExposed(task: TaskSpec): boolean {
  if (task.port === undefined) return false;
  return task.http?.expose ?? task.check?.type === 'http';
}

/** traefik's `normalize`: every run of characters other than letters and digits becomes "-". */
export function traefikName(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '-');
}

/** What a route is made of; every string must already follow its grammar (see routeProblem). */
export interface TraefikRoute {
  router: string;
  service: string;
  host: string;
  pathPrefix?: string;
  entrypoints: string[];
  certResolver: string;
  port: number;
}

/** What is wrong with the operator config's part of a route (domain, entrypoints, resolver), if anything. */
function configProblemOf(domain: string, o: TraefikRoute): string | undefined {
  if (!isDnsName(domain)) return `domain ${JSON.stringify(domain)} is not a DNS name`;
  for (const e of o.entrypoints) if (!isTraefikName(e)) return `entrypoint ${JSON.stringify(e)} is not a traefik name`;
  if (!isTraefikName(o.certResolver)) return `cert resolver ${JSON.stringify(o.certResolver)} is not a traefik name`;
  return undefined;
}

/** Why a route cannot be written into tags (the offending part, JSON-quoted), or undefined when it can. */
export function routeProblem(o: TraefikRoute): string | undefined {
  if (o.pathPrefix !== undefined && !isPathPrefix(o.pathPrefix)) return `path_prefix ${JSON.stringify(o.pathPrefix)} is not "/" followed by URL path characters`;
  if (!isDnsName(o.host)) return `host ${JSON.stringify(o.host)} is not a DNS name`;
  for (const e of o.entrypoints) if (!isTraefikName(e)) return `entrypoint ${JSON.stringify(e)} is not a traefik name`;
  if (!isTraefikName(o.certResolver)) return `cert resolver ${JSON.stringify(o.certResolver)} is not a traefik name`;
  if (!/^[A-Za-z0-9-]+$/.test(o.router) || !/^[A-Za-z0-9-]+$/.test(o.service)) return `router ${JSON.stringify(o.router)} is not a traefik name`;
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) return `port ${o.port} is not a port number`;
  return undefined;
}

/** The tag a service that gets no route carries, so traefik's `exposedByDefault` gives it no default router. */
export const TRAEFIK_DISABLED = 'traefik.enable=false';

/** The traefik tags of one exposed task; throws when a part does not follow its grammar (see routeProblem). */
export function traefikTags(o: TraefikRoute): string[] {
  const problem = routeProblem(o);
  if (problem !== undefined) throw new Error(`cannot write a traefik route: ${problem}`);
  const host = ruleLiteral(o.host) as string;
  const prefix = o.pathPrefix !== undefined && o.pathPrefix !== '' ? ruleLiteral(o.pathPrefix) : undefined;
  const rule = prefix ? `Host(${host}) && PathPrefix(${prefix})` : `Host(${host})`;
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
    const diagnostics: Diagnostic[] = [];
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
    const routes = new Map<Service, string[]>();
    for (const e of exposed) {
      const t = job.TaskGroups[e.gi].Tasks[e.ti];
      const svc: Service | undefined = t.Services?.[0];
      if (!svc) continue;
      const name = traefikName(exposed.length === 1 ? job.ID : svc.Name);
      const route: TraefikRoute = {
        router: name,
        service: name,
        host,
        ...(e.task.http?.path_prefix !== undefined ? { pathPrefix: e.task.http.path_prefix } : {}),
        entrypoints: e.task.http?.internet === true ? [entrypoints.internal, entrypoints.public] : [entrypoints.internal],
        certResolver,
        port: e.task.port!,
      };
      const configProblem = configProblemOf(ctx.config.platform.domain, route);
      const prefixBad = route.pathPrefix !== undefined && !isPathPrefix(route.pathPrefix);
      if (configProblem !== undefined || prefixBad) {
        const gi = spec.group.findIndex((g) => g.name === e.group);
        const ti = spec.group[gi].task.indexOf(e.task);
        diagnostics.push(
          configProblem !== undefined
            ? {
                code: 'TRAEFIK_CONFIG',
                severity: 'error',
                message: `task ${JSON.stringify(e.task.name)} is not routed: the operator config's ${configProblem}; the platform team must fix the traefik settings.`,
                path: ['group', gi, 'task', ti, 'name'],
              }
            : {
                code: 'HTTP_PATH_PREFIX',
                severity: 'error',
                message: `task ${JSON.stringify(e.task.name)} is not routed: path_prefix ${JSON.stringify(route.pathPrefix)} is not "/" followed by URL path characters (letters, digits, "-", ".", "_", "~", "%XX" and !$&*+,;=:@/, no backtick, quote, backslash or whitespace); write a path such as "/api".`,
                path: ['group', gi, 'task', ti, 'http', 'path_prefix'],
              },
        );
        routes.set(svc, []);
        continue;
      }
      // A job ID that is no DNS label is reported by the names rule; such a job gets no route.
      if (routeProblem(route) !== undefined) {
        routes.set(svc, []);
        continue;
      }
      routes.set(svc, traefikTags(route));
    }
    // Every service of every task: traefik tags from the spec never stay, routed or not; one without a route is disabled.
    job.TaskGroups.forEach((tg, gi) =>
      tg.Tasks.forEach((t, ti) =>
        (t.Services ?? []).forEach((svc, si) => {
          const route = routes.get(svc) ?? [];
          const tags = route.length > 0 ? route : [TRAEFIK_DISABLED];
          const before = svc.Tags ?? [];
          const after = [...before.filter((tag) => !isTraefikTag(tag)), ...tags];
          if (sameJson(before, after)) return;
          svc.Tags = after;
          const e = exposed.find((x) => x.gi === gi && x.ti === ti);
          const at = `TaskGroups[${gi}].Tasks[${ti}].Services[${si}].Tags`;
          if (!e || route.length === 0) {
            modifications.push({
              rule: 'traefik',
              path: at,
              message: `task ${JSON.stringify(t.Name)}: service ${JSON.stringify(svc.Name)} not routed (${TRAEFIK_DISABLED}); routes come only from the platform`,
              before,
              after,
            });
            return;
          }
          const where = e.task.http?.internet === true ? `internal and public entrypoints (${entrypoints.internal}, ${entrypoints.public})` : `internal entrypoint (${entrypoints.internal})`;
          modifications.push({
            rule: 'traefik',
            path: at,
            message: `task ${JSON.stringify(e.task.name)} routed at https://${host}${e.task.http?.path_prefix ?? ''} on the ${where}, TLS by ${JSON.stringify(certResolver)}, port ${e.task.port}`,
            before,
            after,
          });
        }),
      ),
    );
    return { modifications, diagnostics };
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
