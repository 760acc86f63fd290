import { BlockList, isIP } from 'node:net';

/**
 * IPv4 ranges that are not reachable on the public internet (IANA special-purpose registry):
 * an outbound fetch to one of them can only reach the host itself, the local network, a cloud
 * metadata service or nothing at all.
 */
const INTERNAL_IPV4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network", including the unspecified 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, including cloud metadata at 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, including broadcast 255.255.255.255
];

const INTERNAL_IPV6: ReadonlyArray<readonly [string, number]> = [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001:2::', 48], // benchmarking
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
];

/**
 * IPv6 prefixes that carry an IPv4 address in their bits: IPv4-mapped (::ffff:a.b.c.d), the
 * well-known NAT64 prefix and 6to4. An internal IPv4 range embedded in one of them is internal too;
 * the value is the bit offset of the embedded address.
 */
const IPV4_EMBEDDING_PREFIXES: ReadonlyArray<readonly [(hextets: string) => string, number]> = [
  [(v4) => `::ffff:${v4}`, 96],
  [(v4) => `64:ff9b::${v4}`, 96],
  [(v4) => `2002:${v4}::`, 16],
];

function ipv4AsHextets(address: string): string {
  const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

const internal = new BlockList();
for (const [address, prefix] of INTERNAL_IPV4) {
  internal.addSubnet(address, prefix, 'ipv4');
  for (const [embed, offset] of IPV4_EMBEDDING_PREFIXES) {
    internal.addSubnet(embed(ipv4AsHextets(address)), offset + prefix, 'ipv6');
  }
}
for (const [address, prefix] of INTERNAL_IPV6) internal.addSubnet(address, prefix, 'ipv6');

/**
 * Whether an IP address is private, loopback, link-local, CGNAT, unique-local, multicast,
 * unspecified or otherwise not a public unicast address, in any of its IPv4 or IPv6 spellings.
 * Anything that is not a plain IP address (a zone-scoped IPv6 address, a hostname) counts as
 * internal, so a caller that forgets to resolve first fails closed.
 */
export function isInternalAddress(address: string): boolean {
  if (address.includes('%')) return true;
  const family = isIP(address);
  if (family === 0) return true;
  return internal.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
