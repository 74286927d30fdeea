/**
 * The proxy through the worker to the emulator's echo service: credentials injected (bearer,
 * basic, named header), the caller's own credentials and hop-by-hop headers never forwarded,
 * usage counted, no way out of the endpoint, and upstream failures bounded (502/504).
 */
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PROXY_MAX_RESPONSE_BYTES } from '../../src/connections/proxy';
import { call, registeredActor } from '../helpers/actors';
import { clearFaults, requestsTo, setFault } from '../helpers/emulator';
import { get } from '../helpers/worker';
import { type ConnectionBody, type Echo, echoConnection } from './support';

afterEach(clearFaults);

async function usage(connectionId: string): Promise<{ request_count: number; error_count: number; last_used_at: string | null }> {
  const row = await env.DB.prepare('SELECT request_count, error_count, last_used_at FROM connections WHERE connection_id = ?')
    .bind(connectionId)
    .first<{ request_count: number; error_count: number; last_used_at: string | null }>();
  if (!row) throw new Error('no such connection row');
  return row;
}

describe('proxy: what reaches the target', () => {
  it('injects bearer credentials, forwards method, path, query and body, and never the caller’s credentials', async () => {
    const a = await registeredActor('human');
    const c = await echoConnection(a, { credentials: { token: 'sk_proxy_secret' } });
    const res = await call(`/v1/connections/${c.connectionId}/proxy/items/42?expand=true&x=1`, a.token, {
      method: 'POST',
      json: { hello: 'world' },
      headers: { cookie: 'session=caller', 'x-custom': 'kept' },
    });
    expect(res.status).toBe(200);
    const echo = (await res.json()) as Echo;
    expect(echo).toMatchObject({ method: 'POST', path: '/base/items/42', query: { expand: 'true', x: '1' }, body: '{"hello":"world"}' });
    expect(echo.headers.authorization).toBe('Bearer sk_proxy_secret');
    expect(echo.headers['x-custom']).toBe('kept');
    expect(echo.headers['content-type']).toBe('application/json');
    expect(echo.headers.cookie).toBeUndefined();
    expect(JSON.stringify(echo.headers)).not.toContain(a.token);
    expect(echo.headers['x-request-id']).toBe(res.headers.get('x-request-id'));
  });

  it('with an API key (scope connections:use) the key is not forwarded either; without the scope it is 403', async () => {
    const a = await registeredActor('service');
    const c = await echoConnection(a, { credentials: 'sk_for_key_users' });
    const mint = async (scopes: string[]) =>
      ((await (await call('/v1/keys', a.token, { method: 'POST', json: { name: 'k', scopes } })).json()) as { apiKey: string }).apiKey;
    const useKey = await mint(['connections:use']);
    const res = await get(`/v1/connections/${c.connectionId}/proxy/x`, { headers: { 'x-api-key': useKey } });
    expect(res.status).toBe(200);
    const echo = (await res.json()) as Echo;
    expect(echo.headers['x-api-key']).toBeUndefined();
    expect(echo.headers.authorization).toBe('Bearer sk_for_key_users');
    const readKey = await mint(['connections:read']);
    const refused = await get(`/v1/connections/${c.connectionId}/proxy/x`, { headers: { 'x-api-key': readKey } });
    expect(refused.status).toBe(403);
  });

  it('basic and named-header schemes; no credentials → the caller’s Authorization is still not forwarded', async () => {
    const a = await registeredActor('human');
    const basic = await echoConnection(a, { config: { auth: { scheme: 'basic' } }, credentials: { username: 'ada', password: 'pä:ss' } });
    const basicEcho = (await (await call(`/v1/connections/${basic.connectionId}/proxy/`, a.token)).json()) as Echo;
    const decoded = new TextDecoder().decode(
      Uint8Array.from(atob(basicEcho.headers.authorization?.slice(6) ?? ''), (ch) => ch.charCodeAt(0)),
    );
    expect(decoded).toBe('ada:pä:ss');

    const header = await echoConnection(a, { config: { auth: { header: 'X-Partner-Key', prefix: 'Key ' } }, credentials: 'pk_123' });
    const headerEcho = (await (await call(`/v1/connections/${header.connectionId}/proxy`, a.token)).json()) as Echo;
    expect(headerEcho.headers['x-partner-key']).toBe('Key pk_123');
    expect(headerEcho.headers.authorization).toBeUndefined();
    expect(headerEcho.path).toBe('/base');

    const bare = await echoConnection(a);
    const bareEcho = (await (await call(`/v1/connections/${bare.connectionId}/proxy/x`, a.token)).json()) as Echo;
    expect(bareEcho.headers.authorization).toBeUndefined();
  });

  it('strips hop-by-hop headers both ways (and Set-Cookie from the target)', async () => {
    const a = await registeredActor('human');
    const c = await echoConnection(a, { credentials: 't' });
    const res = await call(`/v1/connections/${c.connectionId}/proxy/hop`, a.token, {
      headers: {
        connection: 'x-drop-me',
        'x-drop-me': 'secret-route-info',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        trailer: 'x-trailer',
        'proxy-authorization': 'Basic cHJveHk6cHJveHk=',
        'x-forwarded-for': '10.0.0.1',
        'cf-connecting-ip': '10.0.0.1',
      },
    });
    const echo = (await res.json()) as Echo;
    for (const name of [
      'connection',
      'x-drop-me',
      'keep-alive',
      'te',
      'trailer',
      'proxy-authorization',
      'x-forwarded-for',
      'cf-connecting-ip',
    ]) {
      expect(echo.headers[name], name).toBeUndefined();
    }
    for (const name of ['x-echo-hop', 'keep-alive', 'set-cookie', 'connection']) expect(res.headers.get(name), name).toBeNull();
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  it('passes the target’s own statuses through and does not follow redirects', async () => {
    const a = await registeredActor('human');
    const c = await echoConnection(a);
    const notFound = await call(`/v1/connections/${c.connectionId}/proxy/missing?status=404`, a.token);
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as Echo).path).toBe('/base/missing');
    const redirect = await call(`/v1/connections/${c.connectionId}/proxy/redirect?to=https://elsewhere.example/steal`, a.token, {
      redirect: 'manual',
    });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('https://elsewhere.example/steal');
    const empty = await call(`/v1/connections/${c.connectionId}/proxy/x?status=204`, a.token, { method: 'PUT', body: 'x' });
    expect(empty.status).toBe(204);
  });
});

