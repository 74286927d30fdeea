/** Authentication through the worker: each credential kind, and every way it can be refused. */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/crypto';
import { bearer, call, registeredActor } from '../helpers/actors';
import { clearFaults, createActor, requestsTo, setFault } from '../helpers/emulator';
import { get } from '../helpers/worker';

async function code(res: Response): Promise<string> {
  return ((await res.json()) as { code: string }).code;
}

describe('ChittyAuth bearer tokens', () => {
  it('a valid token works; the principal is on the request', async () => {
    const a = await registeredActor('human', ['reports:read']);
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

  it('a malformed or oversized bearer token is refused before any ChittyAuth call', async () => {
    const validations = async () => (await requestsTo({ host: 'auth.chitty.cc', path: '/v1/auth/validate' })).length;
    const before = await validations();
    for (const token of ['x'.repeat(4097), 'emu_{not-token68}', 'a=b', 'ünïcode', '"quoted"']) {
      const res = await call('/v1/actors/me', token);
      expect(res.status, token.slice(0, 20)).toBe(401);
      expect(((await res.json()) as { code: string }).code, token.slice(0, 20)).toBe('invalid_token');
    }
    const hugeKey = await get('/v1/actors/me', { headers: { 'x-api-key': `emk_${'k'.repeat(5000)}` } });
    expect(hugeKey.status).toBe(401);
    expect(await validations()).toBe(before);
    // At the bound, a well-formed stranger is still asked about (and refused by ChittyAuth).
    expect((await call('/v1/actors/me', 'x'.repeat(4096))).status).toBe(401);
    expect(await validations()).toBe(before + 1);
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

  it('a revoked ChittyAuth token is still accepted while cached, and the cache is bounded to 5 minutes', async () => {
    const a = await registeredActor('human');
    const before = Date.now();
    await env.ECOSYSTEM.fetch(`http://control.emulator/actors/${a.principalId}/tokens`, { method: 'DELETE' });
    // Still cached in this isolate and in TOKEN_KV: accepted until the TTL runs out (docs/auth.md)…
    expect((await call('/v1/actors/me', a.token)).status).toBe(200);
    // …which no layer can stretch: the cached answer (under the token's hash) carries its own deadline.
    const entry = await env.TOKEN_KV.get<{ principalId: string; trustedUntil: number }>(`chittyauth:${await sha256Hex(a.token)}`, 'json');
    expect(entry?.principalId).toBe(a.principalId);
    expect(entry?.trustedUntil).toBeGreaterThan(Date.now());
    expect(entry?.trustedUntil).toBeLessThanOrEqual(before + 300_000);
  });

  it('a hot token needs neither KV nor ChittyAuth: with its KV entry gone, nothing is re-validated', async () => {
    const a = await registeredActor('human');
    expect((await call('/v1/actors/me', a.token)).status).toBe(200);
    const { keys } = await env.TOKEN_KV.list({ prefix: 'chittyauth:' });
    await Promise.all(keys.map((k) => env.TOKEN_KV.delete(k.name)));
    const validations = (await requestsTo({ host: 'auth.chitty.cc', path: '/v1/auth/validate' })).length;
    for (let i = 0; i < 3; i++) expect((await call('/v1/actors/me', a.token)).status).toBe(200);
    expect((await requestsTo({ host: 'auth.chitty.cc', path: '/v1/auth/validate' })).length).toBe(validations);
    expect((await env.TOKEN_KV.list({ prefix: 'chittyauth:' })).keys).toHaveLength(0); // a KV miss would have re-validated and re-cached
  });

  it('a ChittyAuth token shaped like a JWT goes to ChittyAuth, not to the delegation check', async () => {
    const jwtShaped = `${btoa(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).replace(/=+$/, '')}.e30.c2ln`;
    const res = await get('/v1/actors/me', { headers: bearer(jwtShaped) });
    expect(res.status).toBe(401);
    expect(await code(res)).toBe('invalid_token');
  });

  it('ChittyAuth refusing the validation call (4xx) is an invalid token, not a 500', async () => {
    const principal = await createActor('human');
    await setFault('auth.chitty.cc', { mode: 'error', status: 400, times: 1 });
    const res = await call('/v1/actors/me', principal.token);
    expect(res.status).toBe(401);
    expect(await code(res)).toBe('invalid_token');
    await clearFaults();
  });
});

describe('suspension stops every kind of credential at once', () => {
  it('ChittyAuth token, API key and delegation token all get 403 the moment the actor is suspended', async () => {
    const admin = await registeredActor('system', ['actors:suspend']);
    const target = await registeredActor('service', ['reports:read']);
    const key = (await (
      await call('/v1/keys', target.token, { method: 'POST', json: { name: 'k', scopes: ['profile:read'] } })
    ).json()) as {
      apiKey: string;
    };
    const delegated = (await (
      await call('/v1/delegate', target.token, {
        method: 'POST',
        json: { subject: target.chittyId, audience: 'chittyconnect', scopes: ['profile:read'] },
      })
    ).json()) as { token: string };
    const credentials: Record<string, string>[] = [target.auth, { 'x-api-key': key.apiKey }, bearer(delegated.token)];
    for (const headers of credentials) expect((await get('/v1/actors/me', { headers })).status).toBe(200);
    await call(`/v1/actors/${target.chittyId}`, admin.token, { method: 'PATCH', json: { status: 'suspended' } });
    for (const headers of credentials.slice(0, 2)) {
      const res = await get('/v1/actors/me', { headers });
      expect(res.status).toBe(403);
      expect(await code(res)).toBe('actor_suspended');
    }
    // A delegation token whose delegator is suspended is no longer a valid token at all.
    const res = await get('/v1/actors/me', { headers: credentials[2] });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toContain('issuer_suspended');
  });
});

describe('API keys', () => {
  it('a key works as X-API-Key, narrowed to its scopes, and stops at once when revoked', async () => {
    const owner = await registeredActor('service', ['reports:read', 'reports:write']);
    const created = await call('/v1/keys', owner.token, { method: 'POST', json: { name: 'ci', scopes: ['reports:read', 'profile:read'] } });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { keyId: string; apiKey: string; scopes: string[] };
    expect(key.scopes).toEqual(['reports:read', 'profile:read']);

    const me = await get('/v1/actors/me', { headers: { 'x-api-key': key.apiKey } });
    expect(me.status).toBe(200);
    const caps = (await (await get(`/v1/actors/${owner.chittyId}/capabilities`, { headers: { 'x-api-key': key.apiKey } })).json()) as {
      capabilities: string[];
      effective: string[];
    };
    expect(caps).toMatchObject({ capabilities: ['reports:read', 'reports:write'], effective: ['reports:read', 'profile:read'] });
    // The key carries no profile:write or keys:manage: it cannot change the owner or its keys.
    const patch = await get(`/v1/actors/${owner.chittyId}`, {
      method: 'PATCH',
      headers: { 'x-api-key': key.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'changed by a key' }),
    });
    expect(patch.status).toBe(403);
    expect((await get('/v1/keys', { headers: { 'x-api-key': key.apiKey } })).status).toBe(403);

    const listed = (await (await call('/v1/keys', owner.token)).json()) as { keys: Record<string, unknown>[] };
    expect(listed.keys.map((k) => k.keyId)).toContain(key.keyId);
    expect(JSON.stringify(listed)).not.toContain(key.apiKey);

    expect((await call(`/v1/keys/${key.keyId}`, owner.token, { method: 'DELETE' })).status).toBe(204);
    const after = await get('/v1/actors/me', { headers: { 'x-api-key': key.apiKey } });
    expect(after.status).toBe(401);
    expect(await code(after)).toBe('invalid_api_key');
  });

  it('a key cannot be made with more than the caller holds, nor with a key', async () => {
    const owner = await registeredActor('service', ['reports:read']);
    const over = await call('/v1/keys', owner.token, { method: 'POST', json: { name: 'x', scopes: ['reports:write'] } });
    expect(over.status).toBe(403);
    expect(await code(over)).toBe('scope_not_held');
    const key = (await (await call('/v1/keys', owner.token, { method: 'POST', json: { name: 'k', scopes: ['reports:read'] } })).json()) as {
      apiKey: string;
    };
    const viaKey = await get('/v1/keys', {
      method: 'POST',
      headers: { 'x-api-key': key.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'k2', scopes: ['reports:read'] }),
    });
    expect(viaKey.status).toBe(403);
  });

  it('unknown and empty keys → 401; someone else’s key id → 404 on revoke', async () => {
    for (const key of ['emk_nope', '']) {
      const res = await get('/v1/actors/me', { headers: { 'x-api-key': key } });
      expect(res.status).toBe(401);
      expect(await code(res)).toBe('invalid_api_key');
    }
    const owner = await registeredActor('service', ['reports:read']);
    const other = await registeredActor('service', ['reports:read']);
    const key = (await (await call('/v1/keys', owner.token, { method: 'POST', json: { name: 'k', scopes: ['profile:read'] } })).json()) as {
      keyId: string;
      apiKey: string;
    };
    expect((await call(`/v1/keys/${key.keyId}`, other.token, { method: 'DELETE' })).status).toBe(404);
    expect((await get('/v1/actors/me', { headers: { 'x-api-key': key.apiKey } })).status).toBe(200);
  });
});
