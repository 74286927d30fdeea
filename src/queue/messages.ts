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
