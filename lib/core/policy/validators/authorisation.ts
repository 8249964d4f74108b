/**
 * authorisation: the spec's team exists, may deploy to the spec's tier, may be internet-facing when a task
 * sets `http.internet = true` (a declared team only with `internet: true` in the policy; open mode allows
 * every team), and its folder name is a namespace of its own (a valid Nomad namespace name, not the shared
 * `default`).
 * Codes: AUTH_UNKNOWN_TEAM, AUTH_TIER_DENIED, INTERNET_NOT_ALLOWED, AUTH_NAMESPACE.
 */
import type { Diagnostic } from '../../diagnostics';
import { effectiveTeam, listText } from '../helpers';
import type { ValidatorRule } from '../types';

const NAMESPACE_RE = /^[a-zA-Z0-9-]{1,128}$/;

/** The `authorisation` validator rule (see the file comment for what it checks). */
export const authorisation: ValidatorRule<'authorisation'> = {
  name: 'authorisation',
  validate(spec, ctx, _params, policy) {
    const out: Diagnostic[] = [];
    const team = effectiveTeam(policy, ctx.team);
    if (policy.teams !== undefined && !team.declared) {
      const known = Object.keys(policy.teams).sort();
      out.push({
        code: 'AUTH_UNKNOWN_TEAM',
        severity: 'error',
        message: `team ${JSON.stringify(ctx.team)} (the spec's top folder) is not declared in the platform policy; known teams are ${listText(known)}. Move the spec under your team's folder, or ask the platform team to add ${JSON.stringify(ctx.team)} to the policy's teams.`,
        path: ['name'],
      });
      return out;
    }
    if (!team.tiers.includes(spec.tier)) {
      out.push({
        code: 'AUTH_TIER_DENIED',
        severity: 'error',
        message: `team ${JSON.stringify(ctx.team)} may not deploy to tier ${JSON.stringify(spec.tier)}; it may deploy to ${listText(team.tiers)}. Change tier, or ask the platform team to allow ${JSON.stringify(spec.tier)} for ${JSON.stringify(ctx.team)}.`,
        path: ['tier'],
      });
    }
    if (!team.internet) {
      spec.group.forEach((g, gi) =>
        g.task.forEach((t, ti) => {
          if (t.http?.internet !== true) return;
          out.push({
            code: 'INTERNET_NOT_ALLOWED',
            severity: 'error',
            message: `task ${JSON.stringify(t.name)} asks to be internet-facing, but team ${JSON.stringify(ctx.team)} may not publish on the public entrypoint. Remove http.internet, or ask the platform team to allow internet exposure for ${JSON.stringify(ctx.team)}.`,
            path: ['group', gi, 'task', ti, 'http', 'internet'],
          });
        }),
      );
    }
    const ns = team.namespace;
    if (!NAMESPACE_RE.test(ns)) {
      out.push({
        code: 'AUTH_NAMESPACE',
        severity: 'error',
        message: `jobs of team ${JSON.stringify(ctx.team)} would land in namespace ${JSON.stringify(ns)}, which is not a valid Nomad namespace name (letters, digits and "-", at most 128 characters). Rename the team folder.`,
        path: ['name'],
      });
    } else if (ns === 'default') {
      out.push({
        code: 'AUTH_NAMESPACE',
        severity: 'error',
        message: `jobs of team ${JSON.stringify(ctx.team)} would land in the shared "default" namespace; every team deploys into its own namespace. Move the spec under your team's folder.`,
        path: ['name'],
      });
    }
    return out;
  },
};
