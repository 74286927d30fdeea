/**
 * The pure rules behind the SSRF checks, each with its positives and near-miss negatives: the IP
 * classifier (lib/ip.ts), the host-name policy (host-policy.ts) and the endpoint normaliser
 * (rules.ts) as it runs on the runtime's own URL parser (workerd), whose IPv4 and IDNA handling
 * the rules rely on.
 */
import { describe, expect, it } from 'vitest';
import { canonicalHost, hostProblem } from '../../src/connections/host-policy';
import { normalizeEndpoint } from '../../src/connections/rules';
import { classifyIp, parseIpv6 } from '../../src/lib/ip';

describe('classifyIp', () => {
  const refused: [string, string][] = [
    ['0.0.0.0', 'this-network'],
    ['0.255.1.2', 'this-network'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'protocol-assignment'],
    ['192.0.2.10', 'documentation'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'ipv4-mapped'],
    ['::ffff:7f00:1', 'ipv4-mapped'],
    ['::ffff:8.8.8.8', 'ipv4-mapped'],
    ['::10.0.0.1', 'ipv4-embedding'],
    ['64:ff9b::a00:1', 'ipv4-embedding'],
    ['2002:a00:1::1', 'ipv4-embedding'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001:2::1', 'benchmarking'],
    ['2001::1', 'protocol-assignment'],
    ['100::1', 'discard'],
    ['4000::1', 'reserved'],
    ['[::1]', 'loopback'],
    ['not an address', 'invalid'],
    ['1.2.3', 'invalid'],
    ['1.2.3.256', 'invalid'],
    ['01.2.3.4', 'invalid'],
    ['1::2::3', 'invalid'],
    ['fe80::1%eth0', 'invalid'],
  ];
  it.each(refused)('%s is %s', (ip, kind) => {
    expect(classifyIp(ip)).toBe(kind);
  });

  const publicOnes = [
    '8.8.8.8',
    '1.1.1.1',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.255',
    '192.0.3.0',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '2a00:1450:4001:81b::200e',
    '2001:200::1',
    '2606:2800:21f:cb07:6820:80da:af6b:8b2c',
  ];
  it.each(publicOnes)('%s is public', (ip) => {
    expect(classifyIp(ip)).toBe('public');
  });

  it('parses IPv6 in every textual form to the same hextets', () => {
    const loop = [0, 0, 0, 0, 0, 0, 0, 1];
    expect(parseIpv6('::1')).toEqual(loop);
    expect(parseIpv6('0:0:0:0:0:0:0:1')).toEqual(loop);
    expect(parseIpv6('0::0:1')).toEqual(loop);
    expect(parseIpv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    expect(parseIpv6('1:2:3:4:5:6:7:8:9')).toBeNull();
    expect(parseIpv6('12345::1')).toBeNull();
  });
});

describe('hostProblem', () => {
  const refused: [string, RegExp][] = [
    ['localhost', /loopback/],
    ['api.localhost', /loopback/],
    ['localhost.localdomain', /local name/],
    ['printer.local', /multicast DNS/],
    ['metadata.google.internal', /private networks/],
    ['db.prod.internal', /private networks/],
    ['router.home.arpa', /infrastructure/],
    ['1.0.0.127.in-addr.arpa', /infrastructure/],
    ['x.invalid', /never resolves/],
    ['abc.onion', /Tor/],
    ['nas.lan', /private-network/],
    ['wiki.intranet', /private-network/],
    ['git.corp', /private-network/],
    ['box.home', /private-network/],
    ['svc.private', /private-network/],
    ['name.alt', /outside the DNS/],
    ['intranet', /private-network/],
    ['printer', /single label/],
    ['127.0.0.1.nip.io', /wildcard DNS/],
    ['app.10-0-0-1.sslip.io', /wildcard DNS/],
    ['8.8.8.8.nip.io', /wildcard DNS/],
    ['foo.localtest.me', /wildcard DNS/],
    ['lvh.me', /wildcard DNS/],
    ['127.0.0.1.example.com', /non-public address 127\.0\.0\.1/],
    ['api.10.0.0.5.partner.test', /10\.0\.0\.5/],
    ['10-0-0-1.example.com', /10\.0\.0\.1/],
    ['ip-192-168-1-20.example.com', /192\.168\.1\.20/],
    ['169.254.169.254.example.com', /169\.254\.169\.254/],
    ['127.000.000.001.example.com', /127\.0\.0\.1/],
    ['127.0.0.1', /not an IP address/],
    ['[::1]', /not an IP address/],
    ['a..b.com', /no empty label/],
    ['a*b.com', /DNS labels/],
    ['-bad.example.com', /DNS labels/],
    [`${'a'.repeat(64)}.com`, /DNS labels/],
    [`${'a.'.repeat(127)}com`, /253/],
  ];
  it.each(refused)('%s is refused', (host, reason) => {
    expect(hostProblem(host)).toMatch(reason);
  });

  const allowed = [
    'api.example.com',
    'echo.partner.test',
    'api.partner.example',
    'xn--bcher-kva.example',
    'localhost-api.example.com',
    'mylocal.example.com',
    'internal.example.com',
    'nip.io.example.com',
    'arpa.example.com',
    'v1.2.3.example.com',
    '8.8.8.8.example.com',
    '1-2-3-4.example.com',
    'a1-2-3-4.example.com',
    'api-2024-01-15.example.com',
    '_dmarc.example.com',
  ];
  it.each(allowed)('%s is allowed', (host) => {
    expect(hostProblem(host)).toBeNull();
  });

  it('canonicalHost drops trailing dots and case', () => {
    expect(canonicalHost('LocalHost.')).toBe('localhost');
    expect(canonicalHost('api.example.com..')).toBe('api.example.com');
  });
});

describe('normalizeEndpoint (on workerd’s URL parser)', () => {
  const ipSpellings = [
    'http://127.0.0.1/',
    'http://127.1/',
    'http://0x7f.1/',
    'http://0x7f000001/',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://127.0.0.1./',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[0:0:0:0:0:0:0:1]/',
    'http://８.８.８.８/',
    'http://8.8.8.8/',
  ];
  it.each(ipSpellings)('%s: an IP literal in any spelling is refused', (raw) => {
    expect(normalizeEndpoint(raw)).toEqual({ problem: 'must use a host name, not an IP address' });
  });

  const refusedNames = [
    'http://localhost./',
    'http://LocalHost./',
    'http://localhost../',
    'http://ｌｏｃａｌｈｏｓｔ/',
    'http://localhost。/',
    'http://metadata.google.internal./computeMetadata/v1',
    'https://METADATA.GOOGLE.INTERNAL/',
    'http://127.0.0.1.nip.io/',
  ];
  it.each(refusedNames)('%s: normalised, then refused', (raw) => {
    expect(normalizeEndpoint(raw)).toHaveProperty('problem');
  });

  const canonical: [string, string][] = [
    ['HTTPS://API.Example.com:443/v1/', 'https://api.example.com/v1'],
    ['https://api.example.com./v1', 'https://api.example.com/v1'],
    ['https://api.example.com...:8443/v1', 'https://api.example.com:8443/v1'],
    ['https://ＡＰＩ．Example．com/v1', 'https://api.example.com/v1'],
    ['https://api。example。com/', 'https://api.example.com'],
    ['https://Bücher.Example/x', 'https://xn--bcher-kva.example/x'],
    ['https://BÜCHER.example./x', 'https://xn--bcher-kva.example/x'],
  ];
  it.each(canonical)('%s → %s', (raw, endpoint) => {
    expect(normalizeEndpoint(raw)).toEqual({ endpoint });
  });
});
