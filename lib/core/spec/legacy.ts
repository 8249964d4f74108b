/**
 * Converting a legacy nomadgen file to v1. The job keeps its `job` value as its ID exactly, as the original
 * tool did: when it is not `<t>-<team>-<name>` the v1 spec carries it as `id` (the names rule checks it); the
 * tier comes from `tier` or the job name's tier letter; `port`/`porttype`/`checkpath`/`grace` become `port`
 * and `check`; `firewall = "g/x"` becomes ingress; nagios thresholds become task meta. The converted spec
 * carries aliases from v1 paths back to the legacy keys, so later diagnostics still point at real lines.
 * A `checkpath` outside the HTTP check path grammar (`isCheckPath`) is not converted (CHECK_HTTP_PATH).
 */
import type { Diagnostic, SpecPath } from '../diagnostics';
import { TIERS, TIER_LETTER, type SpecV1, type TaskSpec, type Tier, type CheckSpec } from '../../../crd-schemas/spec-v1';
import type { LegacyTask, SpecLegacy } from '../../../crd-schemas/spec-legacy';
import { isCheckPath } from '../generate/grammar';
import { stripUrlCredentials } from '../plan/redact';

/** The result of a conversion: a v1 spec (undefined when impossible), path aliases, and diagnostics. */
export interface LegacyConversion {
  spec?: SpecV1;
  aliases: Array<readonly [SpecPath, SpecPath]>;
  diagnostics: Diagnostic[];
}

/** Task meta keys the nagios thresholds are written to. */
export const NAGIOS_META = { sms: 'nagios.sms', mail: 'nagios.mail' } as const;

const LETTER_TIER: Record<string, Tier> = Object.fromEntries(TIERS.map((t) => [TIER_LETTER[t], t]));

/** Converts a schema-valid legacy document for `team` to v1. */
export function convertLegacy(doc: SpecLegacy, file: string, team?: string): LegacyConversion {
  const diagnostics: Diagnostic[] = [];
  const aliases: Array<readonly [SpecPath, SpecPath]> = [[['name'], ['job']], [['contact'], ['contact']]];
  const letter = /^([a-z])-/.exec(doc.job)?.[1];
  const tier = doc.tier ?? (letter ? LETTER_TIER[letter] : undefined);
  aliases.push([['tier'], doc.tier ? ['tier'] : ['job']]);
  if (!tier) {
    diagnostics.push({ code: 'LEGACY_TIER', severity: 'error', file, path: ['job'], message: `cannot tell the tier of job \`${doc.job}\`: it has no \`tier\` and no p-/q-/t- prefix`, hint: 'add tier = "production", "quality" or "test"' });
  }
  let name = letter && LETTER_TIER[letter] ? doc.job.slice(2) : doc.job;
  if (team && name.startsWith(`${team}-`)) name = name.slice(team.length + 1);

  const groups: SpecV1['group'] = [];
  doc.taskgroup.forEach((g, gi) => {
    aliases.push([['group', gi], ['taskgroup', gi]]);
    // Own keys only: a group named `constructor` or `toString` has no tasks, not Object's.
    const tasks = Object.hasOwn(doc.task, g.name) ? doc.task[g.name] : [];
    if (tasks.length === 0) {
      diagnostics.push({ code: 'LEGACY_NO_TASKS', severity: 'error', file, path: ['taskgroup', gi], message: `task group \`${g.name}\` has no [[task.${g.name}]]` });
    }
    tasks.forEach((t, ti) => {
      const check = legacyCheck(t);
      if (check?.type === 'http' && check.path !== undefined && !isCheckPath(check.path)) {
        diagnostics.push({ code: 'CHECK_HTTP_PATH', severity: 'error', file, path: ['task', g.name, ti, 'checkpath'], message: `checkpath ${JSON.stringify(stripUrlCredentials(check.path))} of task ${JSON.stringify(t.name)} is not a plain URL path on the task's own address`, hint: 'write "/" followed by letters, digits and - . _ ~ ! & * + , ; = : @ / or %XX, optionally ?query; no "//", no "." or ".." segment, no "$", "{", "}", "\\", "#" or whitespace' });
      }
    });
    tasks.forEach((_, ti) => aliases.push([['group', gi, 'task'], ['task', g.name]], [['group', gi, 'task', ti], ['task', g.name, ti]]));
    groups.push({ name: g.name, ...(g.count !== undefined ? { count: g.count } : {}), task: tasks.map((t, ti) => convertTask(t, [...['group', gi, 'task', ti]], ['task', g.name, ti], aliases)) });
  });
  for (const key of Object.keys(doc.task)) {
    if (!doc.taskgroup.some((g) => g.name === key)) {
      diagnostics.push({ code: 'LEGACY_UNKNOWN_GROUP', severity: 'error', file, path: ['task', key], message: `[[task.${key}]] names no [[taskgroup]]`, hint: `task groups: ${doc.taskgroup.map((g) => g.name).join(', ')}` });
    }
  }
  if (diagnostics.length > 0 || !tier) return { aliases, diagnostics };
  const derived = team !== undefined && doc.job === `${TIER_LETTER[tier]}-${team}-${name}`;
  if (!derived) aliases.push([['id'], ['job']]);
  diagnostics.push({
    code: 'LEGACY', severity: 'warning', file, path: [],
    message: `legacy nomadgen format, converted to v1 (job \`${doc.job}\`); please migrate`,
    hint: `write name = "${name}"${derived ? '' : `, id = "${doc.job}"`} and tier = "${tier}" instead of job, [[group]] for [[taskgroup]], [[group.task]] for [[task.<group>]], check = { type, path, grace } for porttype/checkpath/grace, firewall = { ingress = [...] } and meta = { "nagios.sms" = ... } for firewall and nagios*`,
  });
  return { spec: { name, ...(derived ? {} : { id: doc.job }), tier, contact: doc.contact, group: groups }, aliases, diagnostics };
}

