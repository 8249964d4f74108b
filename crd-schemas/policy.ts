/**
 * The policy file (`policy.yaml`, `kind: Policy`): what the platform allows and what it adds to every job.
 *
 * Two halves. `teams`, `firewallGroups` and `placement` are data: who exists and what they may use.
 * `rules` switches every validator and modifier on or off and carries its parameters
 * (`rules: { <rule>: { enabled, severity?, ...params } }`). Every key has a default, so an empty file
 * (or no file at all) is a complete policy that runs open: every team folder is a team allowed every tier,
 * secrets live under `<team>/`, any well-formed `g/<name>` firewall group is accepted, and the structural
 * rules (names, IPv6 ingress, volumes, docker isolation, resources, checks, mutable tags in production)
 * still apply. Unknown keys are rejected so a typo in a rule name cannot silently switch a rule off.
 */
import { z } from 'zod';
import { parseDocument } from 'yaml';
import { unknownKeyMessage, yamlErrorMessage } from './yaml-diagnostics';
import { TIERS, type Tier } from './spec-v1';
import type { Diagnostic } from '../lib/core/diagnostics';
import { TeamNotifyEndpointSchema } from './notifications';

const Severity = z.enum(['error', 'warning']);
/** `off` drops the diagnostic entirely. */
const SeverityOrOff = z.enum(['error', 'warning', 'off']);
const TierEnum = z.enum(TIERS);

/** A Go-style duration (`90s`, `1m30s`, `500ms`, `2h`), as Nomad writes them. */
export const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ns|us|ms|s|m|h))+$|^0$/;
const Duration = z.string().regex(DURATION_RE, 'expected a duration such as "30s", "5m" or "1h30m"');

/** Keys every rule accepts. `severity` replaces the severity of every diagnostic the rule reports. */
const ruleBase = {
  enabled: z.boolean().default(true).describe('Switch the rule off with false.'),
  severity: Severity.optional().describe('Report every finding of this rule with this severity instead of its own.'),
};

const Range = z.strictObject({
  min: z.number().int().min(0).optional(),
  max: z.number().int().min(0).optional(),
});

/**
 * A declared team: the tiers it may deploy to, whether it may face the internet, its Vault allowance, secret
 * prefixes and extra firewall groups.
 */
export const TeamSchema = z.strictObject({
  tiers: z.array(TierEnum).default([...TIERS]).describe('Tiers the team may deploy to.'),
  internet: z
    .boolean()
    .default(false)
    .describe('Whether tasks of the team may be internet-facing (http.internet = true: the public entrypoint, open ingress).'),
  vaultPolicies: z.array(z.string()).optional().describe('Vault policies jobs of the team may ask for (policies mode).'),
  vaultRole: z.string().optional().describe('Vault role jobs of the team use (workload-identity mode; default: the team name).'),
  vaultRoles: z.array(z.string()).optional().describe('Further Vault roles the team may use.'),
  secretPrefix: z.string().optional().describe('Shorthand for a single secret prefix.'),
  secretPrefixes: z.array(z.string()).optional().describe('Vault path prefixes the team may read (default: "<team>/").'),
  firewallGroups: z.array(z.string()).default([]).describe('Firewall groups only this team may use, on top of the global list.'),
  notify: z.array(TeamNotifyEndpointSchema).max(8).default([]).describe('Where the transitions of the team\'s jobs are posted, on top of the platform\'s endpoints.'),
});

const PlacementMatch = z.strictObject({
  team: z.union([z.string(), z.array(z.string())]).optional(),
  job: z.string().optional().describe('Glob over the job ID: "*" any run of characters, "?" one character.'),
  tier: z.union([TierEnum, z.array(TierEnum)]).optional(),
});

/** A placement rule: jobs matching team, job ID glob and tier go to a node pool and/or get constraints. */
export const PlacementSchema = z.strictObject({
  name: z.string().optional().describe('Shown in `render --explain`.'),
  match: PlacementMatch.prefault({}),
  nodePool: z.string().optional().describe('Run matching jobs in this node pool.'),
  nodeClass: z.string().optional().describe('Constrain matching jobs to nodes of this class.'),
  constraint: z
    .strictObject({ attribute: z.string(), value: z.string().default(''), operator: z.string().default('=') })
    .optional()
    .describe('Any other constraint, as in a jobspec.'),
});

const TierRanges = z.strictObject({
  cpu: Range.prefault({}),
  memory: Range.prefault({}),
  count: Range.prefault({}),
});
const defaultRanges = { cpu: { min: 10, max: 32000 }, memory: { min: 16, max: 131072 }, count: { min: 0, max: 50 } };

