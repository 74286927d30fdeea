/**
 * SQL for the issue index (`github_issues` and its FTS5 table over open issues): kept current from
 * every `issues` event, searched for duplicate candidates of a new or edited issue.
 */

export interface IndexedIssue {
  repositoryId: number;
  number: number;
  title: string;
  body: string;
  /** open | closed | deleted | transferred */
  state: string;
}

/** How much of an issue's body is indexed and compared. */
export const BODY_EXCERPT_CHARS = 2000;

/** Records an issue's latest title, body excerpt and state (an older event never overwrites a newer one). */
export function upsertIssue(db: D1Database, issue: IndexedIssue, updatedAt: string) {
  return db
    .prepare(
      `INSERT INTO github_issues (repository_id, number, title, body_excerpt, state, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (repository_id, number) DO UPDATE SET title = ?3, body_excerpt = ?4, state = ?5, updated_at = ?6
         WHERE github_issues.updated_at <= ?6`,
    )
    .bind(issue.repositoryId, issue.number, issue.title, issue.body.slice(0, BODY_EXCERPT_CHARS), issue.state, updatedAt)
    .run();
}

/** Marks an issue gone from the repository's open set (deleted or transferred away) without its text. */
export function setIssueState(db: D1Database, repositoryId: number, number: number, state: string, updatedAt: string) {
  return db
    .prepare('UPDATE github_issues SET state = ?3, updated_at = ?4 WHERE repository_id = ?1 AND number = ?2')
    .bind(repositoryId, number, state, updatedAt)
    .run();
}

export interface Candidate {
  number: number;
  title: string;
  body: string;
}

/**
 * Open issues of the repository matching any of `words` (an OR query of quoted prefix terms — the
 * words are stemmed, the index is not — so no input is an FTS5 syntax error), best bm25 first, the issue itself left out.
 */
export async function searchOpenIssues(
  db: D1Database,
  repositoryId: number,
  words: readonly string[],
  exceptNumber: number,
  limit = 20,
): Promise<Candidate[]> {
  const terms = words.map((w) => w.replace(/"/g, '')).filter((w) => w.length > 0);
  if (terms.length === 0) return [];
  const match = `repo_tag:r${repositoryId} AND (${terms.map((w) => `"${w}"*`).join(' OR ')})`;
  const { results } = await db
    .prepare(
      `SELECT i.number AS number, i.title AS title, i.body_excerpt AS body
         FROM github_issues_fts f JOIN github_issues i ON i.rowid = f.rowid
        WHERE github_issues_fts MATCH ?1 AND i.repository_id = ?2 AND i.state = 'open' AND i.number <> ?3
        ORDER BY bm25(github_issues_fts, 0.0, 3.0, 1.0) LIMIT ?4`,
    )
    .bind(match, repositoryId, exceptNumber, limit)
    .all<Candidate>();
  return results;
}
