/**
 * SQL for contexts. Owner scoping is in every query: a context that is not the caller's is
 * indistinguishable from one that does not exist. Writes that must be conditional (ETag) carry
 * their outbox event in the same batch, inserted only if the change happened (`changes() = 1`).
 */
import type { OutboxEvent } from '../queue/messages';
import type { Context, ContextStatus } from './schema';

interface ContextRow {
  chitty_id: string;
  name: string;
  owner: string;
  data: string;
  systems: string;
  tools: string;
  status: Context['status'];
  dna_id: string | null;
  timeline_id: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export function toContext(row: ContextRow): Context {
  return {
    chittyId: row.chitty_id,
    name: row.name,
    owner: row.owner,
    data: JSON.parse(row.data) as unknown[],
    systems: JSON.parse(row.systems) as string[],
    tools: JSON.parse(row.tools) as string[],
    status: row.status,
    dnaId: row.dna_id,
    timelineId: row.timeline_id,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}

/** A live context of this owner, or null (deleted, someone else's, or absent: all the same to the caller). */
export async function ownedContext(db: D1Database, chittyId: string, owner: string): Promise<Context | null> {
  const row = await db
    .prepare('SELECT * FROM contexts WHERE chitty_id = ? AND owner = ? AND deleted_at IS NULL')
    .bind(chittyId, owner)
    .first<ContextRow>();
  return row ? toContext(row) : null;
}

/** The same read as `ownedContext`, with D1's metadata (rows read) for the caller to report. */
export async function ownedContextWithMeta(
  db: D1Database,
  chittyId: string,
  owner: string,
): Promise<{ context: Context | null; meta: D1Meta }> {
  const result = await db
    .prepare('SELECT * FROM contexts WHERE chitty_id = ? AND owner = ? AND deleted_at IS NULL')
    .bind(chittyId, owner)
    .all<ContextRow>();
  const row = result.results[0];
  return { context: row ? toContext(row) : null, meta: result.meta };
}

export async function nameTaken(db: D1Database, name: string): Promise<boolean> {
  return (await db.prepare('SELECT 1 AS x FROM contexts WHERE name = ? AND deleted_at IS NULL').bind(name).first()) !== null;
}

export function insertContext(db: D1Database, c: Context): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO contexts (chitty_id, name, owner, data, systems, tools, status, dna_id, timeline_id, version, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      c.chittyId,
      c.name,
      c.owner,
      JSON.stringify(c.data),
      JSON.stringify(c.systems),
      JSON.stringify(c.tools),
      c.status,
      c.dnaId,
      c.timelineId,
      c.version,
      c.createdAt,
      c.updatedAt,
    );
}

/** An outbox insert that happens only if the statement just before it in the batch changed one row. */
export function outboxIfChanged(db: D1Database, event: OutboxEvent, eventId: string, at: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO outbox (event_id, aggregate, aggregate_id, event_type, payload, created_at)
       SELECT ?, ?, ?, ?, ?, ? WHERE changes() = 1`,
    )
    .bind(eventId, event.aggregate, event.aggregateId, event.eventType, JSON.stringify(event.payload), at);
}

export interface ContextChanges {
  name?: string;
  data?: unknown[];
  systems?: string[];
  tools?: string[];
  status?: ContextStatus;
}

/** UPDATE … WHERE version matches: zero rows changed means a conflict (or gone). */
export function updateContext(
  db: D1Database,
  chittyId: string,
  owner: string,
  expectedVersion: number,
  changes: ContextChanges,
  at: string,
): D1PreparedStatement {
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [key, column] of [
    ['name', 'name'],
    ['data', 'data'],
    ['systems', 'systems'],
    ['tools', 'tools'],
    ['status', 'status'],
  ] as const) {
    const value = changes[key];
    if (value === undefined) continue;
    sets.push(`${column} = ?`);
    values.push(typeof value === 'string' ? value : JSON.stringify(value));
  }
  sets.push('version = version + 1', 'updated_at = ?');
  values.push(at);
  return db
    .prepare(`UPDATE contexts SET ${sets.join(', ')} WHERE chitty_id = ? AND owner = ? AND version = ? AND deleted_at IS NULL`)
    .bind(...values, chittyId, owner, expectedVersion);
}

/** Soft delete: the row stays, out of every reader's sight; its name is free again. */
export function softDeleteContext(db: D1Database, chittyId: string, owner: string, expectedVersion: number | null, at: string) {
  return db
    .prepare(
      `UPDATE contexts SET status = 'deleted', deleted_at = ?1, updated_at = ?1, version = version + 1
       WHERE chitty_id = ?2 AND owner = ?3 AND deleted_at IS NULL AND (?4 IS NULL OR version = ?4)`,
    )
    .bind(at, chittyId, owner, expectedVersion);
}

/** Sets the DNA reference once the DNA record exists (not a content change: no version bump). */
export function setContextDna(db: D1Database, chittyId: string, dnaId: string): D1PreparedStatement {
  return db.prepare('UPDATE contexts SET dna_id = ? WHERE chitty_id = ? AND dna_id IS NULL').bind(dnaId, chittyId);
}

export interface Page {
  limit: number;
  /** Keyset cursor: the last row of the previous page. */
  after?: { createdAt: string; chittyId: string };
}

/** The owner's live contexts, newest first, optionally by status or by one system or tool. */
export async function listContexts(
  db: D1Database,
  owner: string,
  filter: { status?: ContextStatus; system?: string; tool?: string },
  page: Page,
): Promise<{ rows: Context[]; meta: D1Meta }> {
  const after = page.after;
  const keyset = after ? 'AND (x.created_at, x.chitty_id) < (?, ?)' : '';
  const keysetValues = after ? [after.createdAt, after.chittyId] : [];
  let statement: D1PreparedStatement;
  if (filter.system !== undefined || filter.tool !== undefined) {
    const kind = filter.system !== undefined ? 'system' : 'tool';
    const value = filter.system ?? filter.tool;
    statement = db
      .prepare(
        `SELECT c.* FROM context_labels x JOIN contexts c ON c.chitty_id = x.context_id
         WHERE x.owner = ? AND x.kind = ? AND x.value = ? ${keyset} ${filter.status ? 'AND c.status = ?' : ''}
         ORDER BY x.created_at DESC, x.context_id DESC LIMIT ?`.replace(/x\.chitty_id/g, 'x.context_id'),
      )
      .bind(owner, kind, value, ...keysetValues, ...(filter.status ? [filter.status] : []), page.limit);
  } else if (filter.status) {
    statement = db
      .prepare(
        `SELECT * FROM contexts x INDEXED BY contexts_owner_status_created
         WHERE x.owner = ? AND x.status = ? AND x.deleted_at IS NULL ${keyset}
         ORDER BY x.created_at DESC, x.chitty_id DESC LIMIT ?`,
      )
      .bind(owner, filter.status, ...keysetValues, page.limit);
  } else {
    statement = db
      .prepare(
        `SELECT * FROM contexts x INDEXED BY contexts_owner_created
         WHERE x.owner = ? AND x.deleted_at IS NULL ${keyset}
         ORDER BY x.created_at DESC, x.chitty_id DESC LIMIT ?`,
      )
      .bind(owner, ...keysetValues, page.limit);
  }
  const result = await statement.all<ContextRow>();
  return { rows: result.results.map(toContext), meta: result.meta };
}

/** Full-text search within the owner's live contexts, best match first. `match` is an FTS5 query built by the caller. */
export async function searchContexts(
  db: D1Database,
  owner: string,
  match: string,
  limit: number,
  offset: number,
): Promise<{ rows: (Context & { rank: number })[]; meta: D1Meta }> {
  const ownerTag = owner.replace(/-/g, '');
  const result = await db
    .prepare(
      `SELECT c.*, f.rank AS rank FROM (
         SELECT rowid, bm25(contexts_fts, 0.0, 10.0, 1.0, 2.0, 2.0) AS rank FROM contexts_fts
         WHERE contexts_fts MATCH ? ORDER BY rank LIMIT ? OFFSET ?
       ) f JOIN contexts c ON c.rowid = f.rowid
       WHERE c.owner = ? AND c.deleted_at IS NULL
       ORDER BY f.rank`,
    )
    .bind(`owner_tag:${ownerTag} AND (${match})`, limit, offset, owner)
    .all<ContextRow & { rank: number }>();
  return { rows: result.results.map((r) => ({ ...toContext(r), rank: r.rank })), meta: result.meta };
}