const TierLimits = z.strictObject({
  cpu: z.number().int().min(1).optional().describe('Clamp cpu (MHz) to this.'),
  memory: z.number().int().min(1).optional().describe('Clamp memory (MiB) to this.'),
  memoryMax: z.number().int().min(1).optional().describe('Clamp memory_max (MiB) to this.'),
});

const UpdateParams = z.strictObject({
  maxParallel: z.number().int().min(0).default(1),
  healthCheck: z.enum(['checks', 'task_states', 'manual']).default('checks'),
  minHealthyTime: Duration.default('10s'),
  healthyDeadline: Duration.default('5m'),
  progressDeadline: Duration.default('10m'),
  autoRevert: z.boolean().default(true),
  canary: z.number().int().min(0).default(0),
  autoPromote: z.boolean().default(false),
  stagger: Duration.default('30s'),
});
const RestartParams = z.strictObject({
  attempts: z.number().int().min(0).default(2),
  interval: Duration.default('30m'),
  delay: Duration.default('15s'),
  mode: z.enum(['fail', 'delay']).default('fail'),
});
const RescheduleParams = z.strictObject({
  attempts: z.number().int().min(0).default(0),
  interval: Duration.default('0s'),
  delay: Duration.default('30s'),
  delayFunction: z.enum(['constant', 'exponential', 'fibonacci']).default('exponential'),
  maxDelay: Duration.default('1h'),
  unlimited: z.boolean().default(true),
});
const TierLifecycle = z.strictObject({
  update: UpdateParams.prefault({}),
  restart: RestartParams.prefault({}),
  reschedule: RescheduleParams.prefault({}),
});

/** Outside production a task gets more restarts and a bounded number of reschedules. */
const nonProdLifecycle = { restart: { attempts: 3 }, reschedule: { attempts: 5, interval: '1h', unlimited: false, maxDelay: '10m' } };

