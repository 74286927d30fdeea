/**
 * `Authorization: Bearer <token>`: a ChittyAuth token, validated by ChittyAuth and cached by its
 * SHA-256: in the isolate (60 s), then TOKEN_KV (5 min).
 */
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env';
import { EcosystemError, EcosystemRejectedError } from '../../ecosystem/errors';
import { ecosystemFromEnv } from '../../ecosystem/from-env';
import type { Env } from '../../env';
import { AppError } from '../../http/errors';
import { sha256Hex } from '../../lib/crypto';
import { TtlCache } from '../../lib/ttl-cache';
import { effectiveCapabilities } from '../capabilities';
import { type CredentialReads, ISOLATE_CACHE_TTL_MS, type Resolved, unauthorized } from '../credential';
import type { ActorType } from '../principal';

/** How long a ChittyAuth validation is trusted: the longest a revoked ChittyAuth token keeps working. */
export const TOKEN_KV_TTL_SECONDS = 300;

interface AuthIdentity {
  principalId: string;
  actorType: ActorType;
  capabilities: string[];
  /** When ChittyAuth's answer stops being trusted (ms since epoch): no cache layer outlives it. */
  trustedUntil: number;
}

const tokenCache = new TtlCache<AuthIdentity>(10_000);

async function chittyAuthIdentity(env: Env, token: string, waitUntil: (p: Promise<unknown>) => void): Promise<AuthIdentity> {
  const hash = await sha256Hex(token);
  const hot = tokenCache.get(hash);
  if (hot) return hot;
  const kvKey = `chittyauth:${hash}`;
  const warm = await env.TOKEN_KV.get<AuthIdentity>(kvKey, 'json');
  if (warm && warm.trustedUntil > Date.now()) {
    tokenCache.set(hash, warm, Math.min(ISOLATE_CACHE_TTL_MS, warm.trustedUntil - Date.now()));
    return warm;
  }
  let answer: Awaited<ReturnType<ReturnType<typeof ecosystemFromEnv>['auth']['validateToken']>>;
  try {
    answer = await ecosystemFromEnv(env).auth.validateToken(token);
  } catch (err) {
    if (err instanceof EcosystemRejectedError) throw unauthorized('invalid_token', 'ChittyAuth refused the bearer token.');
    if (err instanceof EcosystemError) {
      throw new AppError(503, 'auth_unavailable', 'ChittyAuth cannot be reached to check this token; retry shortly.', {
        retryAfterSeconds: err.retryAfterSeconds,
        cause: err,
      });
    }
    throw err;
  }
  if (!answer.valid) throw unauthorized('invalid_token', 'The bearer token is not valid (unknown, expired or revoked).');
  const identity: AuthIdentity = {
    principalId: answer.actor.chittyId,
    actorType: answer.actor.type,
    capabilities: answer.actor.capabilities,
    trustedUntil: Date.now() + TOKEN_KV_TTL_SECONDS * 1000,
  };
  tokenCache.set(hash, identity, ISOLATE_CACHE_TTL_MS);
  waitUntil(env.TOKEN_KV.put(kvKey, JSON.stringify(identity), { expirationTtl: TOKEN_KV_TTL_SECONDS }));
  return identity;
}

export async function resolveChittyAuth(c: Context<AppEnv>, token: string, reads: CredentialReads): Promise<Resolved> {
  const identity = await chittyAuthIdentity(c.env, token, (p) => c.executionCtx.waitUntil(p));
  return {
    gateKey: identity.principalId,
    tier: identity.actorType,
    readActor: () => reads.actorByPrincipal(c.env.DB, identity.principalId),
    useSnapshot: true,
    toPrincipal: (actor) => ({
      principalId: identity.principalId,
      chittyId: actor?.chittyId ?? identity.principalId,
      registered: actor !== null,
      actorType: actor?.actorType ?? identity.actorType,
      capabilities: actor ? effectiveCapabilities(actor.capabilities) : identity.capabilities,
      credential: 'chittyauth',
    }),
  };
}
