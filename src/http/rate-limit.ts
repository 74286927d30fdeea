/**
 * Per-principal rate limits by tier (an actor's type), enforced by the RateLimiter Durable Object.
 * Every authenticated response carries `RateLimit-Limit`, `RateLimit-Remaining`,
 * `RateLimit-Reset` and `RateLimit-Policy`; past the budget the answer is 429 with `Retry-After`.
 * Anonymous callers never get here: authentication rejects them first.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env';
import type { Env } from '../env';
import { AppError } from './errors';
import type { ActorType } from './principal';

export const RATE_LIMIT_WINDOW_MS = 60_000;

/** Requests per minute for each tier. `RATE_LIMIT_TIERS` (JSON) overrides any of them. */
export const DEFAULT_TIERS: Record<ActorType, number> = { human: 600, ai: 300, service: 3_000, system: 10_000 };

let parsed: { raw: string | undefined; tiers: Record<ActorType, number> } | null = null;

export function tiersOf(env: Env): Record<ActorType, number> {
  if (parsed && parsed.raw === env.RATE_LIMIT_TIERS) return parsed.tiers;
  let overrides: Partial<Record<ActorType, number>> = {};
  try {
    overrides = env.RATE_LIMIT_TIERS ? (JSON.parse(env.RATE_LIMIT_TIERS) as Partial<Record<ActorType, number>>) : {};
  } catch {
    overrides = {}; // a broken override falls back to the defaults rather than failing every request
  }
  parsed = { raw: env.RATE_LIMIT_TIERS, tiers: { ...DEFAULT_TIERS, ...overrides } };
  return parsed.tiers;
}

export const rateLimit = createMiddleware<AppEnv>(async function rateLimit(c, next) {
  const principal = c.get('principal');
  const limit = tiersOf(c.env)[principal.actorType];
  const stub = c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(`${principal.actorType}:${principal.principalId}`));
  const decision = await stub.hit(limit, RATE_LIMIT_WINDOW_MS);
  const resetSeconds = Math.max(1, Math.ceil(decision.resetMs / 1000));
  const headers = {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(resetSeconds),
    'ratelimit-policy': `${decision.limit};w=${RATE_LIMIT_WINDOW_MS / 1000}`,
  };
  if (!decision.allowed) {
    throw new AppError(429, 'rate_limited', `Rate limit of ${decision.limit} requests per minute reached; retry in ${resetSeconds} s.`, {
      retryAfterSeconds: resetSeconds,
      headers,
    });
  }
  await next();
  for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
});
