/**
 * API key expiry: a key made with `expiresInDays` works until then and is refused with 401
 * `invalid_api_key` after, whichever store the authentication path reads it from (API_KEYS KV,
 * or D1 when the KV entry is gone). Days cannot pass in a test, so the stored expiry is moved
 * into the past — in both stores, as the day passing would leave them — before the key is first used.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/crypto';
import { call, registeredActor, type TestActor } from '../helpers/actors';
import { get } from '../helpers/worker';

interface NewKey {
  keyId: string;
  apiKey: string;
  expiresAt: string | null;
}

async function newKey(owner: TestActor, expiresInDays?: number): Promise<NewKey> {
  const res = await call('/v1/keys', owner.token, {
    method: 'POST',
    json: { name: 'expiring', scopes: ['profile:read'], ...(expiresInDays ? { expiresInDays } : {}) },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as NewKey;
}

/** Moves a key's expiry to `at` in D1 and, when it is there, in API_KEYS KV. */
async function expireAt(key: NewKey, at: Date): Promise<void> {
  await env.DB.prepare('UPDATE api_keys SET expires_at = ? WHERE key_id = ?').bind(at.toISOString(), key.keyId).run();
  const kvKey = `apikey:${await sha256Hex(key.apiKey)}`;
  const cached = await env.API_KEYS.get<Record<string, unknown>>(kvKey, 'json');
  if (cached) await env.API_KEYS.put(kvKey, JSON.stringify({ ...cached, expiresAt: at.toISOString() }));
}

function useKey(key: NewKey): Promise<Response> {
  return get('/v1/actors/me', { headers: { 'x-api-key': key.apiKey } });
}

async function expectExpired(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  const problem = (await res.json()) as { code: string; detail: string };
  expect(problem.code).toBe('invalid_api_key');
  expect(problem.detail).toBe('The API key has expired.');
}

describe('API key expiry', () => {
  it('a key with an expiry says when, and works until then', async () => {
    const owner = await registeredActor('service');
    const before = Date.now();
    const key = await newKey(owner, 30);
    expect(Date.parse(key.expiresAt ?? '')).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
    expect(Date.parse(key.expiresAt ?? '')).toBeLessThanOrEqual(Date.now() + 30 * 86_400_000);
    expect((await useKey(key)).status).toBe(200);
    expect((await newKey(owner)).expiresAt).toBeNull();
  });

  it('an expired key → 401 invalid_api_key, read from API_KEYS KV', async () => {
    const owner = await registeredActor('service');
    const key = await newKey(owner, 1);
    expect(await env.API_KEYS.get(`apikey:${await sha256Hex(key.apiKey)}`)).not.toBeNull(); // the fast path has it
    await expireAt(key, new Date(Date.now() - 1_000));
    await expectExpired(await useKey(key));
  });

  it('an expired key → 401 invalid_api_key, read from D1 when KV no longer has it', async () => {
    const owner = await registeredActor('service');
    const key = await newKey(owner, 1);
    await env.API_KEYS.delete(`apikey:${await sha256Hex(key.apiKey)}`);
    await expireAt(key, new Date(Date.now() - 1_000));
    await expectExpired(await useKey(key));
  });

  it('expiry is exact: a key expiring this instant is refused, one a minute away works', async () => {
    const owner = await registeredActor('service');
    const [now, soon] = [await newKey(owner, 1), await newKey(owner, 1)];
    await expireAt(now, new Date());
    await expireAt(soon, new Date(Date.now() + 60_000));
    await expectExpired(await useKey(now));
    expect((await useKey(soon)).status).toBe(200);
  });
});
