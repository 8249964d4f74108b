/**
 * What a simulated task's container looks like from inside, for `alloc exec`: its hostname, its environment
 * (Nomad's runtime variables, the task's `Env`, and the variables of templates rendered with `env = true`),
 * its rendered template files, and its listening socket on the allocation's IPv6 address.
 *
 * Templates are rendered against a simulated Vault in which every secret path holds one key, `password`,
 * with a value derived from the path; `{{ with secret "P" }}`, `{{ range $k, $v := .Data.data }}`,
 * `{{ $k }}`, `{{ $v }}`, `{{ .Data.data.KEY }}` and `{{ env "NAME" }}` are understood, any other action
 * renders as nothing.
 */
import { createHash } from 'node:crypto';
import type { Task } from '../core/nomad/types';
import type { SimAlloc } from './alloc-render';
import { taskPort } from './task-logs';

/** A task's container as `exec` sees it. */
export interface SimContainer {
  hostname: string;
  env: Record<string, string>;
  /** Rendered templates by absolute path inside the container (`/secrets/app.env`, `/local/...`). */
  files: Map<string, string>;
  /** The listening socket: the allocation's IPv6 address and the task's port. */
  listen?: { address: string; port: number };
}

/** The simulated Vault's data at `path`. */
export function simSecret(path: string): Record<string, string> {
  return { password: `sim-${createHash('sha256').update(path).digest('hex').slice(0, 16)}` };
}

const ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/g;

/** Renders the template subset described above. */
export function renderTemplate(text: string, env: Record<string, string>): string {
  // Parse into tokens first: literal text and actions.
  const tokens: Array<{ text?: string; action?: string }> = [];
  let last = 0;
  for (const m of text.matchAll(ACTION)) {
    if (m.index > last) tokens.push({ text: text.slice(last, m.index) });
    tokens.push({ action: m[1] });
    last = m.index + m[0].length;
  }
  if (last < text.length) tokens.push({ text: text.slice(last) });
  const render = (from: number, to: number, data: Record<string, string> | undefined, vars: Record<string, string>): string => {
    let out = '';
    for (let i = from; i < to; i++) {
      const t = tokens[i];
      if (t.text !== undefined) {
        out += t.text;
        continue;
      }
      const a = t.action ?? '';
      const block = /^(with|range|if)\b/.exec(a);
      if (block) {
        const end = matchingEnd(tokens, i);
        const secret = /^with\s+secret\s+"([^"]*)"/.exec(a);
        if (secret) out += render(i + 1, end, simSecret(secret[1]), vars);
        else if (block[1] === 'range' && /\.Data\.data$/.test(a) && data) {
          const names = /\$(\w+)\s*,\s*\$(\w+)\s*:=/.exec(a);
          for (const [k, v] of Object.entries(data).sort(([x], [y]) => x.localeCompare(y))) {
            out += render(i + 1, end, data, names ? { ...vars, [names[1]]: k, [names[2]]: v } : vars);
          }
        }
        i = end;
        continue;
      }
      const variable = /^\$(\w+)$/.exec(a);
      if (variable) out += vars[variable[1]] ?? '';
      const field = /^\.Data\.data\.(\w+)$/.exec(a);
      if (field && data) out += data[field[1]] ?? '';
      const envRef = /^env\s+"([^"]*)"$/.exec(a);
      if (envRef) out += env[envRef[1]] ?? '';
    }
    return out;
  };
  return render(0, tokens.length, undefined, {});
}

function matchingEnd(tokens: Array<{ action?: string }>, open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const a = tokens[i].action;
    if (a === undefined) continue;
    if (/^(with|range|if|define|block)\b/.test(a)) depth++;
    else if (a === 'end' && --depth === 0) return i;
  }
  return tokens.length;
}

/** `KEY=VALUE` lines of an env template (blank lines and `#` comments skipped). */
function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq > 0) out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

/** The container of `task` in allocation `a`. */
export function containerOf(a: SimAlloc, task: Task, datacenter: string, region: string): SimContainer {
  const index = /\[(\d+)\]$/.exec(a.Name)?.[1] ?? '0';
  const env: Record<string, string> = {
    NOMAD_ALLOC_DIR: '/alloc',
    NOMAD_ALLOC_ID: a.ID,
    NOMAD_ALLOC_INDEX: index,
    NOMAD_ALLOC_NAME: a.Name,
    NOMAD_CPU_LIMIT: String(a.TaskResources[task.Name]?.cpu ?? task.Resources?.CPU ?? 100),
    NOMAD_DC: datacenter,
    NOMAD_GROUP_NAME: a.TaskGroup,
    NOMAD_JOB_ID: a.JobID,
    NOMAD_JOB_NAME: a.job.Name ?? a.JobID,
    NOMAD_MEMORY_LIMIT: String(a.TaskResources[task.Name]?.memory ?? task.Resources?.MemoryMB ?? 300),
    NOMAD_NAMESPACE: a.Namespace,
    NOMAD_REGION: region,
    NOMAD_SECRETS_DIR: '/secrets',
    NOMAD_TASK_DIR: '/local',
    NOMAD_TASK_NAME: task.Name,
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  };
  for (const p of a.Ports) {
    env[`NOMAD_PORT_${p.Label}`] = String(p.To || p.Value);
    env[`NOMAD_HOST_PORT_${p.Label}`] = String(p.Value);
    env[`NOMAD_IP_${p.Label}`] = a.HostAddress;
  }
  Object.assign(env, task.Env ?? {});
  const files = new Map<string, string>();
  for (const t of task.Templates ?? []) {
    if (!t.DestPath) continue;
    const content = renderTemplate(t.EmbeddedTmpl ?? '', env);
    const dest = t.DestPath.replace(/^\.?\/+/, '');
    files.set(`/${dest}`, content);
    if (t.Envvars) Object.assign(env, parseEnvFile(content));
  }
  const port = taskPort(a);
  return {
    hostname: a.ID.replace(/-/g, '').slice(0, 12),
    env,
    files,
    listen: port !== undefined && a.Address ? { address: a.Address, port } : undefined,
  };
}
