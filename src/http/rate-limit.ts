/**
 * Rate-limit budgets per tier (an actor's type) and the headers that report them. The counting
 * itself happens in the principal's gate (principal-gate.ts), in the same call that admits the
 * request. Anonymous callers never get that far: authentication rejects them first.
 */
import type { Env } from '../env';
import { AppError } from './errors';
import type { ActorType } from './principal';
import type { RateLimitDecision } from './principal-gate';

export const RATE_LIMIT_WINDOW_MS = 60_000;

/** Requests per minute for each tier. `RATE_LIMIT_TIERS` (JSON) overrides any of them. */
export const DEFAULT_TIERS: Record<ActorType, number> = { human: 600, ai: 300, service: 3_000, system: 10_000 };

let parsed: { raw: string | undefined; tiers: Record<ActorType, number> } | null = null;

export function budgetFor(env: Env, tier: ActorType): number {
  if (!parsed || parsed.raw !== env.RATE_LIMIT_TIERS) {
    let overrides: Partial<Record<ActorType, number>> = {};
    try {
      overrides = env.RATE_LIMIT_TIERS ? (JSON.parse(env.RATE_LIMIT_TIERS) as Partial<Record<ActorType, number>>) : {};
    } catch {
      overrides = {}; // a broken override falls back to the defaults rather than failing every request
    }
    const valid = Object.entries(overrides).filter(
      ([tier, n]) => tier in DEFAULT_TIERS && typeof n === 'number' && Number.isInteger(n) && n > 0,
    );
    parsed = { raw: env.RATE_LIMIT_TIERS, tiers: { ...DEFAULT_TIERS, ...Object.fromEntries(valid) } };
  }
  return parsed.tiers[tier];
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
