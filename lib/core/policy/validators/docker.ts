/**
 * docker: the docker options of a task are an allow-list. An option is accepted only when the policy lists
 * it in `options` and its value is within the rule's limits: network_mode one of `networkModes` (never the
 * host's network or another container's), pid/ipc/user namespaces the container's own (never the host's or
 * another container's), cap_add within `allowedCapabilities`, security_opt entries among `securityOpts`,
 * shm_size at most `maxShmSize`, ulimit names and values within `ulimits`, sysctl names among `sysctls`,
 * hostname the task's name or the job ID, labels outside the namespaces Nomad, traefik and the platform
 * read. privileged = true and host devices are never accepted. Each refused option is reported at its
 * position, with its value.
 * Codes: DOCKER_OPTION, DOCKER_PRIVILEGED, DOCKER_HOST_NETWORK, DOCKER_NETWORK_MODE, DOCKER_HOST_NAMESPACE,
 * DOCKER_SHARED_NAMESPACE, DOCKER_CAP_ADD, DOCKER_DEVICES, DOCKER_SECURITY_OPT, DOCKER_SHM_SIZE,
 * DOCKER_ULIMIT, DOCKER_SYSCTL, DOCKER_HOSTNAME, DOCKER_LABEL.
 */
import type { Diagnostic } from '../../diagnostics';
import type { DockerSpec } from '../../../../crd-schemas/spec-v1';
import type { Rules } from '../../../../crd-schemas/policy';
import { isMetaKey } from '../../generate/grammar';
import { jobIdFor, listText } from '../helpers';
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

/** The values of each namespace option that keep the container in a namespace of its own. */
const OWN_NAMESPACE: Record<'pid_mode' | 'ipc_mode' | 'userns_mode', readonly string[]> = {
  pid_mode: [''],
  ipc_mode: ['', 'private', 'none'],
  userns_mode: [''],
};

/** Docker label namespaces read by Nomad (`com.hashicorp.`), traefik's docker provider and the platform. */
const RESERVED_LABEL = /^(?:com\.hashicorp\.|traefik|nomadguard\.)/i;

/** A ulimit value: `n` or `soft:hard`. */
const ULIMIT_RE = /^(\d{1,19})(?::(\d{1,19}))?$/;

/**
 * A sysctl value: printable ASCII without `$`, `{` or `}` (Nomad fills `${...}` in driver config from the task
 * environment: see `interpolates` in ../helpers), at most 128 characters.
 */
