/**
 * What a write does, as people read it: the allocation impact Nomad's plan predicts per group, the changes
 * the project's own comparison found, and the version tag that names the commit a version came from.
 */
import type { DesiredUpdates } from '../nomad/types';

/**
 * One line per group that Nomad's plan says will change, e.g. `group[web]: 2 in-place, 1 create/destroy,
 * 2 place, 1 stop, 3 unchanged`. Groups with nothing to do are left out; no groups, no lines.
 * @example allocImpact({ web: { InPlaceUpdate: 2, Place: 2, Ignore: 0, ... } }) // ['group[web]: 2 in-place, 2 place']
 */
export function allocImpact(updates: Readonly<Record<string, DesiredUpdates>> | null | undefined): string[] {
  const out: string[] = [];
  for (const name of Object.keys(updates ?? {}).sort()) {
    const u = (updates as Record<string, DesiredUpdates>)[name];
    const parts: string[] = [];
    const add = (n: number | undefined, what: string): void => {
      if (n) parts.push(`${n} ${what}`);
    };
    add(u.InPlaceUpdate, 'in-place');
    add(u.DestructiveUpdate, 'create/destroy');
    add(u.Place, 'place');
    add(u.Stop, 'stop');
    add(u.Migrate, 'migrate');
    add(u.Canary, 'canary');
    if (parts.length === 0) continue;
    if (u.Ignore) parts.push(`${u.Ignore} unchanged`);
    out.push(`group[${name}]: ${parts.join(', ')}`);
  }
  return out;
}

/** The part of a comparison's change the lines need (see `compareJobs`). */
export interface ChangeLike {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  old?: string;
  new?: string;
  secret?: boolean;
}

/** Changes as diff lines (`+` added, `-` removed, `~` changed); secret values are never printed. */
export function comparisonLines(changes: readonly ChangeLike[]): string[] {
  return changes.map((c) => {
    if (c.secret) return `${c.kind === 'added' ? '+' : c.kind === 'removed' ? '-' : '~'} ${c.path}: (secret value ${c.kind})`;
    if (c.kind === 'added') return `+ ${c.path}: ${JSON.stringify(c.new ?? '')}`;
    if (c.kind === 'removed') return `- ${c.path}: ${JSON.stringify(c.old ?? '')}`;
    return `~ ${c.path}: ${JSON.stringify(c.old ?? '')} => ${JSON.stringify(c.new ?? '')}`;
  });
}

/** Nomad's limit on a version tag's description (`structs.JobVersionTag`). */
const TAG_DESCRIPTION_MAX = 1000;

/**
 * The version tag of a commit: name `git-<12 hex>`, description the commit subject and the spec path (at
 * most 1000 characters, control characters removed: the subject is a team's text).
 * @example versionTag('0123456789abcdef…', 'es/cerebro/nomadgen.toml', 'bump cerebro') // { name: 'git-0123456789ab', description: 'bump cerebro (es/cerebro/nomadgen.toml)' }
 */
export function versionTag(commit: string, spec: string, subject: string | undefined): { name: string; description: string } {
  const clean = (t: string): string => Array.from(t, (c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? ' ' : c)).join('').replace(/ {2,}/g, ' ').trim();
  const tail = ` (${clean(spec)})`;
  let head = clean(subject ?? '') || `commit ${commit.slice(0, 12)}`;
  if (head.length + tail.length > TAG_DESCRIPTION_MAX) head = `${head.slice(0, Math.max(0, TAG_DESCRIPTION_MAX - tail.length - 1))}…`;
  return { name: `git-${commit.slice(0, 12)}`, description: `${head}${tail}`.slice(0, TAG_DESCRIPTION_MAX) };
}

/**
 * Names of the `git-<12 hex>` tags to remove so that only the `keep` newest tagged versions keep theirs:
 * Nomad never drops a tagged version, so tagging every write would keep every version forever. Tags
 * people gave (any other name) are never touched.
 */
export function staleVersionTags(versions: ReadonlyArray<{ Version?: number; VersionTag?: { Name: string } | null }>, keep: number): string[] {
  const ours = versions.filter((v) => /^git-[0-9a-f]{12}$/.test(v.VersionTag?.Name ?? '')).sort((a, b) => (b.Version ?? 0) - (a.Version ?? 0));
  return ours.slice(keep).map((v) => (v.VersionTag as { Name: string }).Name);
}
