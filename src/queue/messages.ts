/** The outbox's events: what a mutation records, and the shape that travels on CONTEXT_OPS_QUEUE (one event per message). */

export type Aggregate = 'context' | 'actor' | 'connection' | 'delegation' | 'api_key' | 'installation';

/** What a mutation records beside itself, in the same D1 batch (one transaction): see queue/store.ts `outboxInsert`. */
export interface OutboxEvent {
  aggregate: Aggregate;
  aggregateId: string;
  /** e.g. `actor.registered`, `delegation.revoked` */
  eventType: string;
  payload: Record<string, unknown>;
}

export interface OutboxMessage {
  eventId: string;
  aggregate: Aggregate;
  aggregateId: string;
  eventType: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

/**
 * Deepest nesting an event's payload may have: payloads are built by our own writes (a context's
 * free-form data is capped at 16 levels), so anything past this is not ours and is dead-lettered.
 */
export const MAX_OUTBOX_PAYLOAD_DEPTH = 64;
