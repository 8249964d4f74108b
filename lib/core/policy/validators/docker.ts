/**
 * docker: options that break container isolation are rejected — privileged mode, the host's network
 * (or pid/ipc/user) namespace, added capabilities outside the policy's list, host devices, and
 * security options that switch off seccomp or AppArmor.
 * Codes: DOCKER_PRIVILEGED, DOCKER_HOST_NETWORK, DOCKER_HOST_NAMESPACE, DOCKER_CAP_ADD, DOCKER_DEVICES, DOCKER_SECURITY_OPT.
 */
import type { Diagnostic } from '../../diagnostics';
import { listText } from '../helpers';
import type { ValidatorRule } from '../types';

function normCap(c: string): string {
  const u = c.toUpperCase();
  return u.startsWith('CAP_') ? u.slice(4) : u;
}

const allowedCache = new WeakMap<readonly string[], ReadonlySet<string>>();
/** The policy's capabilities, normalised, computed once per policy list. */
function allowedCapabilities(list: readonly string[]): ReadonlySet<string> {
  let set = allowedCache.get(list);
  if (!set) allowedCache.set(list, (set = new Set(list.map(normCap))));
  return set;
}

/** The `docker` validator rule (see the file comment for what it checks). */
export const docker: ValidatorRule<'docker'> = {
  name: 'docker',
  validate(spec, _ctx, params) {
    const out: Diagnostic[] = [];
    const allowed = allowedCapabilities(params.allowedCapabilities);
    spec.group.forEach((g, gi) =>
      g.task.forEach((t, ti) => {
        const d = t.docker;
        if (!d) return;
        const at = ['group', gi, 'task', ti, 'docker'];
        if (d.privileged === true) {
          out.push({
            code: 'DOCKER_PRIVILEGED',
            severity: 'error',
            message: `task "${t.name}" asks for docker.privileged = true, which gives the container full control of the node; the platform does not run privileged containers. Remove privileged (add a single capability with cap_add if the platform allows it).`,
            path: [...at, 'privileged'],
          });
        }
        if (d.network_mode === 'host') {
          out.push({
            code: 'DOCKER_HOST_NETWORK',
            severity: 'error',
            message: `task "${t.name}" asks for network_mode = "host", which bypasses the container's own IPv6 address and the node firewall; remove network_mode and listen on the container's port instead.`,
            path: [...at, 'network_mode'],
          });
        }
        for (const key of ['pid_mode', 'ipc_mode', 'userns_mode'] as const) {
          if (d[key] === 'host') {
            out.push({
              code: 'DOCKER_HOST_NAMESPACE',
              severity: 'error',
              message: `task "${t.name}" asks for ${key} = "host", which shares the node's namespace with the container; remove ${key}.`,
              path: [...at, key],
            });
          }
        }
        (d.cap_add ?? []).forEach((cap, ci) => {
          if (allowed.has('ALL') || allowed.has(normCap(cap))) return;
          const what = allowed.size > 0 ? `the platform allows only ${listText([...allowed])}` : 'the platform allows no added capabilities';
          out.push({
            code: 'DOCKER_CAP_ADD',
            severity: 'error',
            message: `task "${t.name}" adds the capability "${cap}", but ${what}; remove it from cap_add.`,
            path: [...at, 'cap_add', ci],
          });
        });
        (d.devices ?? []).forEach((dev, di) => {
          out.push({
            code: 'DOCKER_DEVICES',
            severity: 'error',
            message: `task "${t.name}" maps the host device "${dev.host_path}" into the container; the platform does not pass host devices through. Remove devices.`,
            path: [...at, 'devices', di],
          });
        });
        (d.security_opt ?? []).forEach((opt, oi) => {
          if (/^(seccomp|apparmor)[=:]unconfined$/.test(opt) || opt === 'no-new-privileges=false' || opt === 'no-new-privileges:false') {
            out.push({
              code: 'DOCKER_SECURITY_OPT',
              severity: 'error',
              message: `task "${t.name}" sets security_opt "${opt}", which switches off a container protection; remove it.`,
              path: [...at, 'security_opt', oi],
            });
          }
        });
      }),
    );
    return out;
  },
};
