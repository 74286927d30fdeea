/**
 * No credential is ever kept or shown in clear: after flows that use every credential kind, the
 * local D1 and KV state, the logs, and the error bodies are searched for the raw secrets. Secrets
 * made with and without `Idempotency-Key` (whose replies are kept, sealed) are also searched for in
 * everything the emulator's ChittyOS services and GitHub received and kept.
 */
import { env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dumpAllState, echoHost } from '../connections/support';
import { bearer, call, registeredActor } from '../helpers/actors';
import { createActor, requestsTo } from '../helpers/emulator';
import { waitForDelivery } from '../helpers/outbox';
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

/** Everything the emulator keeps (each service's tables) and its request log: what we sent to ChittyOS and GitHub. */
async function emulatorState(): Promise<string> {
  const services = ['id', 'auth', 'registry', 'dna', 'verify', 'certify', 'chronicle', 'github'];
  const parts = await Promise.all(
    services.map(async (service) => {
      const res = await env.ECOSYSTEM.fetch(`http://control.emulator/state/${service}`);
      expect(res.status, service).toBe(200);
      return res.text();
    }),
  );
  return [...parts, JSON.stringify(await requestsTo({}))].join('\n');
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
    const state = await dumpAllState();
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

  it('keys, delegation tokens (issued and derived) and credentials, with and without Idempotency-Key: none at rest, anywhere', async () => {
    const owner = await registeredActor('service', ['reports:read'], { displayName: 'Idempotent owner' });
    const bob = await registeredActor('service', []);
    const carol = await registeredActor('service', []);
    const secrets: string[] = [];
    const aggregates: string[] = [];

    /** Sends a write, and with an Idempotency-Key sends it again: the replay must be the same reply, secret included. */
    async function created(path: string, token: string, json: unknown, idempotencyKey: string | null): Promise<Record<string, string>> {
      const headers: Record<string, string> = idempotencyKey ? { 'idempotency-key': idempotencyKey } : {};
      const first = await call(path, token, { method: 'POST', json, headers });
      const text = await first.text();
      expect(first.status, text).toBe(201);
      if (idempotencyKey) {
        const replay = await call(path, token, { method: 'POST', json, headers });
        expect(replay.headers.get('idempotent-replayed')).toBe('true');
        expect(await replay.text()).toBe(text);
      }
      return JSON.parse(text) as Record<string, string>;
    }

    for (const idem of [null, crypto.randomUUID()]) {
      const tag = idem ? 'with' : 'without';
      const key = await created('/v1/keys', owner.token, { name: `at-rest-${tag}`, scopes: ['reports:read'] }, idem && `${idem}-key`);
      const issued = await created(
        '/v1/delegate',
        owner.token,
        { subject: bob.chittyId, audience: 'chittyconnect', scopes: ['reports:read'] },
        idem && `${idem}-issue`,
      );
      const derived = await created(
        '/v1/delegate',
        bob.token,
        { subject: carol.chittyId, scopes: ['reports:read'], parentToken: issued.token },
        idem && `${idem}-derive`,
      );
      const credential = `cred-${tag}-${crypto.randomUUID()}`;
      const connection = await created(
        '/v1/connections',
        owner.token,
        {
          source: { type: 'actor', id: owner.chittyId },
          target: { service: 'http', endpoint: `https://${echoHost()}/base` },
          credentials: credential,
        },
        idem && `${idem}-conn`,
      );
      expect(key.apiKey).toMatch(/^emk_/);
      expect(derived.parentId).toBe(issued.tokenId);
      expect(connection.hasCredentials).toBe(true);
      secrets.push(key.apiKey ?? '', issued.token ?? '', derived.token ?? '', credential);
      aggregates.push(key.keyId ?? '', issued.tokenId ?? '', derived.tokenId ?? '', connection.connectionId ?? '');
    }
    // The events are delivered, so DNA and Chronicle have seen everything they will see.
    expect(await waitForDelivery(aggregates)).toBe(0);

    const ours = await dumpAllState();
    const theirs = await emulatorState();
    expect(ours).toContain(owner.chittyId); // the dumps are real: they hold what was just made
    expect(ours).toContain(aggregates[4]);
    expect(theirs).toContain(aggregates[0]);
    expect((await env.IDEMP_KV.list({ prefix: 'idem:' })).keys.length).toBeGreaterThanOrEqual(4);
    expect(secrets.every((s) => s.length > 20)).toBe(true);
    for (const secret of secrets) {
      expect(ours.includes(secret), 'secret found in D1/KV state').toBe(false);
      expect(theirs.includes(secret), 'secret found in what the emulator (ChittyOS, GitHub) received and kept').toBe(false);
      expect(
        logged.some((line) => line.includes(secret)),
        'secret found in logs',
      ).toBe(false);
    }
  });
});
