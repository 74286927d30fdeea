/** Reads for the intelligence routes: repositories by name, a pull request's findings, an indexed issue. */

export interface KnownRepository {
  id: number;
  fullName: string;
  installationId: number;
  account: string;
}

interface RepositoryRow {
  installation_id: number;
  account_login: string;
  id: number;
  full_name: string;
}

const REPOSITORIES = `SELECT i.installation_id, i.account_login,
  json_extract(j.value, '$.id') AS id, json_extract(j.value, '$.fullName') AS full_name
  FROM installations i, json_each(i.repositories) j
  WHERE i.uninstalled_at IS NULL AND json_extract(j.value, '$.fullName') IS NOT NULL`;

const toRepository = (r: RepositoryRow): KnownRepository => ({
  id: r.id,
  fullName: r.full_name,
  installationId: r.installation_id,
  account: r.account_login,
});

/** Repositories of the current installations, by name, after `after` (a full name), `limit` of them. */
export async function knownRepositories(db: D1Database, limit: number, after?: string): Promise<KnownRepository[]> {
  const { results } = await db
    .prepare(`${REPOSITORIES} AND lower(json_extract(j.value, '$.fullName')) > lower(?) ORDER BY lower(full_name) LIMIT ?`)
    .bind(after ?? '', limit)
    .all<RepositoryRow>();
  return results.map(toRepository);
}

/** One repository of a current installation by its full name (GitHub's names are case-insensitive). */
export async function repositoryByName(db: D1Database, fullName: string): Promise<KnownRepository | null> {
  const row = await db
    .prepare(`${REPOSITORIES} AND lower(json_extract(j.value, '$.fullName')) = lower(?) LIMIT 1`)
    .bind(fullName)
    .first<RepositoryRow>();
  return row ? toRepository(row) : null;
}

export interface FindingRow {
  ruleId: string;
  path: string;
  line: number;
  severity: string;
  firstSha: string;
  lastSha: string;
}

/** Every finding a pull request has shown (pr 0: the default branch), worst first, then by place. */
export async function findingsOf(db: D1Database, repositoryId: number, prNumber: number, limit = 500): Promise<FindingRow[]> {
  const { results } = await db
    .prepare(
      `SELECT rule_id, path, line, severity, first_sha, last_sha FROM github_findings WHERE repository_id = ? AND pr_number = ?
       ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, path, line LIMIT ?`,
    )
    .bind(repositoryId, prNumber, limit)
    .all<{ rule_id: string; path: string; line: number; severity: string; first_sha: string; last_sha: string }>();
  return results.map((r) => ({
    ruleId: r.rule_id,
    path: r.path,
    line: r.line,
    severity: r.severity,
    firstSha: r.first_sha,
    lastSha: r.last_sha,
  }));
}

/** An issue as the App indexed it (title, the body's first 2000 characters, state), or null. */
export async function indexedIssue(
  db: D1Database,
  repositoryId: number,
  number: number,
): Promise<{ title: string; body: string; state: string; updatedAt: string } | null> {
  const row = await db
    .prepare('SELECT title, body_excerpt, state, updated_at FROM github_issues WHERE repository_id = ? AND number = ?')
    .bind(repositoryId, number)
    .first<{ title: string; body_excerpt: string; state: string; updated_at: string }>();
  return row ? { title: row.title, body: row.body_excerpt, state: row.state, updatedAt: row.updated_at } : null;
}
