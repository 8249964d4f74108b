/**
 * Small pure helpers the rules share: the team as the policy sees it, job IDs, DNS labels, durations, globs.
 */
import type { Policy, TeamPolicy } from '../../../crd-schemas/policy';
import { TIERS, TIER_LETTER, type SpecV1, type Tier } from '../../../crd-schemas/spec-v1';
import type { PolicyContext } from './types';
import { parseDuration } from '../spec/duration';

/** The team's allowances after applying open-mode defaults. `declared` is false for an undeclared team. */
export interface EffectiveTeam {
  name: string;
  declared: boolean;
  tiers: readonly Tier[];
  /** Whether the team's tasks may be internet-facing: a declared team only when the policy says so; open mode allows it. */
  internet: boolean;
  /** The Nomad namespace: the team folder's name. */
  namespace: string;
  secretPrefixes: readonly string[];
  vaultPolicies?: readonly string[];
  vaultRoles: readonly string[];
  vaultRole: string;
  firewallGroups: readonly string[];
}

const teamCache = new WeakMap<Policy, Map<string, EffectiveTeam>>();

/**
 * The team `name` as the policy declares it, or undefined. Team names come from spec folders, so only the
 * policy's own keys count: `constructor`, `__proto__` or `toString` never find an inherited member.
 */
export function declaredTeam(policy: Policy, name: string): TeamPolicy | undefined {
  const teams = policy.teams;
  return teams !== undefined && Object.hasOwn(teams, name) ? teams[name] : undefined;
}

/** The team `name` under `policy`; undeclared teams get the open defaults (every tier, secrets under `<team>/`). */
export function effectiveTeam(policy: Policy, name: string): EffectiveTeam {
  let byName = teamCache.get(policy);
  if (!byName) teamCache.set(policy, (byName = new Map()));
  let team = byName.get(name);
  if (!team) byName.set(name, (team = computeTeam(declaredTeam(policy, name), name)));
  return team;
}

function computeTeam(t: TeamPolicy | undefined, name: string): EffectiveTeam {
  const prefixes = [...(t?.secretPrefix !== undefined ? [t.secretPrefix] : []), ...(t?.secretPrefixes ?? [])];
  const role = t?.vaultRole ?? name;
  return {
    name,
    declared: t !== undefined,
    tiers: t?.tiers ?? TIERS,
    internet: t?.internet ?? true,
    namespace: name,
    secretPrefixes: prefixes.length > 0 ? prefixes : [`${name}/`],
    vaultPolicies: t?.vaultPolicies,
    vaultRole: role,
    vaultRoles: [role, ...(t?.vaultRoles ?? [])],
    firewallGroups: t?.firewallGroups ?? [],
  };
}

/**
 * True when Nomad could rewrite `s` on the client before the task starts. The task driver's config
 * (image, volumes and every other docker option) is decoded as HCL with the task environment as
 * variables (client/allocrunner/taskrunner/task_runner.go `buildTaskConfig` -> helper/pluginutils/hclutils
 * `ParseHclInterface`: every string is a template, `${...}` and `%{...}`), and services and checks go
 * through `taskenv.InterpolateService` (client/taskenv/services.go, `ReplaceEnv`). A value a rule judges
 * must reach the node as judged, so it may hold no `$`, `{` or `}`.
 */
export function interpolates(s: string): boolean {
  return /[${}]/.test(s);
}

/** The job ID a spec produces: its `id` when it has one, else `<tier letter>-<team>-<name>`. */
export function jobIdOf(spec: Pick<SpecV1, 'tier' | 'name' | 'id'>, team: string): string {
  return spec.id ?? `${TIER_LETTER[spec.tier]}-${team}-${spec.name}`;
}

/** The job ID for the rule context. */
export function jobIdFor(spec: SpecV1, ctx: PolicyContext): string {
  return jobIdOf(spec, ctx.team);
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/** A lower-case DNS label (RFC 1123), at most 63 characters. */
export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

/** A policy duration (already checked by the schema) in nanoseconds. */
export function nanos(s: string): number {
  const n = parseDuration(s);
  if (n === undefined) throw new Error(`invalid duration ${JSON.stringify(s)}`);
  return n;
}

const globCache = new Map<string, RegExp>();
/** Match a glob (`*` any run, `?` one character) against the whole string. */
export function globMatch(glob: string, s: string): boolean {
  let re = globCache.get(glob);
  if (!re) {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    globCache.set(glob, (re = new RegExp(`^${body}$`)));
  }
  return re.test(s);
}

/** `a, b and c` for messages. */
export function listText(items: readonly string[], quote = true): string {
  const q = items.map((i) => (quote ? JSON.stringify(i) : i));
  if (q.length <= 1) return q.join('');
  return `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
}

/** Structural equality of JSON-like values (undefined and null are equal); cheaper than comparing JSON text. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null) return b === undefined || b === null;
  if (b === undefined || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) if (!sameJson(ao[k], bo[k])) return false;
  return true;
}
