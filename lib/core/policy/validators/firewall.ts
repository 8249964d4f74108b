/**
 * firewall: every entry is a known firewall group (`g/<name>`) or an IP prefix, printed back in canonical
 * form. Ingress is IPv6-only (containers have no IPv4 address to reach); egress may be dual-stack; `::/0`
 * ingress (the whole internet) only for a task exposed with `http.internet = true`.
 * Codes: FIREWALL_UNKNOWN_GROUP, FIREWALL_INVALID_PREFIX, FIREWALL_IPV4_INGRESS, FIREWALL_OPEN_INGRESS.
 */
import ipaddr from 'ipaddr.js';
import type { Diagnostic } from '../../diagnostics';
import { effectiveTeam, listText, type EffectiveTeam } from '../helpers';
import type { Policy } from '../../../../crd-schemas/policy';
import type { ValidatorRule } from '../types';

const GROUP_RE = /^g\/[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;

/** A firewall entry understood: a group, or a prefix with its family and canonical text. */
export type FirewallEntry =
  | { kind: 'group'; name: string }
  | { kind: 'prefix'; family: 'ipv4' | 'ipv6'; canonical: string; length: number; hostBits: boolean }
  | { kind: 'invalid'; reason: string };

const parsedCache = new Map<string, FirewallEntry>();
const CACHE_LIMIT = 10_000;

/** Parse one firewall entry; bare addresses count as host prefixes (/32, /128). Results are memoised (entries repeat across specs). */
export function parseFirewallEntry(entry: string): FirewallEntry {
  let parsed = parsedCache.get(entry);
  if (parsed === undefined) {
    if (parsedCache.size >= CACHE_LIMIT) parsedCache.clear();
    parsed = parseEntry(entry);
    parsedCache.set(entry, parsed);
  }
  return parsed;
}

function parseEntry(entry: string): FirewallEntry {
  if (entry.startsWith('g/')) return GROUP_RE.test(entry) ? { kind: 'group', name: entry } : { kind: 'invalid', reason: 'group' };
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let length: number;
  try {
    if (entry.includes('/')) [addr, length] = ipaddr.parseCIDR(entry);
    else {
      addr = ipaddr.parse(entry);
      length = addr.kind() === 'ipv6' ? 128 : 32;
    }
  } catch {
    return { kind: 'invalid', reason: 'prefix' };
  }
  if (addr.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(entry.split('/')[0])) return { kind: 'invalid', reason: 'prefix' };
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    const v4 = (addr as ipaddr.IPv6).toIPv4Address();
    const v4len = Math.max(length - 96, 0);
    return { kind: 'prefix', family: 'ipv4', canonical: `${v4.toString()}/${v4len}`, length: v4len, hostBits: false };
  }
  const network = addr.kind() === 'ipv6' ? ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${length}`) : ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${length}`);
  return {
    kind: 'prefix',
    family: addr.kind(),
    canonical: `${network.toString()}/${length}`,
    length,
    hostBits: network.toString() !== addr.toString(),
  };
}

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
            if (direction === 'ingress' && parsed.length === 0 && t.http?.internet !== true) {
              out.push({
                code: 'FIREWALL_OPEN_INGRESS',
                severity: 'error',
                message: `firewall ingress ${JSON.stringify(parsed.canonical)} opens task ${JSON.stringify(t.name)} to every address, which is allowed only for an internet-facing task; set http = { internet = true } or name the clients' prefixes or groups.`,
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

