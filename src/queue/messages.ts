/** The shape of what travels on CONTEXT_OPS_QUEUE: one outbox event per message. */
import type { Aggregate } from './outbox';

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
