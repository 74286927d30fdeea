/**
 * SQL for the analyses of pull requests and default-branch pushes (`github_analyses`, one row per
 * repository, head sha and PR — 0 for a push — that is first a claim, then records the check run,
 * then is published) and the findings each pull request has shown (`github_findings`, by
 * fingerprint, so a later push can tell new findings from ones still present). See migration 0014.
 */

export interface AnalysisKey {
  repositoryId: number;
  headSha: string;
  /** 0 for a push to the default branch. */
  prNumber: number;
  /** The pull request's `updated_at` as the delivery carried it (null for pushes). */
  headUpdatedAt?: string | null;
}

/**
 * Whether a newer head of the pull request (by GitHub's `updated_at`) was published already: a
 * late or retried delivery of an older head must not put its check run and comment over it.
 */
export async function newerHeadPublished(db: D1Database, key: AnalysisKey): Promise<boolean> {
  if (!key.headUpdatedAt || key.prNumber === 0) return false;
  const row = await db
    .prepare(
      `SELECT 1 AS n FROM github_analyses
       WHERE repository_id = ? AND pr_number = ? AND head_sha != ? AND published_at IS NOT NULL AND head_updated_at > ? LIMIT 1`,
    )
    .bind(key.repositoryId, key.prNumber, key.headSha, key.headUpdatedAt)
    .first<{ n: number }>();
  return row !== null;
}

/**
 * What the claim found: `mine` (nothing published yet: go ahead, creating the check run, or
 * reusing `checkRunId` when a crashed run created one), `published` (done before: change nothing),
 * or `busy` (another delivery is publishing this sha right now).
 */
export type AnalysisClaim = { state: 'mine'; checkRunId: number | null } | { state: 'published' } | { state: 'busy' };

/** Claims publishing the analysis of a head sha: inserts the claim, or takes over one older than `staleBefore` that was never published. */
export async function claimAnalysis(db: D1Database, key: AnalysisKey, at: string, staleBefore: string): Promise<AnalysisClaim> {
  const row = await db
    .prepare(
      `INSERT INTO github_analyses (repository_id, head_sha, pr_number, claimed_at, created_at, head_updated_at) VALUES (?1, ?2, ?3, ?4, ?4, ?6)
       ON CONFLICT (repository_id, head_sha, pr_number) DO UPDATE SET claimed_at = ?4
         WHERE github_analyses.published_at IS NULL AND github_analyses.claimed_at < ?5
       RETURNING check_run_id`,
    )
    .bind(key.repositoryId, key.headSha, key.prNumber, at, staleBefore, key.headUpdatedAt ?? null)
    .first<{ check_run_id: number | null }>();
  if (row) return { state: 'mine', checkRunId: row.check_run_id };
  const existing = await db
    .prepare('SELECT published_at FROM github_analyses WHERE repository_id = ? AND head_sha = ? AND pr_number = ?')
    .bind(key.repositoryId, key.headSha, key.prNumber)
    .first<{ published_at: string | null }>();
  return existing?.published_at ? { state: 'published' } : { state: 'busy' };
}

/** Records the check run right after GitHub created it, so a redelivery after a crash reuses it. */
export function recordCheckRun(db: D1Database, key: AnalysisKey, checkRunId: number) {
  return db
    .prepare('UPDATE github_analyses SET check_run_id = ?4 WHERE repository_id = ?1 AND head_sha = ?2 AND pr_number = ?3')
    .bind(key.repositoryId, key.headSha, key.prNumber, checkRunId)
    .run();
}

/** Gives an unpublished claim back (the run failed): the retry of the delivery takes it over at once. */
export function releaseAnalysisClaim(db: D1Database, key: AnalysisKey) {
  return db
    .prepare(
      `UPDATE github_analyses SET claimed_at = '' WHERE repository_id = ?1 AND head_sha = ?2 AND pr_number = ?3 AND published_at IS NULL`,
    )
    .bind(key.repositoryId, key.headSha, key.prNumber)
    .run();
}

/** Fingerprints of the findings the pull request showed on earlier heads. */
export async function knownFingerprints(db: D1Database, repositoryId: number, prNumber: number): Promise<Set<string>> {
  const { results } = await db
    .prepare('SELECT fingerprint FROM github_findings WHERE repository_id = ? AND pr_number = ?')
    .bind(repositoryId, prNumber)
    .all<{ fingerprint: string }>();
  return new Set(results.map((r) => r.fingerprint));
}

export interface StoredFinding {
  fingerprint: string;
  ruleId: string;
  path: string;
  line: number;
  severity: string;
}

/** Findings per statement: they travel as one JSON parameter (D1 allows 100 bound parameters, not 100 findings). */
const CHUNK = 500;

/**
 * Marks the analysis published (its conclusion and counts) and, for a pull request, upserts its
 * findings (new ones with first_sha = this head; known ones get last_sha, line and path updated) —
 * in one batch, so a crash leaves either everything or nothing.
 */
export async function recordPublished(
  db: D1Database,
  key: AnalysisKey,
  result: { conclusion: string; counts: unknown; findings: readonly StoredFinding[] },
  at: string,
): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; key.prNumber > 0 && i < result.findings.length; i += CHUNK) {
    const rows = result.findings.slice(i, i + CHUNK).map((f) => ({ f: f.fingerprint, r: f.ruleId, p: f.path, l: f.line, s: f.severity }));
    statements.push(
      db
        .prepare(
          `INSERT INTO github_findings (repository_id, pr_number, fingerprint, rule_id, path, line, severity, first_sha, last_sha)
           SELECT ?1, ?2, json_extract(value, '$.f'), json_extract(value, '$.r'), json_extract(value, '$.p'),
                  json_extract(value, '$.l'), json_extract(value, '$.s'), ?3, ?3
           FROM json_each(?4) WHERE true
           ON CONFLICT (repository_id, pr_number, fingerprint) DO UPDATE SET
             last_sha = excluded.last_sha, line = excluded.line, path = excluded.path, severity = excluded.severity`,
        )
        .bind(key.repositoryId, key.prNumber, key.headSha, JSON.stringify(rows)),
    );
  }
  statements.push(
    db
      .prepare(
        `UPDATE github_analyses SET conclusion = ?4, counts_json = ?5, published_at = ?6
         WHERE repository_id = ?1 AND head_sha = ?2 AND pr_number = ?3`,
      )
      .bind(key.repositoryId, key.headSha, key.prNumber, result.conclusion, JSON.stringify(result.counts), at),
  );
  await db.batch(statements);
}

export interface AnalysisRow {
  headSha: string;
  checkRunId: number | null;
  conclusion: string | null;
  counts: unknown;
  publishedAt: string;
}

/** The latest published analysis of a pull request, or of the default branch (prNumber 0); null when none. */
export async function latestAnalysis(db: D1Database, repositoryId: number, prNumber: number): Promise<AnalysisRow | null> {
  const row = await db
    .prepare(
      `SELECT head_sha, check_run_id, conclusion, counts_json, published_at FROM github_analyses
       WHERE repository_id = ? AND pr_number = ? AND published_at IS NOT NULL ORDER BY published_at DESC LIMIT 1`,
    )
    .bind(repositoryId, prNumber)
    .first<{
      head_sha: string;
      check_run_id: number | null;
      conclusion: string | null;
      counts_json: string | null;
      published_at: string;
    }>();
  if (!row) return null;
  return {
    headSha: row.head_sha,
    checkRunId: row.check_run_id,
    conclusion: row.conclusion,
    counts: row.counts_json ? (JSON.parse(row.counts_json) as unknown) : null,
    publishedAt: row.published_at,
  };
}
