/**
 * Issuing delegation tokens through the worker: the token's header and claims, what D1 and the
 * outbox keep (never the token), and every refusal — unregistered caller, scopes not held,
 * unbounded expiry, bad fields — with nothing written when a request is refused.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createActor } from '../helpers/emulator';
import { get } from '../helpers/worker';
import { call, delegate, type Issued, outboxOf, type Problem, registeredActor, segment, validate } from './support';

async function rowsIssuedBy(issuer: string): Promise<number> {
  const row = await env.DB.prepare('SELECT COUNT(*) AS n FROM delegations WHERE issuer = ?').bind(issuer).first<{ n: number }>();
  return row?.n ?? 0;
}

describe('POST /v1/delegate', () => {
  it('issues an EdDSA token that validates, with its claims in D1 and an outbox event — never the token', async () => {
    const alice = await registeredActor('human', ['reports:read', 'reports:write']);
    const bob = await registeredActor('service', []);
    const before = Date.now();
    const issued = await delegate(alice, { subject: bob.chittyId, audience: 'chittyconnect', scopes: ['reports:read'], expiresIn: 600 });

    expect(issued).toMatchObject({
      issuer: alice.chittyId,
      subject: bob.chittyId,
      audience: 'chittyconnect',
      scopes: ['reports:read'],
      actorChain: [alice.chittyId],
      parentId: null,
    });
    expect(issued.tokenId).toMatch(/^dlg_[0-9a-f]{32}$/);
    const lifetime = Date.parse(issued.expiresAt) - before;
    expect(lifetime).toBeGreaterThan(598_000);
    expect(lifetime).toBeLessThanOrEqual(601_000);

    const header = segment(issued.token, 0);
    const keyId = (JSON.parse(env.DELEGATION_SIGNING_KEY as string) as { kid: string }).kid;
    expect(header).toEqual({ alg: 'EdDSA', typ: 'chitty-delegation+jwt', kid: keyId });
    const payload = segment(issued.token, 1);
    expect(payload).toMatchObject({
      iss: alice.chittyId,
      sub: bob.chittyId,
      aud: 'chittyconnect',
      scope: 'reports:read',
      jti: issued.tokenId,
      act: { sub: alice.chittyId },
    });
    expect(payload.exp).toBe(Date.parse(issued.expiresAt) / 1000);

    const verdict = await validate(bob, { token: issued.token, audience: 'chittyconnect', scopes: ['reports:read'] });
    expect(verdict).toEqual({ valid: true, claims: { ...issued, token: undefined } });

    const row = await env.DB.prepare('SELECT * FROM delegations WHERE token_id = ?').bind(issued.tokenId).first<Record<string, unknown>>();
    expect(row).toMatchObject({ issuer: alice.chittyId, root_id: issued.tokenId, parent_id: null, key_id: keyId, revoked_at: null });
    expect(JSON.stringify(row)).not.toContain(issued.token.split('.')[2]);

    const events = await outboxOf(issued.tokenId);
    expect(events.map((e) => e.event_type)).toEqual(['delegation.issued']);
    const event = events[0];
    expect(JSON.parse(event?.payload ?? '{}')).toMatchObject({
      tokenId: issued.tokenId,
      issuer: alice.chittyId,
      scopes: ['reports:read'],
    });
    expect(event?.payload).not.toContain(issued.token.split('.')[2]);
    expect(event?.payload).not.toContain(issued.token.split('.')[1]);
  });

  it('defaults to one hour and dedupes scopes', async () => {
    const alice = await registeredActor('human', ['reports:*']);
    const issued = await delegate(alice, { subject: 'dna', audience: 'dna', scopes: ['reports:read', 'reports:read'] });
    expect(issued.scopes).toEqual(['reports:read']);
    expect(Date.parse(issued.expiresAt) - Date.parse(issued.issuedAt)).toBe(3_600_000);
  });

  it('an unregistered caller → 403 actor_not_registered, nothing written', async () => {
    const stranger = await createActor('human', ['reports:read']);
    const body = await delegate<Problem>(stranger.token, { subject: 'dna', audience: 'dna', scopes: ['reports:read'] }, 403);
    expect(body.code).toBe('actor_not_registered');
    expect(body.detail).toContain('/v1/actors/register');
    expect(await rowsIssuedBy(stranger.chittyId)).toBe(0);
  });

  it('scopes beyond the caller’s capabilities → 403 scope_not_held naming them, nothing written', async () => {
    const alice = await registeredActor('human', ['reports:read']);
    const body = await delegate<Problem>(
      alice,
      { subject: 'dna', audience: 'dna', scopes: ['reports:read', 'reports:write', 'actors:grant'] },
      403,
    );
    expect(body.code).toBe('scope_not_held');
    expect(body.detail).toContain('reports:write');
    expect(body.detail).toContain('actors:grant');
    expect(body.detail).not.toContain('reports:read,');
    expect(await rowsIssuedBy(alice.chittyId)).toBe(0);
  });

  it('wildcards and admin delegate what they cover, but a wildcard is not covered by one member', async () => {
    const admin = await registeredActor('human', ['admin']);
    const wide = await delegate(admin, { subject: 'dna', audience: 'dna', scopes: ['reports:*', 'actors:read'] });
    expect(wide.scopes).toEqual(['reports:*', 'actors:read']);
    const narrow = await registeredActor('human', ['reports:read']);
    const body = await delegate<Problem>(narrow, { subject: 'dna', audience: 'dna', scopes: ['reports:*'] }, 403);
    expect(body.code).toBe('scope_not_held');
  });

  it('bad input → 400 naming the field, nothing written', async () => {
    const alice = await registeredActor('human', ['reports:read']);
    const cases: [Record<string, unknown>, string][] = [
      [{ subject: 'dna', audience: 'dna', scopes: ['reports:read'], expiresIn: 86_401 }, 'json.expiresIn'],
      [{ subject: 'dna', audience: 'dna', scopes: ['reports:read'], expiresIn: 0 }, 'json.expiresIn'],
      [{ subject: 'dna', audience: 'dna', scopes: [] }, 'json.scopes'],
      [{ subject: 'dna', scopes: ['reports:read'] }, 'json.audience'],
      [{ subject: 'dna', audience: 'Not A Service', scopes: ['reports:read'] }, 'json.audience'],
      [{ subject: 'has space', audience: 'dna', scopes: ['reports:read'] }, 'json.subject'],
      [{ subject: 'dna', audience: 'dna', scopes: ['reports:read'], lifetime: 5 }, 'json'],
    ];
    for (const [body, field] of cases) {
      const problem = await delegate<Problem>(alice, body, 400);
      expect(problem.code).toBe('validation_failed');
      expect(
        problem.errors?.map((e) => e.field).some((f) => f.startsWith(field)),
        JSON.stringify(problem),
      ).toBe(true);
    }
    const malformed = await call('/v1/delegate', alice.token, {
      method: 'POST',
      body: '{"subject":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(await rowsIssuedBy(alice.chittyId)).toBe(0);
  });

  it('tokens are unique per issue', async () => {
    const alice = await registeredActor('human', ['reports:read']);
    const body = { subject: 'dna', audience: 'dna', scopes: ['reports:read'] };
    const [a, b] = (await Promise.all([delegate(alice, body), delegate(alice, body)])) as [Issued, Issued];
    expect(a.tokenId).not.toBe(b.tokenId);
    expect(a.token).not.toBe(b.token);
  });
});

describe('the API description', () => {
  it('documents every delegation route in /openapi.json, the JWKS as public', async () => {
    const doc = (await (await get('/openapi.json')).json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    expect(Object.keys(doc.paths['/v1/delegate'] ?? {})).toContain('post');
    expect(Object.keys(doc.paths['/v1/delegate/validate'] ?? {})).toContain('post');
    expect(Object.keys(doc.paths['/v1/delegate/{tokenId}'] ?? {})).toContain('delete');
    expect(doc.paths['/.well-known/jwks.json']?.get?.security).toEqual([]);
  });
});
