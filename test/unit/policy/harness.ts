/** Shared test inputs for the policy rules: a spec builder, a declared policy, a context. */
import type { SpecV1 } from '../../../crd-schemas/spec-v1';
import { loadSpec } from '../../../lib/core/spec/load';
import type { PositionIndex } from '../../../lib/core/spec/positions';
import { DOCKER_OPTIONS, policyFrom, type Policy, type PolicyInput } from '../../../crd-schemas/policy';
import { defaultOperatorConfig, type OperatorConfig } from '../../../crd-schemas/operator-config';
import type { PolicyContext } from '../../../lib/core/policy';
import type { Job } from '../../../lib/core/nomad/types';

export interface SpecParts {
  name?: string;
  tier?: string;
  count?: number | null;
  /** Extra lines inside the first group (after count). */
  group?: string;
  image?: string;
  port?: number | null;
  check?: string | null;
  /** Extra lines inside the first task. */
  task?: string;
  /** Text appended at the end (more tasks or groups). */
  tail?: string;
}

/** A small valid production spec of team es; parts replace or extend it. */
export function specText(p: SpecParts = {}): string {
  const lines = [
    `name    = "${p.name ?? 'cerebro'}"`,
    `tier    = "${p.tier ?? 'production'}"`,
    'contact = "es-team@example.com"',
    '',
    '[[group]]',
    'name  = "main"',
    ...(p.count === null ? [] : [`count = ${p.count ?? 2}`]),
    ...(p.group ? [p.group] : []),
    '',
    '  [[group.task]]',
    '  name   = "cerebro"',
    `  image  = "${p.image ?? 'registry.internal/es/cerebro:1.0.0'}"`,
    ...(p.port === null ? [] : [`  port   = ${p.port ?? 9000}`]),
    ...(p.check === null ? [] : [`  check  = ${p.check ?? '{ type = "http", path = "/health" }'}`]),
    ...(p.task ? [p.task] : []),
    ...(p.tail ? ['', p.tail] : []),
    '',
  ];
  return lines.join('\n');
}

/** Load spec text with the real loader; a test spec must be structurally valid (that is the loader's business). */
export function loadText(text: string, file = 'es/cerebro/nomadgen.toml'): { spec: SpecV1; positions: PositionIndex } {
  const r = loadSpec({ text, file });
  if (!r.ok) throw new Error(`test spec does not load: ${JSON.stringify(r.diagnostics)}`);
  return { spec: r.spec, positions: r.positions };
}

export function parseSpec(text: string): SpecV1 {
  return loadText(text).spec;
}

/** The 1-based line:col of the first occurrence of `needle` in `text` (ignoring a leading newline in needle). */
export function positionOf(text: string, needle: string): { line: number; col: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`${JSON.stringify(needle)} not in the spec text`);
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { line, col: at - before.lastIndexOf('\n') };
}

/** A policy with declared teams, known firewall groups, a registry allowlist, host path prefixes and every docker option. */
export const DECLARED: PolicyInput = {
  teams: {
    es: { tiers: ['production', 'quality', 'test'], internet: true, vaultPolicies: ['es-read'], secretPrefixes: ['es/'], firewallGroups: ['g/es-internal'] },
    web: { tiers: ['quality', 'test'], vaultRole: 'web-apps' },
    ops: { tiers: ['test'] },
  },
  firewallGroups: ['g/netscaler', 'g/monitoring'],
  rules: {
    images: { registries: ['registry.internal', 'ghcr.io/acme'] },
    volumes: { hostPathPrefixes: ['/srv/shared'] },
    // Every option a spec may ever set, so the limits on each option's value are what is judged.
    docker: { allowedCapabilities: ['NET_BIND_SERVICE'], options: [...DOCKER_OPTIONS] },
  },
};

export function declaredPolicy(over: (p: PolicyInput) => void = () => undefined): Policy {
  const input = structuredClone(DECLARED);
  over(input);
  return policyFrom(input);
}

export const CONFIG: OperatorConfig = defaultOperatorConfig();

export function ctxFor(team = 'es', file = `${team}/cerebro/nomadgen.toml`, config: OperatorConfig = CONFIG): PolicyContext {
  return { team, file, config, vaultMode: config.vault.mode };
}

/**
 * A job shaped like the generator's output before the platform's parts (no spread, update, traefik tags or
 * IPv6 settings): what the modifiers start from.
 */
export function baseJob(spec: SpecV1, team = 'es'): Job {
  const letter = { production: 'p', quality: 'q', test: 't' }[spec.tier];
  const id = `${letter}-${team}-${spec.name}`;
  return {
    ID: id,
    Name: id,
    Namespace: team,
    Region: 'global',
    Datacenters: ['dc1', 'dc2'],
    Type: 'service',
    Meta: { contact: spec.contact, 'nomadguard.managed': 'true' },
    TaskGroups: spec.group.map((g) => ({
      Name: g.name,
      Count: g.count ?? 1,
      Tasks: g.task.map((t) => ({
        Name: t.name,
        Driver: 'docker',
        Config: { image: t.image, ...(t.port !== undefined ? { ports: ['http'] } : {}) },
        Resources: { CPU: t.cpu ?? 100, MemoryMB: t.memory ?? 256, ...(t.memory_max !== undefined ? { MemoryMaxMB: t.memory_max } : {}) },
        Services:
          t.port === undefined
            ? null
            : [
                {
                  Name: `${id}-${t.name}`,
                  PortLabel: 'http',
                  Tags: t.tags ?? [],
                  Checks: t.check ? [{ Name: 'alive', Type: t.check.type, Path: t.check.path, PortLabel: 'http', Interval: 10e9, Timeout: 2e9 }] : null,
                },
              ],
        ...(t.secrets ? { Vault: { Role: team, ChangeMode: 'restart' } } : {}),
      })),
    })),
  };
}
