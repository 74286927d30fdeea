/**
 * Connection credentials: never returned by a route, never in clear in local D1/KV state, bound
 * to their connection (AES-GCM AAD), and rotatable — old values decrypt with the previous key,
 * the re-encrypt command (route and script) moves them to the new kid, after which the previous
 * key can go. A missing or broken key is a 503 that tells the operator what to fix.
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { reencryptAll } from '../../scripts/reencrypt-credentials.mjs';
import worker from '../../src/index';
import { call, registeredActor } from '../helpers/actors';
import { type ConnectionBody, callWithEnv, dumpAllState, type Echo, echoConnection, newKey } from './support';

describe('credentials are write-only', () => {
  it('no route returns them, and they are not in clear anywhere in D1, KV or the logs', async () => {
    const logged: string[] = [];
    for (const method of ['log', 'warn', 'error', 'info', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' '));
      });
    }
    const a = await registeredActor('human');
    const secret = `sk_live_${crypto.randomUUID()}`;
    const password = `pw-${crypto.randomUUID()}`;
    const bearer = await echoConnection(a, { credentials: secret });
    const basic = await echoConnection(a, { config: { auth: { scheme: 'basic' } }, credentials: { username: 'u', password } });
    const bodies = [
      JSON.stringify(bearer),
      JSON.stringify(basic),
      await (await call(`/v1/connections/${bearer.connectionId}`, a.token)).text(),
      await (await call('/v1/connections/list', a.token)).text(),
      await (await call(`/v1/connections/${bearer.connectionId}/status`, a.token)).text(),
    ];
    // Use them, so any caching of plaintext would show up in the state.
    expect(((await (await call(`/v1/connections/${bearer.connectionId}/proxy/x`, a.token)).json()) as Echo).headers.authorization).toBe(
      `Bearer ${secret}`,
    );
    await call(`/v1/connections/${basic.connectionId}/proxy/x`, a.token);
    for (const body of bodies) {
      expect(body).not.toContain(secret);
      expect(body).not.toContain(password);
    }
    expect(bearer).toMatchObject({ hasCredentials: true, credentialsKeyId: 'dev-1' });
    const state = await dumpAllState();
    expect(state).toContain(bearer.connectionId); // the dump is real
    expect(state).toContain(`conncred:${bearer.connectionId}`);
    for (const value of [secret, password, btoa(`u:${password}`)]) {
      expect(state.includes(value), 'secret found at rest').toBe(false);
      expect(
        logged.some((line) => line.includes(value)),
        'secret found in logs',
      ).toBe(false);
    }
    vi.restoreAllMocks();

    const stored = JSON.parse((await env.API_KEYS.get(`conncred:${bearer.connectionId}`)) ?? '{}') as Record<string, unknown>;
    expect(stored).toMatchObject({ v: 1, alg: 'A256GCM', kid: 'dev-1' });
    expect(Object.keys(stored).sort()).toEqual(['alg', 'ct', 'iv', 'kid', 'v']);
  });

  it('a value moved onto another connection does not decrypt (bound by AAD): 503, no secret leaked', async () => {
    const a = await registeredActor('human');
    const victim = await echoConnection(a, { credentials: 'victim-secret' });
    const other = await echoConnection(a, { credentials: 'other-secret' });
    const stolen = await env.API_KEYS.get(`conncred:${victim.connectionId}`);
    await env.API_KEYS.put(`conncred:${other.connectionId}`, stolen ?? '');
    const res = await call(`/v1/connections/${other.connectionId}/proxy/x`, a.token);
    expect(res.status).toBe(503);
    const body = await res.text();
    expect(JSON.parse(body)).toMatchObject({ code: 'credentials_unavailable' });
    expect(body).not.toContain('victim-secret');
  });
});

describe('a missing or broken key', () => {
  it('is a 503 credentials_unavailable that names the secret to fix, never a key; connections without credentials still work', async () => {
    const a = await registeredActor('human');
    const body = (endpoint: string, credentials?: string) => ({
      source: { type: 'actor', id: a.chittyId },
      target: { service: 'http', endpoint },
      ...(credentials ? { credentials } : {}),
    });
    for (const [overrides, mention] of [
      [{ CREDENTIALS_ENCRYPTION_KEY: undefined }, 'CREDENTIALS_ENCRYPTION_KEY secret is not set'],
      [{ CREDENTIALS_ENCRYPTION_KEY: '{"kid":"x","key":"c2hvcnQ="}' }, '32 random bytes'],
      [{ CREDENTIALS_ENCRYPTION_KEY: 'not json' }, 'not valid JSON'],
      [{ CREDENTIALS_PREVIOUS_KEYS: '{"kid":"x"}' }, 'JSON array'],
    ] as const) {
      const res = await callWithEnv(overrides, '/v1/connections', a.token, {
        method: 'POST',
        json: body(`https://echo.${crypto.randomUUID().slice(0, 8)}.test/x`, 'secret'),
      });
      expect(res.status).toBe(503);
      const problem = (await res.json()) as { code: string; detail: string };
      expect(problem.code).toBe('credentials_unavailable');
      expect(problem.detail).toContain(mention);
      expect(problem.detail).not.toContain(JSON.parse(env.CREDENTIALS_ENCRYPTION_KEY ?? '{}').key);
    }
    const withoutSecrets = await callWithEnv({ CREDENTIALS_ENCRYPTION_KEY: undefined }, '/v1/connections', a.token, {
      method: 'POST',
      json: body(`https://echo.${crypto.randomUUID().slice(0, 8)}.test/x`),
    });
    expect(withoutSecrets.status).toBe(201);
  });
});

describe('key rotation', () => {
  it('old values decrypt with the previous key; re-encryption moves them to the new kid; then the previous key can go', async () => {
    const admin = await registeredActor('system', ['admin']);
    const a = await registeredActor('human');
    const oldKey = env.CREDENTIALS_ENCRYPTION_KEY ?? '';
    const kid = `rot-${crypto.randomUUID().slice(0, 8)}`;
    const newKeySecret = newKey(kid);
    const rotating = { CREDENTIALS_ENCRYPTION_KEY: newKeySecret, CREDENTIALS_PREVIOUS_KEYS: JSON.stringify([JSON.parse(oldKey)]) };
    const rotated = { CREDENTIALS_ENCRYPTION_KEY: newKeySecret, CREDENTIALS_PREVIOUS_KEYS: undefined };
    const c = await echoConnection(a, { credentials: 'rotate-me' });
    const proxyAuth = async (overrides: Partial<Cloudflare.Env>) => {
      const res = await callWithEnv(overrides, `/v1/connections/${c.connectionId}/proxy/x`, a.token);
      return res.status === 200 ? ((await res.json()) as Echo).headers.authorization : res.status;
    };

    // During the rotation: the old value still decrypts; new values use the new key.
    expect(await proxyAuth(rotating)).toBe('Bearer rotate-me');
    const fresh = await callWithEnv(rotating, '/v1/connections', a.token, {
      method: 'POST',
      json: {
        source: { type: 'actor', id: a.chittyId },
        target: { service: 'http', endpoint: `https://echo.${kid}.test/x` },
        credentials: 'new',
      },
    });
    expect(((await fresh.json()) as ConnectionBody).credentialsKeyId).toBe(kid);
    // Without the previous key, the old value is unreadable — and the 503 says which kid to restore.
    const early = await callWithEnv(rotated, `/v1/connections/${c.connectionId}/proxy/x`, a.token);
    expect(early.status).toBe(503);
    expect(((await early.json()) as { detail: string }).detail).toContain('"dev-1"');

    // Only admins may re-encrypt.
    expect((await callWithEnv(rotating, '/v1/admin/credentials/reencrypt', a.token, { method: 'POST', json: {} })).status).toBe(403);
    // The script's loop, against the worker with the rotating configuration, in small batches.
    const totals = await reencryptAll({
      url: 'http://connect.test',
      token: admin.token,
      batch: 2,
      log: () => undefined,
      fetch: async (input, init) => {
        const ctx = createExecutionContext();
        const res = await worker.fetch(new Request(input, init), { ...env, ...rotating }, ctx);
        await waitOnExecutionContext(ctx);
        return res;
      },
    });
    // Only values other tests broke on purpose (the AAD swap) may fail; ours moved.
    expect(totals.failed.map((f) => f.connectionId)).not.toContain(c.connectionId);
    for (const f of totals.failed) expect(f.reason).toContain('altered');
    expect(totals.currentKeyId).toBe(kid);
    expect(totals.reencrypted).toBeGreaterThanOrEqual(1);
    const view = (await (await callWithEnv(rotated, `/v1/connections/${c.connectionId}`, a.token)).json()) as ConnectionBody;
    expect(view.credentialsKeyId).toBe(kid);
    expect(JSON.parse((await env.API_KEYS.get(`conncred:${c.connectionId}`)) ?? '{}')).toMatchObject({ kid });

    // After: the new key alone decrypts it; the old key alone no longer does.
    expect(await proxyAuth(rotated)).toBe('Bearer rotate-me');
    expect(await proxyAuth({})).toBe(503);
    // Nothing left to do.
    const again = await callWithEnv(rotating, '/v1/admin/credentials/reencrypt', admin.token, { method: 'POST', json: {} });
    expect(await again.json()).toMatchObject({ reencrypted: 0, remaining: false });
  });

  it('a value whose key is gone is reported, skipped, and does not block the rest', async () => {
    const admin = await registeredActor('system', ['admin']);
    const a = await registeredActor('human');
    const lostKid = `lost-${crypto.randomUUID().slice(0, 8)}`;
    const lost = newKey(lostKid);
    const orphan = await callWithEnv({ CREDENTIALS_ENCRYPTION_KEY: lost }, '/v1/connections', a.token, {
      method: 'POST',
      json: {
        source: { type: 'actor', id: a.chittyId },
        target: { service: 'http', endpoint: `https://echo.${lostKid}.test/x` },
        credentials: 's',
      },
    });
    const orphanId = ((await orphan.json()) as ConnectionBody).connectionId;
    let failure: { connectionId: string; reason: string } | undefined;
    let cursor: string | null = null;
    for (let round = 0; round < 100 && !failure; round++) {
      const batch = await callWithEnv({}, '/v1/admin/credentials/reencrypt', admin.token, {
        method: 'POST',
        json: cursor ? { limit: 100, cursor } : { limit: 100 },
      });
      expect(batch.status).toBe(200);
      const result = (await batch.json()) as {
        failed: { connectionId: string; reason: string }[];
        remaining: boolean;
        cursor: string | null;
      };
      failure = result.failed.find((f) => f.connectionId === orphanId);
      if (!result.remaining) break;
      cursor = result.cursor;
    }
    expect(failure?.reason).toContain(lostKid);
  });
});
