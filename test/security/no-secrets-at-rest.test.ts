/**
 * No credential is ever kept or shown in clear: after flows that use every credential kind, the
 * local D1 and KV state, the logs, and the error bodies are searched for the raw secrets.
 */
import { env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dumpD1 } from '../connections/support';
import { bearer, call, registeredActor } from '../helpers/actors';
import { createActor } from '../helpers/emulator';
import { get } from '../helpers/worker';

const logged: string[] = [];

beforeAll(() => {
  for (const method of ['log', 'warn', 'error', 'info', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    });
  }
});
afterAll(() => vi.restoreAllMocks());

async function dumpKv(ns: KVNamespace): Promise<string> {
  const parts: string[] = [];
  let cursor: string | undefined;
  do {
    const page: KVNamespaceListResult<unknown> = await ns.list(cursor ? { cursor } : {});
    for (const key of page.keys) parts.push(key.name, (await ns.get(key.name)) ?? '');
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return parts.join('\n');
}

describe('secrets at rest, in logs and in error bodies', () => {
  it('no raw ChittyAuth token or API key is stored, logged or echoed', async () => {
    const owner = await registeredActor('service', ['reports:read'], { displayName: 'Secret keeper' });
    await call('/v1/actors/me', owner.token);
    const key = (await (await call('/v1/keys', owner.token, { method: 'POST', json: { name: 'k', scopes: ['reports:read'] } })).json()) as {
      apiKey: string;
      keyId: string;
    };
    await get('/v1/actors/me', { headers: { 'x-api-key': key.apiKey } });
    const delegated = (await (
      await call('/v1/delegate', owner.token, {
        method: 'POST',
        json: { subject: owner.chittyId, audience: 'chittyconnect', scopes: ['reports:read'] },
      })
    ).json()) as { token: string; tokenId: string };
    expect(delegated.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    await get('/v1/actors/me', { headers: bearer(delegated.token) });
    await call('/v1/delegate/validate', owner.token, { method: 'POST', json: { token: delegated.token } });
    await call(`/v1/delegate/${delegated.tokenId}`, owner.token, { method: 'DELETE' });
    await get('/v1/actors/me', { headers: bearer(delegated.token) });

    // Refused credentials must not be echoed back either.
    const stranger = await createActor('human');
    await env.ECOSYSTEM.fetch(`http://control.emulator/actors/${stranger.chittyId}/tokens`, { method: 'DELETE' });
    const bodies = [
      await (await get('/v1/actors/me', { headers: bearer(stranger.token) })).text(),
      await (await get('/v1/actors/me', { headers: { 'x-api-key': `${key.apiKey}x` } })).text(),
      await (await get('/v1/actors/me', { headers: { authorization: `Token ${owner.token}` } })).text(),
      await (await get('/v1/actors/me', { headers: bearer(`${'a'.repeat(20)}.${'b'.repeat(20)}.${'c'.repeat(20)}`) })).text(),
    ];
    await call(`/v1/keys/${key.keyId}`, owner.token, { method: 'DELETE' });
    await get('/v1/actors/me', { headers: { 'x-api-key': key.apiKey } });

    const secrets = [owner.token, key.apiKey, stranger.token, delegated.token];
    const state = [
      await dumpD1(env.DB),
      await dumpKv(env.TOKEN_KV),
      await dumpKv(env.API_KEYS),
      await dumpKv(env.CHITTYCONNECT_KV),
      await dumpKv(env.RATE_LIMIT),
      await dumpKv(env.IDEMP_KV),
    ].join('\n');
    expect(state).toContain(owner.chittyId); // the dump is real: it holds the actor
    expect(logged.length).toBeGreaterThan(0); // and the worker's log lines were captured
    for (const secret of secrets) {
      expect(state.includes(secret), 'secret found in D1/KV state').toBe(false);
      expect(
        logged.some((line) => line.includes(secret)),
        'secret found in logs',
      ).toBe(false);
      expect(
        bodies.some((b) => b.includes(secret)),
        'secret echoed in an error body',
      ).toBe(false);
    }
  });
});
