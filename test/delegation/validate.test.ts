/**
 * `POST /v1/delegate/validate`, one reason at a time: forged tokens (signature or payload
 * altered, an unknown key, the right kid with the wrong key, another algorithm), expired and
 * not-yet-valid tokens, revoked, wrong audience, missing scopes, a delegator who lost a capability
 * or was suspended, and input that is not a token at all.
 */
import { describe, expect, it } from 'vitest';
import {
  call,
  craft,
  delegate,
  encodeSegment,
  envSigningKey,
  newSigningKey,
  type Problem,
  registeredActor,
  revoke,
  segment,
  validate,
} from './support';

async function setup(capabilities = ['reports:read', 'reports:write']) {
  const alice = await registeredActor('human', capabilities);
  const bob = await registeredActor('service', []);
  const admin = await registeredActor('human', ['admin']);
  const issued = await delegate(alice, { subject: bob.chittyId, audience: 'dna', scopes: ['reports:read'] });
  return { alice, bob, admin, issued };
}

function claimsFor(issuer: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    sub: 'dna',
    aud: 'dna',
    scope: 'reports:read',
    iat: now,
    nbf: now,
    exp: now + 600,
    jti: `dlg_${crypto.randomUUID().replace(/-/g, '')}`,
    act: { sub: issuer },
    ...overrides,
  };
}

