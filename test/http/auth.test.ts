/** Authentication through the worker: each credential kind, and every way it can be refused. */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { bearer, call, registeredActor } from '../helpers/actors';
import { createActor, requestsTo } from '../helpers/emulator';
import { get } from '../helpers/worker';

async function code(res: Response): Promise<string> {
  return ((await res.json()) as { code: string }).code;
}

describe('ChittyAuth bearer tokens', () => {
  it('a valid token works; the principal is on the request', async () => {
    const a = await registeredActor('human', ['contexts:read']);
    const res = await call('/v1/actors/me', a.token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ chittyId: a.chittyId, principalId: a.principalId });
  });

  it('a hot token costs no further ChittyAuth call', async () => {
    const principal = await createActor('human');
    for (let i = 0; i < 5; i++) await call('/v1/actors/me', principal.token);
    const validations = await requestsTo({ host: 'auth.chitty.cc', path: '/v1/auth/validate' });
    // Other tests validate their own tokens; this token's validation happened once at most.
    const before = validations.length;
    for (let i = 0; i < 5; i++) await call('/v1/actors/me', principal.token);
    expect((await requestsTo({ host: 'auth.chitty.cc', path: '/v1/auth/validate' })).length).toBe(before);
  });

  it('the validation is cached in TOKEN_KV by hash, with a TTL, never by the token itself', async () => {
    const principal = await createActor('ai');
    await call('/v1/actors/me', principal.token);
    const { keys } = await env.TOKEN_KV.list({ prefix: 'chittyauth:' });
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key.name).toMatch(/^chittyauth:[0-9a-f]{64}$/);
      expect(key.expiration).toBeGreaterThan(Date.now() / 1000);
    }
    expect(keys.some((k) => k.name.includes(principal.token))).toBe(false);
  });

  it('missing, malformed, unknown and revoked-before-use tokens → 401 with WWW-Authenticate, handler never runs', async () => {
    const missing = await get('/v1/actors/me');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="chittyconnect"');
    expect(await code(missing)).toBe('missing_credential');

    const basic = await get('/v1/actors/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(401);
    expect(await code(basic)).toBe('invalid_credential');

    const unknown = await get('/v1/actors/me', { headers: bearer('emu_not-a-real-token') });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await code(unknown)).toBe('invalid_token');

    const principal = await createActor('human');
    await env.ECOSYSTEM.fetch(`http://control.emulator/actors/${principal.chittyId}/tokens`, { method: 'DELETE' });
    const revoked = await call('/v1/actors/register', principal.token, { method: 'POST' });
    expect(revoked.status).toBe(401);
    const row = await env.DB.prepare('SELECT 1 FROM actors WHERE principal_id = ?').bind(principal.chittyId).first();
    expect(row).toBeNull(); // the handler never ran
  });

  it('a revoked ChittyAuth token keeps working only while its validation is cached (documented TTL)', async () => {
    const a = await registeredActor('human');
    await env.ECOSYSTEM.fetch(`http://control.emulator/actors/${a.principalId}/tokens`, { method: 'DELETE' });
    // Still cached in this isolate and in TOKEN_KV: accepted until the TTL runs out (docs/auth.md).
    expect((await call('/v1/actors/me', a.token)).status).toBe(200);
  });
});

describe('API keys', () => {
  it('a key works as X-API-Key, narrowed to its scopes, and stops at once when revoked', async () => {
    const owner = await registeredActor('service', ['contexts:read', 'contexts:write']);
    const created = await call('/v1/keys', owner.token, { method: 'POST', json: { name: 'ci', scopes: ['contexts:read'] } });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { keyId: string; apiKey: string; scopes: string[] };
    expect(key.scopes).toEqual(['contexts:read']);

    const me = await get('/v1/actors/me', { headers: { 'x-api-key': key.apiKey } });
    expect(me.status).toBe(200);
    const caps = (await (await get(`/v1/actors/${owner.chittyId}/capabilities`, { headers: { 'x-api-key': key.apiKey } })).json()) as {
      capabilities: string[];
      effective: string[];
    };
    expect(caps).toMatchObject({ capabilities: ['contexts:read', 'contexts:write'], effective: ['contexts:read'] });

    const listed = (await (await call('/v1/keys', owner.token)).json()) as { keys: Record<string, unknown>[] };
    expect(listed.keys.map((k) => k.keyId)).toContain(key.keyId);
    expect(JSON.stringify(listed)).not.toContain(key.apiKey);

    expect((await call(`/v1/keys/${key.keyId}`, owner.token, { method: 'DELETE' })).status).toBe(204);
    const after = await get('/v1/actors/me', { headers: { 'x-api-key': key.apiKey } });
    expect(after.status).toBe(401);
    expect(await code(after)).toBe('invalid_api_key');
  });

  it('a key cannot be made with more than the caller holds, nor with a key', async () => {
    const owner = await registeredActor('service', ['contexts:read']);
    const over = await call('/v1/keys', owner.token, { method: 'POST', json: { name: 'x', scopes: ['contexts:write'] } });
    expect(over.status).toBe(403);
    expect(await code(over)).toBe('scope_not_held');
    const key = (await (
      await call('/v1/keys', owner.token, { method: 'POST', json: { name: 'k', scopes: ['contexts:read'] } })
    ).json()) as {
      apiKey: string;
    };
    const viaKey = await get('/v1/keys', {
      method: 'POST',
      headers: { 'x-api-key': key.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'k2', scopes: ['contexts:read'] }),
    });
    expect(viaKey.status).toBe(403);
  });

  it('unknown and empty keys → 401; someone else’s key id → 404 on revoke', async () => {
    expect((await get('/v1/actors/me', { headers: { 'x-api-key': 'emk_nope' } })).status).toBe(401);
    expect((await get('/v1/actors/me', { headers: { 'x-api-key': '' } })).status).toBe(401);
    const owner = await registeredActor('service', ['contexts:read']);
    const other = await registeredActor('service', ['contexts:read']);
    const key = (await (
      await call('/v1/keys', owner.token, { method: 'POST', json: { name: 'k', scopes: ['contexts:read'] } })
    ).json()) as {
      keyId: string;
      apiKey: string;
    };
    expect((await call(`/v1/keys/${key.keyId}`, other.token, { method: 'DELETE' })).status).toBe(404);
    expect((await get('/v1/actors/me', { headers: { 'x-api-key': key.apiKey } })).status).toBe(200);
  });
});
