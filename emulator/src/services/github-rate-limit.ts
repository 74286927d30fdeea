/**
 * GitHub's primary rate limit, emulated in memory: 5000 requests per credential (the App, an
 * installation, a user; unauthenticated callers share one bucket) per clock hour. Every API answer
 * carries the `x-ratelimit-*` headers; once a bucket is spent the API answers 403 until the hour
 * turns. `PUT /github/rate-limit` on the control surface changes the budget (load tests that are
 * not about GitHub's limit); `POST /reset` empties every bucket and restores GitHub's 5000.
 */
export const GITHUB_RATE_LIMIT = 5000;
let limit = GITHUB_RATE_LIMIT;

/** Sets the per-credential hourly budget. */
export function setRateLimit(perHour: number): void {
  limit = perHour;
}

interface Bucket {
  used: number;
  /** Epoch seconds when the bucket refills: the start of the next clock hour. */
  reset: number;
}

const buckets = new Map<string, Bucket>();

export interface RateLimitState {
  remaining: number;
  used: number;
  reset: number;
  /** True when this request went over the limit (it must be refused). */
  exceeded: boolean;
}

/** Counts one request against `key`'s bucket. */
export function consumeRateLimit(key: string, now = Date.now()): RateLimitState {
  const seconds = Math.floor(now / 1000);
  let bucket = buckets.get(key);
  if (!bucket || bucket.reset <= seconds) {
    bucket = { used: 0, reset: (Math.floor(seconds / 3600) + 1) * 3600 };
    buckets.set(key, bucket);
  }
  const exceeded = bucket.used >= limit;
  if (!exceeded) bucket.used += 1;
  return { remaining: limit - bucket.used, used: bucket.used, reset: bucket.reset, exceeded };
}

export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(state.remaining),
    'x-ratelimit-used': String(state.used),
    'x-ratelimit-reset': String(state.reset),
    'x-ratelimit-resource': 'core',
  };
}

/** Forgets every bucket (control `POST /reset`). */
export function resetGitHubRateLimits(): void {
  buckets.clear();
  limit = GITHUB_RATE_LIMIT;
}
