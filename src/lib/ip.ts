/**
 * One classifier for IP addresses: is this address on the public internet, and if not, what is
 * it (private, loopback, link-local, CGNAT, unique-local, multicast, documentation…)? Used to
 * refuse connection targets that resolve, or spell out, somewhere inside. IPv4 follows the IANA
 * IPv4 Special-Purpose Address Registry (RFC 6890 and successors); IPv6 is public only inside
 * global unicast 2000::/3 and outside the special-purpose blocks there. Addresses that embed an
 * IPv4 address (IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96, 6to4 2002::/16, NAT64) are
 * never public: they are a way to reach an IPv4 address under another name. Pure functions.
 */

/** What kind of address this is; everything but `public` is refused as a connection target. */
export type IpClass =
  | 'public'
  | 'this-network'
  | 'private'
  | 'shared'
  | 'loopback'
  | 'link-local'
  | 'protocol-assignment'
  | 'documentation'
  | 'benchmarking'
  | 'multicast'
  | 'reserved'
  | 'broadcast'
  | 'unspecified'
  | 'ipv4-mapped'
  | 'ipv4-embedding'
  | 'unique-local'
  | 'site-local'
  | 'discard'
  | 'invalid';

/** Strict dotted decimal (`a.b.c.d`, each 0–255, no leading zeros) as a 32-bit number, or null. */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** An IPv6 address (RFC 4291 text, `::` and a dotted IPv4 tail allowed, no zone) as 8 hextets, or null. */
export function parseIpv6(text: string): number[] | null {
  let rest = text.toLowerCase();
  if (rest.startsWith('[') && rest.endsWith(']')) rest = rest.slice(1, -1);
  if (!/^[0-9a-f:.]+$/.test(rest)) return null;
  const tail: number[] = [];
  const lastColon = rest.lastIndexOf(':');
  if (rest.includes('.')) {
    const v4 = parseIpv4(rest.slice(lastColon + 1));
    if (v4 === null || lastColon < 0) return null;
    tail.push(Math.floor(v4 / 65536), v4 % 65536);
    const head = rest.slice(0, lastColon + 1); // ends with ':'; keep a '::', drop a lone ':'
    rest = head.endsWith('::') ? head : head.slice(0, -1);
  }
  const halves = rest.split('::');
  if (halves.length > 2) return null;
  const hextets = (half: string): number[] | null => {
    if (half === '') return [];
    const out: number[] = [];
    for (const group of half.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(group)) return null;
      out.push(Number.parseInt(group, 16));
    }
    return out;
  };
  const head = hextets(halves[0] ?? '');
  const back = halves.length === 2 ? hextets(halves[1] ?? '') : [];
  if (!head || !back) return null;
  const given = head.length + back.length + tail.length;
  if (halves.length === 2) {
    if (given > 7) return null;
    return [...head, ...new Array<number>(8 - given).fill(0), ...back, ...tail];
  }
  return given === 8 ? [...head, ...tail] : null;
}

/** [first address, prefix length, class], most specific first where blocks nest. */
const V4_BLOCKS: [string, number, IpClass][] = [
  ['0.0.0.0', 8, 'this-network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'protocol-assignment'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.31.196.0', 24, 'protocol-assignment'],
  ['192.52.193.0', 24, 'protocol-assignment'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['192.175.48.0', 24, 'protocol-assignment'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['255.255.255.255', 32, 'broadcast'],
  ['240.0.0.0', 4, 'reserved'],
];

const V4_TABLE = V4_BLOCKS.map(([base, bits, kind]) => {
  const size = 2 ** (32 - bits);
  const start = parseIpv4(base) ?? 0;
  return { start, end: start + size - 1, kind };
});

function classifyV4(value: number): IpClass {
  for (const block of V4_TABLE) if (value >= block.start && value <= block.end) return block.kind;
  return 'public';
}

function inV6(h: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if (((h[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** [prefix hextets, prefix length, class], checked in order. */
const V6_BLOCKS: [number[], number, IpClass][] = [
  [[0, 0, 0, 0, 0, 0xffff], 96, 'ipv4-mapped'],
  [[0x64, 0xff9b], 96, 'ipv4-embedding'],
  [[0x64, 0xff9b, 1], 48, 'ipv4-embedding'],
  [[0x100], 64, 'discard'],
  [[0x2001, 0xdb8], 32, 'documentation'],
  [[0x2001, 0x2], 48, 'benchmarking'],
  [[0x2001], 23, 'protocol-assignment'],
  [[0x2002], 16, 'ipv4-embedding'],
  [[0x3fff], 20, 'documentation'],
  [[0x5f00], 16, 'reserved'],
  [[0xfc00], 7, 'unique-local'],
  [[0xfe80], 10, 'link-local'],
  [[0xfec0], 10, 'site-local'],
  [[0xff00], 8, 'multicast'],
];

function classifyV6(h: number[]): IpClass {
  if (h.every((x) => x === 0)) return 'unspecified';
  if (h.slice(0, 7).every((x) => x === 0) && h[7] === 1) return 'loopback';
  if (h.slice(0, 6).every((x) => x === 0)) return 'ipv4-embedding'; // IPv4-compatible ::a.b.c.d (deprecated)
  for (const [prefix, bits, kind] of V6_BLOCKS) if (inV6(h, prefix, bits)) return kind;
  return inV6(h, [0x2000], 3) ? 'public' : 'reserved';
}

/** The class of an IPv4 (strict dotted decimal) or IPv6 address; `invalid` if it is neither. */
export function classifyIp(text: string): IpClass {
  const v4 = parseIpv4(text);
  if (v4 !== null) return classifyV4(v4);
  const v6 = parseIpv6(text);
  return v6 ? classifyV6(v6) : 'invalid';
}