function convertTask(t: LegacyTask, v1: SpecPath, legacy: SpecPath, aliases: Array<readonly [SpecPath, SpecPath]>): TaskSpec {
  const task: TaskSpec = { name: t.name, image: t.image };
  if (t.args) task.args = t.args;
  if (t.cpu !== undefined) task.cpu = t.cpu;
  if (t.memory !== undefined) task.memory = t.memory;
  if (t.port !== undefined) task.port = t.port;
  const check = legacyCheck(t);
  if (check) {
    task.check = check;
    aliases.push([[...v1, 'check'], [...legacy, t.porttype ? 'porttype' : t.checkpath ? 'checkpath' : 'port']]);
    aliases.push([[...v1, 'check', 'grace'], [...legacy, 'grace']], [[...v1, 'check', 'path'], [...legacy, 'checkpath']]);
  }
  if (t.volumes) task.volumes = t.volumes;
  if (t.tags) task.tags = t.tags;
  if (t.firewall !== undefined) {
    task.firewall = { ingress: t.firewall.split(/[\s,]+/).filter((x) => x !== '') };
    aliases.push([[...v1, 'firewall'], [...legacy, 'firewall']]);
  }
  const meta: Record<string, string> = {};
  if (t.nagiossms !== undefined) meta[NAGIOS_META.sms] = String(t.nagiossms);
  if (t.nagiosmail !== undefined) meta[NAGIOS_META.mail] = String(t.nagiosmail);
  if (Object.keys(meta).length > 0) {
    task.meta = meta;
    aliases.push([[...v1, 'meta'], [...legacy, t.nagiossms !== undefined ? 'nagiossms' : 'nagiosmail']]);
    aliases.push([[...v1, 'meta', NAGIOS_META.mail], [...legacy, 'nagiosmail']]);
  }
  return task;
}

/** The v1 check a legacy task implies: none without a port; http when porttype or checkpath says so, else tcp. */
function legacyCheck(t: LegacyTask): CheckSpec | undefined {
  if (t.port === undefined) return undefined;
  const http = t.porttype === 'http' || (t.porttype === undefined && t.checkpath !== undefined);
  const check: CheckSpec = http ? { type: 'http', path: t.checkpath ?? '/' } : { type: 'tcp' };
  if (t.grace !== undefined) check.grace = t.grace;
  return check;
}
