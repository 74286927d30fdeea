/**
 * Zero-trust authentication. Every protected route gets a `Principal` or the request ends:
 *   - `X-API-Key: <key>`                    an API key (looked up by its SHA-256),
 *   - `Authorization: Bearer <JWS>`         a ChittyConnect delegation token (signature, expiry,
 *                                           audience, revocation: see src/delegation),
 *   - `Authorization: Bearer <token>`       a ChittyAuth token, validated by ChittyAuth and cached by
 *                                           its SHA-256: in the isolate (60 s), then TOKEN_KV (5 min).
 * One resolver per kind lives in resolvers/; the rows they read come from the features that own
 * them, injected by app.ts (`CredentialReads`). Then the principal's gate (a Durable Object, see principal-gate.ts) counts the request against
 * its rate limit and hands back the actor snapshot, which changes to the actor keep exact, so a
 * hot request reads neither KV nor D1 and a suspension still takes effect at once.
 * Missing or invalid → 401 with WWW-Authenticate; suspended → 403; over the budget → 429;
 * ChittyAuth unreachable for an uncached token → 503 with Retry-After.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env';
import { AppError } from '../http/errors';
import { runActing } from '../lib/acting';
import { actingOf } from './acting';
import { type CredentialReads, MAX_BEARER_LENGTH, REALM, type Resolved, unauthorized } from './credential';
import { admittedCaller } from './internal-call';
import { gateFor } from './principal-gate';
import { assertAllowed, budgetFor, RATE_LIMIT_WINDOW_MS, rateLimitHeaders } from './rate-limit';
import { resolveApiKey } from './resolvers/api-key';
import { resolveChittyAuth } from './resolvers/chittyauth';
import { isDelegationToken, resolveDelegation } from './resolvers/delegation';
import type { Actor } from './schema';

export type { CredentialReads } from './credential';

/** RFC 6750 §2.1 b64token. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

function assertActive(actor: Actor | null): void {
  if (actor && actor.status !== 'active') {
    throw new AppError(403, 'actor_suspended', `This actor is ${actor.status}; its credentials do not work until it is reactivated.`);
  }
}

/** Picks the resolver by the credential's kind, after the checks that cost nothing. */
async function resolveCredential(c: Context<AppEnv>, reads: CredentialReads): Promise<Resolved> {
  const apiKey = c.req.header('x-api-key');
  if (apiKey !== undefined) return resolveApiKey(c.env, apiKey, reads);
  const authorization = c.req.header('authorization');
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
  if (isDelegationToken(token)) return resolveDelegation(c.env, token, reads);
  return resolveChittyAuth(c, token, reads);
}

/**
 * The middleware: resolve the credential, pass the principal's gate (rate limit + actor
 * snapshot), check the actor is active, then expose `principal` and `actor` to the handler.
 */
export function requireAuth(reads: CredentialReads) {
  return createMiddleware<AppEnv>(async function requireAuth(c, next) {
    const internal = admittedCaller(c.req.raw);
    if (internal) {
      c.set('requestId', internal.requestId);
      c.set('principal', internal.principal);
      c.set('actor', internal.actor);
      c.set('dataVersion', internal.dataVersion);
      return runActing(actingOf(internal.principal, internal.mcpTool), next);
    }
    const resolved = await resolveCredential(c, reads);
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
    await runActing(actingOf(c.get('principal')), next);
    for (const [name, value] of Object.entries(rateLimitHeaders(admission.decision))) c.res.headers.set(name, value);
  });
}
