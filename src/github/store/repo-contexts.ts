/**
 * SQL for repository contexts (`github_repo_contexts`): which ChittyConnect context belongs to each
 * installed repository (claimed before it is created, so two deliveries never create two), the
 * default-branch pushes seen, and the activity and findings counts the context shows, read from
 * the App's own tables.
 */

export interface RepoContextRow {
  repositoryId: number;
  contextId: string | null;
  owner: string;
  claimedAt: string;
  pushes: number;
  lastPushAt: string | null;
  refreshedAt: string | null;
}

interface Raw {
  repository_id: number;
  context_id: string | null;
  owner: string;
  claimed_at: string;
  pushes: number;
  last_push_at: string | null;
  refreshed_at: string | null;
}

export async function repoContextRow(db: D1Database, repositoryId: number): Promise<RepoContextRow | null> {
  const r = await db.prepare('SELECT * FROM github_repo_contexts WHERE repository_id = ?').bind(repositoryId).first<Raw>();
  if (!r) return null;
  return {
    repositoryId: r.repository_id,
    contextId: r.context_id,
    owner: r.owner,
    claimedAt: r.claimed_at,
    pushes: r.pushes,
    lastPushAt: r.last_push_at,
    refreshedAt: r.refreshed_at,
  };
}

/** Counts a default-branch push (the row is created if needed, unclaimed: claimed_at ''). */
export function countPush(db: D1Database, repositoryId: number, fullName: string, owner: string, at: string) {
  return db
    .prepare(
      `INSERT INTO github_repo_contexts (repository_id, full_name, owner, claimed_at, pushes, last_push_at) VALUES (?1, ?2, ?3, '', 1, ?4)
       ON CONFLICT (repository_id) DO UPDATE SET pushes = pushes + 1, last_push_at = ?4`,
    )
    .bind(repositoryId, fullName, owner, at)
    .run();
}

/**
 * Claims the right to create the repository's context: true when there is no context yet and no
 * claim newer than `staleBefore` (atomic: of two concurrent runs one wins).
 */
export async function claimRepoContext(
  db: D1Database,
  repositoryId: number,
  fullName: string,
  owner: string,
  at: string,
  staleBefore: string,
): Promise<boolean> {
  const row = await db
    .prepare(
      `INSERT INTO github_repo_contexts (repository_id, full_name, owner, claimed_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (repository_id) DO UPDATE SET claimed_at = ?4, owner = ?3, full_name = ?2
         WHERE github_repo_contexts.context_id IS NULL AND github_repo_contexts.claimed_at < ?5
       RETURNING repository_id`,
    )
    .bind(repositoryId, fullName, owner, at, staleBefore)
    .first<{ repository_id: number }>();
  return row !== null;
}

/** Records the created context (or forgets a deleted one: `contextId` null, the claim released). */
export function recordRepoContext(db: D1Database, repositoryId: number, contextId: string | null, at: string) {
  return db
    .prepare(
      `UPDATE github_repo_contexts SET context_id = ?2, refreshed_at = CASE WHEN ?2 IS NULL THEN refreshed_at ELSE ?3 END,
         claimed_at = CASE WHEN ?2 IS NULL THEN '' ELSE claimed_at END
       WHERE repository_id = ?1`,
    )
    .bind(repositoryId, contextId, at)
    .run();
}

export function markRefreshed(db: D1Database, repositoryId: number, at: string) {
  return db.prepare('UPDATE github_repo_contexts SET refreshed_at = ?2 WHERE repository_id = ?1').bind(repositoryId, at).run();
}

export interface Activity {
  openIssues: number;
  issuesUpdated: number;
  pullRequestsUpdated: number;
}

/** Issues (open, and changed since `since`) and pull requests summarised since `since`, from the App's own tables. */
export async function repoActivity(db: D1Database, repositoryId: number, since: string): Promise<Activity> {
  const [issues, prs] = await db.batch<{ a: number; b: number }>([
    db
      .prepare(
        `SELECT COALESCE(SUM(state = 'open'), 0) AS a, COALESCE(SUM(updated_at >= ?2), 0) AS b FROM github_issues WHERE repository_id = ?1`,
      )
      .bind(repositoryId, since),
    db
      .prepare('SELECT COUNT(*) AS a, 0 AS b FROM github_pr_comments WHERE repository_id = ?1 AND COALESCE(updated_at, claimed_at) >= ?2')
      .bind(repositoryId, since),
  ]);
  const i = issues?.results[0];
  return { openIssues: i?.a ?? 0, issuesUpdated: i?.b ?? 0, pullRequestsUpdated: prs?.results[0]?.a ?? 0 };
}

export interface OpenFindings {
  /** The latest analysed default-branch push: its head and findings by severity (what that push brought). */
  defaultBranch: { sha: string; conclusion: string | null; bySeverity: Record<string, number> } | null;
  /** Findings still present at the latest analysed head of each pull request analysed since `since`, by severity. */
  pullRequests: Record<string, number>;
}

/** Open findings from the analyses (github_analyses, github_findings), for the repository context. */
export async function openFindings(db: D1Database, repositoryId: number, since: string): Promise<OpenFindings> {
  const [push, prs] = await db.batch([
    db
      .prepare(
        `SELECT head_sha, conclusion, counts_json FROM github_analyses
          WHERE repository_id = ?1 AND pr_number = 0 AND published_at IS NOT NULL ORDER BY published_at DESC LIMIT 1`,
      )
      .bind(repositoryId),
    db
      .prepare(
        `SELECT f.severity AS severity, COUNT(*) AS n FROM github_findings f
          WHERE f.repository_id = ?1 AND f.pr_number > 0 AND f.last_sha = (
            SELECT a.head_sha FROM github_analyses a
             WHERE a.repository_id = ?1 AND a.pr_number = f.pr_number AND a.published_at IS NOT NULL AND a.published_at >= ?2
             ORDER BY a.published_at DESC LIMIT 1)
          GROUP BY f.severity`,
      )
      .bind(repositoryId, since),
  ]);
  const last = push?.results[0] as { head_sha: string; conclusion: string | null; counts_json: string | null } | undefined;
  let bySeverity: Record<string, number> = {};
  try {
    const counts = JSON.parse(last?.counts_json ?? '{}') as { bySeverity?: unknown };
    if (counts.bySeverity && typeof counts.bySeverity === 'object') bySeverity = counts.bySeverity as Record<string, number>;
  } catch {
    // counts the analysis could not write: shown as none
  }
  const rows = (prs?.results ?? []) as { severity: string; n: number }[];
  return {
    defaultBranch: last ? { sha: last.head_sha, conclusion: last.conclusion, bySeverity } : null,
    pullRequests: Object.fromEntries(rows.map((r) => [r.severity, r.n])),
  };
}
