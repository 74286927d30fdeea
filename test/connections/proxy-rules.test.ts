/**
 * The proxy's rules as pure functions, including inputs a URL parser would normalise away before
 * they could reach the route (dot segments), so the guard holds even if routing changes.
 */
import { describe, expect, it } from 'vitest';
import { forwardedRequestHeaders, proxyTargetUrl, returnedResponseHeaders } from '../../src/connections/proxy-rules';
import { normalizeEndpoint } from '../../src/connections/rules';

describe('proxyTargetUrl', () => {
  const base = 'https://api.partner.test/v2/base';

  it('appends the path and query under the endpoint', () => {
    expect(proxyTargetUrl(base, '/items/1', '?a=1&b=%20').href).toBe('https://api.partner.test/v2/base/items/1?a=1&b=%20');
    expect(proxyTargetUrl(base, '', '').href).toBe('https://api.partner.test/v2/base');
    expect(proxyTargetUrl(base, '/', '').href).toBe('https://api.partner.test/v2/base/');
    expect(proxyTargetUrl('https://svc.test', '/x', '').href).toBe('https://svc.test/x');
    expect(proxyTargetUrl('https://svc.test', '', '').href).toBe('https://svc.test/');
    expect(proxyTargetUrl(base, '/a%20b/caf%C3%A9', '').pathname).toBe('/v2/base/a%20b/caf%C3%A9');
  });

  it('refuses every way out', () => {
    const escapes = [
      '/..',
      '/../x',
      '/a/../../x',
      '/./x',
      '/%2e%2e/x',
      '/.%2e/x',
      '/a%2fb',
      '/a%5Cb',
      '/a\\b',
      '//evil.test/x',
      '/a//b',
      '/http://evil.test',
      '/%252e%252e',
      '/%00',
      '/a\nb',
      'x',
      '/%E0%A4%A',
    ];
    for (const tail of escapes) {
      expect(() => proxyTargetUrl(base, tail, ''), tail).toThrowError(/proxy|path|allowed|URL|encoding|start/);
    }
  });
});

describe('header filtering', () => {
  it('drops hop-by-hop, Connection-listed, caller credentials and client-address headers on the way out', () => {
    const incoming = new Headers({
      connection: 'keep-alive, x-listed',
      'x-listed': '1',
      'keep-alive': 'timeout=5',
      te: 'trailers',
      trailer: 'x-t',
      upgrade: 'websocket',
      'proxy-authorization': 'Basic x',
      'proxy-connection': 'keep-alive',
      authorization: 'Bearer caller',
      'x-api-key': 'caller-key',
      cookie: 'a=b',
      host: 'connect.test',
      'cf-connecting-ip': '1.2.3.4',
      'x-forwarded-for': '1.2.3.4',
      forwarded: 'for=1.2.3.4',
      'x-real-ip': '1.2.3.4',
      'content-type': 'application/json',
      accept: 'application/json',
      'x-custom': 'kept',
    });
    expect(Object.fromEntries(forwardedRequestHeaders(incoming))).toEqual({
      'content-type': 'application/json',
      accept: 'application/json',
      'x-custom': 'kept',
    });
  });

  it('drops hop-by-hop headers and Set-Cookie on the way back', () => {
    const upstream = new Headers({
      connection: 'x-hop',
      'x-hop': '1',
      'keep-alive': 'timeout=5',
      'proxy-authenticate': 'Basic',
      'set-cookie': 'a=b',
      'content-length': '10',
      'content-encoding': 'gzip',
      'content-type': 'text/plain',
      etag: '"1"',
    });
    expect(Object.fromEntries(returnedResponseHeaders(upstream))).toEqual({ 'content-type': 'text/plain', etag: '"1"' });
  });
});

describe('normalizeEndpoint', () => {
  it('normalises, and refuses what is not a plain public http(s) endpoint', () => {
    expect(normalizeEndpoint('HTTPS://API.Partner.TEST:443/v1/')).toEqual({ endpoint: 'https://api.partner.test/v1' });
    expect(normalizeEndpoint('http://api.partner.test:8080')).toEqual({ endpoint: 'http://api.partner.test:8080' });
    for (const bad of [
      'ftp://x.test/',
      'https://user:pw@x.test/',
      'https://x.test/?key=1',
      'https://x.test/#frag',
      'https://127.0.0.1/',
      'https://[::1]/',
      'https://localhost/',
      'https://intranet/',
      'not a url',
    ]) {
      expect('problem' in normalizeEndpoint(bad), bad).toBe(true);
    }
  });
});
