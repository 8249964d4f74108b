/**
 * secrets: every Vault path a task reads follows the secret path grammar (segments of letters, digits, "_",
 * "." and "-" separated by "/", no empty, "." or ".." segment, no leading "/", at most 256 characters; see
 * generate/grammar.ts) and lies under one of the team's secret prefixes (default `<team>/`). The generator
 * writes templates only for paths that follow the grammar, so a path can neither step outside the prefix
 * nor inject template actions (another team's secret, Consul KV). Code: SECRET_PREFIX.
 * Whether the Vault policies or role the job asks for are within the team's allowance is checked on the
 * generated job (see job-checks.ts), because the generator decides what the job asks for.
 */
import type { Diagnostic } from '../../diagnostics';
import { isSecretPath } from '../../generate/grammar';
import { effectiveTeam, listText } from '../helpers';
import type { ValidatorRule } from '../types';

/** Whether the Vault path `p` lies under `prefix` (a folder prefix, compared by whole segments). */
export function underSecretPrefix(p: string, prefix: string): boolean {
  const folder = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return p.startsWith(folder) && p.length > folder.length;
}

/** The `secrets` validator rule (see the file comment for what it checks). */
export const secrets: ValidatorRule<'secrets'> = {
  name: 'secrets',
  validate(spec, ctx, _params, policy) {
    const out: Diagnostic[] = [];
    const team = effectiveTeam(policy, ctx.team);
    spec.group.forEach((g, gi) =>
      g.task.forEach((t, ti) =>
        (t.secrets ?? []).forEach((s, si) => {
          const path = ['group', gi, 'task', ti, 'secrets', si];
          if (!isSecretPath(s)) {
            out.push({
              code: 'SECRET_PREFIX',
              severity: 'error',
              message: `secret path ${JSON.stringify(s)} must be a plain Vault path such as "${team.secretPrefixes[0]}${spec.name}": segments of letters, digits, "_", "." and "-" separated by "/", without a leading "/", empty segments, "." or "..".`,
              path,
            });
            return;
          }
          if (!team.secretPrefixes.some((p) => underSecretPrefix(s, p))) {
            out.push({
              code: 'SECRET_PREFIX',
              severity: 'error',
              message: `secret path ${JSON.stringify(s)} is outside what team ${JSON.stringify(ctx.team)} may read; team secrets live under ${listText(team.secretPrefixes)}. Store the secret at e.g. "${team.secretPrefixes[0].replace(/\/?$/, '/')}${spec.name}" and reference that path.`,
              path,
            });
          }
        }),
      ),
    );
    return out;
  },
};
