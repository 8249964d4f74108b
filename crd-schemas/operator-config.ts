/**
 * The operator config, `nomadguard.yaml`: where the clusters, the spec repository and the policy are, and
 * the platform facts the generator needs (domain, region, datacenters, node role).
 *
 * Every field has a default, so `render` and `validate` work with no config file at all. Defaults that
 * come from the environment (the cluster addresses) are passed in explicitly: this module never reads
 * `process.env`.
 */
import { z } from 'zod';
import { parseDocument, LineCounter, isNode, isMap, isScalar, type Document } from 'yaml';
import { unknownKeyMessage, yamlErrorMessage } from './yaml-diagnostics';
import { TIERS } from './spec-v1';
import { NotificationsSchema } from './notifications';
import type { Diagnostic } from '../lib/core/diagnostics';

/** A duration written like "15s", "5m", "1h30m" or "250ms". */
export const DurationString = z.string().regex(/^(\d+(ms|s|m|h))+$/, 'expected a duration like "15s", "5m" or "1h"');

/** The platform the generator targets. */
export const PlatformSchema = z.strictObject({
  domain: z.string().default('cloud.internal.domain').describe('HTTPS names are <job id>.<domain>.'),
  region: z.string().default('global'),
  datacenters: z.array(z.string()).min(1).default(['dc1', 'dc2']),
  nodeRole: z.string().default('nomad').describe('Jobs are constrained to nodes whose ${meta.role} is this.'),
});

/** How to reach one Nomad cluster. */
export const NomadEndpointSchema = z.strictObject({
  address: z.string().default('http://127.0.0.1:4646'),
  region: z.string().optional(),
  tokenEnv: z.string().optional().describe('Name of the environment variable holding the ACL token.'),
  tokenFile: z.string().optional().describe('File holding the ACL token.'),
  caCert: z.string().optional(),
  clientCert: z.string().optional(),
  clientKey: z.string().optional(),
  skipVerify: z.boolean().default(false),
});

/** How to reach the Consul agent next to a cluster. */
export const ConsulEndpointSchema = z.strictObject({
  address: z.string().default('http://127.0.0.1:8500'),
  tokenEnv: z.string().optional(),
  tokenFile: z.string().optional(),
});

/** One cluster and the tiers it serves; each tier is served by one cluster at most. */
export const ClusterSchema = z.strictObject({
  tiers: z.array(z.enum(TIERS)).min(1),
  region: z.string().optional().describe('Region of the jobs rendered for this cluster; defaults to platform.region.'),
  datacenters: z.array(z.string()).min(1).optional().describe('Datacenters of the jobs rendered for this cluster; defaults to platform.datacenters.'),
  nomad: NomadEndpointSchema.prefault({}),
  consul: ConsulEndpointSchema.prefault({}),
});

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Why `repo` cannot be a spec repository URL or path, or undefined when it can. A value starting with
 * `-` would be read by git as an option (`--upload-pack=...` runs a command), so it is refused even
 * though every git command line also ends its options with `--`.
 */
export function repoProblem(repo: string): string | undefined {
  if (repo === '') return 'the repository is empty';
  if (repo.startsWith('-')) return `the repository ${JSON.stringify(repo)} starts with "-" (git would read it as an option)`;
  if (CONTROL_CHARS.test(repo)) return `the repository ${JSON.stringify(repo)} contains control characters`;
  return undefined;
}

/**
 * Why `branch` is not a branch name git accepts, or undefined when it is. The rules of
 * `git check-ref-format --branch`: refs.c `check_refname_component` (no `..`, no `@{`, no control
 * characters, space, `~ ^ : ? * [ \`, no component starting with `.` or ending with `.lock`, no empty
 * component), refs.c `check_refname_format` (no trailing `.`), and
 * object-name.c `strbuf_check_branch_ref` (no leading `-`, not `HEAD`).
 */