const SYSCTL_VALUE_RE = /^[ -#%-z|~]{1,128}$/;

type Params = Rules['docker'];

/** The `docker` validator rule (see the file comment for what it checks). */
export const docker: ValidatorRule<'docker'> = {
  name: 'docker',
  validate(spec, ctx, params) {
    const out: Diagnostic[] = [];
    const jobId = jobIdFor(spec, ctx);
    spec.group.forEach((g, gi) =>
      g.task.forEach((t, ti) => {
        if (t.docker) checkTask(t.docker, t.name, jobId, ['group', gi, 'task', ti, 'docker'], params, out);
      }),
    );
    return out;
  },
};

function checkTask(d: DockerSpec, task: string, jobId: string, at: ReadonlyArray<string | number>, params: Params, out: Diagnostic[]): void {
  const q = JSON.stringify;
  const push = (code: string, message: string, path: ReadonlyArray<string | number>): void => {
    out.push({ code, severity: 'error', message: `task ${JSON.stringify(task)} ${message}`, path });
  };
  const options = new Set<string>(params.options);
  for (const key of Object.keys(d) as Array<keyof DockerSpec>) {
    // devices and privileged have rules of their own, whatever the list says.
    if (d[key] === undefined || key === 'devices' || key === 'privileged' || options.has(key)) continue;
    push('DOCKER_OPTION', `sets docker.${key}, which the platform does not allow; remove it.`, [...at, key]);
  }
  if (d.privileged === true) {
    push('DOCKER_PRIVILEGED', 'asks for docker.privileged = true, which gives the container full control of the node; the platform does not run privileged containers. Remove privileged (add a single capability with cap_add if the platform allows it).', [...at, 'privileged']);
  }
  if (d.network_mode !== undefined && options.has('network_mode')) {
    if (d.network_mode === 'host') {
      push('DOCKER_HOST_NETWORK', 'asks for network_mode = "host", which bypasses the container\'s own IPv6 address and the node firewall; remove network_mode and listen on the container\'s port instead.', [...at, 'network_mode']);
    } else if (!params.networkModes.includes(d.network_mode)) {
      push('DOCKER_NETWORK_MODE', `asks for network_mode = ${q(d.network_mode)}; the platform allows only ${listText(params.networkModes.map((m) => m || '(empty)'))}, so the container keeps its own network namespace and firewall. Remove network_mode.`, [...at, 'network_mode']);
    }
  }
  for (const key of ['pid_mode', 'ipc_mode', 'userns_mode'] as const) {
    const v = d[key];
    if (v === undefined || !options.has(key) || OWN_NAMESPACE[key].includes(v)) continue;
    if (v === 'host') push('DOCKER_HOST_NAMESPACE', `asks for ${key} = "host", which shares the node's namespace with the container; remove ${key}.`, [...at, key]);
    else push('DOCKER_SHARED_NAMESPACE', `asks for ${key} = ${q(v)}, which joins a namespace outside the container (another container's, possibly another team's); remove ${key}.`, [...at, key]);
  }
  if (options.has('cap_add')) {
    const allowed = allowedCapabilities(params.allowedCapabilities);
    (d.cap_add ?? []).forEach((cap, ci) => {
      if (allowed.has('ALL') || allowed.has(normCap(cap))) return;
      const what = allowed.size > 0 ? `the platform allows only ${listText([...allowed])}` : 'the platform allows no added capabilities';
      push('DOCKER_CAP_ADD', `adds the capability ${q(cap)}, but ${what}; remove it from cap_add.`, [...at, 'cap_add', ci]);
    });
  }
  (d.devices ?? []).forEach((dev, di) => {
    push('DOCKER_DEVICES', `maps the host device ${q(dev.host_path)} into the container; the platform does not pass host devices through. Remove devices.`, [...at, 'devices', di]);
  });
  if (options.has('security_opt')) {
    (d.security_opt ?? []).forEach((opt, oi) => {
      if (params.securityOpts.includes(opt)) return;
      push('DOCKER_SECURITY_OPT', `sets security_opt ${q(opt)}; the platform allows only ${listText(params.securityOpts)}, because other options switch off or replace a container protection (seccomp, AppArmor, SELinux labels, masked system paths). Remove it.`, [...at, 'security_opt', oi]);
    });
  }
  if (d.shm_size !== undefined && options.has('shm_size') && (d.shm_size < 0 || d.shm_size > params.maxShmSize)) {
    push('DOCKER_SHM_SIZE', `sets shm_size = ${d.shm_size}; it must lie between 0 and ${params.maxShmSize} bytes. Lower shm_size.`, [...at, 'shm_size']);
  }
  if (options.has('ulimit')) {
    for (const [name, value] of Object.entries(d.ulimit ?? {})) {
      const path = [...at, 'ulimit', name];
      const max = Object.prototype.hasOwnProperty.call(params.ulimits, name) ? params.ulimits[name] : undefined;
      if (max === undefined) {
        const names = Object.keys(params.ulimits).sort();
        push('DOCKER_ULIMIT', `sets the ulimit ${q(name)}; the platform allows ${names.length > 0 ? `only ${listText(names)}` : 'no ulimits'}. Remove it.`, path);
        continue;
      }
      const m = ULIMIT_RE.exec(value);
      const soft = m ? Number(m[1]) : NaN;
      const hard = m ? Number(m[2] ?? m[1]) : NaN;
      if (!m || soft > hard || hard > max) {
        push('DOCKER_ULIMIT', `sets the ulimit ${q(name)} to ${q(value)}; write "soft:hard" (or one number) with soft <= hard <= ${max}.`, path);
      }
    }
  }
  if (options.has('sysctl')) {
    for (const [name, value] of Object.entries(d.sysctl ?? {})) {
      const path = [...at, 'sysctl', name];
      if (!params.sysctls.includes(name)) {
        push('DOCKER_SYSCTL', `sets the kernel parameter ${q(name)}; the platform allows ${params.sysctls.length > 0 ? `only ${listText(params.sysctls)}` : 'none'}. Remove it.`, path);
      } else if (!SYSCTL_VALUE_RE.test(value)) {
        push('DOCKER_SYSCTL', `sets the kernel parameter ${q(name)} to ${q(value)}, which is not a printable value of at most 128 characters without "$", "{" or "}".`, path);
      }
    }
  }
  if (d.hostname !== undefined && options.has('hostname') && d.hostname !== task && d.hostname !== jobId) {
    push('DOCKER_HOSTNAME', `sets hostname = ${q(d.hostname)}; a container may name itself only after its task (${JSON.stringify(task)}) or its job (${JSON.stringify(jobId)}), never after another host. Remove hostname or use one of those.`, [...at, 'hostname']);
  }
  if (options.has('labels')) {
    for (const key of Object.keys(d.labels ?? {})) {
      if (isMetaKey(key) && !RESERVED_LABEL.test(key)) continue;
      push('DOCKER_LABEL', `sets the docker label ${q(key)}; labels are plain keys (letters, digits, "_", "." and "-") outside the namespaces Nomad, traefik and the platform read ("com.hashicorp.", "traefik", "nomadguard."). Remove or rename it.`, [...at, 'labels', key]);
    }
  }
}
