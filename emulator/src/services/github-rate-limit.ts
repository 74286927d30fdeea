/**
 * GitHub's primary rate limit, emulated in memory: 5000 requests per credential (the App, an
 * installation, a user; unauthenticated callers share one bucket) per clock hour. Every API answer
 * carries the `x-ratelimit-*` headers; once a bucket is spent the API answers 403 until the hour
 * turns. `POST /reset` on the control surface empties every bucket.
 */
export const RATE_LIMIT = 5000;

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
  const exceeded = bucket.used >= RATE_LIMIT;
  if (!exceeded) bucket.used += 1;
  return { remaining: RATE_LIMIT - bucket.used, used: bucket.used, reset: bucket.reset, exceeded };
}

export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    'x-ratelimit-limit': String(RATE_LIMIT),
    'x-ratelimit-remaining': String(state.remaining),
    'x-ratelimit-used': String(state.used),
    'x-ratelimit-reset': String(state.reset),
    'x-ratelimit-resource': 'core',
  };
}

/** Forgets every bucket (control `POST /reset`). */
export function resetGitHubRateLimits(): void {
  buckets.clear();
}
