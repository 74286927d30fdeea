/**
 * Backoff for queue retries, in one place for every consumer: the live queues' retry delay, the
 * dead-letter store's retry delay, and the ceiling the platform puts on any delay.
 */

/** Queues cap a retry delay at 12 hours. */
export const MAX_QUEUE_DELAY_SECONDS = 12 * 60 * 60;

/** Backoff for a retried message: `base`, 2×, 4× … capped at 5 minutes, with jitter (base 5: 5 s, 10 s, 20 s …). */
export function retryDelaySeconds(attempts: number, base: number): number {
  const ceiling = Math.min(300, base * 2 ** Math.max(0, attempts - 1));
  return Math.max(base === 0 ? 0 : 1, Math.round(ceiling / 2 + Math.random() * (ceiling / 2)));
}

/**
 * How long a dead letter that could not be stored waits before its next try: 30 s, doubling, at
 * most 12 h (the queue's longest delay). With the dead-letter consumers' `max_retries = 100`
 * (wrangler.toml; the platform's maximum) a message is tried for weeks, each failure logged at
 * `error`, before the runtime could give it up: time for an operator to mend D1.
 */
export function storeRetrySeconds(attempts: number): number {
  return Math.min(MAX_QUEUE_DELAY_SECONDS, 30 * 2 ** Math.min(Math.max(0, attempts - 1), 11));
}

/** A delay someone else asked for (GitHub's rate-limit reset), within what a queue accepts. */
export function cappedDelaySeconds(seconds: number): number {
  return Math.min(seconds, MAX_QUEUE_DELAY_SECONDS);
}
