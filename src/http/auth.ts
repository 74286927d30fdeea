/**
 * Zero-trust authentication. Every protected route gets a `Principal` or the request ends:
 *   - `X-API-Key: <key>`                    an API key (looked up by its SHA-256),
 *   - `Authorization: Bearer <JWS>`         a ChittyConnect delegation token (signature, expiry,
 *                                           audience, revocation: see src/delegation),
 *   - `Authorization: Bearer <token>`       a ChittyAuth token, validated by ChittyAuth and cached by
 *                                           its SHA-256: in the isolate (60 s), then TOKEN_KV (5 min).
 * Then the actor behind it is read from D1 on every request (one indexed read), so a suspension
 * takes effect at once. Missing or invalid → 401 with WWW-Authenticate; suspended → 403;
 * ChittyAuth unreachable for an uncached token → 503 with Retry-After.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Actor } from '../actors/store';
import { actorById, actorByPrincipal } from '../actors/store';
import type { AppEnv } from '../app-env';
import { checkDelegationToken } from '../delegation/verify';
import { ecosystemFromEnv } from '../ecosystem/from-env';
import { EcosystemError } from '../ecosystem/errors';
import type { Env } from '../env';
import { apiKeyKvKey, apiKeyByHash, type ApiKeyRecord } from '../keys/store';
import { sha256Hex } from '../lib/crypto';
import { TtlCache } from '../lib/ttl-cache';
import { narrow } from './capabilities';
import { AppError } from './errors';
import type { ActorType, Principal } from './principal';

/** How long a ChittyAuth validation is trusted: the longest a revoked ChittyAuth token keeps working. */
export const TOKEN_KV_TTL_SECONDS = 300;
export const ISOLATE_CACHE_TTL_MS = 60_000;

interface AuthIdentity {
  principalId: string;
  actorType: ActorType;
  capabilities: string[];
}

const tokenCache = new TtlCache<AuthIdentity>(10_000);
const apiKeyCache = new TtlCache<ApiKeyRecord | null>(10_000);

const REALM = 'Bearer realm="chittyconnect"';

function unauthorized(code: string, detail: string, error = 'invalid_token'): AppError {
  return new AppError(401, code, detail, {
    headers: { 'www-authenticate': `${REALM}, error="${error}", error_description="${detail.replace(/"/g, "'")}"` },
  });
}

const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Forgets what this isolate cached for an API key (used when it is revoked here). */
export function forgetApiKey(hash: string): void {
  apiKeyCache.delete(hash);
}

async function chittyAuthIdentity(env: Env, token: string, waitUntil: (p: Promise<unknown>) => void): Promise<AuthIdentity> {
  const hash = await sha256Hex(token);
  const hot = tokenCache.get(hash);
  if (hot) return hot;
  const kvKey = `chittyauth:${hash}`;
  const warm = await env.TOKEN_KV.get<AuthIdentity>(kvKey, 'json');
  if (warm) {
    tokenCache.set(hash, warm, ISOLATE_CACHE_TTL_MS);
    return warm;
  }
  let answer: Awaited<ReturnType<ReturnType<typeof ecosystemFromEnv>['auth']['validateToken']>>;
  try {
    answer = await ecosystemFromEnv(env).auth.validateToken(token);
  } catch (err) {
    if (err instanceof EcosystemError) {
      throw new AppError(503, 'auth_unavailable', 'ChittyAuth cannot be reached to check this token; retry shortly.', {
        retryAfterSeconds: err.retryAfterSeconds,
      });
    }
    throw err;
  }
  if (!answer.valid) throw unauthorized('invalid_token', 'The bearer token is not valid (unknown, expired or revoked).');
  const identity: AuthIdentity = {
    principalId: answer.actor.chittyId,
    actorType: answer.actor.type,
    capabilities: answer.actor.capabilities,
  };
  tokenCache.set(hash, identity, ISOLATE_CACHE_TTL_MS);
  waitUntil(env.TOKEN_KV.put(kvKey, JSON.stringify(identity), { expirationTtl: TOKEN_KV_TTL_SECONDS }));
  return identity;
}