describe('proxy: usage and failures', () => {
  it('counts requests and last use; a 5xx answer is passed through and counted as an error', async () => {
    const a = await registeredActor('human');
    const c = await echoConnection(a);
    await call(`/v1/connections/${c.connectionId}/proxy/a`, a.token);
    await call(`/v1/connections/${c.connectionId}/proxy/b`, a.token, { method: 'DELETE' });
    let row = await usage(c.connectionId);
    expect(row).toMatchObject({ request_count: 2, error_count: 0 });
    expect(row.last_used_at).toBeTruthy();
    const failing = await call(`/v1/connections/${c.connectionId}/proxy/c?status=503`, a.token);
    expect(failing.status).toBe(503);
    row = await usage(c.connectionId);
    expect(row).toMatchObject({ request_count: 3, error_count: 1 });
    const view = (await (await call(`/v1/connections/${c.connectionId}`, a.token)).json()) as ConnectionBody;
    expect(view.usage.requestCount).toBe(3);
    expect(view.health.errorCount).toBe(1);
  });

  it('target down → 502 upstream_unreachable; slow → 504 upstream_timeout; both count errors', async () => {
    const a = await registeredActor('human');
    const c = await echoConnection(a, { config: { timeoutMs: 300 } });
    await setFault(c.host, { mode: 'down', times: 1 });
    const warn = vi.spyOn(console, 'warn');
    const down = await call(`/v1/connections/${c.connectionId}/proxy/x`, a.token);
    expect(down.status).toBe(502);
    expect(down.headers.get('content-type')).toBe('application/problem+json');
    expect(((await down.json()) as { code: string }).code).toBe('upstream_unreachable');
    // Logged once, with why the target could not be reached (the body says only that it could not).
    const failed = warn.mock.calls
      .map((call) => JSON.parse(String(call[0])) as Record<string, unknown>)
      .filter((l) => l.event === 'request.failed');
    expect(failed).toEqual([expect.objectContaining({ status: 502, code: 'upstream_unreachable', error: expect.any(String) })]);
    warn.mockRestore();
    await setFault(c.host, { mode: 'slow', delayMs: 3000, times: 1 });
    const started = Date.now();
    const slow = await call(`/v1/connections/${c.connectionId}/proxy/x`, a.token);
    expect(slow.status).toBe(504);
    expect(((await slow.json()) as { code: string }).code).toBe('upstream_timeout');
    expect(Date.now() - started).toBeLessThan(2500);
    expect(await usage(c.connectionId)).toMatchObject({ request_count: 2, error_count: 2 });
  });

  it('an answer over the size cap → 502 upstream_response_too_large; at the cap it passes', async () => {
    const a = await registeredActor('human');
    const c = await echoConnection(a);
    const ok = await call(`/v1/connections/${c.connectionId}/proxy/big?bytes=${PROXY_MAX_RESPONSE_BYTES}`, a.token);
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBe(PROXY_MAX_RESPONSE_BYTES);
    const big = await call(`/v1/connections/${c.connectionId}/proxy/big?bytes=${PROXY_MAX_RESPONSE_BYTES + 1}`, a.token);
    expect(big.status).toBe(502);
    expect(((await big.json()) as { code: string }).code).toBe('upstream_response_too_large');
    expect(await usage(c.connectionId)).toMatchObject({ request_count: 2, error_count: 1 });
  });

  it('a disconnected connection cannot be used (409)', async () => {
    const a = await registeredActor('human');
    const c = await echoConnection(a, { credentials: 'gone' });
    await call(`/v1/connections/${c.connectionId}`, a.token, { method: 'DELETE' });
    const res = await call(`/v1/connections/${c.connectionId}/proxy/x`, a.token);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('connection_disconnected');
  });
});

