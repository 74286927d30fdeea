/**
 * Derived tokens: the holder of a token narrows it for someone else. A derived token can never
 * exceed its parent — scopes, expiry, audience — and only the parent's subject may derive. The
 * actor chain (RFC 8693 `act`, most recent delegator outermost) traces every use back to the
 * original delegator, and revoking any ancestor invalidates everything below it.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, delegate, type Issued, type Problem, registeredActor, revoke, segment, validate } from './support';

/** alice (the original delegator) → bob, for chittyconnect, with two scopes, for ten minutes. */
async function chainStart() {
  const alice = await registeredActor('human', ['reports:read', 'reports:write', 'actors:read']);
  const bob = await registeredActor('service', []);
  const carol = await registeredActor('service', []);
  const parent = await delegate(alice, {
    subject: bob.chittyId,
    audience: 'chittyconnect',
    scopes: ['reports:read', 'reports:write'],
    expiresIn: 600,
  });
  return { alice, bob, carol, parent };
}

describe('deriving from a token', () => {
  it('the holder derives a narrower token (parentToken in the body); expiry defaults within the parent’s', async () => {
    const { alice, bob, carol, parent } = await chainStart();
    const child = await delegate(bob, { subject: carol.chittyId, scopes: ['reports:read'], parentToken: parent.token });
    expect(child).toMatchObject({
      issuer: bob.chittyId,
      subject: carol.chittyId,
      audience: 'chittyconnect',
      scopes: ['reports:read'],
      parentId: parent.tokenId,
      actorChain: [alice.chittyId, bob.chittyId],
    });
    expect(Date.parse(child.expiresAt)).toBeLessThanOrEqual(Date.parse(parent.expiresAt));
    expect(segment(child.token, 1)).toMatchObject({
      iss: bob.chittyId,
      parent_jti: parent.tokenId,
      act: { sub: bob.chittyId, act: { sub: alice.chittyId } },
    });
    expect(await validate(carol, { token: child.token, audience: 'chittyconnect', scopes: ['reports:read'] })).toMatchObject({
      valid: true,
    });
    const row = await env.DB.prepare('SELECT root_id, parent_id FROM delegations WHERE token_id = ?').bind(child.tokenId).first();
    expect(row).toEqual({ root_id: parent.tokenId, parent_id: parent.tokenId });
  });

  it('the holder may instead authenticate with the parent token itself', async () => {
    const { alice, bob, carol, parent } = await chainStart();
    const child = await delegate(parent.token, { subject: carol.chittyId, scopes: ['reports:write'], expiresIn: 60 });
    expect(child).toMatchObject({ issuer: bob.chittyId, parentId: parent.tokenId, actorChain: [alice.chittyId, bob.chittyId] });
    // A delegated credential cannot mint a free-standing token, nor derive from another one.
    const other = await delegate(alice, { subject: bob.chittyId, audience: 'dna', scopes: ['actors:read'] });
    const mismatch = await delegate<Problem>(
      parent.token,
      { subject: carol.chittyId, scopes: ['actors:read'], parentToken: other.token },
      403,
    );
    expect(mismatch.code).toBe('parent_mismatch');
  });

  it('broader scopes, a later expiry or another audience are refused (403), and nothing is written', async () => {
    const { bob, carol, parent } = await chainStart();
    const cases: [Record<string, unknown>, string][] = [
      [{ scopes: ['reports:read', 'actors:read'] }, 'scope_not_held'],
      [{ scopes: ['reports:*'] }, 'scope_not_held'],
      [{ scopes: ['reports:read'], expiresIn: 3600 }, 'expiry_exceeds_parent'],
      [{ scopes: ['reports:read'], audience: 'dna' }, 'audience_not_allowed'],
      [{ scopes: ['reports:read'], audience: 'chittyconnectx' }, 'audience_not_allowed'],
    ];
    for (const [extra, code] of cases) {
      const problem = await delegate<Problem>(bob, { subject: carol.chittyId, parentToken: parent.token, ...extra }, 403);
      expect(problem.code, JSON.stringify(extra)).toBe(code);
    }
    const rows = await env.DB.prepare('SELECT COUNT(*) AS n FROM delegations WHERE parent_id = ?')
      .bind(parent.tokenId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it('a sub-audience is narrower and allowed; the narrower token is not accepted for the whole service', async () => {
    const { bob, carol, parent } = await chainStart();
    const child = await delegate(bob, {
      subject: carol.chittyId,
      audience: 'chittyconnect/contexts',
      scopes: ['reports:read'],
      parentToken: parent.token,
    });
    expect(child.audience).toBe('chittyconnect/contexts');
    expect((await validate(carol, { token: child.token, audience: 'chittyconnect/contexts' })).valid).toBe(true);
    expect((await validate(carol, { token: child.token, audience: 'chittyconnect' })).reason).toBe('wrong_audience');
  });

  it('only the parent’s subject may derive; an invalid parent cannot be derived from', async () => {
    const { alice, carol, parent } = await chainStart();
    const notHolder = await delegate<Problem>(carol, { subject: carol.chittyId, scopes: ['reports:read'], parentToken: parent.token }, 403);
    expect(notHolder.code).toBe('not_token_holder');
    // The refusal names the holder the token expects, and who the caller is.
    expect(notHolder.detail).toBe(
      `Only the parent token's subject, ${parent.subject}, may derive from it; you are ${carol.chittyId}. Authenticate as ${parent.subject}.`,
    );
    const issuerIsNotHolder = await delegate<Problem>(
      alice,
      { subject: carol.chittyId, scopes: ['reports:read'], parentToken: parent.token },
      403,
    );
    expect(issuerIsNotHolder.code).toBe('not_token_holder');
    const forged = `${parent.token.slice(0, -4)}AAAA`;
    const bad = await delegate<Problem>(carol, { subject: carol.chittyId, scopes: ['reports:read'], parentToken: forged }, 403);
    expect(bad.code).toBe('parent_not_valid');
  });

  it('a token issued to the holder’s ChittyAuth principal id (not its actor ChittyID): the refusal says which id to use', async () => {
    const { alice, bob } = await chainStart();
    // The slip `npm run actor` used to invite: it printed the principal id, registration made another.
    expect(bob.principalId).not.toBe(bob.chittyId);
    const toPrincipal = await delegate(alice, {
      subject: bob.principalId,
      audience: 'chittyconnect',
      scopes: ['reports:read'],
      expiresIn: 600,
    });
    const refused = await delegate<Problem>(bob, { subject: bob.chittyId, scopes: ['reports:read'], parentToken: toPrincipal.token }, 403);
    expect(refused.code).toBe('not_token_holder');
    expect(refused.detail).toContain(
      `issued to ${bob.principalId}, your ChittyAuth principal id, not to your actor ChittyID ${bob.chittyId}`,
    );
    expect(refused.detail).toContain('Delegate to the actor ChittyID');
  });

  it('records the chain through two derivations, and every hop stays within its parent', async () => {
    const { alice, bob, carol, parent } = await chainStart();
    const dave = await registeredActor('service', []);
    const child = await delegate(bob, {
      subject: carol.chittyId,
      scopes: ['reports:read', 'reports:write'],
      expiresIn: 300,
      parentToken: parent.token,
    });
    const grandchild: Issued = await delegate(carol, {
      subject: dave.chittyId,
      scopes: ['reports:read'],
      expiresIn: 120,
      parentToken: child.token,
    });
    expect(grandchild.actorChain).toEqual([alice.chittyId, bob.chittyId, carol.chittyId]);
    expect(grandchild.issuer).toBe(carol.chittyId);
    expect(segment(grandchild.token, 1).act).toEqual({ sub: carol.chittyId, act: { sub: bob.chittyId, act: { sub: alice.chittyId } } });
    const verdict = await validate(dave, { token: grandchild.token });
    expect(verdict).toMatchObject({
      valid: true,
      claims: { actorChain: [alice.chittyId, bob.chittyId, carol.chittyId], parentId: child.tokenId },
    });
    const tooLong = await delegate<Problem>(
      carol,
      { subject: dave.chittyId, scopes: ['reports:read'], expiresIn: 301, parentToken: child.token },
      403,
    );
    expect(tooLong.code).toBe('expiry_exceeds_parent');
    const row = await env.DB.prepare('SELECT root_id FROM delegations WHERE token_id = ?').bind(grandchild.tokenId).first();
    expect(row).toEqual({ root_id: parent.tokenId });
  });

  it('revoking the parent invalidates the child and grandchild, and stops further derivation', async () => {
    const { alice, bob, carol, parent } = await chainStart();
    const dave = await registeredActor('service', []);
    const child = await delegate(bob, { subject: carol.chittyId, scopes: ['reports:read'], parentToken: parent.token });
    const grandchild = await delegate(carol, { subject: dave.chittyId, scopes: ['reports:read'], parentToken: child.token });
    expect((await revoke(alice, parent.tokenId)).status).toBe(204);
    for (const token of [parent.token, child.token, grandchild.token]) {
      expect((await validate(dave, { token })).reason).toBe('revoked');
    }
    const refused = await delegate<Problem>(carol, { subject: dave.chittyId, scopes: ['reports:read'], parentToken: child.token }, 403);
    expect(refused.code).toBe('parent_not_valid');
    expect(refused.detail).toContain('revoked');
  });

  it('the original delegator losing a scope invalidates derived tokens too', async () => {
    const { alice, bob, carol, parent } = await chainStart();
    const admin = await registeredActor('human', ['admin']);
    const child = await delegate(bob, { subject: carol.chittyId, scopes: ['reports:write'], parentToken: parent.token });
    const res = await call(`/v1/actors/${alice.chittyId}`, admin.token, {
      method: 'PATCH',
      json: { capabilities: ['reports:read', 'actors:read'] },
    });
    expect(res.status).toBe(200);
    expect(await validate(carol, { token: child.token })).toMatchObject({
      valid: false,
      reason: 'scope_not_held',
      missingScopes: ['reports:write'],
    });
  });
});
