/**
 * SQL for issue triage (`github_triage`): the one triage comment per issue — claimed, then its id,
 * like `github_pr_comments` — and the labels the App applied and those a person removed (which
 * the App never adds again). Label names are compared case-insensitively (GitHub's rule) and kept
 * in their lower-case form.
 */

export interface IssueKey {
  repositoryId: number;
  number: number;
}

export interface TriageRow {
  commentId: number | null;
  /** SHA-256 of the body last written to the comment. */
  commentSha256: string | null;
  /** When a run claimed the right to create the comment; null when no run has. */
  claimedAt: string | null;
  applied: string[];
  removed: string[];
  /** When the App last wrote to the row (labels or comment). */
  updatedAt: string | null;
}

interface Raw {
  comment_id: number | null;
  comment_sha256: string | null;
  claimed_at: string | null;
  labels_applied_json: string;
  labels_removed_json: string;
  updated_at: string | null;
}

const names = (json: string): string[] => {
  const parsed = JSON.parse(json) as unknown;
  return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
};

export async function triageRow(db: D1Database, issue: IssueKey): Promise<TriageRow | null> {
  const row = await db
    .prepare(
      'SELECT comment_id, comment_sha256, claimed_at, labels_applied_json, labels_removed_json, updated_at FROM github_triage WHERE repository_id = ? AND number = ?',
    )
    .bind(issue.repositoryId, issue.number)
    .first<Raw>();
  if (!row) return null;
  return {
    commentId: row.comment_id,
    commentSha256: row.comment_sha256,
    claimedAt: row.claimed_at,
    applied: names(row.labels_applied_json),
    removed: names(row.labels_removed_json),
    updatedAt: row.updated_at,
  };
}

/**
 * Claims the right to create the comment: true when there was no claim, or only one older than
 * `staleBefore`, and no comment yet (atomic: of two concurrent runs one wins).
 */
export async function claimTriageComment(db: D1Database, issue: IssueKey, at: string, staleBefore: string): Promise<boolean> {
  const claimed = await db
    .prepare(
      `INSERT INTO github_triage (repository_id, number, claimed_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (repository_id, number) DO UPDATE SET claimed_at = ?3
         WHERE github_triage.comment_id IS NULL AND (github_triage.claimed_at IS NULL OR github_triage.claimed_at < ?4)
       RETURNING number`,
    )
    .bind(issue.repositoryId, issue.number, at, staleBefore)
    .first<{ number: number }>();
  return claimed !== null;
}

/** Gives a claim back as stale, so the retry takes it over (and first looks for a comment the failed call may have made). */
export function releaseTriageClaim(db: D1Database, issue: IssueKey) {
  return db
    .prepare("UPDATE github_triage SET claimed_at = '' WHERE repository_id = ? AND number = ? AND comment_id IS NULL")
    .bind(issue.repositoryId, issue.number)
    .run();
}

export function recordTriageComment(db: D1Database, issue: IssueKey, commentId: number, sha256: string, at: string) {
  return db
    .prepare('UPDATE github_triage SET comment_id = ?3, comment_sha256 = ?4, updated_at = ?5 WHERE repository_id = ?1 AND number = ?2')
    .bind(issue.repositoryId, issue.number, commentId, sha256, at)
    .run();
}

/** Forgets a recorded comment that no longer exists on GitHub (someone deleted it), so a new one may be claimed. */
export function forgetTriageComment(db: D1Database, issue: IssueKey, commentId: number) {
  return db
    .prepare('UPDATE github_triage SET comment_id = NULL, claimed_at = NULL WHERE repository_id = ? AND number = ? AND comment_id = ?')
    .bind(issue.repositoryId, issue.number, commentId)
    .run();
}

/** Adds names to one of the label lists (a set: lower-cased, each once), creating the row if needed. */
function addNames(
  db: D1Database,
  column: 'labels_applied_json' | 'labels_removed_json',
  issue: IssueKey,
  labels: readonly string[],
  at: string,
) {
  const json = JSON.stringify([...new Set(labels.map((l) => l.toLowerCase()))]);
  return db
    .prepare(
      `INSERT INTO github_triage (repository_id, number, ${column}, updated_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (repository_id, number) DO UPDATE SET updated_at = ?4, ${column} = (
         SELECT json_group_array(value) FROM (
           SELECT value FROM json_each(github_triage.${column}) UNION SELECT value FROM json_each(?3)
         )
       )`,
    )
    .bind(issue.repositoryId, issue.number, json, at);
}

/** Records labels the App added to the issue. */
export function recordApplied(db: D1Database, issue: IssueKey, labels: readonly string[], at: string) {
  return addNames(db, 'labels_applied_json', issue, labels, at).run();
}

/** Records labels a person removed from the issue: the App will not add them again. */
export function recordRemoved(db: D1Database, issue: IssueKey, labels: readonly string[], at: string) {
  return addNames(db, 'labels_removed_json', issue, labels, at).run();
}