describe('proxy: no open proxy', () => {
  it('refuses paths that could leave the endpoint, and nothing reaches any host', async () => {
    const a = await registeredActor('human');
    const c = await echoConnection(a, { credentials: 'never-leaks' });
    const escapes = [
      '/..%2fadmin',
      '/%2e%2e%2fadmin',
      '/a%2Fb',
      '/a%5cb',
      '/%252e%252e/admin',
      '//evil.example/x',
      '/https://evil.example/x',
      '/a/%00',
    ];
    for (const tail of escapes) {
      const res = await call(`/v1/connections/${c.connectionId}/proxy${tail}`, a.token);
      expect(res.status, tail).toBeGreaterThanOrEqual(400);
      expect(res.status, tail).toBeLessThan(500);
      expect(res.headers.get('content-type'), tail).toBe('application/problem+json');
    }
    // Dot segments are resolved by URL parsing before routing: they never reach the proxy route.
    for (const tail of ['/../../admin', '/%2e%2e/%2e%2e/x', '/../x']) {
      const res = await call(`/v1/connections/${c.connectionId}/proxy${tail}`, a.token);
      expect([400, 404], tail).toContain(res.status);
    }
    expect(await requestsTo({ host: c.host })).toEqual([]);
    // Backslashes become slashes (and dot segments resolve) in URL parsing: still under the endpoint.
    const backslash = await call(`/v1/connections/${c.connectionId}/proxy/a\\..\\b`, a.token);
    expect(((await backslash.json()) as Echo).path).toBe('/base/b');
    expect(await requestsTo({ host: 'evil.example' })).toEqual([]);
  });

  it('an invalid connection id in the proxy path is a 400 naming it', async () => {
    const a = await registeredActor('human');
    const res = await call('/v1/connections/not-an-id/proxy/x', a.token);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ field: 'param.id' }] });
  });
});
