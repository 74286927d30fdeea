/**
 * SQL for delegations. A row holds a token's claims (never the token); `root_id` and `parent_id`
 * tie derived tokens to their lineage. The actor chain is stored as the schema says, RFC 8693
 * order (most recent delegator first), and mapped here to the API's order (original first).
 * Revocation is a column: reads walk the token's ancestors, writes mark the token and all its
 * descendants, so a revoke holds at the very next check whichever way a lineage is reached.
 */
import type { ActorStatus } from '../actors/schema';
import type { DelegationRecord } from './schema';

/** How deep the lineage queries follow parents or children; matches MAX_CHAIN with room to spare. */
const MAX_DEPTH = 32;

interface DelegationRow {
  token_id: string;
  parent_id: string | null;
  root_id: string;
  issuer: string;
  subject: string;
  audience: string;
  scopes: string;
  actor_chain: string;
  key_id: string;
  issued_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

function toRecord(row: DelegationRow): DelegationRecord {
  return {
    tokenId: row.token_id,
    parentId: row.parent_id,
    rootId: row.root_id,
    issuer: row.issuer,
    subject: row.subject,
    audience: row.audience,
    scopes: JSON.parse(row.scopes) as string[],
    actorChain: (JSON.parse(row.actor_chain) as string[]).reverse(),
    keyId: row.key_id,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}

/**
 * Delegations `chittyId` is part of (a delegator in the act chain, or the subject), or every one
 * when `chittyId` is null; newest first, at most `limit`.
 */
export async function delegationsInvolving(db: D1Database, chittyId: string | null, limit: number): Promise<DelegationRecord[]> {
  const statement =
    chittyId === null
      ? db.prepare('SELECT * FROM delegations ORDER BY issued_at DESC, rowid DESC LIMIT ?1').bind(limit)
      : db
          .prepare(
            `SELECT * FROM delegations
             WHERE subject = ?2 OR EXISTS (SELECT 1 FROM json_each(delegations.actor_chain) WHERE value = ?2)
             ORDER BY issued_at DESC, rowid DESC LIMIT ?1`,
          )
          .bind(limit, chittyId);
  const { results } = await statement.all<DelegationRow>();
  return results.map(toRecord);
}

/** The INSERT of a new delegation, for the batch that also writes its outbox event. */
export function insertDelegation(db: D1Database, r: DelegationRecord): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO delegations (token_id, parent_id, root_id, issuer, subject, audience, scopes, actor_chain, key_id,
         issued_at, expires_at, revoked_at, revoked_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)`,
    )
    .bind(
      r.tokenId,
      r.parentId,
      r.rootId,
      r.issuer,
      r.subject,
      r.audience,
      JSON.stringify(r.scopes),
      JSON.stringify([...r.actorChain].reverse()),
      r.keyId,
      r.issuedAt,
      r.expiresAt,
    );
}

/** One delegation by token id. */
export async function delegationById(db: D1Database, tokenId: string): Promise<DelegationRecord | null> {
  const row = await db.prepare('SELECT * FROM delegations WHERE token_id = ?').bind(tokenId).first<DelegationRow>();
  return row ? toRecord(row) : null;
}

/** The UPDATE that revokes a token and every token derived from it (those not already revoked). */
export function revokeLineage(db: D1Database, tokenId: string, revokedBy: string, revokedAt: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE delegations SET revoked_at = ?2, revoked_by = ?3
       WHERE revoked_at IS NULL AND token_id IN (
         WITH RECURSIVE tree (token_id, depth) AS (
           SELECT ?1, 0
           UNION ALL
           SELECT d.token_id, tree.depth + 1 FROM delegations d JOIN tree ON d.parent_id = tree.token_id WHERE tree.depth < ?4
         )
         SELECT token_id FROM tree
       )`,
    )
    .bind(tokenId, revokedAt, revokedBy, MAX_DEPTH);
}

export interface ChainActor {
  chittyId: string;
  status: ActorStatus;
  capabilities: string[];
}

export interface TokenState {
  /** D1 knows this token id (it was issued here). */
  known: boolean;
  /** The token or one of its ancestors is revoked. */
  revoked: boolean;
  /** The delegators that still exist as actors, with their current status and capabilities. */
  actors: ChainActor[];
}

/**
 * Everything a validation needs from D1, in one round trip and read fresh every time: whether the
 * token is on record, whether it or any ancestor is revoked, and the chain's actors as they are now.
 */
export async function tokenState(db: D1Database, tokenId: string, actorChain: readonly string[]): Promise<TokenState> {
  const lineage = db
    .prepare(
      `WITH RECURSIVE lineage (token_id, parent_id, revoked_at, depth) AS (
         SELECT token_id, parent_id, revoked_at, 0 FROM delegations WHERE token_id = ?1
         UNION ALL
         SELECT d.token_id, d.parent_id, d.revoked_at, lineage.depth + 1
           FROM delegations d JOIN lineage ON d.token_id = lineage.parent_id WHERE lineage.depth < ?2
       )
       SELECT COUNT(*) AS found, COALESCE(SUM(revoked_at IS NOT NULL), 0) AS revoked FROM lineage`,
    )
    .bind(tokenId, MAX_DEPTH);
  const ids = actorChain.length ? actorChain : [''];
  const actors = db
    .prepare(`SELECT chitty_id, status, capabilities FROM actors WHERE chitty_id IN (${ids.map(() => '?').join(', ')})`)
    .bind(...ids);
  const [lineageResult, actorsResult] = await db.batch<Record<string, unknown>>([lineage, actors]);
  const counts = lineageResult?.results[0] as { found: number; revoked: number } | undefined;
  const rows = (actorsResult?.results ?? []) as { chitty_id: string; status: ActorStatus; capabilities: string }[];
  return {
    known: (counts?.found ?? 0) > 0,
    revoked: (counts?.revoked ?? 0) > 0,
    actors: rows.map((r) => ({ chittyId: r.chitty_id, status: r.status, capabilities: JSON.parse(r.capabilities) as string[] })),
  };
}
