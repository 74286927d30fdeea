/**
 * Emulated ChittyDNA (host `dna.*`). Each entity gets one DNA record (`dna_…`, keeping the
 * optional genesis object) starting at generation 0; every evolve appends a mutation to the
 * entity's history and bumps the generation by one, so history holds exactly one entry per
 * applied mutation. Initialise is idempotent per entity, and an evolve carrying an
 * `eventId` already applied to that entity is recognised as a duplicate. Both are enforced by
 * primary/unique keys inside a single D1 batch (a transaction), not by read-then-write.
 */
import { z } from 'zod';
import { createServiceApp, notFound, readBody } from '../http';
import { fromJsonColumn, nowIso, randomHex, toJsonColumn } from '../store';

interface DnaRow {
  dna_id: string;
  entity_id: string;
  generation: number;
}

interface HistoryRow {
  generation: number;
  type: string;
  data: string | null;
  event_id: string | null;
  at: string;
}

const JsonObject = z.record(z.string(), z.unknown());

const InitializeBody = z.object({
  entityId: z.string().min(1),
  entityType: z.string().min(1),
  genesis: JsonObject.optional(),
});

const EvolveBody = z.object({
  entityId: z.string().min(1),
  mutation: z.object({ type: z.string().min(1), data: JsonObject.optional() }),
  eventId: z.string().min(1).optional(),
});

const SELECT_DNA = 'SELECT dna_id, entity_id, generation FROM dna WHERE entity_id = ?';

export const dnaApp = createServiceApp('dna');

dnaApp.post('/v1/dna/initialize', async (c) => {
  const body = await readBody(c, InitializeBody);
  if (body instanceof Response) return body;
  const db = c.env.EMU_DB;
  const dnaId = `dna_${randomHex(12)}`;
  const now = nowIso();
  const [inserted, current] = await db.batch([
    db
      .prepare(
        `INSERT OR IGNORE INTO dna (entity_id, dna_id, entity_type, genesis, generation, created_at)
         VALUES (?, ?, ?, ?, 0, ?)`,
      )
      .bind(body.entityId, dnaId, body.entityType, toJsonColumn(body.genesis), now),
    db.prepare(SELECT_DNA).bind(body.entityId),
  ]);
  const row = current?.results[0] as DnaRow | undefined;
  if (!row) throw new Error('dna record missing after initialise');
  const created = inserted?.meta.changes === 1;
  return Response.json({ dnaId: row.dna_id, entityId: row.entity_id, generation: row.generation }, { status: created ? 201 : 200 });
});

dnaApp.post('/v1/dna/evolve', async (c) => {
  const body = await readBody(c, EvolveBody);
  if (body instanceof Response) return body;
  const db = c.env.EMU_DB;
  const [appended, , current] = await db.batch([
    // Nothing is inserted if the entity is unknown or UNIQUE(entity_id, event_id) already holds it.
    db
      .prepare(
        `INSERT OR IGNORE INTO dna_events (entity_id, generation, type, data, event_id, at)
         SELECT entity_id, generation + 1, ?, ?, ?, ? FROM dna WHERE entity_id = ?`,
      )
      .bind(body.mutation.type, toJsonColumn(body.mutation.data), body.eventId ?? null, nowIso(), body.entityId),
    db
      .prepare(
        `UPDATE dna SET generation =
           COALESCE((SELECT MAX(generation) FROM dna_events WHERE entity_id = dna.entity_id), 0)
         WHERE entity_id = ?`,
      )
      .bind(body.entityId),
    db.prepare(SELECT_DNA).bind(body.entityId),
  ]);
  const row = current?.results[0] as DnaRow | undefined;
  if (!row) return notFound();
  const result = { dnaId: row.dna_id, entityId: row.entity_id, generation: row.generation };
  if (appended?.meta.changes === 1) return Response.json(result);
  return Response.json({ ...result, duplicate: true });
});

dnaApp.get('/v1/dna/:entityId/history', async (c) => {
  const entityId = c.req.param('entityId');
  const db = c.env.EMU_DB;
  const [dna, history] = await db.batch([
    db.prepare(SELECT_DNA).bind(entityId),
    db.prepare('SELECT generation, type, data, event_id, at FROM dna_events WHERE entity_id = ? ORDER BY generation').bind(entityId),
  ]);
  const row = dna?.results[0] as DnaRow | undefined;
  if (!row) return notFound();
  return Response.json({
    entityId: row.entity_id,
    dnaId: row.dna_id,
    generation: row.generation,
    history: ((history?.results ?? []) as HistoryRow[]).map((h) => ({
      generation: h.generation,
      type: h.type,
      data: fromJsonColumn(h.data, null),
      eventId: h.event_id,
      at: h.at,
    })),
  });
});
