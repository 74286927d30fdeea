/** SQL for GitHub deliveries: `processed_events` rows of source `github`, the authoritative dedupe. */

export type Claim = 'mine' | 'done' | 'busy';

/** How long a delivery may sit in `processing` before another consumer may take it over (a crashed run). */
export const STALE_PROCESSING_MS = 5 * 60_000;

/**
 * Claims a delivery for processing, exactly once among concurrent duplicates: the first INSERT
 * wins; a later copy finds it `processed` (done), `processing` (busy, unless stale) or `failed`
 * (taken over for a retry).
 */
export async function claimDelivery(db: D1Database, deliveryId: string, event: string, now: Date): Promise<Claim> {
  const at = now.toISOString();
  const inserted = await db
    .prepare(
      `INSERT INTO processed_events (source, event_id, event_type, status, attempts, received_at, claimed_at)
       VALUES ('github', ?1, ?2, 'processing', 1, ?3, ?3) ON CONFLICT (source, event_id) DO NOTHING RETURNING event_id`,
    )
    .bind(deliveryId, event, at)
    .first();
  if (inserted) return 'mine';
  const staleBefore = new Date(now.getTime() - STALE_PROCESSING_MS).toISOString();
  const taken = await db
    .prepare(
      `UPDATE processed_events SET status = 'processing', attempts = attempts + 1, claimed_at = ?3
       WHERE source = 'github' AND event_id = ?1
         AND (status = 'failed' OR (status = 'processing' AND COALESCE(claimed_at, received_at) < ?2))
       RETURNING event_id`,
    )
    .bind(deliveryId, staleBefore, at)
    .first();
  if (taken) return 'mine';
  const row = await db
    .prepare("SELECT status FROM processed_events WHERE source = 'github' AND event_id = ?")
    .bind(deliveryId)
    .first<{ status: string }>();
  return row?.status === 'processed' ? 'done' : 'busy';
}

/**
 * Records how processing ended. A failure keeps the queued message (`delivery`, JSON) so it can
 * be replayed later; success drops it.
 */
export function settleDelivery(
  db: D1Database,
  deliveryId: string,
  outcome: { ok: true } | { ok: false; error: string; delivery: string },
  now: Date,
) {
  return outcome.ok
    ? db
        .prepare(
          "UPDATE processed_events SET status = 'processed', processed_at = ?, last_error = NULL, delivery = NULL WHERE source = 'github' AND event_id = ?",
        )
        .bind(now.toISOString(), deliveryId)
    : db
        .prepare(
          "UPDATE processed_events SET status = 'failed', last_error = ?, delivery = ? WHERE source = 'github' AND event_id = ? AND status != 'processed'",
        )
        .bind(outcome.error.slice(0, 500), outcome.delivery, deliveryId);
}

/** The kept message of failed deliveries: one by id, or every failed one received in [from, to]. */
export async function failedDeliveries(
  db: D1Database,
  q: { deliveryId: string } | { from: string; to: string; limit: number },
): Promise<{ deliveryId: string; delivery: string | null }[]> {
  const stmt =
    'deliveryId' in q
      ? db
          .prepare("SELECT event_id, delivery FROM processed_events WHERE source = 'github' AND event_id = ? AND status = 'failed'")
          .bind(q.deliveryId)
      : db
          .prepare(
            `SELECT event_id, delivery FROM processed_events WHERE source = 'github' AND status = 'failed'
             AND received_at >= ? AND received_at <= ? ORDER BY received_at LIMIT ?`,
          )
          .bind(q.from, q.to, q.limit);
  const { results } = await stmt.all<{ event_id: string; delivery: string | null }>();
  return results.map((r) => ({ deliveryId: r.event_id, delivery: r.delivery }));
}

/** Status of a delivery we have seen, or null. */
export async function deliveryStatus(db: D1Database, deliveryId: string): Promise<string | null> {
  const row = await db
    .prepare("SELECT status FROM processed_events WHERE source = 'github' AND event_id = ?")
    .bind(deliveryId)
    .first<{ status: string }>();
  return row?.status ?? null;
}

export async function listDeliveries(
  db: D1Database,
  q: { status?: 'processing' | 'processed' | 'failed'; from?: string; to?: string; limit: number },
) {
  const { results } = await db
    .prepare(
      `SELECT event_id, event_type, status, attempts, last_error, received_at, processed_at FROM processed_events
       WHERE source = 'github' AND (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR received_at >= ?2) AND (?3 IS NULL OR received_at <= ?3)
       ORDER BY received_at DESC LIMIT ?4`,
    )
    .bind(q.status ?? null, q.from ?? null, q.to ?? null, q.limit)
    .all<{
      event_id: string;
      event_type: string;
      status: 'processing' | 'processed' | 'failed';
      attempts: number;
      last_error: string | null;
      received_at: string;
      processed_at: string | null;
    }>();
  return results.map((r) => ({
    deliveryId: r.event_id,
    event: r.event_type,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    receivedAt: r.received_at,
    processedAt: r.processed_at,
  }));
}

/** Counts by status of the deliveries received since `from`, and when the first arrived and the last finished. */
export async function deliveryStats(db: D1Database, from: string) {
  const row = await db
    .prepare(
      `SELECT COUNT(*) FILTER (WHERE status = 'processing') AS processing, COUNT(*) FILTER (WHERE status = 'processed') AS processed,
         COUNT(*) FILTER (WHERE status = 'failed') AS failed, MIN(received_at) AS first_received_at, MAX(processed_at) AS last_processed_at
       FROM processed_events WHERE source = 'github' AND received_at >= ?`,
    )
    .bind(from)
    .first<{
      processing: number;
      processed: number;
      failed: number;
      first_received_at: string | null;
      last_processed_at: string | null;
    }>();
  return {
    processing: row?.processing ?? 0,
    processed: row?.processed ?? 0,
    failed: row?.failed ?? 0,
    firstReceivedAt: row?.first_received_at ?? null,
    lastProcessedAt: row?.last_processed_at ?? null,
  };
}

/**
 * A delivery the queue gave up on (its dead letter): settled `failed` with its message unless it
 * was processed meanwhile, so the replay routes find it — even when its last copy found it
 * `processing` (a run that crashed) and never settled it.
 */
export function settleDeadLettered(db: D1Database, delivery: { deliveryId: string; event: string; receivedAt?: string }, at: string) {
  return db
    .prepare(
      `INSERT INTO processed_events (source, event_id, event_type, status, attempts, last_error, received_at, claimed_at, delivery)
       VALUES ('github', ?1, ?2, 'failed', 0, 'dead-lettered: the queue gave up retrying', ?3, ?3, ?4)
       ON CONFLICT (source, event_id) DO UPDATE SET status = 'failed', delivery = ?4,
         last_error = COALESCE(processed_events.last_error, 'dead-lettered: the queue gave up retrying')
       WHERE processed_events.status != 'processed'`,
    )
    .bind(delivery.deliveryId, delivery.event, delivery.receivedAt ?? at, JSON.stringify(delivery));
}
