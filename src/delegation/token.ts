/**
 * The delegation token on the wire: a compact JWS signed with EdDSA (Ed25519), header
 * `{alg: "EdDSA", typ: "chitty-delegation+jwt", kid}`, claims `iss` (the delegator), `sub` (the
 * delegate), `aud`, `scope` (space-separated), `iat`/`nbf`/`exp`, `jti`, `parent_jti` for derived
 * tokens, and the RFC 8693 `act` chain (outermost = most recent delegator). This module only signs
 * and checks signature and shape; expiry, revocation and the chain are judged in verify.ts.
 */
import { z } from '@hono/zod-openapi';
import { CompactSign, compactVerify, decodeProtectedHeader, errors } from 'jose';
import { DELEGATION_TOKEN_TYPE } from '../auth/resolvers/delegation';
import { DELEGATION_ALG, type Keyring, signingKey, verificationKey } from './keys';
import type { DelegationClaims, DelegationFailure } from './schema';

export const TOKEN_TYPE = DELEGATION_TOKEN_TYPE;
/** The most delegators a chain may hold (a root token has one). */
export const MAX_CHAIN = 8;

const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

interface Act {
  sub: string;
  act?: Act;
}

const actSchema: z.ZodType<Act> = z.lazy(() => z.object({ sub: z.string().min(1), act: actSchema.optional() }));

const payloadSchema = z.object({
  iss: z.string().min(1),
  sub: z.string().min(1),
  aud: z.string().min(1),
  scope: z.string().min(1),
  iat: z.number().int(),
  nbf: z.number().int().optional(),
  exp: z.number().int(),
  jti: z.string().min(1),
  parent_jti: z.string().min(1).optional(),
  act: actSchema,
});

/** Nests the chain (original delegator first) as RFC 8693 `act`, the most recent delegator outermost. */
export function actClaim(actorChain: readonly string[]): Act {
  let act: Act | undefined;
  for (const sub of actorChain) act = act ? { sub, act } : { sub };
  if (!act) throw new Error('an actor chain has at least one delegator');
  return act;
}

/** Flattens an `act` claim back to the chain, original delegator first. */
export function chainFromAct(act: Act): string[] {
  const chain: string[] = [];
  for (let a: Act | undefined = act; a; a = a.act) chain.unshift(a.sub);
  return chain;
}

/** Signs the claims with the current key. The caller has already checked every bound. */
export async function signToken(keyring: Keyring, claims: DelegationClaims): Promise<string> {
  const payload = {
    iss: claims.issuer,
    sub: claims.subject,
    aud: claims.audience,
    scope: claims.scopes.join(' '),
    iat: claims.issuedAt,
    nbf: claims.issuedAt,
    exp: claims.expiresAt,
    jti: claims.tokenId,
    ...(claims.parentId ? { parent_jti: claims.parentId } : {}),
    act: actClaim(claims.actorChain),
  };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: DELEGATION_ALG, typ: TOKEN_TYPE, kid: keyring.current.kid })
    .sign(await signingKey(keyring));
}

export type SignatureCheck = { ok: true; claims: DelegationClaims; notBefore: number } | { ok: false; reason: DelegationFailure };

/** Checks the token's form and signature (key chosen by `kid`) and returns its claims. */
export async function readToken(keyring: Keyring, token: string): Promise<SignatureCheck> {
  if (token.length > 8192 || !JWS_SHAPE.test(token)) return { ok: false, reason: 'malformed' };
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (header.typ !== TOKEN_TYPE || typeof header.kid !== 'string') return { ok: false, reason: 'malformed' };
  if (header.alg !== DELEGATION_ALG) return { ok: false, reason: 'bad_signature' };
  const key = keyring.verifiers.get(header.kid);
  if (!key) return { ok: false, reason: 'unknown_key' };

  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token, await verificationKey(key), { algorithms: [DELEGATION_ALG] }));
  } catch (err) {
    if (err instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'bad_signature' };
    if (err instanceof errors.JOSEError) return { ok: false, reason: 'malformed' };
    throw err;
  }
  let parsed: z.infer<typeof payloadSchema>;
  try {
    parsed = payloadSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const actorChain = chainFromAct(parsed.act);
  if (actorChain.length > MAX_CHAIN || actorChain.at(-1) !== parsed.iss) return { ok: false, reason: 'malformed' };
  return {
    ok: true,
    notBefore: parsed.nbf ?? parsed.iat,
    claims: {
      tokenId: parsed.jti,
      issuer: parsed.iss,
      subject: parsed.sub,
      audience: parsed.aud,
      scopes: parsed.scope.split(' ').filter(Boolean),
      actorChain,
      parentId: parsed.parent_jti ?? null,
      issuedAt: parsed.iat,
      expiresAt: parsed.exp,
    },
  };
}
