/**
 * Emulated ChittyID authority (host `id.*`). Mints canonical ids (`01-C-ACT-SSSS-TYPE-YM-C-0`)
 * whose sequence comes from an atomic D1 counter cycling 0001..9999, remembers every id it
 * minted (so validation can tell a forged-but-well-formed id from a real one), replays the same
 * id for a repeated `Idempotency-Key`, and serves id info. `mintChittyId` is also used by the
 * auth service and the control surface to mint ACTOR ids for test actors. The format and check
 * digit are this authority's own (../chitty-id.ts).
 */
import { z } from 'zod';
import { checkDigitMatches, didFor, ID_ENTITY_TYPES, type IdEntityType, isCanonicalShape, issueId } from '../chitty-id';
import { createServiceApp, notFound, readBody } from '../http';
import { fromJsonColumn, nowIso } from '../store';

export interface MintedId {
  chittyId: string;
  did: string;
  type: IdEntityType;
  issuedAt: string;
}

const NEXT_SEQUENCE = `INSERT INTO counters (name, n) VALUES ('chittyid', 1)
  ON CONFLICT (name) DO UPDATE SET n = counters.n % 9999 + 1
  RETURNING n`;

/** Mints and stores a new id. Retries on the (rare) collision after the sequence wraps. */
export async function mintChittyId(db: D1Database, type: IdEntityType, metadata: Record<string, unknown>): Promise<MintedId> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const row = await db.prepare(NEXT_SEQUENCE).first<{ n: number }>();
    if (!row) throw new Error('sequence counter returned no row');
    const now = new Date();
    const issuedAt = now.toISOString();
    const chittyId = issueId(type, row.n, now);
    const inserted = await db
      .prepare('INSERT OR IGNORE INTO chitty_ids (chitty_id, type, metadata, issued_at) VALUES (?, ?, ?, ?)')
      .bind(chittyId, type, JSON.stringify(metadata), issuedAt)
      .run();
    if (inserted.meta.changes === 1) return { chittyId, did: didFor(chittyId), type, issuedAt };
  }
  throw new Error('no free ChittyID sequence number this month');
}

interface IdRow {
  chitty_id: string;
  type: string;
  metadata: string;
  issued_at: string;
}

function findId(db: D1Database, chittyId: string): Promise<IdRow | null> {
  return db.prepare('SELECT * FROM chitty_ids WHERE chitty_id = ?').bind(chittyId).first<IdRow>();
}

function toMinted(row: IdRow): MintedId {
  return { chittyId: row.chitty_id, did: didFor(row.chitty_id), type: row.type as IdEntityType, issuedAt: row.issued_at };
}

export type IdValidity = { valid: true } | { valid: false; reason: 'malformed' | 'bad_checksum' | 'unknown' };

/** Shape, checksum, and "did this authority mint it?" — in that order. */
export async function checkChittyId(db: D1Database, chittyId: string): Promise<IdValidity> {
  if (!isCanonicalShape(chittyId)) return { valid: false, reason: 'malformed' };
  if (!checkDigitMatches(chittyId)) return { valid: false, reason: 'bad_checksum' };
  if (!(await findId(db, chittyId))) return { valid: false, reason: 'unknown' };
  return { valid: true };
}

const MintBody = z.object({
  type: z.enum(ID_ENTITY_TYPES),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
const ValidateBody = z.object({ chittyId: z.string() });

export const idApp = createServiceApp('id');

idApp.post('/v1/mint', async (c) => {
  const body = await readBody(c, MintBody);
  if (body instanceof Response) return body;
  const db = c.env.EMU_DB;
  const key = c.req.header('idempotency-key')?.trim();
  if (key) {
    const seen = await db
      .prepare("SELECT result FROM idempotency_keys WHERE scope = 'id.mint' AND key = ?")
      .bind(key)
      .first<{ result: string }>();
    const prior = seen ? await findId(db, seen.result) : null;
    if (prior) return c.json(toMinted(prior), 200);
  }
  const minted = await mintChittyId(db, body.type, body.metadata ?? {});
  if (key) {
    // Two concurrent first uses of one key: the first INSERT wins, the loser's id is discarded.
    await db
      .prepare("INSERT OR IGNORE INTO idempotency_keys (scope, key, result, created_at) VALUES ('id.mint', ?, ?, ?)")
      .bind(key, minted.chittyId, nowIso())
      .run();
    const winner = await db
      .prepare("SELECT result FROM idempotency_keys WHERE scope = 'id.mint' AND key = ?")
      .bind(key)
      .first<{ result: string }>();
    if (winner && winner.result !== minted.chittyId) {
      await db.prepare('DELETE FROM chitty_ids WHERE chitty_id = ?').bind(minted.chittyId).run();
      const prior = await findId(db, winner.result);
      if (prior) return c.json(toMinted(prior), 200);
    }
  }
  return c.json(minted, 201);
});

idApp.post('/v1/validate', async (c) => {
  const body = await readBody(c, ValidateBody);
  if (body instanceof Response) return body;
  const result = await checkChittyId(c.env.EMU_DB, body.chittyId);
  return c.json({ chittyId: body.chittyId, ...result }, 200);
});

idApp.get('/v1/:id/info', async (c) => {
  const row = await findId(c.env.EMU_DB, c.req.param('id'));
  if (!row) return notFound();
  return c.json({ ...toMinted(row), metadata: fromJsonColumn(row.metadata, {}) }, 200);
});
