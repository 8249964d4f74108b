/**
 * firewall: every entry is a known firewall group (`g/<name>`) or an IP prefix, printed back in canonical
 * form (and written to task Meta in that form by the generator). Ingress is IPv6-only (containers have no
 * IPv4 address to reach); egress may be dual-stack; an ingress prefix shorter than /16 (`::/0`, `::/1`,
 * `2000::/3`: the whole internet or a large share of it) only for a task exposed with
 * `http.internet = true` of a team the policy lets face the internet (see the authorisation rule).
 * Codes: FIREWALL_UNKNOWN_GROUP, FIREWALL_INVALID_PREFIX, FIREWALL_IPV4_INGRESS, FIREWALL_OPEN_INGRESS.
 */
import * as ipaddr from 'ipaddr.js';
import type { Diagnostic } from '../../diagnostics';
import { effectiveTeam, listText, type EffectiveTeam } from '../helpers';
import type { Policy } from '../../../../crd-schemas/policy';
import type { ValidatorRule } from '../types';
import { parseFirewallEntry } from '../../generate/firewall-entry';

export { parseFirewallEntry, type FirewallEntry } from '../../generate/firewall-entry';

/** Ingress prefixes shorter than this are open to most of the internet: only for an internet-facing task. */
export const MIN_INGRESS_PREFIX = 16;

const knownCache = new WeakMap<Policy, Map<string, ReadonlySet<string>>>();
/** The groups a team may name: the policy's list and the team's own; undefined when the policy lists none (any group). */
function knownGroups(policy: Policy, team: EffectiveTeam): ReadonlySet<string> | undefined {
  if (policy.firewallGroups === undefined) return undefined;
  let byTeam = knownCache.get(policy);
  if (!byTeam) knownCache.set(policy, (byTeam = new Map()));
  let known = byTeam.get(team.name);
  if (!known) byTeam.set(team.name, (known = new Set([...policy.firewallGroups, ...team.firewallGroups])));
  return known;
}

/** The `firewall` validator rule (see the file comment for what it checks). */
export const firewall: ValidatorRule<'firewall'> = {
  name: 'firewall',
  validate(spec, ctx, _params, policy) {
    const out: Diagnostic[] = [];
    const team = effectiveTeam(policy, ctx.team);
    const known = knownGroups(policy, team);
    spec.group.forEach((g, gi) =>
      g.task.forEach((t, ti) => {
        for (const direction of ['ingress', 'egress'] as const) {
          (t.firewall?.[direction] ?? []).forEach((entry, ei) => {
            const path = ['group', gi, 'task', ti, 'firewall', direction, ei];
            const parsed = parseFirewallEntry(entry);
            if (parsed.kind === 'invalid') {
              out.push(
                parsed.reason === 'group'
                  ? {
                      code: 'FIREWALL_UNKNOWN_GROUP',
                      severity: 'error',
                      message: `firewall ${direction} ${JSON.stringify(entry)} is not a well-formed group: write "g/<name>" with lower-case letters, digits, ".", "_" and "-".`,
                      path,
                    }
                  : {
                      code: 'FIREWALL_INVALID_PREFIX',
                      severity: 'error',
                      message: `firewall ${direction} ${JSON.stringify(entry)} is neither a firewall group ("g/<name>") nor an IP prefix such as "2001:db8:100::/48".`,
                      path,
                    },
              );
              return;
            }
            if (parsed.kind === 'group') {
              if (known && !known.has(parsed.name)) {
                const list = [...known].sort();
                out.push({
                  code: 'FIREWALL_UNKNOWN_GROUP',
                  severity: 'error',
                  message: `firewall ${direction} ${JSON.stringify(entry)} is not a firewall group team ${JSON.stringify(ctx.team)} may use; known groups: ${list.length > 0 ? listText(list) : 'none'}. Use one of them or an IPv6 prefix.`,
                  path,
                });
              }
              return;
            }
            if (parsed.hostBits) {
              out.push({
                code: 'FIREWALL_INVALID_PREFIX',
                severity: 'error',
                message: `firewall ${direction} ${JSON.stringify(entry)} has bits set after the /${parsed.length} prefix; write the network as ${JSON.stringify(parsed.canonical)} (or the single address as /${parsed.family === 'ipv6' ? 128 : 32}).`,
                path,
              });
              return;
            }
            if (direction === 'ingress' && parsed.family === 'ipv4') {
              out.push({
                code: 'FIREWALL_IPV4_INGRESS',
                severity: 'error',
                message: `firewall ingress ${JSON.stringify(parsed.canonical)} is IPv4, but containers are reachable over IPv6 only; use the clients' IPv6 prefix or a firewall group.`,
                path,
              });
              return;
            }
            if (direction === 'ingress' && parsed.length < MIN_INGRESS_PREFIX && !localOnly(parsed.canonical) && !(t.http?.internet === true && team.internet)) {
              const what = parsed.length === 0 ? 'every address' : `a /${parsed.length}, a large share of all addresses`;
              const fix = team.internet ? "set http = { internet = true } or name the clients' prefixes or groups" : `team ${JSON.stringify(ctx.team)} may not be internet-facing, so name the clients' prefixes or groups`;
              out.push({
                code: 'FIREWALL_OPEN_INGRESS',
                severity: 'error',
                message: `firewall ingress ${JSON.stringify(parsed.canonical)} opens task ${JSON.stringify(t.name)} to ${what}, which is allowed only for an internet-facing task (prefixes of /${MIN_INGRESS_PREFIX} or longer are allowed for any task); ${fix}.`,
                path,
              });
            }
          });
        }
      }),
    );
    return out;
  },
};

/**
 * True when every address of an IPv6 prefix is unique-local (fc00::/7) or link-local (fe80::/10): such a
 * prefix, however short, never reaches the internet, so it is no "open" ingress.
 */
function localOnly(cidr: string): boolean {
  try {
    const [net, bits] = ipaddr.parseCIDR(cidr);
    if (net.kind() !== 'ipv6') return false;
    const range = (net as ipaddr.IPv6).range();
    return (range === 'uniqueLocal' && bits >= 7) || (range === 'linkLocal' && bits >= 10);
  } catch {
    return false;
  }
}
