/**
 * A per-service circuit breaker. Closed: calls pass, consecutive failures are counted. After
 * `failureThreshold` of them it opens: calls fail at once for `openMs`. Then it is half-open: one
 * trial call passes; success closes it, failure opens it again.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  failureThreshold: number;
  openMs: number;
  now: () => number;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(private readonly options: BreakerOptions) {}

  get state(): BreakerState {
    if (this.openedAt === null) return 'closed';
    return this.options.now() - this.openedAt >= this.options.openMs ? 'half-open' : 'open';
  }

  /** Milliseconds until an open breaker lets a trial through (0 when not open). */
  get remainingOpenMs(): number {
    if (this.openedAt === null) return 0;
    return Math.max(0, this.openedAt + this.options.openMs - this.options.now());
  }

  /** Whether a call may go out now. In half-open state only one trial at a time is allowed. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  onSuccess(): void {
    this.failures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  onFailure(): void {
    this.trialInFlight = false;
    if (this.openedAt !== null) {
      // A failed half-open trial (or a late failure while open) re-opens for a full period.
      this.openedAt = this.options.now();
      return;
    }
    this.failures += 1;
    if (this.failures >= this.options.failureThreshold) this.openedAt = this.options.now();
  }
}
