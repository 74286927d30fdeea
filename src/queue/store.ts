/** SQL for the outbox, processed events and dead letters. */
import { currentActing } from '../lib/acting';
import type { OutboxEvent, OutboxMessage } from './messages';

interface OutboxRow {
  event_id: string;
  aggregate: OutboxMessage['aggregate'];
  aggregate_id: string;
  event_type: string;
  payload: string;
  created_at: string;
}

/**
 * Claims up to `limit` events for sending, oldest first: those never sent, and those sent before
 * `resendBefore` but still not delivered. One statement, so two dispatchers never claim the same
 * rows at the same moment.
 */
export async function claimOutbox(db: D1Database, now: string, resendBefore: string, limit: number): Promise<OutboxMessage[]> {
  const { results } = await db
    .prepare(
      `UPDATE outbox SET sent_at = ?1, attempts = attempts + 1
       WHERE event_id IN (
         SELECT event_id FROM outbox WHERE delivered_at IS NULL AND (sent_at IS NULL OR sent_at < ?2)
         ORDER BY created_at LIMIT ?3)
       RETURNING event_id, aggregate, aggregate_id, event_type, payload, created_at`,
    )
    .bind(now, resendBefore, limit)
    .all<OutboxRow>();
  return results.map((r) => ({
    eventId: r.event_id,
    aggregate: r.aggregate,
    aggregateId: r.aggregate_id,
    eventType: r.event_type,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    createdAt: r.created_at,
  }));
}

/** Puts claimed events back (the send failed), with the reason. */
export function unclaimOutbox(db: D1Database, eventIds: string[], error: string): D1PreparedStatement {
  return db
    .prepare('UPDATE outbox SET sent_at = NULL, last_error = ? WHERE event_id IN (SELECT value FROM json_each(?))')
    .bind(error.slice(0, 500), JSON.stringify(eventIds));
}

export async function processedAmong(db: D1Database, source: string, eventIds: string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const { results } = await db
    .prepare(
      "SELECT event_id FROM processed_events WHERE source = ? AND status = 'processed' AND event_id IN (SELECT value FROM json_each(?))",
    )
    .bind(source, JSON.stringify(eventIds))
    .all<{ event_id: string }>();
  return new Set(results.map((r) => r.event_id));
}

/** Marks outbox events processed and delivered, in one batch. */
export function markDelivered(db: D1Database, events: { eventId: string; eventType: string; attempts: number }[], at: string) {
  return [
    ...events.map((e) =>
      db
        .prepare(
          `INSERT INTO processed_events (source, event_id, event_type, status, attempts, received_at, processed_at)
           VALUES ('outbox', ?1, ?2, 'processed', ?3, ?4, ?4)
           ON CONFLICT (source, event_id) DO UPDATE SET status = 'processed', attempts = ?3, processed_at = ?4`,
        )
        .bind(e.eventId, e.eventType, e.attempts, at),
    ),
    db
      .prepare('UPDATE outbox SET delivered_at = ? WHERE event_id IN (SELECT value FROM json_each(?))')
      .bind(at, JSON.stringify(events.map((e) => e.eventId))),
  ];
}

export interface OutboxStats {
  undelivered: number;
  unsent: number;
  oldestUndeliveredAt: string | null;
}

export async function outboxStats(db: D1Database): Promise<OutboxStats> {
  const row = await db
    .prepare(
      `SELECT count(*) AS undelivered, sum(CASE WHEN sent_at IS NULL THEN 1 ELSE 0 END) AS unsent, min(created_at) AS oldest
       FROM outbox WHERE delivered_at IS NULL`,
    )
    .first<{ undelivered: number; unsent: number | null; oldest: string | null }>();
  return { undelivered: row?.undelivered ?? 0, unsent: row?.unsent ?? 0, oldestUndeliveredAt: row?.oldest ?? null };
}

/** One recorded change and how far it got: put on the queue (sent), delivered to DNA and Chronicle. */
export interface AggregateEvent {
  eventId: string;
  eventType: string;
  createdAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  attempts: number;
  lastError: string | null;
}

/** An aggregate's outbox events, newest first. */
export async function eventsOf(db: D1Database, aggregate: string, aggregateId: string, limit: number): Promise<AggregateEvent[]> {
  const { results } = await db
    .prepare(
      `SELECT event_id, event_type, created_at, sent_at, delivered_at, attempts, last_error FROM outbox
       WHERE aggregate = ?1 AND aggregate_id = ?2 ORDER BY created_at DESC, event_id LIMIT ?3`,
    )
    .bind(aggregate, aggregateId, limit)
    .all<{
      event_id: string;
      event_type: string;
      created_at: string;
      sent_at: string | null;
      delivered_at: string | null;
      attempts: number;
      last_error: string | null;
    }>();
  return results.map((r) => ({
    eventId: r.event_id,
    eventType: r.event_type,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    deliveredAt: r.delivered_at,
    attempts: r.attempts,
    lastError: r.last_error,
  }));
}

