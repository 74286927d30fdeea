/**
 * Zero-trust authentication. Every protected route gets a `Principal` or the request ends:
 *   - `X-API-Key: <key>`                    an API key (looked up by its SHA-256),
 *   - `Authorization: Bearer <JWS>`         a ChittyConnect delegation token (signature, expiry,
 *                                           audience, revocation: see src/delegation),
 *   - `Authorization: Bearer <token>`       a ChittyAuth token, validated by ChittyAuth and cached by
 *                                           its SHA-256: in the isolate (60 s), then TOKEN_KV (5 min).
 * Then the principal's gate (a Durable Object, see principal-gate.ts) counts the request against
 * its rate limit and hands back the actor snapshot, which changes to the actor keep exact, so a
 * hot request reads neither KV nor D1 and a suspension still takes effect at once.
 * Missing or invalid → 401 with WWW-Authenticate; suspended → 403; over the budget → 429;
 * ChittyAuth unreachable for an uncached token → 503 with Retry-After.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Actor } from '../actors/store';
import { actorById, actorByPrincipal } from '../actors/store';
import type { AppEnv } from '../app-env';
import { TOKEN_TYPE as DELEGATION_TOKEN_TYPE } from '../delegation/token';
import { checkDelegationToken } from '../delegation/verify';
import { EcosystemError, EcosystemRejectedError } from '../ecosystem/errors';
import { ecosystemFromEnv } from '../ecosystem/from-env';
import type { Env } from '../env';
import { type ApiKeyRecord, apiKeyByHash, apiKeyKvKey } from '../keys/store';
import { sha256Hex } from '../lib/crypto';
import { TtlCache } from '../lib/ttl-cache';
import { effectiveCapabilities, narrow } from './capabilities';
import { AppError } from './errors';
import type { ActorType, Principal } from './principal';
import { gateFor } from './principal-gate';
import { assertAllowed, budgetFor, RATE_LIMIT_WINDOW_MS, rateLimitHeaders } from './rate-limit';

/** Longest bearer token looked at: far above a JWT or ChittyAuth token, far below a header's limit. */
const MAX_BEARER_LENGTH = 4096;
/** RFC 6750 §2.1 b64token. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** How long a ChittyAuth validation is trusted: the longest a revoked ChittyAuth token keeps working. */
export const TOKEN_KV_TTL_SECONDS = 300;
export const ISOLATE_CACHE_TTL_MS = 60_000;

