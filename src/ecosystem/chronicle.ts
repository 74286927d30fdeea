/** ChittyChronicle: the event timeline. Entries with an event id are logged exactly once by it. */
import { z } from 'zod';
import type { Transport } from './transport';

export interface ChronicleEvent {
  eventType: string;
  entityId: string;
  data?: Record<string, unknown>;
  /** With an id, Chronicle keeps one entry per id, which makes the call safe to retry. */
  eventId?: string;
  timestamp?: string;
}

const logged = z.object({ eventId: z.string(), logged: z.boolean().optional(), duplicate: z.boolean().optional() }).passthrough();
const batchLogged = z
  .object({ logged: z.number(), duplicates: z.number().optional(), eventIds: z.array(z.string()).optional() })
  .passthrough();
const timeline = z
  .object({ entityId: z.string(), events: z.array(z.object({ eventId: z.string(), eventType: z.string() }).passthrough()) })
  .passthrough();

export const CHRONICLE_BATCH_MAX = 100;

export function chronicleService(t: Transport) {
  return {
    log(event: ChronicleEvent) {
      return t.call({
        service: 'chronicle',
        method: 'POST',
        path: '/v1/events/log',
        body: event,
        idempotent: event.eventId !== undefined,
        schema: logged,
      });
    },
    /** Up to 100 events in one call; retried only when every event carries its id. */
    batch(events: ChronicleEvent[]) {
      if (events.length > CHRONICLE_BATCH_MAX) throw new RangeError(`at most ${CHRONICLE_BATCH_MAX} events per batch`);
      return t.call({
        service: 'chronicle',
        method: 'POST',
        path: '/v1/events/batch',
        body: { events },
        idempotent: events.every((e) => e.eventId !== undefined),
        schema: batchLogged,
      });
    },
    timeline(entityId: string, limit = 50) {
      return t.call({
        service: 'chronicle',
        method: 'GET',
        path: `/v1/timeline/${encodeURIComponent(entityId)}?limit=${limit}`,
        schema: timeline,
      });
    },
  };
}
