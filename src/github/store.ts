/** SQL for GitHub deliveries (the authoritative dedupe) and installations. */

export type Claim = 'mine' | 'done' | 'busy';

/** How long a delivery may sit in `processing` before another consumer may take it over (a crashed run). */
export const STALE_PROCESSING_MS = 5 * 60_000;

/**
 * Claims a delivery for processing, exactly once among concurrent duplicates: the first INSERT
 * wins; a later copy finds it `processed` (done), `processing` (busy, unless stale) or `failed`
 * (taken over for a retry).
 */
export async function claimDelivery(db: D1Database, deliveryId: string, event: string, now: Date): Promise<Claim> {
  const at = now.toISOString();
  const inserted = await db
    .prepare(
      `INSERT INTO processed_events (source, event_id, event_type, status, attempts, received_at, claimed_at)
       VALUES ('github', ?1, ?2, 'processing', 1, ?3, ?3) ON CONFLICT (source, event_id) DO NOTHING RETURNING event_id`,
    )
    .bind(deliveryId, event, at)
    .first();
  if (inserted) return 'mine';
  const staleBefore = new Date(now.getTime() - STALE_PROCESSING_MS).toISOString();
  const taken = await db
    .prepare(
      `UPDATE processed_events SET status = 'processing', attempts = attempts + 1, claimed_at = ?3
       WHERE source = 'github' AND event_id = ?1
         AND (status = 'failed' OR (status = 'processing' AND COALESCE(claimed_at, received_at) < ?2))
       RETURNING event_id`,
    )
    .bind(deliveryId, staleBefore, at)
    .first();
  if (taken) return 'mine';
  const row = await db
    .prepare("SELECT status FROM processed_events WHERE source = 'github' AND event_id = ?")
    .bind(deliveryId)
    .first<{ status: string }>();
  return row?.status === 'processed' ? 'done' : 'busy';
}

/**
 * Records how processing ended. A failure keeps the queued message (`delivery`, JSON) so it can
 * be replayed later; success drops it.
 */
export function settleDelivery(
  db: D1Database,
  deliveryId: string,
  outcome: { ok: true } | { ok: false; error: string; delivery: string },
  now: Date,
) {
  return outcome.ok
    ? db
        .prepare(
          "UPDATE processed_events SET status = 'processed', processed_at = ?, last_error = NULL, delivery = NULL WHERE source = 'github' AND event_id = ?",
        )
        .bind(now.toISOString(), deliveryId)
    : db
        .prepare(
          "UPDATE processed_events SET status = 'failed', last_error = ?, delivery = ? WHERE source = 'github' AND event_id = ? AND status != 'processed'",
        )
        .bind(outcome.error.slice(0, 500), outcome.delivery, deliveryId);
}

/** The kept message of failed deliveries: one by id, or every failed one received in [from, to]. */
export async function failedDeliveries(
  db: D1Database,
  q: { deliveryId: string } | { from: string; to: string; limit: number },
): Promise<{ deliveryId: string; delivery: string | null }[]> {
  const stmt =
    'deliveryId' in q
      ? db
          .prepare("SELECT event_id, delivery FROM processed_events WHERE source = 'github' AND event_id = ? AND status = 'failed'")
          .bind(q.deliveryId)
      : db
          .prepare(
            `SELECT event_id, delivery FROM processed_events WHERE source = 'github' AND status = 'failed'
             AND received_at >= ? AND received_at <= ? ORDER BY received_at LIMIT ?`,
          )
          .bind(q.from, q.to, q.limit);
  const { results } = await stmt.all<{ event_id: string; delivery: string | null }>();
  return results.map((r) => ({ deliveryId: r.event_id, delivery: r.delivery }));
}

/** Status of a delivery we have seen, or null. */
export async function deliveryStatus(db: D1Database, deliveryId: string): Promise<string | null> {
  const row = await db
    .prepare("SELECT status FROM processed_events WHERE source = 'github' AND event_id = ?")
    .bind(deliveryId)
    .first<{ status: string }>();
  return row?.status ?? null;
}

/** The Chronicle event id of an installation's `github.app.installed`, shared by the callback and the webhook. */
export const installedEventId = (installationId: number) => `gh-installed:${installationId}`;

