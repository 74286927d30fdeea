/**
 * Rate-limit budgets per tier (an actor's type) and the headers that report them. The counting
 * itself happens in the principal's gate (principal-gate.ts), in the same call that admits the
 * request. Anonymous callers never get that far: authentication rejects them first.
 */
import { config } from '../config';
import type { Env } from '../env';
import { AppError } from '../http/errors';
import type { ActorType } from './principal';
import type { RateLimitDecision } from './principal-gate';

export const RATE_LIMIT_WINDOW_MS = 60_000;

/** The per-minute budget of a tier: the default, or its `RATE_LIMIT_TIERS` override (config.ts). Throws ConfigError when `RATE_LIMIT_TIERS` is invalid (a 500, logged). */
export function budgetFor(env: Env, tier: ActorType): number {
  return config(env).rateLimitTiers[tier];
}

/** `RateLimit-*` headers for a decision. */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(Math.max(0, decision.remaining)),
    'ratelimit-reset': String(Math.max(1, Math.ceil(decision.resetMs / 1000))),
    'ratelimit-policy': `${decision.limit};w=${RATE_LIMIT_WINDOW_MS / 1000}`,
  };
}

/** Throws the 429 for a refused decision. */
export function assertAllowed(decision: RateLimitDecision): void {
  if (decision.allowed) return;
  const headers = rateLimitHeaders(decision);
  const retry = Number(headers['ratelimit-reset']);
  throw new AppError(429, 'rate_limited', `Rate limit of ${decision.limit} requests per minute reached; retry in ${retry} s.`, {
    retryAfterSeconds: retry,
    headers,
  });
}
