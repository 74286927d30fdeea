/**
 * SQL for connections. Owner scoping is in every read a caller can reach: someone else's
 * connection is indistinguishable from one that does not exist. Writes that describe a change
 * carry their outbox event in the same batch, inserted only if the change happened
 * (`changes() = 1`), so a lost race writes neither. Lists are keyset-paginated on
 * (created_at, connection_id) through the (owner, created_at, connection_id) index.
 */
import type { OutboxEvent } from '../queue/messages';
import type { Connection, ConnectionStatus, TargetService } from './schema';

interface ConnectionRow {
  connection_id: string;
  owner: string;
  source_type: Connection['sourceType'];
  source_id: string;
  target_service: TargetService;
  target_endpoint: string;
  connection_type: Connection['type'];
  config: string;
  credentials_ref: string | null;
  credentials_kid: string | null;
  tags: string;
  metadata: string;
  status: ConnectionStatus;
  last_check_at: string | null;
  error_count: number;
  request_count: number;
  last_used_at: string | null;
  created_at: string;
  updated_at: string;
  disconnected_at: string | null;
}

function toConnection(r: ConnectionRow): Connection {
  return {
    connectionId: r.connection_id,
    owner: r.owner,
    sourceType: r.source_type,
    sourceId: r.source_id,
    targetService: r.target_service,
    targetEndpoint: r.target_endpoint,
    type: r.connection_type,
    config: JSON.parse(r.config) as Record<string, unknown>,
    credentialsRef: r.credentials_ref,
    credentialsKid: r.credentials_kid,
    tags: JSON.parse(r.tags) as string[],
    metadata: JSON.parse(r.metadata) as Record<string, unknown>,
    status: r.status,
    lastCheckAt: r.last_check_at,
    errorCount: r.error_count,
    requestCount: r.request_count,
    lastUsedAt: r.last_used_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    disconnectedAt: r.disconnected_at,
  };
}

/** The INSERT of a new connection, for the batch that also writes its outbox event. */
export function insertConnection(db: D1Database, c: Connection): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO connections (connection_id, owner, source_type, source_id, target_service, target_endpoint, connection_type,
         config, credentials_ref, credentials_kid, tags, metadata, status, error_count, request_count, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)`,
    )
    .bind(
      c.connectionId,
      c.owner,
      c.sourceType,
      c.sourceId,
      c.targetService,
      c.targetEndpoint,
      c.type,
      JSON.stringify(c.config),
      c.credentialsRef,
      c.credentialsKid,
      JSON.stringify(c.tags),
      JSON.stringify(c.metadata),
      c.status,
      c.createdAt,
      c.updatedAt,
    );
}

/** True when a write failed on the one-live-connection-per-source/target/endpoint index. */
export function isDuplicateLive(err: unknown): boolean {
  return err instanceof Error && /UNIQUE constraint failed/i.test(err.message);
}

/** An outbox insert that happens only if the statement just before it in the batch changed one row. */
export function outboxIfChanged(db: D1Database, event: OutboxEvent, at: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO outbox (event_id, aggregate, aggregate_id, event_type, payload, created_at)
       SELECT ?, ?, ?, ?, ?, ? WHERE changes() = 1`,
    )
    .bind(crypto.randomUUID(), event.aggregate, event.aggregateId, event.eventType, JSON.stringify(event.payload), at);
}

/** One connection of this owner (any status), or null. */
export async function connectionOf(db: D1Database, connectionId: string, owner: string): Promise<Connection | null> {
  const row = await db
    .prepare('SELECT * FROM connections WHERE connection_id = ? AND owner = ?')
    .bind(connectionId, owner)
    .first<ConnectionRow>();
  return row ? toConnection(row) : null;
}

/** One connection by id, whoever owns it (for sweeps and administration, never for callers). */
export async function connectionById(db: D1Database, connectionId: string): Promise<Connection | null> {
  const row = await db.prepare('SELECT * FROM connections WHERE connection_id = ?').bind(connectionId).first<ConnectionRow>();
  return row ? toConnection(row) : null;
}

export interface ListFilters {
  source?: { type: 'context' | 'actor'; id: string };
  target?: TargetService;
  status?: ConnectionStatus;
}

/** A page of the owner's connections, newest first, after the keyset position `before`. */
export async function listConnections(
  db: D1Database,
  owner: string,
  filters: ListFilters,
  limit: number,
  before?: { createdAt: string; connectionId: string },
): Promise<Connection[]> {
  const where: string[] = [];
  const binds: (string | number)[] = [];
  const add = (clause: string, ...values: string[]) => {
    where.push(clause);
    binds.push(...values);
  };
  add('owner = ?', owner);
  if (filters.source) add('source_type = ? AND source_id = ?', filters.source.type, filters.source.id);
  if (filters.target) add('target_service = ?', filters.target);
  if (filters.status) add('status = ?', filters.status);
  if (before) add('(created_at, connection_id) < (?, ?)', before.createdAt, before.connectionId);
  const { results } = await db
    .prepare(`SELECT * FROM connections WHERE ${where.join(' AND ')} ORDER BY created_at DESC, connection_id DESC LIMIT ?`)
    .bind(...binds, limit)
    .all<ConnectionRow>();
  return results.map(toConnection);
}

