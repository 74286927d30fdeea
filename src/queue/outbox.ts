/**
 * The outbox: every mutation's event is written in the same D1 batch as the mutation (one
 * transaction), so the event exists exactly when the change does. Delivery to
 * CONTEXT_OPS_QUEUE and on to DNA and Chronicle happens from here, after the request.
 */

export type Aggregate = 'context' | 'actor' | 'connection' | 'delegation' | 'api_key' | 'installation';

export interface OutboxEvent {
  aggregate: Aggregate;
  aggregateId: string;
  /** e.g. `actor.registered`, `delegation.revoked` */
  eventType: string;
  payload: Record<string, unknown>;
}

/** A prepared insert to put in the mutation's `db.batch([...])`. Returns the event id too. */
export function outboxInsert(db: D1Database, event: OutboxEvent, now = new Date()): { statement: D1PreparedStatement; eventId: string } {
  const eventId = crypto.randomUUID();
  const statement = db
    .prepare('INSERT INTO outbox (event_id, aggregate, aggregate_id, event_type, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .bind(eventId, event.aggregate, event.aggregateId, event.eventType, JSON.stringify(event.payload), now.toISOString());
  return { statement, eventId };
}
