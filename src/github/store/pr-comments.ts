/**
 * SQL for the one summary comment per pull request (`github_pr_comments`): a row is first a claim
 * (no comment id yet: this delivery may create the comment), then the comment's id.
 */

/** Which pull request: the repository's id and the PR number (the table's key). */
export interface PrKey {
  repositoryId: number;
  number: number;
}

/** Claims the right to create the comment: true when this call inserted the claim or took over one older than `staleBefore`. */
export async function claimCommentSlot(db: D1Database, pr: PrKey, at: string, staleBefore: string): Promise<boolean> {
  const claimed = await db
    .prepare(
      `INSERT INTO github_pr_comments (repository_id, number, comment_id, claimed_at) VALUES (?1, ?2, NULL, ?3)
       ON CONFLICT (repository_id, number) DO UPDATE SET claimed_at = ?3
         WHERE github_pr_comments.comment_id IS NULL AND github_pr_comments.claimed_at < ?4
       RETURNING comment_id`,
    )
    .bind(pr.repositoryId, pr.number, at, staleBefore)
    .first<{ comment_id: number | null }>();
  return claimed !== null;
}

/** The recorded comment id, or null (none yet, or only a claim). */
export async function commentIdOf(db: D1Database, pr: PrKey): Promise<number | null> {
  const row = await db
    .prepare('SELECT comment_id FROM github_pr_comments WHERE repository_id = ? AND number = ?')
    .bind(pr.repositoryId, pr.number)
    .first<{ comment_id: number | null }>();
  return row?.comment_id ?? null;
}

/** Gives a claim back (only a claim: a recorded comment is kept). */
export function releaseCommentClaim(db: D1Database, pr: PrKey) {
  return db
    .prepare('DELETE FROM github_pr_comments WHERE repository_id = ? AND number = ? AND comment_id IS NULL')
    .bind(pr.repositoryId, pr.number)
    .run();
}

export function recordCommentId(db: D1Database, pr: PrKey, commentId: number, at: string) {
  return db
    .prepare('UPDATE github_pr_comments SET comment_id = ?3, updated_at = ?4 WHERE repository_id = ?1 AND number = ?2')
    .bind(pr.repositoryId, pr.number, commentId, at)
    .run();
}