/** The UPDATE that disconnects a live connection of this owner and forgets its credentials reference. */
export function disconnectConnection(db: D1Database, connectionId: string, owner: string, at: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE connections SET status = 'disconnected', disconnected_at = ?1, updated_at = ?1, credentials_ref = NULL, credentials_kid = NULL
       WHERE connection_id = ?2 AND owner = ?3 AND status != 'disconnected'`,
    )
    .bind(at, connectionId, owner);
}

/**
 * Records a health check on a connection that is still in status `from`: success resets the
 * error count and makes it active, failure counts one more error and makes it failed.
 */
export function recordCheck(db: D1Database, connectionId: string, from: ConnectionStatus, ok: boolean, at: string): D1PreparedStatement {
  const to: ConnectionStatus = ok ? 'active' : 'failed';
  return db
    .prepare(
      `UPDATE connections SET status = ?1, last_check_at = ?2, error_count = CASE WHEN ?3 THEN 0 ELSE error_count + 1 END,
         updated_at = CASE WHEN status = ?1 THEN updated_at ELSE ?2 END
       WHERE connection_id = ?4 AND status = ?5 AND status != 'disconnected'`,
    )
    .bind(to, at, ok ? 1 : 0, connectionId, from);
}

/** How many checks each connection keeps. */
export const CHECKS_KEPT = 50;

export interface CheckRecord {
  checkedAt: string;
  reachable: boolean;
  latencyMs: number;
  httpStatus: number | null;
  reason: string | null;
}

/** Appends a check to the connection's history and drops all but the latest CHECKS_KEPT (two statements for the check's batch). */
export function appendCheck(db: D1Database, connectionId: string, check: CheckRecord): D1PreparedStatement[] {
  return [
    db
      .prepare(
        'INSERT INTO connection_checks (connection_id, checked_at, reachable, latency_ms, http_status, reason) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .bind(connectionId, check.checkedAt, check.reachable ? 1 : 0, Math.round(check.latencyMs), check.httpStatus, check.reason),
    db
      .prepare(
        `DELETE FROM connection_checks WHERE connection_id = ?1 AND rowid NOT IN
           (SELECT rowid FROM connection_checks WHERE connection_id = ?1 ORDER BY checked_at DESC, rowid DESC LIMIT ?2)`,
      )
      .bind(connectionId, CHECKS_KEPT),
  ];
}

/** The connection's latest checks, newest first. */
export async function checksOf(db: D1Database, connectionId: string, limit: number): Promise<CheckRecord[]> {
  const { results } = await db
    .prepare(
      `SELECT checked_at, reachable, latency_ms, http_status, reason FROM connection_checks
       WHERE connection_id = ? ORDER BY checked_at DESC, rowid DESC LIMIT ?`,
    )
    .bind(connectionId, limit)
    .all<{ checked_at: string; reachable: number; latency_ms: number; http_status: number | null; reason: string | null }>();
  return results.map((r) => ({
    checkedAt: r.checked_at,
    reachable: r.reachable === 1,
    latencyMs: r.latency_ms,
    httpStatus: r.http_status,
    reason: r.reason,
  }));
}

/** Counts one use through the proxy (and one error when it failed). */
export function recordUse(db: D1Database, connectionId: string, failed: boolean, at: string): D1PreparedStatement {
  return db
    .prepare(
      'UPDATE connections SET request_count = request_count + 1, last_used_at = ?, error_count = error_count + ? WHERE connection_id = ?',
    )
    .bind(at, failed ? 1 : 0, connectionId);
}

/** The `limit` live connections checked longest ago (never-checked first), each status read by its index. */
export async function staleConnections(db: D1Database, limit: number): Promise<Connection[]> {
  const query = 'SELECT * FROM connections WHERE status = ? ORDER BY last_check_at ASC LIMIT ?';
  const [active, failed] = await db.batch<ConnectionRow>([
    db.prepare(query).bind('active', limit),
    db.prepare(query).bind('failed', limit),
  ]);
  const rows = [...(active?.results ?? []), ...(failed?.results ?? [])];
  rows.sort((a, b) => (a.last_check_at ?? '').localeCompare(b.last_check_at ?? ''));
  return rows.slice(0, limit).map(toConnection);
}

/** Connections whose credentials are not (known to be) under `kid`, in id order after `after`. */
export async function connectionsToReencrypt(db: D1Database, kid: string, after: string, limit: number): Promise<Connection[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM connections WHERE credentials_ref IS NOT NULL AND connection_id > ?
         AND (credentials_kid IS NULL OR credentials_kid != ?) ORDER BY connection_id LIMIT ?`,
    )
    .bind(after, kid, limit)
    .all<ConnectionRow>();
  return results.map(toConnection);
}

/** Records the kid now protecting a connection's credentials; false if it has none any more (disconnected). */
export async function setCredentialsKid(db: D1Database, connectionId: string, kid: string): Promise<boolean> {
  const result = await db
    .prepare('UPDATE connections SET credentials_kid = ? WHERE connection_id = ? AND credentials_ref IS NOT NULL')
    .bind(kid, connectionId)
    .run();
  return result.meta.changes === 1;
}
