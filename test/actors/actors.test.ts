/** The actors API through the worker and the emulator. */
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { gateFor } from '../../src/auth/principal-gate';
import { hasValidChecksum } from '../../src/ecosystem/chitty-id';
import { call, registeredActor } from '../helpers/actors';
import { clearFaults, createActor, requestsTo, setFault } from '../helpers/emulator';

afterEach(clearFaults);

describe('POST /v1/actors/register', () => {
  it('mints an ACTOR id, links the principal, initialises DNA and writes the outbox event with it', async () => {
    const principal = await createActor('human', ['reports:read']);
    const res = await call('/v1/actors/register', principal.token, {
      method: 'POST',
      json: { displayName: 'Ada', email: 'ada@example.com' },
    });
    expect(res.status).toBe(201);
    const actor = (await res.json()) as Record<string, unknown>;
    expect(actor).toMatchObject({
      actorType: 'human',
      principalId: principal.chittyId,
      displayName: 'Ada',
      capabilities: ['reports:read'],
      status: 'active',
    });
    const chittyId = actor.chittyId as string;
    expect(chittyId).toMatch(/-ACTOR-/);
    expect(hasValidChecksum(chittyId)).toBe(true);
    expect(res.headers.get('location')).toBe(`/v1/actors/${chittyId}`);
    expect(actor.dnaId).toBeTruthy();
    const outbox = await env.DB.prepare("SELECT event_type FROM outbox WHERE aggregate = 'actor' AND aggregate_id = ?")
      .bind(chittyId)
      .all();
    expect(outbox.results).toEqual([{ event_type: 'actor.registered' }]);
  });

  it('registering again returns the same actor with 200 and mints nothing', async () => {
    const principal = await createActor('service');
    const first = (await (await call('/v1/actors/register', principal.token, { method: 'POST' })).json()) as { chittyId: string };
    const again = await call('/v1/actors/register', principal.token, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { chittyId: string }).chittyId).toBe(first.chittyId);
  });

  it('concurrent registrations of one principal make one actor', async () => {
    const principal = await createActor('human');
    const responses = await Promise.all(Array.from({ length: 5 }, () => call('/v1/actors/register', principal.token, { method: 'POST' })));
    const ids = new Set<string>();
    for (const res of responses) {
      expect([200, 201]).toContain(res.status);
      ids.add(((await res.json()) as { chittyId: string }).chittyId);
    }
    expect(ids.size).toBe(1);
    const rows = await env.DB.prepare('SELECT chitty_id FROM actors WHERE principal_id = ?').bind(principal.chittyId).all();
    expect(rows.results).toHaveLength(1);
  });

  it('authority down → 503 with Retry-After, and no actor row', async () => {
    const principal = await createActor('human');
    await setFault('id.chitty.cc', { mode: 'error', status: 503, times: 1 });
    const res = await call('/v1/actors/register', principal.token, { method: 'POST' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(((await res.json()) as { code: string }).code).toBe('ecosystem_unavailable');
    const row = await env.DB.prepare('SELECT * FROM actors WHERE principal_id = ?').bind(principal.chittyId).first();
    expect(row).toBeNull();
  });

  it('DNA down → still registered; DNA left to the outbox consumer', async () => {
    const principal = await createActor('human');
    await setFault('dna.chitty.cc', { mode: 'error', status: 500, times: 3 });
    const res = await call('/v1/actors/register', principal.token, { method: 'POST' });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { dnaId: unknown }).dnaId).toBeNull();
  });

  it('bad profile fields → 400 naming the field; malformed JSON → 400', async () => {
    const principal = await createActor('human');
    const bad = await call('/v1/actors/register', principal.token, { method: 'POST', json: { email: 'not-an-email', extra: 1 } });
    expect(bad.status).toBe(400);
    const fields = ((await bad.json()) as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toContain('json.email');
    const malformed = await call('/v1/actors/register', principal.token, {
      method: 'POST',
      body: '{"x":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
  });
});

describe('GET /v1/actors/me', () => {
  it('returns the caller, records last seen and counts a session — throttled, not a write per read', async () => {
    const a = await registeredActor('human');
    const first = (await (await call('/v1/actors/me', a.token)).json()) as { sessionCount: number; lastSeenAt: string };
    expect(first.sessionCount).toBe(1);
    expect(first.lastSeenAt).toBeTruthy();
    const second = (await (await call('/v1/actors/me', a.token)).json()) as { sessionCount: number; lastSeenAt: string };
    expect(second).toMatchObject({ sessionCount: 1, lastSeenAt: first.lastSeenAt });
    // Pretend the last sighting was an hour ago: the next read is a new session.
    await env.DB.prepare('UPDATE actors SET last_seen_at = ? WHERE chitty_id = ?')
      .bind(new Date(Date.now() - 3_600_000).toISOString(), a.chittyId)
      .run();
    await gateFor(env, a.principalId).invalidate(); // as any change to an actor does
    const third = (await (await call('/v1/actors/me', a.token)).json()) as { sessionCount: number };
    expect(third.sessionCount).toBe(2);
  });

  it('an unregistered principal gets 403 actor_not_registered, as on every route that needs an actor (docs/auth.md)', async () => {
    const principal = await createActor('human');
    const res = await call('/v1/actors/me', principal.token);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('actor_not_registered');
    // The same principal on another route that needs an actor: the same status and code.
    const keys = await call('/v1/keys', principal.token, { method: 'POST', json: { name: 'k', scopes: ['profile:read'] } });
    expect(keys.status).toBe(403);
    expect(((await keys.json()) as { code: string }).code).toBe('actor_not_registered');
  });
});

describe('reading and changing actors', () => {
  it('another actor sees only the public profile; itself and actors:read see everything', async () => {
    const owner = await registeredActor('human', ['reports:read'], { email: 'owner@example.com', displayName: 'Owner' });
    const other = await registeredActor('human');
    const reader = await registeredActor('system', ['actors:read']);
    const seen = (await (await call(`/v1/actors/${owner.chittyId}`, other.token)).json()) as Record<string, unknown>;
    expect(seen).toEqual({ chittyId: owner.chittyId, actorType: 'human', displayName: 'Owner', avatarUrl: null, status: 'active' });
    expect(JSON.stringify(seen)).not.toContain('owner@example.com');
    const own = (await (await call(`/v1/actors/${owner.chittyId}`, owner.token)).json()) as Record<string, unknown>;
    expect(own.email).toBe('owner@example.com');
    const admin = (await (await call(`/v1/actors/${owner.chittyId}`, reader.token)).json()) as Record<string, unknown>;
    expect(admin.capabilities).toEqual(['reports:read']);
    const caps = await call(`/v1/actors/${owner.chittyId}/capabilities`, other.token);
    expect(caps.status).toBe(403);
    expect(await (await call(`/v1/actors/${owner.chittyId}/capabilities`, owner.token)).json()).toMatchObject({
      capabilities: ['reports:read'],
      effective: expect.arrayContaining(['reports:read', 'profile:read', 'contexts:write']),
    });
  });

  it('an actor cannot change another actor; it can change its own profile but not its capabilities', async () => {
    const a = await registeredActor('human');
    const b = await registeredActor('human');
    const foreign = await call(`/v1/actors/${b.chittyId}`, a.token, { method: 'PATCH', json: { displayName: 'hijacked' } });
    expect(foreign.status).toBe(403);
    const untouched = (await (await call(`/v1/actors/${b.chittyId}`, b.token)).json()) as { displayName: string | null };
    expect(untouched.displayName).toBeNull();
    const own = await call(`/v1/actors/${a.chittyId}`, a.token, {
      method: 'PATCH',
      json: { displayName: 'New name', avatarUrl: 'https://example.com/a.png' },
    });
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ displayName: 'New name', avatarUrl: 'https://example.com/a.png' });
    const escalate = await call(`/v1/actors/${a.chittyId}`, a.token, { method: 'PATCH', json: { capabilities: ['admin'] } });
    expect(escalate.status).toBe(403);
  });

  it('a granter grants only what it holds', async () => {
    const granter = await registeredActor('system', ['actors:grant', 'reports:*']);
    const target = await registeredActor('ai');
    const ok = await call(`/v1/actors/${target.chittyId}`, granter.token, {
      method: 'PATCH',
      json: { capabilities: ['reports:read', 'reports:write'] },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { capabilities: string[] }).capabilities).toEqual(['reports:read', 'reports:write']);
    // Taking away needs the same: the granter cannot strip what it does not hold.
    const holder = await registeredActor('system', ['audit:read']);
    const strip = await call(`/v1/actors/${holder.chittyId}`, granter.token, { method: 'PATCH', json: { capabilities: [] } });
    expect(strip.status).toBe(403);
    const tooMuch = await call(`/v1/actors/${target.chittyId}`, granter.token, {
      method: 'PATCH',
      json: { capabilities: ['reports:read', 'admin'] },
    });
    expect(tooMuch.status).toBe(403);
    expect(((await tooMuch.json()) as { code: string }).code).toBe('scope_not_held');
    // The new capabilities are what the target's next request carries.
    const caps = (await (await call(`/v1/actors/${target.chittyId}/capabilities`, target.token)).json()) as { effective: string[] };
    expect(caps.effective).toEqual(expect.arrayContaining(['reports:read', 'reports:write']));
  });

  it('a suspended actor’s credentials stop working at once; reactivation restores them', async () => {
    const admin = await registeredActor('system', ['actors:suspend']);
    const target = await registeredActor('human');
    expect((await call('/v1/actors/me', target.token)).status).toBe(200);
    const suspend = await call(`/v1/actors/${target.chittyId}`, admin.token, { method: 'PATCH', json: { status: 'suspended' } });
    expect(suspend.status).toBe(200);
    const blocked = await call('/v1/actors/me', target.token);
    expect(blocked.status).toBe(403);
    expect(((await blocked.json()) as { code: string }).code).toBe('actor_suspended');
    const events = await env.DB.prepare('SELECT event_type FROM outbox WHERE aggregate_id = ? ORDER BY created_at')
      .bind(target.chittyId)
      .all();
    expect(events.results.map((r) => r.event_type)).toEqual(['actor.registered', 'actor.suspended']);
    await call(`/v1/actors/${target.chittyId}`, admin.token, { method: 'PATCH', json: { status: 'active' } });
    expect((await call('/v1/actors/me', target.token)).status).toBe(200);
  });

  it('a suspender cannot suspend itself, and nobody without actors:suspend can suspend', async () => {
    const admin = await registeredActor('system', ['actors:suspend']);
    const plain = await registeredActor('human');
    expect((await call(`/v1/actors/${admin.chittyId}`, admin.token, { method: 'PATCH', json: { status: 'suspended' } })).status).toBe(403);
    expect((await call(`/v1/actors/${admin.chittyId}`, plain.token, { method: 'PATCH', json: { status: 'suspended' } })).status).toBe(403);
  });

  it('invalid ids and bodies → 400; unknown actor → 404', async () => {
    const a = await registeredActor('human');
    const badId = await call('/v1/actors/not-an-id', a.token);
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe('param.chittyId');
    expect((await call('/v1/actors/01-C-ACT-9999-ACTOR-QB-0-0', a.token)).status).toBe(404);
    expect((await call(`/v1/actors/${a.chittyId}`, a.token, { method: 'PATCH', json: {} })).status).toBe(400);
    expect((await call(`/v1/actors/${a.chittyId}`, a.token, { method: 'PATCH', json: { capabilities: ['NOT VALID'] } })).status).toBe(400);
    expect((await call(`/v1/actors/${a.chittyId}`, a.token, { method: 'PATCH', json: { status: 'gone' } })).status).toBe(400);
    expect(await requestsTo({ host: 'nothing.example' })).toEqual([]);
  });
});