/** `over` merged into `base`, recursively for plain objects (arrays and scalars replace). */
function deepMerge(base: unknown, over: unknown): unknown {
  const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isPlain(base) || !isPlain(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** One entry per tier; what the policy file says for a tier is merged over that tier's defaults. */
function perTier<T extends z.ZodType>(schema: T, defaults: Partial<Record<Tier, unknown>> = {}) {
  const merge = (v: unknown) => {
    const given = (v ?? {}) as Record<string, unknown>;
    if (typeof given !== 'object' || Array.isArray(given)) return v;
    const out: Record<string, unknown> = { ...given };
    for (const t of TIERS) out[t] = deepMerge(defaults[t] ?? {}, given[t] ?? {});
    return out;
  };
  return z.preprocess(merge, z.strictObject({ production: schema, quality: schema, test: schema })).prefault({});
}

/**
 * Docker options a spec may ever set (`devices` is not among them: host devices are never passed through).
 * The policy lists those it allows in `rules.docker.options`, each within the docker rule's limits on its value.
 */
export const DOCKER_OPTIONS = ['entrypoint', 'work_dir', 'hostname', 'labels', 'privileged', 'network_mode', 'pid_mode', 'ipc_mode', 'userns_mode', 'cap_add', 'cap_drop', 'security_opt', 'shm_size', 'ulimit', 'sysctl'] as const;

/**
 * The docker options allowed when the policy names none: what a plain service needs, nothing that loosens
 * the container's isolation. `security_opt` is limited to `securityOpts` (no-new-privileges by default).
 * Every other option (hostname, labels, namespaces, network mode, added capabilities, shared memory,
 * ulimits, sysctls) must be listed by the policy.
 */
export const DEFAULT_DOCKER_OPTIONS: ReadonlyArray<(typeof DOCKER_OPTIONS)[number]> = ['entrypoint', 'work_dir', 'cap_drop', 'security_opt'];

/** Every rule by name with `enabled`, optional `severity` and its parameters; all default to on. */
export const RulesSchema = z
  .strictObject({
    // Validators.
    authorisation: z.strictObject({ ...ruleBase }).prefault({}),
    names: z
      .strictObject({
        ...ruleBase,
        maxJobIdLength: z.number().int().min(1).max(63).default(63),
        idNamesTeam: z.boolean().default(true).describe('A spec\'s explicit `id` must hold its team folder as one of its "-"-separated parts.'),
      })
      .prefault({}),
    images: z
      .strictObject({
        ...ruleBase,
        registries: z.array(z.string()).default([]).describe('Allowed registries (host[:port] or host/path prefix); empty allows any.'),
        mutableTags: z
          .strictObject({
            production: SeverityOrOff.optional(),
            quality: SeverityOrOff.optional(),
            test: SeverityOrOff.optional(),
            default: SeverityOrOff.default('warning'),
          })
          .prefault({ production: 'error' }),
      })
      .prefault({}),
    resources: z
      .strictObject({
        ...ruleBase,
        tiers: perTier(TierRanges, { production: defaultRanges, quality: defaultRanges, test: defaultRanges }),
        maxGroups: z.number().int().min(1).default(20).describe('Most groups one spec may declare.'),
        maxTasksPerGroup: z.number().int().min(1).default(20).describe('Most tasks one group may declare.'),
        maxInstances: z
          .number()
          .int()
          .min(1)
          .default(200)
          .describe('Most instances one spec may run: the sum over its groups of count, or of scaling.max when that is higher.'),
      })
      .prefault({}),
    volumes: z
      .strictObject({ ...ruleBase, hostPathPrefixes: z.array(z.string()).default([]).describe('Host directories containers may mount (none by default).') })
      .prefault({}),
    docker: z
      .strictObject({
        ...ruleBase,
        allowedCapabilities: z.array(z.string()).default([]).describe('Linux capabilities cap_add may name.'),
        options: z
          .array(z.enum(DOCKER_OPTIONS))
          .default([...DEFAULT_DOCKER_OPTIONS])
          .describe('Docker options a spec may set at all (default: entrypoint, work_dir, cap_drop, security_opt); the other parameters limit their values. Host devices, privileged = true and the host\'s namespaces are never allowed.'),
        networkModes: z.array(z.string()).default(['', 'default', 'bridge']).describe('Values network_mode may take.'),
        securityOpts: z
          .array(z.string())
          .default(['no-new-privileges', 'no-new-privileges:true', 'no-new-privileges=true'])
          .describe('Values security_opt entries may take (compared exactly).'),
        maxShmSize: z.number().int().min(0).default(268_435_456).describe('Largest shm_size in bytes (default 256 MiB).'),
        ulimits: z
          .record(z.string(), z.number().int().min(0))
          .default({ nofile: 65536, nproc: 8192 })
          .describe('Resource limits ulimit may name, each with the largest soft and hard value.'),
        sysctls: z.array(z.string()).default(['net.core.somaxconn']).describe('Kernel parameters sysctl may set (namespaced to the container).'),
      })
      .prefault({}),
    firewall: z.strictObject({ ...ruleBase }).prefault({}),
    secrets: z.strictObject({ ...ruleBase }).prefault({}),
    checks: z.strictObject({ ...ruleBase }).prefault({}),
    tags: z.strictObject({ ...ruleBase }).prefault({}),
    env: z.strictObject({ ...ruleBase }).prefault({}),
    meta: z.strictObject({ ...ruleBase }).prefault({}),
    // Modifiers.
    spread: z
      .strictObject({
        ...ruleBase,
        oddCount: z.enum(['reject', 'roundUp']).default('reject'),
        weight: z.number().int().min(1).max(100).default(100),
      })
      .prefault({}),
    placement: z.strictObject({ ...ruleBase }).prefault({}),
    limits: z
      .strictObject({
        ...ruleBase,
        tiers: perTier(TierLimits, { quality: { cpu: 8000, memory: 16384 }, test: { cpu: 4000, memory: 8192 } }),
      })
      .prefault({}),
    update: z
      .strictObject({ ...ruleBase, tiers: perTier(TierLifecycle, { production: { update: { minHealthyTime: '30s' } }, quality: nonProdLifecycle, test: nonProdLifecycle }) })
      .prefault({}),
    traefik: z.strictObject({ ...ruleBase }).prefault({}),
    ipv6: z.strictObject({ ...ruleBase }).prefault({}),
    // Over the whole repository.
    uniqueJobId: z.strictObject({ ...ruleBase }).prefault({}),
    uniqueHost: z.strictObject({ ...ruleBase }).prefault({}),
  })
  .prefault({});

/** The policy file: teams, firewall groups, placement rules and rule settings. */
export const PolicySchema = z.strictObject({
  apiVersion: z.literal('nomadguard/v1').default('nomadguard/v1'),
  kind: z.literal('Policy').default('Policy'),
  teams: z
    .record(z.string(), TeamSchema.prefault({}))
    .optional()
    .describe('Declared teams. Absent: every team folder is a team allowed every tier (open mode).'),
  firewallGroups: z
    .array(z.string())
    .optional()
    .describe('Known firewall groups ("g/<name>"). Absent: any well-formed group is accepted.'),
  placement: z.array(PlacementSchema).default([]),
  rules: RulesSchema,
});

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type TeamPolicy = z.infer<typeof TeamSchema>;
export type PlacementRule = z.infer<typeof PlacementSchema>;
export type Rules = Policy['rules'];
export type RuleName = keyof Rules;

/** Every rule the policy knows, in the order they run (validators, modifiers, repository rules). */
export const RULE_NAMES = Object.keys(RulesSchema.parse(undefined)) as RuleName[];

/** The built-in policy used when the operator config names no policy file: open teams, structural rules on. */
export function defaultPolicy(): Policy {
  return PolicySchema.parse({});
}

/** Fill in every default of a policy given as a plain object; throws a ZodError on invalid input. */
export function policyFrom(input: PolicyInput): Policy {
  return PolicySchema.parse(input);
}

export type PolicyParseResult = { ok: true; policy: Policy; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Parse policy YAML text; problems come back as diagnostics with file:line:col of the offending key. */
export function parsePolicy(text: string, file: string): PolicyParseResult {
  const doc = parseDocument(text, { keepSourceTokens: false, prettyErrors: false });
  const lineOf = lineIndex(text);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      diagnostics: doc.errors.map((e) => ({
        code: 'POLICY_SYNTAX',
        severity: 'error' as const,
        message: `the policy file is not valid YAML: ${yamlErrorMessage(text, e)}`,
        file,
        ...lineOf(e.pos[0]),
      })),
    };
  }
  const parsed = PolicySchema.safeParse(withShorthands(doc.toJS() ?? {}));
  if (parsed.success) return { ok: true, policy: parsed.data, diagnostics: [] };
  return {
    ok: false,
    // Paths as written (a shorthand `images:` is not `rules.images`); an unknown key is one diagnostic per key, at it.
    diagnostics: parsed.error.issues.flatMap((issue) => {
      const path = writtenPath(doc, issue.path.filter((p): p is string | number => typeof p !== 'symbol'));
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      if (keys.length > 0) {
        return keys.map((key) => {
          const node = nearestNode(doc, [...path, key]);
          return { code: 'POLICY_INVALID', severity: 'error' as const, message: `policy: ${unknownKeyMessage([...path, key])}`, file, path: [...path, key], ...(node !== undefined ? lineOf(node) : {}) };
        });
      }
      const node = nearestNode(doc, path);
      return [{
        code: 'POLICY_INVALID',
        severity: 'error' as const,
        message: `policy ${path.length > 0 ? path.join('.') : '(top level)'}: ${issue.message}`,
        file,
        path,
        ...(node !== undefined ? lineOf(node) : {}),
      }];
    }),
  };
}

/** Top-level keys accepted as shorthand for `rules.<key>` (the form the design document shows). */
const SHORTHAND_RULES = ['images', 'spread'] as const;

/** Moves shorthand top-level rule settings under `rules`; settings written under `rules` win. */
function withShorthands(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const input = { ...(raw as Record<string, unknown>) };
  for (const key of SHORTHAND_RULES) {
    if (!(key in input)) continue;
    const rules = (input.rules ?? {}) as Record<string, unknown>;
    const given = input[key];
    const explicit = rules[key];
    const both = given !== null && typeof given === 'object' && explicit !== null && typeof explicit === 'object';
    input.rules = { ...rules, [key]: both ? { ...given, ...explicit } : (explicit ?? given) };
    delete input[key];
  }
  return input;
}

/** `path` as the file writes it: `rules.<shorthand>...` is `<shorthand>...` when the file sets it at the top level. */
function writtenPath(doc: ReturnType<typeof parseDocument>, path: Array<string | number>): Array<string | number> {
  const [first, rule] = path;
  const shorthand = first === 'rules' && (SHORTHAND_RULES as readonly unknown[]).includes(rule);
  if (!shorthand || doc.hasIn(path.slice(0, 2)) || !doc.hasIn([rule])) return path;
  return path.slice(1);
}

/** The offset of the deepest node (or key) along `path` that exists in the YAML document. */
function nearestNode(doc: ReturnType<typeof parseDocument>, path: ReadonlyArray<string | number>): number | undefined {
  for (let n = path.length; n >= 1; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
    const key = path[n - 1];
    const items = (parent as { items?: unknown[] } | null)?.items;
    if (!Array.isArray(items)) continue;
    if (typeof key === 'number') {
      const item = items[key] as { range?: [number, number, number] } | undefined;
      if (item?.range) return item.range[0];
      continue;
    }
    for (const pair of items as Array<{ key?: { value?: unknown; range?: [number, number, number] } }>) {
      if (pair.key?.value === key && pair.key.range) return pair.key.range[0];
    }
  }
  return undefined;
}

function lineIndex(text: string): (offset: number) => { line: number; col: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo] + 1 };
  };
}
