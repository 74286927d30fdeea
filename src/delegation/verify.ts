/**
 * The one complete check of a delegation token, used by `POST /v1/delegate/validate`, by the auth
 * middleware (a delegation token as a credential) and when deriving from a parent. In order:
 * form and signature (key by `kid`, current or previous), time (`nbf`, `exp`), then D1, read fresh
 * every time: the token is on record and neither it nor any ancestor is revoked; then the expected
 * audience and scopes; then the chain — every delegator still an active actor, and the original
 * delegator still holding every scope (later delegators hold them only through their parent token,
 * which the revocation and expiry checks already cover); last the subject: a registered actor
 * that is suspended or deactivated holds no working token (a subject that is not an actor here,
 * such as another service, is not judged).
 */

import { coversAll, effectiveCapabilities, missing } from '../auth/capabilities';
import type { Env } from '../env';
import { keyringFromEnv } from './keys';
import type { DelegationClaims, DelegationFailure } from './schema';
import { tokenState } from './store';
import { readToken } from './token';

export type { DelegationClaims, DelegationFailure } from './schema';

export type DelegationCheck =
  | { valid: true; claims: DelegationClaims }
  | { valid: false; reason: DelegationFailure; claims?: DelegationClaims; missingScopes?: string[] };

/** How far a token's `nbf` may be ahead of our clock (clock skew between isolates). */
const SKEW_SECONDS = 30;

/**
 * A token audience covers a wanted audience when they are equal or the wanted one is a sub-audience
 * of it (`dna` covers `dna/evolve`). So `dna/evolve` is narrower than `dna`: accepted at fewer places.
 */
export function audienceCovers(granted: string, wanted: string): boolean {
  return granted === wanted || wanted.startsWith(`${granted}/`);
}

/**
 * Checks a delegation token completely. Throws a 503 `delegation_unavailable` AppError only when
 * the keys are misconfigured; every problem with the token itself is a `{valid: false, reason}`.
 */
export async function checkDelegationToken(
  env: Env,
  token: string,
  expected: { audience?: string; scopes?: string[] },
  now: number = Date.now(),
): Promise<DelegationCheck> {
  const read = await readToken(keyringFromEnv(env), token);
  if (!read.ok) return { valid: false, reason: read.reason };
  const { claims } = read;
  const nowSeconds = Math.floor(now / 1000);
  if (read.notBefore > nowSeconds + SKEW_SECONDS) return { valid: false, reason: 'not_yet_valid', claims };
  if (claims.expiresAt <= nowSeconds) return { valid: false, reason: 'expired', claims };

  const state = await tokenState(env.DB, claims.tokenId, [...claims.actorChain, claims.subject]);
  if (!state.known) return { valid: false, reason: 'unknown_token', claims };
  if (state.revoked) return { valid: false, reason: 'revoked', claims };

  if (expected.audience !== undefined && !audienceCovers(claims.audience, expected.audience)) {
    return { valid: false, reason: 'wrong_audience', claims };
  }
  const lacking = missing(claims.scopes, expected.scopes ?? []);
  if (lacking.length) return { valid: false, reason: 'scope_not_held', claims, missingScopes: lacking };

  const byId = new Map(state.actors.map((a) => [a.chittyId, a]));
  if (claims.actorChain.some((id) => byId.get(id)?.status !== 'active')) return { valid: false, reason: 'issuer_suspended', claims };
  const original = byId.get(claims.actorChain[0] ?? '');
  const held = effectiveCapabilities(original?.capabilities ?? []);
  if (!original || !coversAll(held, claims.scopes)) {
    return { valid: false, reason: 'scope_not_held', claims, missingScopes: missing(original ? held : [], claims.scopes) };
  }
  const subject = byId.get(claims.subject);
  if (subject && subject.status !== 'active') return { valid: false, reason: 'subject_suspended', claims };
  return { valid: true, claims };
}
