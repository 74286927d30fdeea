/**
 * Which host names a connection may target, decided on the name alone (resolve.ts checks what a
 * name points to). The name is first made canonical — the URL parser has already lower-cased it,
 * mapped full-width characters and punycoded Unicode (UTS #46); here trailing dots go — so
 * `LocalHost.` and `localhost` are one name. Refused: IP literals in any spelling; single-label
 * names; special-use and internal-by-convention names (`localhost`, `*.local`, `*.internal`,
 * `*.home.arpa`, …); hosts under public wildcard-DNS services that answer with the address
 * spelled in the name (`127.0.0.1.nip.io`); and any name whose labels spell a non-public IPv4
 * address (`10.0.0.1.example.com`, `10-0-0-1.example.com`). `.test` and `.example` stay allowed
 * (RFC 6761 §6.2: software should not treat them specially). Pure functions.
 */
import { classifyIp, parseIpv4 } from '../lib/ip';

/**
 * Suffixes refused with the reason shown to the client. RFC 6761/6762/7686/8375/9476 special-use
 * names; `internal` (ICANN, 2024: reserved for private use); `corp`, `home`, `mail` (ICANN, 2018:
 * never to be delegated, name-collision risk); `lan`, `intranet`, `private`, `localdomain`: not
 * delegated in the root zone and in wide use inside networks — a public endpoint never has them.
 */
const REFUSED_SUFFIXES: ReadonlyMap<string, string> = new Map([
  ['localhost', 'is loopback (RFC 6761)'],
  ['localdomain', 'is a local name by convention'],
  ['local', 'is multicast DNS, on the local network only (RFC 6762)'],
  ['internal', 'is reserved for private networks (e.g. metadata.google.internal)'],
  ['arpa', 'is infrastructure (home.arpa is for home networks, in-addr/ip6.arpa map addresses)'],
  ['invalid', 'never resolves (RFC 6761)'],
  ['onion', 'is a Tor onion service (RFC 7686)'],
  ['alt', 'is outside the DNS (RFC 9476)'],
  ['lan', 'is a private-network name by convention'],
  ['intranet', 'is a private-network name by convention'],
  ['private', 'is a private-network name by convention'],
  ['corp', 'is a private-network name (never delegated)'],
  ['home', 'is a private-network name (never delegated)'],
  ['mail', 'is a private-network name (never delegated)'],
]);

/**
 * Public wildcard-DNS services whose names resolve to an address spelled in the name (nip.io,
 * sslip.io, xip.io, traefik.me), or always to loopback (localtest.me, lvh.me, vcap.me,
 * lacolhost.com, localho.st). Not exhaustive: the resolve check catches the others.
 */
const WILDCARD_DNS = ['nip.io', 'sslip.io', 'xip.io', 'traefik.me', 'localtest.me', 'lvh.me', 'vcap.me', 'lacolhost.com', 'localho.st'];

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;
/** A dashed IPv4 inside a label (`10-0-0-1`, `ip-10-0-0-1`), not part of a longer number run. */
const DASHED_V4 = /(?:^|[^0-9])(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})(?=$|[^0-9])/g;

/** The canonical form of a host name from `URL.hostname`: lower case, without trailing dots. */
export function canonicalHost(hostname: string): string {
  return hostname.toLowerCase().replace(/\.+$/, '');
}

/** An IPv4 address spelled by four labels, decimal (leading zeros read as decimal, as nip.io does). */
function v4FromLabels(labels: string[]): string | null {
  if (!labels.every((l) => /^\d{1,3}$/.test(l))) return null;
  const text = labels.map((l) => String(Number(l))).join('.');
  return parseIpv4(text) === null ? null : text;
}

/** Non-public IPv4 addresses spelled in the labels, dotted across labels or dashed inside one. */
function embeddedInternalV4(labels: string[]): string | null {
  const found: string[] = [];
  for (let i = 0; i + 4 <= labels.length; i++) {
    const text = v4FromLabels(labels.slice(i, i + 4));
    if (text) found.push(text);
  }
  for (const label of labels) {
    for (const m of label.matchAll(DASHED_V4)) {
      const text = v4FromLabels([m[1] ?? '', m[2] ?? '', m[3] ?? '', m[4] ?? '']);
      if (text) found.push(text);
    }
  }
  return found.find((ip) => classifyIp(ip) !== 'public') ?? null;
}

/** Why a canonical host (see canonicalHost) may not be a connection target, or null if it may. */
export function hostProblem(host: string): string | null {
  if (host.startsWith('[') || parseIpv4(host) !== null) return 'must use a host name, not an IP address';
  if (host.length > 253) return 'the host name is longer than 253 characters';
  const labels = host.split('.');
  if (labels.some((l) => !LABEL.test(l))) {
    return 'the host name must be DNS labels of letters, digits, "-" and "_" (1–63 characters, no empty label)';
  }
  const tld = labels.at(-1) ?? '';
  const suffixReason = REFUSED_SUFFIXES.get(tld);
  if (suffixReason) return `"${host}" is not a public host name: .${tld} ${suffixReason}`;
  if (labels.length < 2) return 'must use a fully qualified public host name (a single label only resolves inside a network)';
  const service = WILDCARD_DNS.find((d) => host === d || host.endsWith(`.${d}`));
  if (service) return `"${host}" is under ${service}, a wildcard DNS service that points names at private or loopback addresses`;
  const inside = embeddedInternalV4(labels);
  if (inside) return `"${host}" spells the non-public address ${inside}; use the target's public host name`;
  return null;
}