export interface DeadLetter {
  id: string;
  queue: string;
  /** The message body; the stored text itself when it is not JSON (see `note`). */
  body: unknown;
  attempts: number;
  receivedAt: string;
  replayedAt: string | null;
  /** Why the body is not kept exactly (unserialisable, truncated) or why it was refused early; null when kept whole. */
  note: string | null;
}

interface DeadLetterRow {
  id: string;
  queue: string;
  body: string;
  attempts: number;
  received_at: string;
  replayed_at: string | null;
  note: string | null;
}

/** The stored body parsed back, or the text itself when it is not JSON (a truncated body). */
function parsedBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const toDeadLetter = (r: DeadLetterRow): DeadLetter => ({
  id: r.id,
  queue: r.queue,
  body: parsedBody(r.body),
  attempts: r.attempts,
  receivedAt: r.received_at,
  replayedAt: r.replayed_at,
  note: r.note,
});

/** One dead letter, its body already turned into text (see `toSafeJson`). A redelivered copy (same id) is kept once. */
export function insertDeadLetter(
  db: D1Database,
  d: { id: string; queue: string; bodyText: string; note: string | null; attempts: number; receivedAt: string },
): D1PreparedStatement {
  return db
    .prepare('INSERT OR IGNORE INTO dead_letters (id, queue, body, attempts, received_at, note) VALUES (?, ?, ?, ?, ?, ?)')
    .bind(d.id, d.queue, d.bodyText, d.attempts, d.receivedAt, d.note);
}

export async function listDeadLetters(
  db: D1Database,
  filter: { queue?: string; pendingOnly: boolean; from?: string; to?: string },
  limit: number,
): Promise<DeadLetter[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM dead_letters
       WHERE (?1 IS NULL OR queue = ?1) AND (?2 = 0 OR replayed_at IS NULL)
         AND (?3 IS NULL OR received_at >= ?3) AND (?4 IS NULL OR received_at <= ?4)
       ORDER BY received_at LIMIT ?5`,
    )
    .bind(filter.queue ?? null, filter.pendingOnly ? 1 : 0, filter.from ?? null, filter.to ?? null, limit)
    .all<DeadLetterRow>();
  return results.map(toDeadLetter);
}

export async function deadLettersByIds(db: D1Database, ids: string[]): Promise<DeadLetter[]> {
  const { results } = await db
    .prepare('SELECT * FROM dead_letters WHERE id IN (SELECT value FROM json_each(?))')
    .bind(JSON.stringify(ids))
    .all<DeadLetterRow>();
  return results.map(toDeadLetter);
}

export function markReplayed(db: D1Database, ids: string[], at: string): D1PreparedStatement {
  return db.prepare('UPDATE dead_letters SET replayed_at = ? WHERE id IN (SELECT value FROM json_each(?))').bind(at, JSON.stringify(ids));
}

/**
 * Marks replayed the unreplayed dead letters of the queues whose name ends with `queueSuffix` and
 * whose body's top-level `field` is one of `values` (e.g. GitHub deliveries by `deliveryId`).
 */
export function markReplayedByBody(db: D1Database, queueSuffix: string, field: string, values: string[], at: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE dead_letters SET replayed_at = ?1 WHERE replayed_at IS NULL AND queue LIKE ?3
         AND json_extract(body, ?4) IN (SELECT value FROM json_each(?2))`,
    )
    .bind(at, JSON.stringify(values), `%${queueSuffix}`, `$.${field}`);
}

/**
 * The outbox: every mutation's event is written in the same D1 batch as the mutation (one
 * transaction), so the event exists exactly when the change does; delivery to CONTEXT_OPS_QUEUE
 * and on to DNA and Chronicle happens after the request. A prepared insert to put in the
 * mutation's `db.batch([...])`, with the event id.
 */
export function outboxInsert(db: D1Database, event: OutboxEvent, now = new Date()): { statement: D1PreparedStatement; eventId: string } {
  const eventId = crypto.randomUUID();
  // Who the request that wrote it acts for (lib/acting.ts): carried to Chronicle and DNA with the event.
  const by = currentActing();
  const payload = by && !('by' in event.payload) ? { ...event.payload, by } : event.payload;
  const statement = db
    .prepare('INSERT INTO outbox (event_id, aggregate, aggregate_id, event_type, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .bind(eventId, event.aggregate, event.aggregateId, event.eventType, JSON.stringify(payload), now.toISOString());
  return { statement, eventId };
}
