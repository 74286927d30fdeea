/**
 * Issuing, deriving and revoking delegation tokens. Issuing: the caller must be a registered,
 * active actor and may delegate only scopes it holds. Deriving: the holder of a token (its subject)
 * proves possession — by sending it as `parentToken`, or by authenticating with it — and gets a
 * token that never exceeds the parent in scope, lifetime or audience, with itself appended to the
 * actor chain. Revoking: the token's issuer (or any delegator before it) or an `admin`. Every
 * mutation writes its row and its outbox event in one D1 batch; the token itself is never stored.
 */
import type { Actor } from '../actors/schema';
import { ADMIN, covers, missing } from '../auth/capabilities';
import type { Principal } from '../auth/principal';
import type { Env } from '../env';
import { AppError } from '../http/errors';
import { randomId } from '../lib/crypto';
import { outboxInsert } from '../queue/store';
import { keyringFromEnv } from './keys';
import type { DelegationRecord } from './schema';
import { DEFAULT_EXPIRES_IN } from './schema';
import { delegationById, delegationsInvolving, insertDelegation, revokeLineage } from './store';
import { MAX_CHAIN, signToken } from './token';
import { audienceCovers, checkDelegationToken, type DelegationClaims } from './verify';

export interface Caller {
  principal: Principal;
  actor: Actor | null;
}

