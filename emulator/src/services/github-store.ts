/**
 * Storage of the emulated GitHub (tables `gh_*` in EMU_DB; the schema is in ../store.ts): App
 * installations and their repositories, issued tokens (SHA-256 hashes only), OAuth codes, seeded
 * pull-request files, and what the App posted (comments, labels, check runs). Webhook deliveries
 * are in github-deliveries.ts. Repository keys (`repo`) are lower-cased `owner/name`; handlers
 * never build SQL.
 */
import { fromJsonColumn, nowIso, stringArrayColumn } from '../store';

export interface Installation {
  id: number;
  accountLogin: string;
  accountId: number;
  accountType: 'Organization' | 'User';
  repositorySelection: 'all' | 'selected';
  permissions: Record<string, string>;
  events: string[];
  createdAt: string;
  updatedAt: string;
  suspendedAt: string | null;
  deletedAt: string | null;
}

export interface Repository {
  id: number;
  fullName: string;
}

export interface PullFileInput {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  patch?: string | undefined;
}

export interface CommentRow {
  id: number;
  full_name: string;
  issue_number: number;
  body: string;
  created_at: string;
  updated_at: string;
  edits: number;
}

export interface CheckRunRow {
  id: number;
  full_name: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output: string;
  details_url: string | null;
  external_id: string | null;
  started_at: string;
  completed_at: string | null;
  updated_at: string;
}

export const repoKey = (fullName: string): string => fullName.toLowerCase();

/** The seeded installation; matches test/fixtures/github/*.json. */
export const SEED_INSTALLATION: Omit<Installation, 'createdAt' | 'updatedAt' | 'suspendedAt' | 'deletedAt'> = {
  id: 41001,
  accountLogin: 'chitty-labs',
  accountId: 90001,
  accountType: 'Organization',
  repositorySelection: 'selected',
  permissions: { contents: 'read', metadata: 'read', pull_requests: 'write', issues: 'write', checks: 'write' },
  events: ['push', 'pull_request', 'issues', 'installation', 'installation_repositories'],
};
export const SEED_REPOSITORIES: readonly Repository[] = [
  { id: 700001, fullName: 'chitty-labs/rocket' },
  { id: 700002, fullName: 'chitty-labs/lander' },
];

interface InstallationRow {
  id: number;
  account_login: string;
  account_id: number;
  account_type: string;
  repository_selection: string;
  permissions: string;
  events: string;
  created_at: string;
  updated_at: string;
  suspended_at: string | null;
  deleted_at: string | null;
}

function toInstallation(row: InstallationRow): Installation {
  const permissions = fromJsonColumn(row.permissions, {});
  return {
    id: row.id,
    accountLogin: row.account_login,
    accountId: row.account_id,
    accountType: row.account_type === 'User' ? 'User' : 'Organization',
    repositorySelection: row.repository_selection === 'all' ? 'all' : 'selected',
    permissions: typeof permissions === 'object' && permissions !== null ? (permissions as Record<string, string>) : {},
    events: stringArrayColumn(row.events),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    suspendedAt: row.suspended_at,
    deletedAt: row.deleted_at,
  };
}

function repositoryStatements(
  db: D1Database,
  installationId: number,
  repos: readonly Repository[],
  orIgnore: boolean,
): D1PreparedStatement[] {
  const verb = orIgnore ? 'INSERT OR IGNORE' : 'INSERT OR REPLACE';
  return repos.map((r) =>
    db
      .prepare(`${verb} INTO gh_repositories (installation_id, repo, id, full_name) VALUES (?, ?, ?, ?)`)
      .bind(installationId, repoKey(r.fullName), r.id, r.fullName),
  );
}

