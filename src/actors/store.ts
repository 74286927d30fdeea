/** SQL for the actor registry. Rows are mapped to `Actor`; JSON columns are parsed here. */
import type { ActorType } from '../auth/principal';
import type { Actor, ActorStatus } from './schema';

interface ActorRow {
  chitty_id: string;
  actor_type: ActorType;
  principal_id: string;
  display_name: string | null;
  email: string | null;
  avatar_url: string | null;
  capabilities: string;
  status: ActorStatus;
  dna_id: string | null;
  session_count: number;
  last_seen_at: string | null;
  created_at: string;
  updated_at: string;
}

function toActor(row: ActorRow): Actor {
  return {
    chittyId: row.chitty_id,
    actorType: row.actor_type,
    principalId: row.principal_id,
    displayName: row.display_name,
    email: row.email,
    avatarUrl: row.avatar_url,
    capabilities: JSON.parse(row.capabilities) as string[],
    status: row.status,
    dnaId: row.dna_id,
    sessionCount: row.session_count,
    lastSeenAt: row.last_seen_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function actorByPrincipal(db: D1Database, principalId: string): Promise<Actor | null> {
  const row = await db.prepare('SELECT * FROM actors WHERE principal_id = ?').bind(principalId).first<ActorRow>();
  return row ? toActor(row) : null;
}

export async function actorById(db: D1Database, chittyId: string): Promise<Actor | null> {
  const row = await db.prepare('SELECT * FROM actors WHERE chitty_id = ?').bind(chittyId).first<ActorRow>();
  return row ? toActor(row) : null;
}

export function insertActor(db: D1Database, actor: Actor): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO actors (chitty_id, actor_type, principal_id, display_name, email, avatar_url, capabilities, status,
         dna_id, session_count, last_seen_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      actor.chittyId,
      actor.actorType,
      actor.principalId,
      actor.displayName,
      actor.email,
      actor.avatarUrl,
      JSON.stringify(actor.capabilities),
      actor.status,
      actor.dnaId,
      actor.sessionCount,
      actor.lastSeenAt,
      actor.createdAt,
      actor.updatedAt,
    );
}

export interface ActorChanges {
  displayName?: string | null;
  email?: string | null;
  avatarUrl?: string | null;
  capabilities?: string[];
  status?: ActorStatus;
}

/** An UPDATE of the given fields (only those present), stamped with `updatedAt`. */
export function updateActor(db: D1Database, chittyId: string, changes: ActorChanges, updatedAt: string): D1PreparedStatement {
  const sets: string[] = [];
  const values: unknown[] = [];
  const column: Record<keyof ActorChanges, string> = {
    displayName: 'display_name',
    email: 'email',
    avatarUrl: 'avatar_url',
    capabilities: 'capabilities',
    status: 'status',
  };
  for (const key of Object.keys(column) as (keyof ActorChanges)[]) {
    if (changes[key] === undefined) continue;
    sets.push(`${column[key]} = ?`);
    values.push(key === 'capabilities' ? JSON.stringify(changes[key]) : changes[key]);
  }
  sets.push('updated_at = ?');
  values.push(updatedAt);
  return db.prepare(`UPDATE actors SET ${sets.join(', ')} WHERE chitty_id = ?`).bind(...values, chittyId);
}

/**
 * Records a sighting. Writes only when the last one is older than `throttleMs`, so a busy actor
 * costs at most one write per interval; a gap longer than `sessionGapMs` starts a new session.
 */
export async function recordSeen(db: D1Database, chittyId: string, now: Date, throttleMs: number, sessionGapMs: number): Promise<boolean> {
  const at = now.toISOString();
  const throttleBefore = new Date(now.getTime() - throttleMs).toISOString();
  const sessionBefore = new Date(now.getTime() - sessionGapMs).toISOString();
  const result = await db
    .prepare(
      `UPDATE actors SET last_seen_at = ?1,
         session_count = session_count + (CASE WHEN last_seen_at IS NULL OR last_seen_at < ?3 THEN 1 ELSE 0 END)
       WHERE chitty_id = ?4 AND (last_seen_at IS NULL OR last_seen_at < ?2)`,
    )
    .bind(at, throttleBefore, sessionBefore, chittyId)
    .run();
  return result.meta.changes > 0;
}

/** Records the DNA id ChittyDNA gave an actor (the first one only; a later id never replaces it). */
export function setActorDna(db: D1Database, chittyId: string, dnaId: string): D1PreparedStatement {
  return db.prepare('UPDATE actors SET dna_id = ? WHERE chitty_id = ? AND dna_id IS NULL').bind(dnaId, chittyId);
}