/** An installation to upsert; an undefined field keeps its stored value (a new row takes the column default). */
export interface InstallationRecord {
  installationId: number;
  chittyId: string;
  dnaId: string | null;
  /** Required to insert a new row; undefined keeps the stored account. */
  account: { id: number; login: string; type: 'User' | 'Organization'; avatarUrl: string | null } | undefined;
  repositorySelection: 'all' | 'selected' | undefined;
  permissions: Record<string, unknown> | undefined;
  events: string[] | undefined;
  repositories: unknown[] | undefined;
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/** What a refresh changes: an undefined field is bound as NULL and COALESCEd, so it never overwrites what is stored. */
const REFRESH = `account_login = COALESCE(?5, account_login), account_avatar_url = CASE WHEN ?5 IS NULL THEN account_avatar_url ELSE ?7 END,
  repository_selection = COALESCE(?8, repository_selection), permissions = COALESCE(?9, permissions),
  events = COALESCE(?10, events), repositories = COALESCE(?11, repositories), updated_at = ?12, uninstalled_at = NULL`;

/**
 * Inserts or refreshes an installation (the ChittyID and DNA id of an existing one are kept).
 * Without an account only an existing row is refreshed: a row is never created without one.
 */
export function upsertInstallation(db: D1Database, r: InstallationRecord, at: string): D1PreparedStatement {
  const sql = r.account
    ? `INSERT INTO installations (installation_id, chitty_id, dna_id, account_id, account_login, account_type, account_avatar_url,
         repository_selection, permissions, events, repositories, installed_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, COALESCE(?8, 'all'), COALESCE(?9, '{}'), COALESCE(?10, '[]'), COALESCE(?11, '[]'), ?12, ?12)
       ON CONFLICT (installation_id) DO UPDATE SET ${REFRESH}`
    : // The same parameters; ?2, ?3, ?4 and ?6 are unused here (SQLite numbers parameters up to the highest).
      `UPDATE installations SET ${REFRESH} WHERE installation_id = ?1`;
  return db
    .prepare(sql)
    .bind(
      r.installationId,
      r.chittyId,
      r.dnaId,
      r.account?.id ?? null,
      r.account?.login ?? null,
      r.account?.type ?? null,
      r.account?.avatarUrl ?? null,
      r.repositorySelection ?? null,
      json(r.permissions),
      json(r.events),
      json(r.repositories),
      at,
    );
}

export function setInstallationState(
  db: D1Database,
  installationId: number,
  change: 'deleted' | 'suspend' | 'unsuspend',
  by: string | null,
  at: string,
): D1PreparedStatement {
  if (change === 'suspend') {
    return db
      .prepare('UPDATE installations SET suspended_at = ?2, suspended_by = ?3, updated_at = ?2 WHERE installation_id = ?1')
      .bind(installationId, at, by);
  }
  const sql =
    change === 'deleted'
      ? 'UPDATE installations SET uninstalled_at = ?2, updated_at = ?2 WHERE installation_id = ?1'
      : 'UPDATE installations SET suspended_at = NULL, suspended_by = NULL, updated_at = ?2 WHERE installation_id = ?1';
  return db.prepare(sql).bind(installationId, at);
}

/** The installation's repositories, and its selection when the caller knows it (undefined keeps the stored one). */
export function setInstallationRepositories(
  db: D1Database,
  installationId: number,
  repositories: unknown[],
  selection: 'all' | 'selected' | undefined,
  at: string,
) {
  return db
    .prepare(
      'UPDATE installations SET repositories = ?2, repository_selection = COALESCE(?3, repository_selection), updated_at = ?4 WHERE installation_id = ?1',
    )
    .bind(installationId, JSON.stringify(repositories), selection ?? null, at);
}

export async function installationRepositories(
  db: D1Database,
  installationId: number,
): Promise<{ id: number; fullName?: string }[] | null> {
  const row = await db
    .prepare('SELECT repositories FROM installations WHERE installation_id = ?')
    .bind(installationId)
    .first<{ repositories: string }>();
  return row ? (JSON.parse(row.repositories) as { id: number; fullName?: string }[]) : null;
}

interface InstallationRow {
  installation_id: number;
  chitty_id: string;
  dna_id: string | null;
  account_id: number;
  account_login: string;
  account_type: string;
  account_avatar_url: string | null;
  repository_selection: string;
  permissions: string;
  events: string;
  repositories: string;
  suspended_at: string | null;
  suspended_by: string | null;
  installed_at: string;
  updated_at: string;
  uninstalled_at: string | null;
}

const toInstallation = (r: InstallationRow) => ({
  installationId: r.installation_id,
  chittyId: r.chitty_id,
  dnaId: r.dna_id,
  account: { id: r.account_id, login: r.account_login, type: r.account_type, avatarUrl: r.account_avatar_url },
  repositorySelection: r.repository_selection,
  permissions: JSON.parse(r.permissions) as Record<string, unknown>,
  events: JSON.parse(r.events) as string[],
  repositories: JSON.parse(r.repositories) as unknown[],
  suspendedAt: r.suspended_at,
  suspendedBy: r.suspended_by,
  installedAt: r.installed_at,
  updatedAt: r.updated_at,
  uninstalledAt: r.uninstalled_at,
});

export async function listInstallations(db: D1Database, limit: number) {
  const { results } = await db.prepare('SELECT * FROM installations ORDER BY installed_at DESC LIMIT ?').bind(limit).all<InstallationRow>();
  return results.map(toInstallation);
}

export async function installationById(db: D1Database, installationId: number) {
  const row = await db.prepare('SELECT * FROM installations WHERE installation_id = ?').bind(installationId).first<InstallationRow>();
  return row ? toInstallation(row) : null;
}

export async function listDeliveries(
  db: D1Database,
  q: { status?: 'processing' | 'processed' | 'failed'; from?: string; to?: string; limit: number },
) {
  const { results } = await db
    .prepare(
      `SELECT event_id, event_type, status, attempts, last_error, received_at, processed_at FROM processed_events
       WHERE source = 'github' AND (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR received_at >= ?2) AND (?3 IS NULL OR received_at <= ?3)
       ORDER BY received_at DESC LIMIT ?4`,
    )
    .bind(q.status ?? null, q.from ?? null, q.to ?? null, q.limit)
    .all<{
      event_id: string;
      event_type: string;
      status: 'processing' | 'processed' | 'failed';
      attempts: number;
      last_error: string | null;
      received_at: string;
      processed_at: string | null;
    }>();
  return results.map((r) => ({
    deliveryId: r.event_id,
    event: r.event_type,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    receivedAt: r.received_at,
    processedAt: r.processed_at,
  }));
}

/** Counts by status of the deliveries received since `from`, and when the first arrived and the last finished. */
export async function deliveryStats(db: D1Database, from: string) {
  const row = await db
    .prepare(
      `SELECT COUNT(*) FILTER (WHERE status = 'processing') AS processing, COUNT(*) FILTER (WHERE status = 'processed') AS processed,
         COUNT(*) FILTER (WHERE status = 'failed') AS failed, MIN(received_at) AS first_received_at, MAX(processed_at) AS last_processed_at
       FROM processed_events WHERE source = 'github' AND received_at >= ?`,
    )
    .bind(from)
    .first<{
      processing: number;
      processed: number;
      failed: number;
      first_received_at: string | null;
      last_processed_at: string | null;
    }>();
  return {
    processing: row?.processing ?? 0,
    processed: row?.processed ?? 0,
    failed: row?.failed ?? 0,
    firstReceivedAt: row?.first_received_at ?? null,
    lastProcessedAt: row?.last_processed_at ?? null,
  };
}

/**
 * A delivery the queue gave up on (its dead letter): settled `failed` with its message unless it
 * was processed meanwhile, so the replay routes find it — even when its last copy found it
 * `processing` (a run that crashed) and never settled it.
 */
export function settleDeadLettered(db: D1Database, delivery: { deliveryId: string; event: string; receivedAt?: string }, at: string) {
  return db
    .prepare(
      `INSERT INTO processed_events (source, event_id, event_type, status, attempts, last_error, received_at, claimed_at, delivery)
       VALUES ('github', ?1, ?2, 'failed', 0, 'dead-lettered: the queue gave up retrying', ?3, ?3, ?4)
       ON CONFLICT (source, event_id) DO UPDATE SET status = 'failed', delivery = ?4,
         last_error = COALESCE(processed_events.last_error, 'dead-lettered: the queue gave up retrying')
       WHERE processed_events.status != 'processed'`,
    )
    .bind(delivery.deliveryId, delivery.event, delivery.receivedAt ?? at, JSON.stringify(delivery));
}