/** Seeds installation 41001 and its two repositories; idempotent (never overwrites). */
export async function seedGitHub(db: D1Database): Promise<void> {
  const s = SEED_INSTALLATION;
  const at = '2026-01-01T00:00:00.000Z';
  await db.batch([
    db
      .prepare(
        `INSERT OR IGNORE INTO gh_installations (id, account_login, account_id, account_type, repository_selection, permissions,
           events, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        s.id,
        s.accountLogin,
        s.accountId,
        s.accountType,
        s.repositorySelection,
        JSON.stringify(s.permissions),
        JSON.stringify(s.events),
        at,
        at,
      ),
    ...repositoryStatements(db, s.id, SEED_REPOSITORIES, true),
  ]);
}

/** Creates the installation, or replaces it (and its repository list) when the id exists. */
export async function putInstallation(db: D1Database, inst: Installation, repos: readonly Repository[]): Promise<void> {
  await db.batch([
    db
      .prepare(
        `INSERT OR REPLACE INTO gh_installations (id, account_login, account_id, account_type, repository_selection,
           permissions, events, created_at, updated_at, suspended_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        inst.id,
        inst.accountLogin,
        inst.accountId,
        inst.accountType,
        inst.repositorySelection,
        JSON.stringify(inst.permissions),
        JSON.stringify(inst.events),
        inst.createdAt,
        inst.updatedAt,
        inst.suspendedAt,
        inst.deletedAt,
      ),
    db.prepare('DELETE FROM gh_repositories WHERE installation_id = ?').bind(inst.id),
    ...repositoryStatements(db, inst.id, repos, false),
  ]);
}

/** The installation, including a deleted one (callers decide); null when it never existed. */
export async function getInstallation(db: D1Database, id: number): Promise<Installation | null> {
  const row = await db.prepare('SELECT * FROM gh_installations WHERE id = ?').bind(id).first<InstallationRow>();
  return row ? toInstallation(row) : null;
}

/** Installations not deleted, by id; only those in `ids` when given. */
export async function listInstallations(db: D1Database, ids?: readonly number[]): Promise<Installation[]> {
  const { results } = await db.prepare('SELECT * FROM gh_installations WHERE deleted_at IS NULL ORDER BY id').all<InstallationRow>();
  const all = results.map(toInstallation);
  return ids ? all.filter((i) => ids.includes(i.id)) : all;
}

/** Marks an installation deleted; false when there is no live installation with that id. */
export async function deleteInstallation(db: D1Database, id: number): Promise<boolean> {
  const result = await db
    .prepare('UPDATE gh_installations SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL')
    .bind(nowIso(), nowIso(), id)
    .run();
  return result.meta.changes > 0;
}

export async function listRepositories(db: D1Database, installationId: number): Promise<Repository[]> {
  const { results } = await db
    .prepare('SELECT id, full_name FROM gh_repositories WHERE installation_id = ? ORDER BY full_name')
    .bind(installationId)
    .all<{ id: number; full_name: string }>();
  return results.map((r) => ({ id: r.id, fullName: r.full_name }));
}

export async function findRepository(db: D1Database, installationId: number, fullName: string): Promise<Repository | null> {
  const row = await db
    .prepare('SELECT id, full_name FROM gh_repositories WHERE installation_id = ? AND repo = ?')
    .bind(installationId, repoKey(fullName))
    .first<{ id: number; full_name: string }>();
  return row ? { id: row.id, fullName: row.full_name } : null;
}

/** The live installation that holds this repository, if any (for `GET /repos/:o/:r/installation`). */
export async function installationForRepository(db: D1Database, fullName: string): Promise<Installation | null> {
  const row = await db
    .prepare(
      `SELECT i.* FROM gh_installations i JOIN gh_repositories r ON r.installation_id = i.id
       WHERE r.repo = ? AND i.deleted_at IS NULL ORDER BY i.id LIMIT 1`,
    )
    .bind(repoKey(fullName))
    .first<InstallationRow>();
  return row ? toInstallation(row) : null;
}

// --- tokens and OAuth codes -----------------------------------------------------------------

export interface TokenRecord {
  kind: 'installation' | 'user';
  installationId: number | null;
  login: string | null;
  installationIds: number[];
  expiresAt: string;
}

export async function storeToken(db: D1Database, hash: string, token: TokenRecord): Promise<void> {
  await db
    .prepare(
      'INSERT INTO gh_tokens (hash, kind, installation_id, login, installation_ids, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    .bind(hash, token.kind, token.installationId, token.login, JSON.stringify(token.installationIds), token.expiresAt, nowIso())
    .run();
}

export async function findToken(db: D1Database, hash: string): Promise<TokenRecord | null> {
  const row = await db
    .prepare('SELECT kind, installation_id, login, installation_ids, expires_at FROM gh_tokens WHERE hash = ?')
    .bind(hash)
    .first<{ kind: string; installation_id: number | null; login: string | null; installation_ids: string | null; expires_at: string }>();
  if (!row) return null;
  const ids = fromJsonColumn(row.installation_ids, []);
  return {
    kind: row.kind === 'user' ? 'user' : 'installation',
    installationId: row.installation_id,
    login: row.login,
    installationIds: Array.isArray(ids) ? ids.filter((v): v is number => typeof v === 'number') : [],
    expiresAt: row.expires_at,
  };
}

export async function storeOAuthCode(
  db: D1Database,
  hash: string,
  login: string,
  installationIds: number[],
  expiresAt: string,
): Promise<void> {
  await db
    .prepare('INSERT INTO gh_oauth_codes (hash, login, installation_ids, expires_at) VALUES (?, ?, ?, ?)')
    .bind(hash, login, JSON.stringify(installationIds), expiresAt)
    .run();
}

/** Uses up a code in one statement (so it works once); null when unknown, used or expired. */
export async function redeemOAuthCode(db: D1Database, hash: string): Promise<{ login: string; installationIds: number[] } | null> {
  const now = nowIso();
  const row = await db
    .prepare(
      'UPDATE gh_oauth_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING login, installation_ids',
    )
    .bind(now, hash, now)
    .first<{ login: string; installation_ids: string }>();
  if (!row) return null;
  const ids = fromJsonColumn(row.installation_ids, []);
  return { login: row.login, installationIds: Array.isArray(ids) ? ids.filter((v): v is number => typeof v === 'number') : [] };
}

// --- pull request files ---------------------------------------------------------------------

export async function setPullFiles(db: D1Database, fullName: string, number: number, files: readonly PullFileInput[]): Promise<void> {
  await db
    .prepare('INSERT OR REPLACE INTO gh_pull_files (repo, number, files) VALUES (?, ?, ?)')
    .bind(repoKey(fullName), number, JSON.stringify(files))
    .run();
}

/** The files seeded for that pull request, or null when none were (then they are generated). */
export async function getPullFiles(db: D1Database, fullName: string, number: number): Promise<PullFileInput[] | null> {
  const row = await db
    .prepare('SELECT files FROM gh_pull_files WHERE repo = ? AND number = ?')
    .bind(repoKey(fullName), number)
    .first<{ files: string }>();
  if (!row) return null;
  const files = fromJsonColumn(row.files, []);
  return Array.isArray(files) ? (files as PullFileInput[]) : [];
}

// --- what the App posted ---------------------------------------------------------------------

export async function listComments(db: D1Database, fullName: string, issueNumber: number): Promise<CommentRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM gh_comments WHERE repo = ? AND issue_number = ? ORDER BY id')
    .bind(repoKey(fullName), issueNumber)
    .all<CommentRow>();
  return results;
}

export async function createComment(db: D1Database, fullName: string, issueNumber: number, body: string): Promise<CommentRow> {
  const now = nowIso();
  const row = await db
    .prepare(`INSERT INTO gh_comments (repo, full_name, issue_number, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *`)
    .bind(repoKey(fullName), fullName, issueNumber, body, now, now)
    .first<CommentRow>();
  if (!row) throw new Error('comment insert returned no row');
  return row;
}

/** Edits a comment of that repository (counting the edit); null when there is none with that id. */
export async function updateComment(db: D1Database, fullName: string, id: number, body: string): Promise<CommentRow | null> {
  return db
    .prepare('UPDATE gh_comments SET body = ?, updated_at = ?, edits = edits + 1 WHERE id = ? AND repo = ? RETURNING *')
    .bind(body, nowIso(), id, repoKey(fullName))
    .first<CommentRow>();
}

export interface CheckRunInput {
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  output: Record<string, unknown>;
  detailsUrl: string | null;
  externalId: string | null;
  startedAt: string;
  completedAt: string | null;
}

export async function createCheckRun(db: D1Database, fullName: string, run: CheckRunInput): Promise<CheckRunRow> {
  const row = await db
    .prepare(
      `INSERT INTO gh_check_runs (repo, full_name, name, head_sha, status, conclusion, output, details_url, external_id,
         started_at, completed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .bind(
      repoKey(fullName),
      fullName,
      run.name,
      run.headSha,
      run.status,
      run.conclusion,
      JSON.stringify(run.output),
      run.detailsUrl,
      run.externalId,
      run.startedAt,
      run.completedAt,
      nowIso(),
    )
    .first<CheckRunRow>();
  if (!row) throw new Error('check run insert returned no row');
  return row;
}

export async function getCheckRun(db: D1Database, fullName: string, id: number): Promise<CheckRunRow | null> {
  return db.prepare('SELECT * FROM gh_check_runs WHERE id = ? AND repo = ?').bind(id, repoKey(fullName)).first<CheckRunRow>();
}

export async function replaceCheckRun(db: D1Database, id: number, run: CheckRunInput): Promise<CheckRunRow | null> {
  return db
    .prepare(
      `UPDATE gh_check_runs SET name = ?, head_sha = ?, status = ?, conclusion = ?, output = ?, details_url = ?, external_id = ?,
         started_at = ?, completed_at = ?, updated_at = ? WHERE id = ? RETURNING *`,
    )
    .bind(
      run.name,
      run.headSha,
      run.status,
      run.conclusion,
      JSON.stringify(run.output),
      run.detailsUrl,
      run.externalId,
      run.startedAt,
      run.completedAt,
      nowIso(),
      id,
    )
    .first<CheckRunRow>();
}

/** The runs of one commit (by head sha), newest first. */
export async function listCheckRunsForRef(db: D1Database, fullName: string, headSha: string): Promise<CheckRunRow[]> {
  const { results } = await db
    .prepare('SELECT * FROM gh_check_runs WHERE repo = ? AND head_sha = ? ORDER BY id DESC LIMIT 1000')
    .bind(repoKey(fullName), headSha)
    .all<CheckRunRow>();
  return results;
}

/** Everything the App posted (to one repository when `fullName` is given), oldest first. */
export async function listPosted(
  db: D1Database,
  fullName: string | undefined,
): Promise<{ comments: CommentRow[]; labels: { full_name: string; issue_number: number; name: string }[]; checkRuns: CheckRunRow[] }> {
  const where = fullName === undefined ? '' : ' WHERE repo = ?';
  const bind = (stmt: D1PreparedStatement) => (fullName === undefined ? stmt : stmt.bind(repoKey(fullName)));
  const [comments, labels, checkRuns] = await db.batch([
    bind(db.prepare(`SELECT * FROM gh_comments${where} ORDER BY id LIMIT 1000`)),
    bind(
      db.prepare(`SELECT full_name, issue_number, name FROM gh_labels${where} ORDER BY created_at, repo, issue_number, name LIMIT 1000`),
    ),
    bind(db.prepare(`SELECT * FROM gh_check_runs${where} ORDER BY id LIMIT 1000`)),
  ]);
  return {
    comments: (comments?.results ?? []) as CommentRow[],
    labels: (labels?.results ?? []) as { full_name: string; issue_number: number; name: string }[],
    checkRuns: (checkRuns?.results ?? []) as CheckRunRow[],
  };
}