interface AuthIdentity {
  principalId: string;
  actorType: ActorType;
  capabilities: string[];
  /** When ChittyAuth's answer stops being trusted (ms since epoch): no cache layer outlives it. */
  trustedUntil: number;
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

/**
 * A bearer value is a ChittyConnect delegation token when it is a compact JWS whose header says
 * so (`typ`); any other value — a JWT that ChittyAuth issued included — goes to ChittyAuth.
 */
function isDelegationToken(token: string): boolean {
  if (!JWS_SHAPE.test(token)) return false;
  try {
    const segment = token.slice(0, token.indexOf('.')).replace(/-/g, '+').replace(/_/g, '/');
    const header = JSON.parse(atob(segment)) as { typ?: unknown };
    return header.typ === DELEGATION_TOKEN_TYPE;
  } catch {
    return false;
  }
}

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

/** A registered actor acting through a scoped credential (API key, delegation token): its capabilities narrowed to the scopes. */
function scopedPrincipal(actor: Actor, scopes: string[], credential: 'api_key' | 'delegation', credentialId: string): Principal {
  return {
    principalId: actor.principalId,
    chittyId: actor.chittyId,
    registered: true,
    actorType: actor.actorType,
    capabilities: narrow(effectiveCapabilities(actor.capabilities), scopes),
    credential,
    credentialId,
  };
}

/** What a credential resolves to before the gate: whose gate, which tier, how to read the actor. */
interface Resolved {
  gateKey: string;
  tier: ActorType;
  readActor: () => Promise<Actor | null>;
  /** Trust the gate's snapshot of the actor (false: always read D1, e.g. for delegation subjects). */
  useSnapshot: boolean;
  toPrincipal: (actor: Actor | null) => Principal;
}

async function resolveCredential(c: Context<AppEnv>): Promise<Resolved> {
  const env = c.env;
  const apiKey = c.req.header('x-api-key');
  const authorization = c.req.header('authorization');
  if (apiKey !== undefined) {
    if (!apiKey) throw unauthorized('invalid_api_key', 'The X-API-Key header is empty.');
    if (apiKey.length > MAX_BEARER_LENGTH) throw unauthorized('invalid_api_key', 'The API key is not valid.');
    const record = await apiKeyRecord(env, apiKey);
    return {
      gateKey: record.ownerPrincipal,
      tier: record.ownerType,
      readActor: () => actorById(env.DB, record.owner),
      useSnapshot: true,
      toPrincipal: (actor) => {
        if (!actor) throw unauthorized('invalid_api_key', 'The API key’s owner no longer exists.');
        return scopedPrincipal(actor, record.scopes, 'api_key', record.keyId);
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
  // RFC 6750's token68 shape and a length bound, before anything costs a lookup or a ChittyAuth call:
  // a stranger's garbage is refused here, for free.
  if (token.length > MAX_BEARER_LENGTH || !TOKEN68.test(token)) {
    throw unauthorized('invalid_token', `The bearer token is malformed (token68 characters, at most ${MAX_BEARER_LENGTH}).`);
  }

  if (isDelegationToken(token)) {
    const check = await checkDelegationToken(env, token, { audience: env.SERVICE_NAME });
    if (!check.valid && check.reason === 'subject_suspended') {
      throw new AppError(
        403,
        'actor_suspended',
        'The subject of this delegation token is suspended or deactivated; the token works again once it is reactivated.',
      );
    }
    if (!check.valid) throw unauthorized('invalid_delegation_token', `The delegation token is not valid: ${check.reason}.`);
    const { claims } = check;
    // A delegation token carries its original delegator's authority, narrowed to its scopes: the
    // request acts as the delegator (whose things it may touch, whose budget it spends). The
    // subject is only who the delegator meant to hold it, so it never lends the subject's rights.
    const delegator = await actorById(env.DB, claims.actorChain[0] ?? '');
    if (!delegator) throw unauthorized('invalid_delegation_token', 'The delegation token is not valid: its delegator no longer exists.');
    return {
      gateKey: delegator.principalId,
      tier: delegator.actorType,
      readActor: async () => delegator,
      useSnapshot: false,
      toPrincipal: (actor) => {
        return {
          ...scopedPrincipal(actor ?? delegator, claims.scopes, 'delegation', claims.tokenId),
          delegation: { issuer: claims.issuer, subject: claims.subject, audience: claims.audience, actorChain: claims.actorChain },
        };
      },
    };
  }

  const identity = await chittyAuthIdentity(env, token, (p) => c.executionCtx.waitUntil(p));
  return {
    gateKey: identity.principalId,
    tier: identity.actorType,
    readActor: () => actorByPrincipal(env.DB, identity.principalId),
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

/**
 * The middleware: resolve the credential, pass the principal's gate (rate limit + actor
 * snapshot), check the actor is active, then expose `principal` and `actor` to the handler.
 */
export const requireAuth = createMiddleware<AppEnv>(async function requireAuth(c, next) {
  const resolved = await resolveCredential(c);
  const gate = gateFor(c.env, resolved.gateKey);
  const admission = await gate.admit(budgetFor(c.env, resolved.tier), RATE_LIMIT_WINDOW_MS);
  assertAllowed(admission.decision);
  let actor = resolved.useSnapshot ? admission.snapshot : undefined;
  if (actor === undefined) {
    actor = await resolved.readActor();
    if (resolved.useSnapshot) c.executionCtx.waitUntil(gate.remember(actor, admission.epoch));
  }
  assertActive(actor);
  c.set('principal', resolved.toPrincipal(actor));
  c.set('actor', actor);
  c.set('dataVersion', admission.dataVersion);
  await next();
  for (const [name, value] of Object.entries(rateLimitHeaders(admission.decision))) c.res.headers.set(name, value);
});
