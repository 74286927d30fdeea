/**
 * A delegation token as a credential at ChittyConnect itself: accepted for audience
 * `chittyconnect`, where the request acts as the original delegator narrowed to the token's
 * scopes (never with the subject's own rights); refused with 401 for any other audience — a
 * sub-audience included — and refused at once after revocation or expiry.
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
} from './support';

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

async function setup(audience: string) {
  const alice = await registeredActor('human', ['reports:read', 'actors:read']);
  const bob = await registeredActor('service', []);
  const issued = await delegate(alice, { subject: bob.chittyId, audience, scopes: ['reports:read'] });
  return { alice, bob, issued };
}

async function validateUsing(credential: string, token: string): Promise<Response> {
  return call('/v1/delegate/validate', credential, { method: 'POST', json: { token } });
}

describe('a delegation token as a credential', () => {
  it('works at ChittyConnect for audience chittyconnect, acting as the delegator within its scopes', async () => {
    const { alice, bob, issued } = await setup('chittyconnect');
    const res = await validateUsing(issued.token, issued.token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ valid: true, claims: { subject: bob.chittyId } });
    // The token does not carry profile:read, so it cannot read even the delegator's profile…
    const denied = await call('/v1/actors/me', issued.token);
    expect(denied.status).toBe(403);
    // …and one that does reads the delegator's, never the subject's.
    const withProfile = await delegate(alice, { subject: bob.chittyId, audience: 'chittyconnect', scopes: ['profile:read'] });
    const me = await call('/v1/actors/me', withProfile.token);
    expect(me.status).toBe(200);
    expect(((await me.json()) as { chittyId: string }).chittyId).toBe(alice.chittyId);
  });

  it('naming someone else as subject lends none of their rights (no impersonation)', async () => {
    const mallory = await registeredActor('human');
    const victim = await registeredActor('human', [], { email: 'victim@example.com' });
    const victimContext = await call('/v1/contexts/create', victim.token, {
      method: 'POST',
      json: { name: `victim-${crypto.randomUUID()}` },
    });
    const { chittyId: contextId } = (await victimContext.json()) as { chittyId: string };
    const forged = await delegate(mallory, {
      subject: victim.chittyId,
      audience: 'chittyconnect',
      scopes: ['profile:read', 'profile:write', 'contexts:read', 'keys:manage', 'delegations:manage'],
    });
    const me = (await (await call('/v1/actors/me', forged.token)).json()) as { chittyId: string; email: string | null };
    expect(me.chittyId).toBe(mallory.chittyId);
    const victimView = (await (await call(`/v1/actors/${victim.chittyId}`, forged.token)).json()) as Record<string, unknown>;
    expect(victimView.email).toBeUndefined();
    expect((await call(`/v1/actors/${victim.chittyId}`, forged.token, { method: 'PATCH', json: { displayName: 'pwned' } })).status).toBe(
      403,
    );
    expect((await call(`/v1/contexts/${contextId}`, forged.token)).status).toBe(404);
    // The rate limit it spends is the delegator's own.
    const limited = await call('/v1/actors/me', forged.token);
    expect(limited.headers.get('ratelimit-limit')).toBe('600');
  });

  it('a token for another audience is refused with 401', async () => {
    for (const audience of ['dna', 'chittyconnect/contexts']) {
      const { issued } = await setup(audience);
      const res = await validateUsing(issued.token, issued.token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('invalid_token');
      const problem = (await res.json()) as Problem;
      expect(problem.code).toBe('invalid_delegation_token');
      expect(problem.detail).toContain('wrong_audience');
    }
  });

  it('is refused with 401 as soon as it is revoked', async () => {
    const { alice, issued } = await setup('chittyconnect');
    expect((await validateUsing(issued.token, issued.token)).status).toBe(200);
    expect((await revoke(alice, issued.tokenId)).status).toBe(204);
    const res = await validateUsing(issued.token, issued.token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as Problem).detail).toContain('revoked');
  });

  it('an expired token is refused with 401', async () => {
    const { alice } = await setup('chittyconnect');
    const now = Math.floor(Date.now() / 1000);
    const expired = await craft({
      iss: alice.chittyId,
      sub: alice.chittyId,
      aud: 'chittyconnect',
      scope: 'reports:read',
      iat: now - 100,
      exp: now - 10,
      jti: 'dlg_expired',
      act: { sub: alice.chittyId },
    });
    const res = await validateUsing(expired, expired);
    expect(res.status).toBe(401);
    expect(((await res.json()) as Problem).detail).toContain('expired');
  });

  it('a forged token is refused with 401, whatever was forged', async () => {
    const { alice, bob } = await setup('chittyconnect');
    const genuine = await delegate(alice, { subject: bob.chittyId, audience: 'chittyconnect', scopes: ['profile:read'] });
    expect((await call('/v1/actors/me', genuine.token)).status).toBe(200); // the original works
    const [header, payload, signature] = genuine.token.split('.') as [string, string, string];
    const claims = segment(genuine.token, 1);
    const stranger = await newSigningKey(envSigningKey().kid); // our kid, someone else's key
    const unknownKid = await newSigningKey();
    const hmacKey = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(envSigningKey().x ?? ''),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const hs256Header = encodeSegment({ alg: 'HS256', typ: 'chitty-delegation+jwt', kid: envSigningKey().kid });
    const hs256Mac = new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, new TextEncoder().encode(`${hs256Header}.${payload}`)));
    const noneHeader = encodeSegment({ alg: 'none', typ: 'chitty-delegation+jwt', kid: envSigningKey().kid });

    const forgeries: [name: string, token: string, code: string, reason?: string][] = [
      [
        'tampered payload (scope raised)',
        `${header}.${encodeSegment({ ...claims, scope: 'admin' })}.${signature}`,
        'invalid_delegation_token',
        'bad_signature',
      ],
      [
        'tampered audience',
        `${header}.${encodeSegment({ ...claims, aud: 'dna' })}.${signature}`,
        'invalid_delegation_token',
        'bad_signature',
      ],
      [
        'signature of another key under our kid',
        await craft(claims, { key: stranger.privateJwk }),
        'invalid_delegation_token',
        'bad_signature',
      ],
      ['a kid we never had', await craft(claims, { key: unknownKid.privateJwk }), 'invalid_delegation_token', 'unknown_key'],
      ['alg none with a signature', `${noneHeader}.${payload}.${signature}`, 'invalid_delegation_token', 'bad_signature'],
      // Not a complete JWS, so not a delegation token at all: it goes to ChittyAuth, which does not know it.
      ['alg none without a signature', `${noneHeader}.${payload}.`, 'invalid_token'],
      ['HS256 keyed with our public key', `${hs256Header}.${payload}.${base64url(hs256Mac)}`, 'invalid_delegation_token', 'bad_signature'],
      [
        'our key, but never issued',
        await craft({ ...claims, jti: `dlg_${crypto.randomUUID()}` }),
        'invalid_delegation_token',
        'unknown_token',
      ],
    ];
    for (const [name, token, code, reason] of forgeries) {
      const res = await call('/v1/actors/me', token);
      expect(res.status, name).toBe(401);
      expect(res.headers.get('www-authenticate'), name).toContain('error="invalid_token"');
      const problem = (await res.json()) as Problem;
      expect(problem.code, name).toBe(code);
      expect(problem.detail, name).toContain(reason ?? 'not valid');
    }
    // A genuine token for another audience is no credential here either.
    const elsewhere = await delegate(alice, { subject: bob.chittyId, audience: 'dna', scopes: ['profile:read'] });
    const res = await call('/v1/actors/me', elsewhere.token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as Problem).detail).toContain('wrong_audience');
  });

  it('stops working while its subject alone is suspended (403 actor_suspended), though the delegator is active', async () => {
    const admin = await registeredActor('system', ['actors:suspend']);
    const { alice, bob } = await setup('chittyconnect');
    const issued = await delegate(alice, { subject: bob.chittyId, audience: 'chittyconnect', scopes: ['profile:read'] });
    expect((await call('/v1/actors/me', issued.token)).status).toBe(200);
    const setStatus = (status: string) => call(`/v1/actors/${bob.chittyId}`, admin.token, { method: 'PATCH', json: { status } });

    expect((await setStatus('suspended')).status).toBe(200);
    const refused = await call('/v1/actors/me', issued.token);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as Problem).code).toBe('actor_suspended');
    expect((await call('/v1/actors/me', alice.token)).status).toBe(200); // the delegator itself is untouched

    expect((await setStatus('active')).status).toBe(200);
    expect((await call('/v1/actors/me', issued.token)).status).toBe(200); // reactivated: the token works again
  });

  it('its scopes bound what the subject may delegate onwards', async () => {
    const { bob, issued } = await setup('chittyconnect');
    const refused = await delegate<Problem>(issued.token, { subject: bob.chittyId, scopes: ['actors:read'] }, 403);
    expect(refused.code).toBe('scope_not_held');
  });
});
