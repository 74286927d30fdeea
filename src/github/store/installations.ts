/** SQL for GitHub App installations (`installations`). */
import type { InstallationRecord } from '../schema';

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/** What a refresh changes: an undefined field is bound as NULL and COALESCEd, so it never overwrites what is stored. */
const REFRESH = `account_login = COALESCE(?5, account_login), account_avatar_url = CASE WHEN ?5 IS NULL THEN account_avatar_url ELSE ?7 END,
  repository_selection = COALESCE(?8, repository_selection), permissions = COALESCE(?9, permissions),
  events = COALESCE(?10, events), repositories = COALESCE(?11, repositories), updated_at = ?12, uninstalled_at = NULL`;

/** The Chronicle event id of an installation's `github.app.installed`, shared by the callback and the webhook. */
export const installedEventId = (installationId: number) => `gh-installed:${installationId}`;

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

/** True when the installation is registered and not uninstalled: a replayed setup callback has nothing to do. */
export async function isRegistered(db: D1Database, installationId: number): Promise<boolean> {
  const row = await db
    .prepare('SELECT 1 AS known FROM installations WHERE installation_id = ? AND uninstalled_at IS NULL')
    .bind(installationId)
    .first();
  return row !== null;
}