export interface IssueInput {
  subject: string;
  audience?: string | undefined;
  scopes: string[];
  expiresIn?: number | undefined;
  parentToken?: string | undefined;
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function recordClaims(r: DelegationRecord): DelegationClaims {
  return { ...r, issuedAt: Date.parse(r.issuedAt) / 1000, expiresAt: Date.parse(r.expiresAt) / 1000 };
}

/**
 * 403 `not_token_holder`, naming the holder the parent token expects and who the caller is. A token
 * issued to the caller's own ChittyAuth principal id (not its actor ChittyID) is the usual slip.
 */
function notHolder(subject: string, principal: Principal): AppError {
  const detail =
    subject === principal.principalId
      ? `The parent token was issued to ${subject}, your ChittyAuth principal id, not to your actor ChittyID ${principal.chittyId}. Delegate to the actor ChittyID (from POST /v1/actors/register or GET /v1/actors/me) and derive from that token.`
      : `Only the parent token's subject, ${subject}, may derive from it; you are ${principal.chittyId}. Authenticate as ${subject}.`;
  return new AppError(403, 'not_token_holder', detail);
}

/** The parent a derivation starts from: the token presented in the body, or the one the caller authenticated with. */
async function parentOf(env: Env, caller: Caller, parentToken: string | undefined, now: number): Promise<DelegationRecord | null> {
  const { principal } = caller;
  let parentId: string | null = null;
  if (principal.credential === 'delegation') {
    // A delegated credential never mints a free-standing token: whatever it issues stays in its
    // lineage, and its bearer is the holder (the request acts as the delegator, so a subject check
    // against the principal would be meaningless here).
    if (parentToken !== undefined) {
      const check = await checkDelegationToken(env, parentToken, {}, now);
      if (!check.valid || check.claims.tokenId !== principal.credentialId) {
        throw new AppError(
          403,
          'parent_mismatch',
          'When authenticating with a delegation token, derive from that same token (or omit parentToken).',
        );
      }
    }
    parentId = principal.credentialId ?? null;
  } else if (parentToken !== undefined) {
    const check = await checkDelegationToken(env, parentToken, {}, now);
    if (!check.valid) throw new AppError(403, 'parent_not_valid', `The parent token cannot be derived from: ${check.reason}.`);
    if (check.claims.subject !== principal.chittyId) throw notHolder(check.claims.subject, principal);
    parentId = check.claims.tokenId;
  }
  if (parentId === null) return null;
  const parent = await delegationById(env.DB, parentId);
  if (!parent) throw new AppError(403, 'parent_not_valid', 'The parent token cannot be derived from: unknown_token.');
  return parent;
}

/**
 * The claims of a token derived from `parent`: the parent bounds its scopes, audience, expiry and
 * chain depth. The deriver is the holder: the parent's subject when the token itself is the
 * credential, else the calling actor.
 */
function derivedClaims(
  parent: DelegationRecord,
  input: IssueInput,
  scopes: string[],
  tokenId: string,
  deriver: string,
  nowSeconds: number,
): { claims: DelegationClaims; rootId: string } {
  const parentClaims = recordClaims(parent);
  const audience = input.audience ?? parent.audience;
  const lacking = missing(parent.scopes, scopes);
  if (lacking.length) throw new AppError(403, 'scope_not_held', `The parent token does not carry: ${lacking.join(', ')}.`);
  if (!audienceCovers(parent.audience, audience)) {
    throw new AppError(
      403,
      'audience_not_allowed',
      `The parent token is for "${parent.audience}"; derive for it or a sub-audience (e.g. "${parent.audience}/…").`,
    );
  }
  const remaining = parentClaims.expiresAt - nowSeconds;
  if (input.expiresIn !== undefined && input.expiresIn > remaining) {
    throw new AppError(403, 'expiry_exceeds_parent', `The parent token expires in ${remaining} s; ask for expiresIn ≤ ${remaining}.`);
  }
  if (parent.actorChain.length >= MAX_CHAIN) {
    throw new AppError(403, 'chain_too_deep', `A token may pass through at most ${MAX_CHAIN} delegators; derive from an earlier token.`);
  }
  const expiresIn = input.expiresIn ?? Math.min(DEFAULT_EXPIRES_IN, remaining);
  const claims: DelegationClaims = {
    tokenId,
    issuer: deriver,
    subject: input.subject,
    audience,
    scopes,
    actorChain: [...parent.actorChain, deriver],
    parentId: parent.tokenId,
    issuedAt: nowSeconds,
    expiresAt: nowSeconds + expiresIn,
  };
  return { claims, rootId: parent.rootId };
}

/** The claims of a new root token: the issuer delegates only capabilities it holds, to an audience it names. */
function rootClaims(
  held: string[],
  issuer: string,
  input: IssueInput,
  scopes: string[],
  tokenId: string,
  nowSeconds: number,
): { claims: DelegationClaims; rootId: string } {
  if (input.audience === undefined) {
    throw new AppError(400, 'validation_failed', 'json.audience: required when not deriving from a parent token', {
      errors: [{ field: 'json.audience', message: 'required when not deriving from a parent token' }],
    });
  }
  const lacking = missing(held, scopes);
  if (lacking.length)
    throw new AppError(403, 'scope_not_held', `You can only delegate capabilities you hold; you lack: ${lacking.join(', ')}.`);
  const claims: DelegationClaims = {
    tokenId,
    issuer,
    subject: input.subject,
    audience: input.audience,
    scopes,
    actorChain: [issuer],
    parentId: null,
    issuedAt: nowSeconds,
    expiresAt: nowSeconds + (input.expiresIn ?? DEFAULT_EXPIRES_IN),
  };
  return { claims, rootId: tokenId };
}

/** Issues a new token or derives one from a parent; returns the token and its claims. */
export async function issueDelegation(
  env: Env,
  caller: Caller,
  input: IssueInput,
  now = Date.now(),
): Promise<{ token: string; claims: DelegationClaims }> {
  const keyring = keyringFromEnv(env);
  const { actor, principal } = caller;
  if (!actor)
    throw new AppError(403, 'actor_not_registered', 'Only registered actors may delegate; register first with POST /v1/actors/register.');
  if (actor.status !== 'active') throw new AppError(403, 'actor_suspended', `This actor is ${actor.status} and cannot delegate.`);

  const nowSeconds = Math.floor(now / 1000);
  const scopes = [...new Set(input.scopes)];
  const parent = await parentOf(env, caller, input.parentToken, now);
  const tokenId = randomId('dlg');
  const { claims, rootId } = parent
    ? derivedClaims(parent, input, scopes, tokenId, principal.credential === 'delegation' ? parent.subject : actor.chittyId, nowSeconds)
    : rootClaims(principal.capabilities, actor.chittyId, input, scopes, tokenId, nowSeconds);

  const token = await signToken(keyring, claims);
  const record: DelegationRecord = {
    ...claims,
    rootId,
    keyId: keyring.current.kid,
    issuedAt: iso(claims.issuedAt),
    expiresAt: iso(claims.expiresAt),
    revokedAt: null,
    revokedBy: null,
  };
  const { revokedAt: _r, revokedBy: _b, ...payload } = record;
  const event = outboxInsert(
    env.DB,
    { aggregate: 'delegation', aggregateId: tokenId, eventType: 'delegation.issued', payload },
    new Date(now),
  );
  await env.DB.batch([insertDelegation(env.DB, record), event.statement]);
  return { token, claims };
}

/**
 * The delegations the caller is part of (delegated, directly or upstream, or was delegated to),
 * or with `all` every delegation (admin), newest first; each with its state now.
 */
export async function listDelegations(
  env: Env,
  caller: Caller,
  options: { all: boolean; limit: number },
  now = Date.now(),
): Promise<(DelegationRecord & { state: 'active' | 'expired' | 'revoked' })[]> {
  const { principal } = caller;
  if (!covers(principal.capabilities, 'delegations:manage')) {
    throw new AppError(403, 'forbidden', 'Listing delegation tokens needs the delegations:manage scope on this credential.');
  }
  if (options.all && !covers(principal.capabilities, ADMIN)) {
    throw new AppError(403, 'forbidden', 'Listing every delegation (all=true) needs admin; without it you get those you are part of.');
  }
  const records = await delegationsInvolving(env.DB, options.all ? null : principal.chittyId, options.limit);
  return records.map((r) => ({
    ...r,
    state: r.revokedAt ? 'revoked' : Date.parse(r.expiresAt) <= now ? 'expired' : 'active',
  }));
}

/** Revokes a token and everything derived from it. Idempotent: revoking a revoked token changes nothing. */
export async function revokeDelegation(env: Env, caller: Caller, tokenId: string, now = Date.now()): Promise<void> {
  const record = await delegationById(env.DB, tokenId);
  if (!record)
    throw new AppError(404, 'delegation_not_found', `No delegation token ${tokenId}; check the tokenId returned when it was issued.`);
  const { principal } = caller;
  if (!covers(principal.capabilities, 'delegations:manage')) {
    throw new AppError(403, 'forbidden', 'Revoking delegation tokens needs the delegations:manage scope on this credential.');
  }
  if (!covers(principal.capabilities, ADMIN) && !record.actorChain.includes(principal.chittyId)) {
    throw new AppError(403, 'not_token_issuer', 'Only the issuer of a token (or a delegator before it) or an admin may revoke it.');
  }
  if (record.revokedAt) return;
  const revokedAt = new Date(now).toISOString();
  const event = outboxInsert(
    env.DB,
    {
      aggregate: 'delegation',
      aggregateId: tokenId,
      eventType: 'delegation.revoked',
      payload: { tokenId, rootId: record.rootId, revokedBy: principal.chittyId, revokedAt, includesDescendants: true },
    },
    new Date(now),
  );
  await env.DB.batch([revokeLineage(env.DB, tokenId, principal.chittyId, revokedAt), event.statement]);
}