describe('POST /v1/delegate/validate', () => {
  it('forged: an altered signature or payload → bad_signature', async () => {
    const { bob, issued } = await setup();
    const [h, p, s = ''] = issued.token.split('.');
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    expect(await validate(bob, { token: `${h}.${p}.${flipped}` })).toEqual({ valid: false, reason: 'bad_signature' });

    const payload = { ...segment(issued.token, 1), scope: 'reports:read reports:write' };
    expect(await validate(bob, { token: `${h}.${encodeSegment(payload)}.${s}` })).toEqual({ valid: false, reason: 'bad_signature' });
  });

  it('forged: signed by a key ChittyConnect does not know → unknown_key; the right kid with another key → bad_signature', async () => {
    const { alice, bob } = await setup();
    const { privateJwk } = await newSigningKey();
    expect(await validate(bob, { token: await craft(claimsFor(alice.chittyId), { key: privateJwk }) })).toEqual({
      valid: false,
      reason: 'unknown_key',
    });
    const impostor = { ...privateJwk, kid: envSigningKey().kid };
    expect(await validate(bob, { token: await craft(claimsFor(alice.chittyId), { key: impostor }) })).toEqual({
      valid: false,
      reason: 'bad_signature',
    });
  });

  it('another algorithm or token type is refused before any key is used', async () => {
    const { alice, bob } = await setup();
    const unsigned = `${encodeSegment({ alg: 'none', typ: 'chitty-delegation+jwt', kid: envSigningKey().kid })}.${encodeSegment(claimsFor(alice.chittyId))}.x`;
    expect((await validate(bob, { token: unsigned })).reason).toBe('bad_signature');
    const otherType = await craft(claimsFor(alice.chittyId), { header: { typ: 'JWT' } });
    expect((await validate(bob, { token: otherType })).reason).toBe('malformed');
  });

  it('expired → expired, with the claims; not yet valid → not_yet_valid', async () => {
    const { alice, bob } = await setup();
    const now = Math.floor(Date.now() / 1000);
    const expired = await craft(claimsFor(alice.chittyId, { iat: now - 7200, nbf: now - 7200, exp: now - 1 }));
    const verdict = await validate(bob, { token: expired });
    expect(verdict).toMatchObject({ valid: false, reason: 'expired', claims: { issuer: alice.chittyId, audience: 'dna' } });
    const future = await craft(claimsFor(alice.chittyId, { nbf: now + 3600, exp: now + 7200 }));
    expect((await validate(bob, { token: future })).reason).toBe('not_yet_valid');
  });

  it('signed with our key but never issued here → unknown_token', async () => {
    const { alice, bob } = await setup();
    expect((await validate(bob, { token: await craft(claimsFor(alice.chittyId)) })).reason).toBe('unknown_token');
  });

  it('revoked → revoked at the very next validate', async () => {
    const { alice, bob, issued } = await setup();
    expect((await validate(bob, { token: issued.token })).valid).toBe(true);
    expect((await revoke(alice, issued.tokenId)).status).toBe(204);
    expect(await validate(bob, { token: issued.token })).toMatchObject({
      valid: false,
      reason: 'revoked',
      claims: { tokenId: issued.tokenId },
    });
  });

  it('wrong audience → wrong_audience; a sub-audience of the token’s is covered', async () => {
    const { bob, issued } = await setup();
    expect((await validate(bob, { token: issued.token, audience: 'chronicle' })).reason).toBe('wrong_audience');
    expect((await validate(bob, { token: issued.token, audience: 'dnax' })).reason).toBe('wrong_audience');
    expect((await validate(bob, { token: issued.token, audience: 'dna/evolve' })).valid).toBe(true);
  });

  it('a required scope the token lacks → scope_not_held naming it', async () => {
    const { bob, issued } = await setup();
    expect(await validate(bob, { token: issued.token, scopes: ['reports:read', 'reports:write'] })).toMatchObject({
      valid: false,
      reason: 'scope_not_held',
      missingScopes: ['reports:write'],
    });
  });

  it('the delegator no longer holds the scope → scope_not_held; suspended → issuer_suspended', async () => {
    const { alice, bob, admin, issued } = await setup();
    const lose = await call(`/v1/actors/${alice.chittyId}`, admin.token, { method: 'PATCH', json: { capabilities: ['reports:write'] } });
    expect(lose.status, await lose.text()).toBe(200);
    expect(await validate(bob, { token: issued.token })).toMatchObject({
      valid: false,
      reason: 'scope_not_held',
      missingScopes: ['reports:read'],
    });

    await call(`/v1/actors/${alice.chittyId}`, admin.token, { method: 'PATCH', json: { capabilities: ['reports:read'] } });
    expect((await validate(bob, { token: issued.token })).valid).toBe(true);
    const suspend = await call(`/v1/actors/${alice.chittyId}`, admin.token, { method: 'PATCH', json: { status: 'suspended' } });
    expect(suspend.status, await suspend.text()).toBe(200);
    expect((await validate(bob, { token: issued.token })).reason).toBe('issuer_suspended');
  });

  it('the subject alone suspended → subject_suspended, and valid again once it is reactivated', async () => {
    const { bob, admin, issued } = await setup();
    const patch = (status: string) => call(`/v1/actors/${bob.chittyId}`, admin.token, { method: 'PATCH', json: { status } });
    expect((await patch('suspended')).status).toBe(200);
    expect(await validate(admin, { token: issued.token })).toMatchObject({ valid: false, reason: 'subject_suspended' });
    expect((await patch('active')).status).toBe(200);
    expect(await validate(admin, { token: issued.token })).toMatchObject({ valid: true });
  });

  it('garbage → malformed (200); missing or oversized token → 400 naming the field', async () => {
    const { bob } = await setup();
    for (const token of ['nope', 'a.b.c', `${encodeSegment({ alg: 'EdDSA' })}.${encodeSegment({})}.sig`]) {
      expect(await validate(bob, { token })).toEqual({ valid: false, reason: 'malformed' });
    }
    for (const body of [{}, { token: 'x'.repeat(9000) }, { token: 'a.b.c', extra: 1 }, { token: 'a.b.c', scopes: 'reports:read' }]) {
      const res = await call('/v1/delegate/validate', bob.token, { method: 'POST', json: body });
      expect(res.status).toBe(400);
      const problem = (await res.json()) as Problem;
      expect(problem.code).toBe('validation_failed');
      expect(problem.errors?.[0]?.field).toMatch(/^json/);
    }
  });

  it('needs a credential like every /v1 route', async () => {
    const { issued } = await setup();
    const res = await call('/v1/delegate/validate', '', { method: 'POST', json: { token: issued.token }, headers: { authorization: '' } });
    expect(res.status).toBe(401);
  });
});
