import { BlockList, isIP } from 'node:net';

/**
 * Where webhooks may go. A subscription's URL is chosen by whoever holds an API key, so without
 * this check the notifier would POST, from inside the deployment, to the cloud metadata service,
 * Redis, MongoDB or any compose service. Only globally routable unicast addresses pass.
 */
export type AddressVerdict = { allowed: true } | { allowed: false; range: string };

function ranges(type: 'ipv4' | 'ipv6', list: Array<[string, number, string]>): Array<[BlockList, string]> {
  return list.map(([network, prefix, name]) => {
    const block = new BlockList();
    block.addSubnet(network, prefix, type);
    return [block, name];
  });
}

// IANA special-purpose registry (RFC 6890 and successors): everything not globally reachable.
const IPV4_REFUSED = ranges('ipv4', [
  ['0.0.0.0', 8, 'this network (0.0.0.0/8)'],
  ['10.0.0.0', 8, 'private (10.0.0.0/8)'],
  ['100.64.0.0', 10, 'carrier-grade NAT (100.64.0.0/10)'],
  ['127.0.0.0', 8, 'loopback (127.0.0.0/8)'],
  ['169.254.0.0', 16, 'link-local (169.254.0.0/16)'],
  ['172.16.0.0', 12, 'private (172.16.0.0/12)'],
  ['192.0.0.0', 24, 'IETF protocol assignments (192.0.0.0/24)'],
  ['192.0.2.0', 24, 'documentation (192.0.2.0/24)'],
  ['192.88.99.0', 24, '6to4 relay (192.88.99.0/24)'],
  ['192.168.0.0', 16, 'private (192.168.0.0/16)'],
  ['198.18.0.0', 15, 'benchmarking (198.18.0.0/15)'],
  ['198.51.100.0', 24, 'documentation (198.51.100.0/24)'],
  ['203.0.113.0', 24, 'documentation (203.0.113.0/24)'],
  ['224.0.0.0', 4, 'multicast (224.0.0.0/4)'],
  ['240.0.0.0', 4, 'reserved (240.0.0.0/4)'],
]);

const IPV6_NAMED = ranges('ipv6', [
  ['::1', 128, 'loopback (::1)'],
  ['::', 128, 'unspecified (::)'],
  ['fc00::', 7, 'unique-local (fc00::/7)'],
  ['fe80::', 10, 'link-local (fe80::/10)'],
  ['fec0::', 10, 'site-local (fec0::/10)'],
  ['ff00::', 8, 'multicast (ff00::/8)'],
  ['64:ff9b:1::', 48, 'local NAT64 (64:ff9b:1::/48)'],
  ['100::', 64, 'discard-only (100::/64)'],
  // Inside 2000::/3 but not globally reachable unicast.
  ['2001::', 23, 'IETF protocol assignments (2001::/23)'],
  ['2001:db8::', 32, 'documentation (2001:db8::/32)'],
  ['2002::', 16, '6to4 (2002::/16)'],
  ['3fff::', 20, 'documentation (3fff::/20)'],
]);

const IPV6_GLOBAL = new BlockList();
IPV6_GLOBAL.addSubnet('2000::', 3, 'ipv6');

/** The 16 bytes of an IPv6 address (zone id dropped, embedded dotted quad accepted). */
function ipv6Bytes(text: string): number[] | null {
  const addr = text.replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  let hex = addr;
  if (dotted?.[1]) {
    const q = dotted[1].split('.').map(Number);
    hex = `${addr.slice(0, -dotted[1].length)}${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`;
  }
  const halves = hex.split('::');
  if (halves.length > 2) return null;
  const part = (s: string | undefined) => (s ? s.split(':') : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array<string>(Math.max(0, fill)).fill('0'), ...tail];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

function classifyIpv4(ip: string): AddressVerdict {
  for (const [block, range] of IPV4_REFUSED) if (block.check(ip, 'ipv4')) return { allowed: false, range };
  return { allowed: true };
}

/** Whether a resolved (or literal) IP address may receive webhooks. */
export function classifyAddress(ip: string): AddressVerdict {
  const family = isIP(ip.replace(/%.*$/, ''));
  if (family === 4) return classifyIpv4(ip);
  if (family !== 6) return { allowed: false, range: 'not an IP address' };
  const bytes = ipv6Bytes(ip);
  if (!bytes) return { allowed: false, range: 'not an IP address' };
  const v4 = bytes.slice(12).join('.');
  const prefix = (n: number) => bytes.slice(0, n);
  const equals = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  // Addresses that carry an IPv4 destination are judged by that destination.
  if (equals(prefix(12), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])) {
    const inner = classifyIpv4(v4);
    return inner.allowed ? inner : { allowed: false, range: `IPv4-mapped ${inner.range}` };
  }
  if (equals(prefix(12), [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) {
    const inner = classifyIpv4(v4);
    return inner.allowed ? inner : { allowed: false, range: `NAT64 of ${inner.range}` };
  }
  const canonical = bytes.reduce<string[]>((acc, b, i) => (i % 2 ? acc : [...acc, ((b << 8) | bytes[i + 1]!).toString(16)]), []).join(':');
  for (const [block, range] of IPV6_NAMED) if (block.check(canonical, 'ipv6')) return { allowed: false, range };
  if (!IPV6_GLOBAL.check(canonical, 'ipv6')) return { allowed: false, range: 'not global unicast (outside 2000::/3)' };
  return { allowed: true };
}

/**
 * What can be judged from the URL alone, when a subscription is created: an IP literal, or a
 * name that only ever means this machine or a private network (`localhost`, a single label such
 * as a compose service name). Other names are judged on their resolved addresses at delivery.
 */
export function classifyWebhookHost(hostname: string): AddressVerdict {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host.replace(/%.*$/, ''))) return classifyAddress(host);
  const name = host.replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return { allowed: false, range: 'loopback (localhost)' };
  if (!name.includes('.')) return { allowed: false, range: 'single-label name (resolves only on a private network)' };
  return { allowed: true };
}
