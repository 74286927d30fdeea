/**
 * Signing keys: rotation without invalidating live tokens (the old public key in
 * DELEGATION_PREVIOUS_KEYS keeps them valid; removing it ends them), the public JWKS (never a
 * private part), and misconfiguration as a 503 `delegation_unavailable` an operator can act on,
 * with no key material in the answer.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { get } from '../helpers/worker';
import {
  delegate,
  envSigningKey,
  fetchWith,
  jsonInit,
  newSigningKey,
  type Problem,
  registeredActor,
  segment,
  type Verdict,
} from './support';

async function validateWith(overrides: Record<string, string | undefined>, caller: string, token: string): Promise<Verdict> {
  const res = await fetchWith(overrides, '/v1/delegate/validate', jsonInit(caller, { token }));
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Verdict;
}

describe('key rotation', () => {
  it('a token signed with the old key validates while the old public key is listed, and stops when it is removed', async () => {
    const alice = await registeredActor('human', ['reports:read']);
    const old = envSigningKey();
    const oldToken = await delegate(alice, { subject: 'dna', audience: 'dna', scopes: ['reports:read'] });
    expect(segment(oldToken.token, 0).kid).toBe(old.kid);

    const next = await newSigningKey();
    const oldPublic = { kty: 'OKP', crv: 'Ed25519', x: old.x, kid: old.kid };
    const rotated = { DELEGATION_SIGNING_KEY: JSON.stringify(next.privateJwk), DELEGATION_PREVIOUS_KEYS: JSON.stringify([oldPublic]) };

    expect((await validateWith(rotated, alice.token, oldToken.token)).valid).toBe(true);
    const issued = await fetchWith(
      rotated,
      '/v1/delegate',
      jsonInit(alice.token, { subject: 'dna', audience: 'dna', scopes: ['reports:read'] }),
    );
    expect(issued.status).toBe(201);
    const newToken = ((await issued.json()) as { token: string }).token;
    expect(segment(newToken, 0).kid).toBe(next.privateJwk.kid);
    expect((await validateWith(rotated, alice.token, newToken)).valid).toBe(true);
    // The un-rotated worker has never heard of the new key.
    expect((await validateWith({}, alice.token, newToken)).reason).toBe('unknown_key');

    const retired = { DELEGATION_SIGNING_KEY: JSON.stringify(next.privateJwk), DELEGATION_PREVIOUS_KEYS: undefined };
    expect((await validateWith(retired, alice.token, oldToken.token)).reason).toBe('unknown_key');
    expect((await validateWith(retired, alice.token, newToken)).valid).toBe(true);
  });

  it('a private JWK listed among previous keys is used only for its public part', async () => {
    const alice = await registeredActor('human', ['reports:read']);
    const oldToken = await delegate(alice, { subject: 'dna', audience: 'dna', scopes: ['reports:read'] });
    const next = await newSigningKey();
    const rotated = {
      DELEGATION_SIGNING_KEY: JSON.stringify(next.privateJwk),
      DELEGATION_PREVIOUS_KEYS: JSON.stringify([envSigningKey()]),
    };
    expect((await validateWith(rotated, alice.token, oldToken.token)).valid).toBe(true);
    const jwks = await fetchWith(rotated, '/.well-known/jwks.json');
    expect(await jwks.text()).not.toContain(envSigningKey().d as string);
  });
});

describe('GET /.well-known/jwks.json', () => {
  it('is public and lists the current key, public parts only', async () => {
    const res = await get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('max-age');
    const body = (await res.json()) as { keys: Record<string, unknown>[] };
    const current = envSigningKey();
    expect(body.keys).toEqual([{ kty: 'OKP', crv: 'Ed25519', x: current.x, kid: current.kid, alg: 'EdDSA', use: 'sig' }]);
    expect(JSON.stringify(body)).not.toContain(current.d as string);
    expect(body.keys.every((k) => !('d' in k))).toBe(true);
  });

  it('lists previous keys after the current one, without any private part', async () => {
    const next = await newSigningKey();
    const old = envSigningKey();
    const res = await fetchWith(
      { DELEGATION_SIGNING_KEY: JSON.stringify(next.privateJwk), DELEGATION_PREVIOUS_KEYS: JSON.stringify([old]) },
      '/.well-known/jwks.json',
    );
    const text = await res.text();
    const body = JSON.parse(text) as { keys: { kid: string }[] };
    expect(body.keys.map((k) => k.kid)).toEqual([next.privateJwk.kid, old.kid]);
    expect(text).not.toContain(next.privateJwk.d as string);
    expect(text).not.toContain(old.d as string);
    expect(body.keys.every((k) => !('d' in k))).toBe(true);
  });
});

describe('misconfigured keys → 503 delegation_unavailable', () => {
  it('names the secret and what to fix, never the key', async () => {
    const alice = await registeredActor('human', ['reports:read']);
    const { privateJwk } = await newSigningKey();
    const other = await newSigningKey();
    const cases: [Record<string, string | undefined>, string][] = [
      [{ DELEGATION_SIGNING_KEY: undefined }, 'DELEGATION_SIGNING_KEY'],
      [{ DELEGATION_SIGNING_KEY: '{not json' }, 'not valid JSON'],
      [{ DELEGATION_SIGNING_KEY: JSON.stringify({ ...privateJwk, d: undefined }) }, '"d"'],
      [{ DELEGATION_SIGNING_KEY: JSON.stringify({ ...privateJwk, kid: undefined }) }, '"kid"'],
      [{ DELEGATION_SIGNING_KEY: JSON.stringify({ ...privateJwk, x: other.privateJwk.x }) }, 'does not match'],
      [{ DELEGATION_PREVIOUS_KEYS: '{"kty":"OKP"}' }, 'DELEGATION_PREVIOUS_KEYS'],
      [{ DELEGATION_PREVIOUS_KEYS: JSON.stringify([{ ...other.publicJwk, kid: envSigningKey().kid }]) }, 'reuses kid'],
    ];
    for (const [overrides, hint] of cases) {
      const res = await fetchWith(
        overrides,
        '/v1/delegate',
        jsonInit(alice.token, { subject: 'dna', audience: 'dna', scopes: ['reports:read'] }),
      );
      const text = await res.text();
      expect(res.status, text).toBe(503);
      const problem = JSON.parse(text) as Problem;
      expect(problem.code).toBe('delegation_unavailable');
      expect(problem.detail).toContain(hint);
      expect(problem.detail).toContain('docs/delegation.md');
      for (const secret of [privateJwk.d, other.privateJwk.d, envSigningKey().d]) expect(text).not.toContain(secret as string);
    }
    const jwks = await fetchWith({ DELEGATION_SIGNING_KEY: undefined }, '/.well-known/jwks.json');
    expect(jwks.status).toBe(503);
    const count = await env.DB.prepare('SELECT COUNT(*) AS n FROM delegations WHERE issuer = ?')
      .bind(alice.chittyId)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);
  });
});