export function branchProblem(branch: string): string | undefined {
  const name = JSON.stringify(branch);
  const bad = (why: string): string => `the branch ${name} is not a valid branch name: ${why}`;
  if (branch === '') return bad('it is empty');
  if (branch.startsWith('-')) return bad('it starts with "-"');
  if (branch === 'HEAD') return bad('it is reserved');
  if (CONTROL_CHARS.test(branch) || /[ ~^:?*[\\]/.test(branch)) return bad('it contains a control character, space or one of ~ ^ : ? * [ \\');
  if (branch.includes('..')) return bad('it contains ".."');
  if (branch.includes('@{')) return bad('it contains "@{"');
  if (branch.endsWith('.')) return bad('it ends with "."');
  for (const part of branch.split('/')) {
    if (part === '') return bad('it has an empty component (leading, trailing or double "/")');
    if (part.startsWith('.')) return bad('a component starts with "."');
    if (part.endsWith('.lock')) return bad('a component ends with ".lock"');
  }
  return undefined;
}

/** A refinement reporting `problem(value)` as the value's issue. */
function grammar(problem: (v: string) => string | undefined) {
  return (v: string | undefined, ctx: z.RefinementCtx): void => {
    const p = v === undefined ? undefined : problem(v);
    if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
  };
}

/** The spec repository the operator follows. */
export const SourceSchema = z.strictObject({
  repo: z.string().optional().superRefine(grammar(repoProblem)).describe('Git URL of the spec repository.'),
  name: z.string().optional().describe('Source identity written to nomadguard.source; defaults to repo.'),
  branch: z.string().default('main').superRefine(grammar(branchProblem)),
  path: z.string().default('.').describe('Folder inside the repository holding the team folders.'),
  pollInterval: DurationString.default('15s'),
  fullResync: z.string().default('*/10 * * * *').describe('Cron expression for a full resync.'),
});

/** Pruning of jobs whose spec disappeared. */
export const PruneSchema = z.strictObject({
  enabled: z.boolean().default(true),
  purge: z.boolean().default(false),
  grace: DurationString.default('5m'),
  maxShare: z.number().min(0).max(1).default(1.0).describe('Refuse to prune more than this share of managed jobs at once.'),
});

/** The reconciler's knobs. */
export const ReconcileSchema = z.strictObject({
  workers: z.number().int().min(1).default(8),
  selfHeal: z.boolean().default(true),
  prune: PruneSchema.prefault({}),
  statePrefix: z.string().default('nomadguard/state').describe('Consul KV prefix for operator state.'),
  versionTags: z.boolean().default(true).describe('On Nomad 1.9+, tag each version the operator writes with its commit (git-<12 hex>).'),
  adopt: z
    .strictObject({
      namespaces: z.array(z.string()).default([]).describe('Namespaces whose jobs running without the nomadguard marker are taken over by the spec naming their ID.'),
      teams: z.array(z.string()).default([]).describe('Teams (first folder of the spec path) whose specs take over such jobs.'),
    })
    .prefault({}),
});

/** How tasks get Vault secrets. */
export const VaultConfigSchema = z.strictObject({
  mode: z.enum(['workload-identity', 'policies']).default('workload-identity').describe('policies for Nomad before 1.10.'),
  kvMount: z.string().default('kv').describe('KV v2 mount the secrets live under.'),
});

/** Traefik entrypoints and certificate resolver. */
export const TraefikConfigSchema = z.strictObject({
  entrypoints: z.strictObject({
    internal: z.string().default('websecure'),
    public: z.string().default('public'),
  }).prefault({}),
  certResolver: z.string().default('internal'),
});

/**
 * Incoming push webhooks (`POST /api/v1/webhooks/{github,gitea,gitlab}`). One shared secret: the HMAC key
 * of GitHub and Gitea, the token GitLab sends. `secretFile` (read at start, trimmed) or `secret`; when the
 * config names neither, `NOMADGUARD_WEBHOOK_SECRET` is used; with no secret at all the endpoints answer 503.
 */
export const WebhooksSchema = z.strictObject({
  secretFile: z.string().optional().describe('File holding the webhook secret (preferred over secret).'),
  secret: z.string().min(1).optional().describe('The webhook secret itself; keep the config file private, or use secretFile.'),
});

/** The whole operator config. */
export const OperatorConfigSchema = z.strictObject({
  apiVersion: z.literal('nomadguard/v1').default('nomadguard/v1'),
  kind: z.literal('OperatorConfig').default('OperatorConfig'),
  platform: PlatformSchema.prefault({}),
  clusters: z.record(z.string(), ClusterSchema).optional().describe('Defaults to one cluster from NOMAD_ADDR/CONSUL_HTTP_ADDR serving every tier.'),
  source: SourceSchema.prefault({}),
  reconcile: ReconcileSchema.prefault({}),
  vault: VaultConfigSchema.prefault({}),
  traefik: TraefikConfigSchema.prefault({}),
  policy: z.string().optional().describe('Path of the policy file; none means the open policy.'),
  notifications: NotificationsSchema.prefault({}).describe('Where job transitions (Degraded, Invalid, Stalled, Error, back to Healthy) are posted.'),
  webhooks: WebhooksSchema.prefault({}),
});

/** A cluster, as resolved. */
export type ClusterConfig = z.infer<typeof ClusterSchema>;
/** The operator config with every default filled in (clusters always present). */
export type OperatorConfig = z.infer<typeof OperatorConfigSchema> & { clusters: Record<string, ClusterConfig> };

/** The environment variables the defaults read; pass `process.env` from the edge. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/** The single cluster used when the config names none: NOMAD_ADDR / CONSUL_HTTP_ADDR, every tier. */
export function defaultClusters(env: ConfigEnv = {}): Record<string, ClusterConfig> {
  return {
    default: {
      tiers: [...TIERS],
      nomad: {
        address: env.NOMAD_ADDR || 'http://127.0.0.1:4646',
        ...(env.NOMAD_REGION ? { region: env.NOMAD_REGION } : {}),
        tokenEnv: 'NOMAD_TOKEN',
        ...(env.NOMAD_CACERT ? { caCert: env.NOMAD_CACERT } : {}),
        ...(env.NOMAD_CLIENT_CERT ? { clientCert: env.NOMAD_CLIENT_CERT } : {}),
        ...(env.NOMAD_CLIENT_KEY ? { clientKey: env.NOMAD_CLIENT_KEY } : {}),
        skipVerify: env.NOMAD_SKIP_VERIFY === 'true' || env.NOMAD_SKIP_VERIFY === '1',
      },
      consul: { address: env.CONSUL_HTTP_ADDR || 'http://127.0.0.1:8500', tokenEnv: 'CONSUL_HTTP_TOKEN' },
    },
  };
}

/** Completes a schema-parsed config: fills the default cluster when none is configured. */
function complete(parsed: z.infer<typeof OperatorConfigSchema>, env: ConfigEnv): OperatorConfig {
  return { ...parsed, clusters: parsed.clusters && Object.keys(parsed.clusters).length > 0 ? parsed.clusters : defaultClusters(env) };
}

/** The config used when there is no `nomadguard.yaml`: every default. */
export function defaultOperatorConfig(env: ConfigEnv = {}): OperatorConfig {
  return complete(OperatorConfigSchema.parse({}), env);
}

/** The result of reading a `nomadguard.yaml`. */
export type OperatorConfigResult =
  | { ok: true; config: OperatorConfig; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

/** Parses YAML text into an OperatorConfig; problems come back as diagnostics with line:col. */
export function parseOperatorConfig(text: string, file = 'nomadguard.yaml', env: ConfigEnv = {}): OperatorConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      diagnostics: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { code: 'YAML_SYNTAX', severity: 'error', message: yamlErrorMessage(text, e), file, line: pos.line, col: pos.col };
      }),
    };
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = OperatorConfigSchema.safeParse(raw);
  if (!result.success) {
    return {
      ok: false,
      // An unknown key is one diagnostic per key, each at that key.
      diagnostics: result.error.issues.flatMap((issue) => {
        const paths = (issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path]) as Array<Array<string | number>>;
        return paths.map((path): Diagnostic => {
          const offset = yamlOffset(doc, path, issue.code === 'unrecognized_keys');
          const pos = lineCounter.linePos(offset);
          if (issue.code === 'unrecognized_keys') {
            return { code: 'UNKNOWN_KEY', severity: 'error', message: unknownKeyMessage(path), file, line: pos.line, col: pos.col, path };
          }
          return { code: 'CONFIG_INVALID', severity: 'error', message: `${path.join('.') || '(root)'}: ${issue.message}`, file, line: pos.line, col: pos.col, path };
        });
      }),
    };
  }
  const overlaps = tierOverlaps(result.data.clusters ?? {});
  if (overlaps.length > 0) {
    return {
      ok: false,
      diagnostics: overlaps.map((o) => {
        const pos = lineCounter.linePos(yamlOffset(doc, o.path, false));
        return { code: 'CONFIG_INVALID', severity: 'error', message: `${o.path.join('.')}: ${o.message}`, file, line: pos.line, col: pos.col, path: o.path };
      }),
    };
  }
  return { ok: true, config: complete(result.data, env), diagnostics: [] };
}

