/**
 * Firewall entries as the node firewall reads them from task Meta: a group `g/<name>`, or an IP prefix or
 * address, parsed with ipaddr.js into one canonical text (compressed lower-case IPv6, `/48` not `/048`,
 * IPv4-mapped IPv6 as IPv4). Shared by the generator, which writes the canonical form, and the firewall rule,
 * which judges and quotes it.
 */
import ipaddr from 'ipaddr.js';

const GROUP_RE = /^g\/[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;

/**
 * A firewall entry understood: a group, or a prefix with its family and canonical text (`canonical` is
 * always `network/length`; `address` is the canonical text of an entry written as a bare address).
 */
export type FirewallEntry =
  | { kind: 'group'; name: string }
  | { kind: 'prefix'; family: 'ipv4' | 'ipv6'; canonical: string; length: number; hostBits: boolean; address?: string }
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
    const v4net = ipaddr.IPv4.networkAddressFromCIDR(`${v4.toString()}/${v4len}`);
    return { kind: 'prefix', family: 'ipv4', canonical: `${v4net.toString()}/${v4len}`, length: v4len, hostBits: v4net.toString() !== v4.toString(), ...(entry.includes('/') ? {} : { address: v4.toString() }) };
  }
  const network = addr.kind() === 'ipv6' ? ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${length}`) : ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${length}`);
  return {
    kind: 'prefix',
    family: addr.kind(),
    canonical: `${network.toString()}/${length}`,
    length,
    hostBits: network.toString() !== addr.toString(),
    ...(entry.includes('/') ? {} : { address: addr.toString() }),
  };
}

/**
 * The entry as the generator writes it: a valid prefix or address in canonical form, a group as written.
 * An entry the firewall rule refuses (malformed, host bits set) is written as given: the spec is invalid
 * and its job is never deployed.
 */
export function canonicalFirewallEntry(entry: string): string {
  const parsed = parseFirewallEntry(entry);
  if (parsed.kind !== 'prefix' || parsed.hostBits) return entry;
  return parsed.address ?? parsed.canonical;
}