async function apiKeyRecord(env: Env, key: string): Promise<ApiKeyRecord> {
  const hash = await sha256Hex(key);
  let record = apiKeyCache.get(hash);
  if (record === undefined) {
    record = (await env.API_KEYS.get<ApiKeyRecord>(apiKeyKvKey(hash), 'json')) ?? (await apiKeyByHash(env.DB, hash));
    apiKeyCache.set(hash, record, ISOLATE_CACHE_TTL_MS);
  }
  if (!record) throw unauthorized('invalid_api_key', 'The API key is not valid.');
  if (record.revokedAt) throw unauthorized('invalid_api_key', 'The API key has been revoked.');
  if (record.expiresAt && Date.parse(record.expiresAt) <= Date.now()) throw unauthorized('invalid_api_key', 'The API key has expired.');
  return record;
}

function assertActive(actor: Actor | null): void {
  if (actor && actor.status !== 'active') {
    throw new AppError(403, 'actor_suspended', `This actor is ${actor.status}; its credentials do not work until it is reactivated.`);
  }
}

/** Resolves the request's credential to a principal (and the actor row, when registered). */
export async function authenticate(c: Context<AppEnv>): Promise<{ principal: Principal; actor: Actor | null }> {
  const env = c.env;
  const apiKey = c.req.header('x-api-key');
  const authorization = c.req.header('authorization');
  if (apiKey !== undefined) {
    if (!apiKey) throw unauthorized('invalid_api_key', 'The X-API-Key header is empty.');
    const record = await apiKeyRecord(env, apiKey);
    const actor = await actorById(env.DB, record.owner);
    if (!actor) throw unauthorized('invalid_api_key', 'The API key’s owner no longer exists.');
    assertActive(actor);
    return {
      actor,
      principal: {
        principalId: actor.principalId,
        chittyId: actor.chittyId,
        registered: true,
        actorType: actor.actorType,
        capabilities: narrow(actor.capabilities, record.scopes),
        credential: 'api_key',
        credentialId: record.keyId,
      },
    };
  }
  if (!authorization) {
    throw new AppError(401, 'missing_credential', 'Send a credential: Authorization: Bearer <token>, or X-API-Key: <key>.', {
      headers: { 'www-authenticate': REALM },
    });
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) throw unauthorized('invalid_credential', 'The Authorization header must be "Bearer <token>".', 'invalid_request');
  const token = match[1];

  if (JWS_SHAPE.test(token)) {
    const check = await checkDelegationToken(env, token, { audience: env.SERVICE_NAME });
    if (!check.valid) throw unauthorized('invalid_delegation_token', `The delegation token is not valid: ${check.reason}.`);
    const { claims } = check;
    const actor = await actorById(env.DB, claims.subject);
    assertActive(actor);
    return {
      actor,
      principal: {
        principalId: actor?.principalId ?? claims.subject,
        chittyId: claims.subject,
        registered: actor !== null,
        actorType: actor?.actorType ?? 'service',
        capabilities: claims.scopes,
        credential: 'delegation',
        credentialId: claims.tokenId,
        delegation: { issuer: claims.issuer, audience: claims.audience, actorChain: claims.actorChain },
      },
    };
  }

  const identity = await chittyAuthIdentity(env, token, (p) => c.executionCtx.waitUntil(p));
  const actor = await actorByPrincipal(env.DB, identity.principalId);
  assertActive(actor);
  return {
    actor,
    principal: {
      principalId: identity.principalId,
      chittyId: actor?.chittyId ?? identity.principalId,
      registered: actor !== null,
      actorType: actor?.actorType ?? identity.actorType,
      capabilities: actor?.capabilities ?? identity.capabilities,
      credential: 'chittyauth',
    },
  };
}

/** The middleware: authenticate, then expose `principal` and `actor` to the handler. */
export const requireAuth = createMiddleware<AppEnv>(async function requireAuth(c, next) {
  const { principal, actor } = await authenticate(c);
  c.set('principal', principal);
  c.set('actor', actor);
  await next();
});
