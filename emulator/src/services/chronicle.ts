/**
 * Emulated ChittyChronicle (host `chronicle.*`), the ecosystem's event log. Events are logged
 * exactly once per `eventId` (generated when absent): the `events.event_id` UNIQUE constraint with
 * `INSERT OR IGNORE` decides, so a replayed event is reported as a duplicate rather than stored
 * twice, even under concurrent retries. Batches of up to 100 events run as one D1 batch, and an
 * entity's timeline is served newest first (by event timestamp, then logging order).
 */
import { z } from 'zod';
import { badRequest, createServiceApp, readBody } from '../http';
import { fromJsonColumn, nowIso, toJsonColumn } from '../store';

const MAX_BATCH = 100;
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

const Event = z.object({
  eventType: z.string().min(1),
  entityId: z.string().min(1),
  data: z.unknown().optional(),
  eventId: z.string().min(1).optional(),
  timestamp: z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'timestamp must be a date-time string')
    .optional(),
});
type Event = z.output<typeof Event>;

const BatchBody = z.object({ events: z.array(Event).max(MAX_BATCH) });

interface EventRow {
  event_id: string;
  event_type: string;
  entity_id: string;
  data: string | null;
  timestamp: string;
  logged_at: string;
}

/** The INSERT OR IGNORE for one event, plus the event id it will be stored under. */
function insertEvent(db: D1Database, event: Event, loggedAt: string): { eventId: string; stmt: D1PreparedStatement } {
  const eventId = event.eventId ?? `evt_${crypto.randomUUID()}`;
  // Normalised to ISO so that timeline ordering by text is ordering by time.
  const timestamp = event.timestamp === undefined ? loggedAt : new Date(event.timestamp).toISOString();
  const stmt = db
    .prepare(
      `INSERT OR IGNORE INTO events (event_id, event_type, entity_id, data, timestamp, logged_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    )
    .bind(eventId, event.eventType, event.entityId, toJsonColumn(event.data), timestamp, loggedAt);
  return { eventId, stmt };
}

export const chronicleApp = createServiceApp('chronicle');

chronicleApp.post('/v1/events/log', async (c) => {
  const body = await readBody(c, Event);
  if (body instanceof Response) return body;
  const { eventId, stmt } = insertEvent(c.env.EMU_DB, body, nowIso());
  const result = await stmt.run();
  if (result.meta.changes === 1) return Response.json({ eventId, logged: true }, { status: 201 });
  return Response.json({ eventId, logged: false, duplicate: true });
});

chronicleApp.post('/v1/events/batch', async (c) => {
  const body = await readBody(c, BatchBody);
  if (body instanceof Response) return body;
  const db = c.env.EMU_DB;
  const loggedAt = nowIso();
  const inserts = body.events.map((event) => insertEvent(db, event, loggedAt));
  const results = inserts.length > 0 ? await db.batch(inserts.map((i) => i.stmt)) : [];
  const logged = results.filter((r) => r.meta.changes === 1).length;
  return Response.json({ logged, duplicates: inserts.length - logged, eventIds: inserts.map((i) => i.eventId) }, { status: 201 });
});

chronicleApp.get('/v1/timeline/:entityId', async (c) => {
  const entityId = c.req.param('entityId');
  const rawLimit = c.req.query('limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== undefined && rawLimit !== '') {
    if (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1) return badRequest('limit must be a positive integer');
    limit = Math.min(Number(rawLimit), MAX_LIMIT);
  }
  const { results } = await c.env.EMU_DB.prepare(
    `SELECT event_id, event_type, entity_id, data, timestamp, logged_at FROM events
     WHERE entity_id = ? ORDER BY timestamp DESC, seq DESC LIMIT ?`,
  )
    .bind(entityId, limit)
    .all<EventRow>();
  return Response.json({
    entityId,
    events: results.map((r) => ({
      eventId: r.event_id,
      eventType: r.event_type,
      entityId: r.entity_id,
      data: fromJsonColumn(r.data, null),
      timestamp: r.timestamp,
      loggedAt: r.logged_at,
    })),
  });
});
