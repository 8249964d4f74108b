/** Nomad version strings and the features they imply. */
import type { NomadCapabilities } from '../../ports/nomad-api';

/** `[major, minor, patch]` of `1.10.3`, `v1.5.0-beta.1`, `1.6.2+ent`; undefined when not a version. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** True when `version` >= `min` (pre-release suffixes ignored: `1.5.0-beta.1` counts as 1.5.0). */
export function versionAtLeast(version: string, min: string): boolean {
  const a = parseVersion(version);
  const b = parseVersion(min);
  if (!a || !b) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

/** Feature flags of a Nomad server version. Unknown versions are treated as current. */
export function capabilitiesOf(version: string, extra: { region?: string; datacenter?: string } = {}): NomadCapabilities {
  const known = parseVersion(version) !== undefined;
  const at = (min: string): boolean => !known || versionAtLeast(version, min);
  const clean = known ? (parseVersion(version) as number[]).join('.') : version;
  return {
    version: clean,
    ...extra,
    jobListMeta: at('1.5.0'),
    vaultPolicies: known && !versionAtLeast(version, '1.10.0'),
    nodePools: at('1.6.0'),
    workloadIdentity: at('1.7.0'),
    datacenterGlobs: at('1.5.0'),
    versionTags: at('1.9.0'),
  };
}

/** Finds the version in a `/v1/agent/self` body (`config.Version.Version`, else `member.Tags.build`). */
export function versionFromAgentSelf(body: unknown): { version?: string; region?: string; datacenter?: string } {
  const b = (body ?? {}) as { config?: Record<string, unknown>; member?: { Tags?: Record<string, string> } };
  const cfg = b.config ?? {};
  let version: string | undefined;
  const v = cfg.Version as unknown;
  if (typeof v === 'string') version = v;
  else if (v && typeof v === 'object' && typeof (v as { Version?: unknown }).Version === 'string') {
    const vv = v as { Version: string; VersionPrerelease?: string };
    version = vv.VersionPrerelease ? `${vv.Version}-${vv.VersionPrerelease}` : vv.Version;
  }
  if (!version && typeof b.member?.Tags?.build === 'string') version = b.member.Tags.build.split(':')[0];
  const region = typeof cfg.Region === 'string' ? cfg.Region : b.member?.Tags?.region;
  const datacenter = typeof cfg.Datacenter === 'string' ? cfg.Datacenter : b.member?.Tags?.dc;
  return { version, region, datacenter };
}