/** Tiers claimed by a second cluster (in config order), each with the path of the second claim. */
export function tierOverlaps(clusters: Readonly<Record<string, { tiers: readonly string[] }>>): Array<{ path: Array<string | number>; message: string }> {
  const owner = new Map<string, string>();
  const out: Array<{ path: Array<string | number>; message: string }> = [];
  for (const [name, cluster] of Object.entries(clusters)) {
    cluster.tiers.forEach((tier, i) => {
      const first = owner.get(tier);
      if (first === undefined) owner.set(tier, name);
      else out.push({ path: ['clusters', name, 'tiers', i], message: first === name ? `tier "${tier}" is listed twice` : `tier "${tier}" is already served by cluster "${first}"; a tier goes to one cluster only` });
    });
  }
  return out;
}

/**
 * The config a spec of cluster `name` is rendered with: the platform's region and datacenters replaced
 * by the cluster's own when it sets them. The config itself when the cluster sets neither.
 */
export function clusterRenderConfig(config: OperatorConfig, name: string): OperatorConfig {
  const cluster = config.clusters[name];
  if (!cluster || (cluster.region === undefined && cluster.datacenters === undefined)) return config;
  return { ...config, platform: { ...config.platform, ...(cluster.region !== undefined ? { region: cluster.region } : {}), ...(cluster.datacenters !== undefined ? { datacenters: [...cluster.datacenters] } : {}) } };
}

/** Source offset of the node at `path` (of its key when `atKey`), else of its nearest ancestor. */
function yamlOffset(doc: Document, path: Array<string | number>, atKey: boolean): number {
  if (atKey && path.length > 0) {
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]);
      if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
    }
  }
  for (let p = path; p.length > 0; p = p.slice(0, -1)) {
    const node: unknown = doc.getIn(p, true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}
