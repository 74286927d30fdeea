/**
 * The rate limiter: one Durable Object per principal, counting requests in a fixed window that
 * opens with the principal's first request. A Durable Object handles one call at a time, so the
 * count is exact under any concurrency — unlike a KV read-then-write, which lets concurrent
 * requests through together, and unlike the Workers rate-limiting binding, whose counts are
 * per-location and eventually consistent. The count lives in memory: an object evicted after a
 * quiet spell starts a fresh window, which only ever errs towards letting an idle caller in.
 */
import { DurableObject } from 'cloudflare:workers';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export class RateLimiter extends DurableObject {
  private windowStart = 0;
  private count = 0;

  /** Counts one request against `limit` per `windowMs`, and says whether it may proceed. */
  hit(limit: number, windowMs: number): RateLimitDecision {
    const now = Date.now();
    if (now - this.windowStart >= windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    const resetMs = this.windowStart + windowMs - now;
    if (this.count >= limit) return { allowed: false, limit, remaining: 0, resetMs };
    this.count += 1;
    return { allowed: true, limit, remaining: limit - this.count, resetMs };
  }
}
