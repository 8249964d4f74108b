/**
 * `nomadguard import`: a running job as the text of a v1 `nomadgen.toml`. The spec says what it can
 * (specFromJob); it is then rendered with the operator config and policy, as the operator would, and
 * compared with the running job (`compareJobs`): what the render adds is the platform's (spreads, update
 * policies, traefik tags, the marker...), what it lacks or writes differently the spec cannot express.
 * Both are listed as comments at the top, by path only (a comparison never carries a secret value).
 */
import type { OperatorConfig } from '../../../crd-schemas/operator-config';
import type { Policy } from '../../../crd-schemas/policy';
import type { GroupSpec, SpecV1, TaskSpec } from '../../../crd-schemas/spec-v1';
import type { Job } from '../nomad/types';
import { renderSpec } from '../pipeline';
import { compareJobs, type FieldChange } from '../plan/compare';
import { META } from '../plan/types';
import { formatDiagnostic } from '../diagnostics';
import { specFromJob } from './from-job';
import { tomlComment, tomlLines, type TomlValue } from './toml-writer';

/** What `importJob` gives. */
export interface ImportResult {
  /** The spec text, comments first. */
  text: string;
  /** Where the spec goes in the repository. */
  file: string;
  /** Paths the render adds (the platform's). */
  added: string[];
  /** What the spec cannot express: paths the render lacks or writes differently, and what was left out on purpose. */
  notExpressible: string[];
  /** Errors the imported spec renders with (policy refusals), formatted. */
  errors: string[];
}

/** Options of `importJob`. */
export interface ImportOptions {
  config: OperatorConfig;
  policy: Policy;
  /** The source identity the operator writes (`nomadguard.source`); the job's own when it carries one. */
  source: string;
  /** The server's version, for the comparison's defaults. */
  serverVersion?: string;
}

function taskLines(t: TaskSpec): string[] {
  return tomlLines([
    ['name', t.name], ['image', t.image], ['command', t.command], ['args', t.args], ['cpu', t.cpu], ['memory', t.memory], ['memory_max', t.memory_max],
    ['port', t.port], ['check', t.check as TomlValue | undefined], ['env', t.env], ['secrets', t.secrets], ['volumes', t.volumes], ['tags', t.tags],
    ['http', t.http as TomlValue | undefined], ['firewall', t.firewall as TomlValue | undefined], ['docker', t.docker as TomlValue | undefined], ['meta', t.meta],
  ], '  ');
}

function groupLines(g: GroupSpec): string[] {
  return tomlLines([['name', g.name], ['count', g.count], ['scaling', g.scaling as TomlValue | undefined], ['meta', g.meta]]);
}

/** The TOML text of a spec (no comments). */
export function specToml(spec: SpecV1): string {
  const out = tomlLines([['name', spec.name], ['id', spec.id], ['tier', spec.tier], ['contact', spec.contact], ['meta', spec.meta]]);
  for (const g of spec.group) {
    out.push('', '[[group]]', ...groupLines(g));
    for (const t of g.task) out.push('', '  [[group.task]]', ...taskLines(t));
  }
  return `${out.join('\n')}\n`;
}

function describe(c: FieldChange): string {
  return c.kind === 'changed' ? `${c.path} (written differently)` : c.path;
}

/** Imports `job` (see the file comment). */
export function importJob(job: Job, opts: ImportOptions): ImportResult {
  const { spec, file, team, notes } = specFromJob(job, opts.config);
  const body = specToml(spec);
  const source = job.Meta?.[META.source] ?? opts.source;
  const r = renderSpec({ text: body, file, team, source }, { config: opts.config, policy: opts.policy });
  const added: string[] = [];
  const notExpressible = [...notes];
  if (r.job) {
    const cmp = compareJobs(r.job, job, { namespace: team, ...(opts.config.platform.region ? { region: opts.config.platform.region } : {}), ...(opts.serverVersion ? { serverVersion: opts.serverVersion } : {}) });
    for (const c of cmp.changes) (c.kind === 'added' ? added : notExpressible).push(describe(c));
  }
  const errors = r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  const head = [
    tomlComment(`imported from Nomad job ${team}/${job.ID}${job.JobModifyIndex !== undefined ? ` at JobModifyIndex ${job.JobModifyIndex}` : ''}; commit it as ${file}`),
    ...errors.map((e) => tomlComment(`error: ${e}`)),
    ...notExpressible.map((n) => tomlComment(`not expressible: ${n}`)),
    ...added.map((a) => tomlComment(`added by the platform: ${a}`)),
  ];
  return { text: `${head.join('\n')}\n\n${body}`, file, added, notExpressible, errors };
}
