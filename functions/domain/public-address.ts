// Which IP addresses a server-side fetch of a user's URL may connect to: public unicast only.
// Everything else — loopback, private, link-local (the cloud metadata service), CGNAT, multicast,
// IPv4 inside IPv6 — would let a storyboard reach the inside of the network the function runs in.
import ipaddr from 'ipaddr.js';

/** The instance metadata service (EC2, Lambda's link-local neighbours, most clouds). */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254']);

const RANGE_NAMES: Record<string, string> = {
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT (shared) address',
  private: 'a private address',
  uniqueLocal: 'a private (unique local) IPv6 address',
  ipv4Mapped: 'an IPv4-mapped IPv6 address',
  rfc6145: 'an IPv4-translated IPv6 address',
  rfc6052: 'a NAT64 address (IPv4 inside IPv6)',
  '6to4': 'a 6to4 address (IPv4 inside IPv6)',
  teredo: 'a Teredo address (IPv4 inside IPv6)',
};

/**
 * Why a fetch must not connect to `address`, as "a loopback address"-style words for an error
 * message, or null if it is a public unicast address. Not an IP address at all is refused too.
 */
export function addressRefusal(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''); // [v6] brackets, zone ids
  if (!ipaddr.isValid(bare)) return 'not an IP address';
  const parsed = ipaddr.parse(bare);
  if (METADATA_ADDRESSES.has(parsed.toNormalizedString()) || METADATA_ADDRESSES.has(parsed.toString())) {
    return 'the cloud metadata address';
  }
  const range = parsed.range();
  if (range === 'unicast') return null;
  return RANGE_NAMES[range] ?? `a reserved address (${range})`;
}

/** An IP literal as a URL hostname ("127.0.0.1", "[::1]"), or null for a DNS name. */
export function ipLiteralOf(hostname: string): string | null {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return ipaddr.isValid(bare) && (bare.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(bare)) ? bare : null;
}
