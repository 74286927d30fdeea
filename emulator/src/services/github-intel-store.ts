/**
 * Storage of what repository intelligence reads from the emulated GitHub (tables in EMU_DB):
 * file contents per repository and ref, check-run annotations, each repository's label set
 * (GitHub's defaults until one is written), and JSON seeds per repository (`gh_repo_seeds`:
 * commits, languages, compares, issues). `createIntelTables` creates the tables; the emulator's
 * seed step (index.ts) runs it after ../store.ts's schema. Repository keys are lower-cased
 * `owner/name` (`repoKey`); handlers never build SQL.
 */
import { fromJsonColumn, nowIso } from '../store';
import { fnv1a } from './github-files';
import { repoKey } from './github-store';

const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS gh_contents (
     repo TEXT NOT NULL, ref TEXT NOT NULL, path TEXT NOT NULL, content TEXT NOT NULL, PRIMARY KEY (repo, ref, path))`,
  `CREATE TABLE IF NOT EXISTS gh_check_annotations (
     id INTEGER PRIMARY KEY AUTOINCREMENT, check_run_id INTEGER NOT NULL, repo TEXT NOT NULL, annotation TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS gh_check_annotations_by_run ON gh_check_annotations (check_run_id)`,
  `CREATE TABLE IF NOT EXISTS gh_repo_labels (
     repo TEXT NOT NULL, lname TEXT NOT NULL, name TEXT NOT NULL, color TEXT NOT NULL, description TEXT,
     is_default INTEGER NOT NULL DEFAULT 0, id INTEGER NOT NULL, PRIMARY KEY (repo, lname))`,
  `CREATE TABLE IF NOT EXISTS gh_label_sets (repo TEXT PRIMARY KEY)`,
  `CREATE TABLE IF NOT EXISTS gh_repo_seeds (
     repo TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (repo, kind, key))`,
];

/** Creates this module's tables (idempotent); part of the emulator's seed step (index.ts). */
export async function createIntelTables(db: D1Database): Promise<void> {
  await db.batch(SCHEMA.map((sql) => db.prepare(sql)));
}

// --- contents --------------------------------------------------------------------------------

/** The ref under which default-branch files are stored. */
export const DEFAULT_REF = '';

/** Replaces every file of (repository, ref); `ref` '' is the default branch. */
export async function putContents(db: D1Database, fullName: string, ref: string, files: Record<string, string>): Promise<void> {
  const key = repoKey(fullName);
  await db.batch([
    db.prepare('DELETE FROM gh_contents WHERE repo = ? AND ref = ?').bind(key, ref),
    ...Object.entries(files).map(([path, content]) =>
      db.prepare('INSERT OR REPLACE INTO gh_contents (repo, ref, path, content) VALUES (?, ?, ?, ?)').bind(key, ref, path, content),
    ),
  ]);
}

/** The ref whose files answer `ref`: itself when seeded, else the default branch's. */
async function effectiveRef(db: D1Database, key: string, ref: string | undefined): Promise<string> {
  if (!ref) return DEFAULT_REF;
  const row = await db.prepare('SELECT 1 AS hit FROM gh_contents WHERE repo = ? AND ref = ? LIMIT 1').bind(key, ref).first();
  return row ? ref : DEFAULT_REF;
}

/** One file's text at `ref`, or null. */
export async function getFile(db: D1Database, fullName: string, ref: string | undefined, path: string): Promise<string | null> {
  const key = repoKey(fullName);
  const row = await db
    .prepare('SELECT content FROM gh_contents WHERE repo = ? AND ref = ? AND path = ?')
    .bind(key, await effectiveRef(db, key, ref), path)
    .first<{ content: string }>();
  return row ? row.content : null;
}

/** Every file (path and size in UTF-8 bytes) at `ref`, under `prefix` (a directory, '' = all). */
export async function listFiles(
  db: D1Database,
  fullName: string,
  ref: string | undefined,
  prefix = '',
): Promise<{ path: string; size: number; content: string }[]> {
  const key = repoKey(fullName);
  const { results } = await db
    .prepare('SELECT path, content FROM gh_contents WHERE repo = ? AND ref = ? AND substr(path, 1, ?) = ? ORDER BY path')
    .bind(key, await effectiveRef(db, key, ref), prefix.length, prefix)
    .all<{ path: string; content: string }>();
  const encoder = new TextEncoder();
  return results.map((r) => ({ path: r.path, content: r.content, size: encoder.encode(r.content).length }));
}

// --- check-run annotations -------------------------------------------------------------------

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number | undefined;
  end_column?: number | undefined;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string | undefined;
  raw_details?: string | undefined;
}

export async function addAnnotations(db: D1Database, fullName: string, checkRunId: number, list: readonly Annotation[]): Promise<void> {
  if (list.length === 0) return;
  await db.batch(
    list.map((a) =>
      db
        .prepare('INSERT INTO gh_check_annotations (check_run_id, repo, annotation) VALUES (?, ?, ?)')
        .bind(checkRunId, repoKey(fullName), JSON.stringify(a)),
    ),
  );
}

/** A check run's annotations, in the order they were added. */
export async function listAnnotations(db: D1Database, checkRunId: number): Promise<Annotation[]> {
  const { results } = await db
    .prepare('SELECT annotation FROM gh_check_annotations WHERE check_run_id = ? ORDER BY id')
    .bind(checkRunId)
    .all<{ annotation: string }>();
  return results.map((r) => JSON.parse(r.annotation) as Annotation);
}

/** How many annotations each of these check runs has. */
export async function annotationCounts(db: D1Database, ids: readonly number[]): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  if (ids.length === 0) return counts;
  const { results } = await db
    .prepare(
      `SELECT check_run_id, COUNT(*) AS n FROM gh_check_annotations WHERE check_run_id IN (SELECT value FROM json_each(?)) GROUP BY check_run_id`,
    )
    .bind(JSON.stringify(ids))
    .all<{ check_run_id: number; n: number }>();
  for (const r of results) counts.set(r.check_run_id, r.n);
  return counts;
}

/** Every annotation of one repository's check runs (all repositories without `fullName`), by check run. */
export async function annotationsByRun(db: D1Database, fullName: string | undefined): Promise<Map<number, Annotation[]>> {
  const stmt =
    fullName === undefined
      ? db.prepare('SELECT check_run_id, annotation FROM gh_check_annotations ORDER BY id LIMIT 5000')
      : db
          .prepare('SELECT check_run_id, annotation FROM gh_check_annotations WHERE repo = ? ORDER BY id LIMIT 5000')
          .bind(repoKey(fullName));
  const { results } = await stmt.all<{ check_run_id: number; annotation: string }>();
  const byRun = new Map<number, Annotation[]>();
  for (const r of results) byRun.set(r.check_run_id, [...(byRun.get(r.check_run_id) ?? []), JSON.parse(r.annotation) as Annotation]);
  return byRun;
}

// --- JSON seeds: commits, languages, compares, issues ------------------------------------------

export type SeedKind = 'commits' | 'languages' | 'compare' | 'issue';

export async function putSeed(db: D1Database, fullName: string, kind: SeedKind, key: string, data: unknown): Promise<void> {
  await db
    .prepare('INSERT OR REPLACE INTO gh_repo_seeds (repo, kind, key, data) VALUES (?, ?, ?, ?)')
    .bind(repoKey(fullName), kind, key, JSON.stringify(data))
    .run();
}

/** The seeded JSON, or null when nothing was seeded (the caller validates its shape). */
export async function getSeed(db: D1Database, fullName: string, kind: SeedKind, key = ''): Promise<unknown> {
  const row = await db
    .prepare('SELECT data FROM gh_repo_seeds WHERE repo = ? AND kind = ? AND key = ?')
    .bind(repoKey(fullName), kind, key)
    .first<{ data: string }>();
  return row ? fromJsonColumn(row.data, null) : null;
}

// --- labels ----------------------------------------------------------------------------------

export interface Label {
  id: number;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

/** GitHub's default label set for a new repository. */
export const DEFAULT_LABELS: readonly Omit<Label, 'id' | 'default'>[] = [
  { name: 'bug', color: 'd73a4a', description: "Something isn't working" },
  { name: 'documentation', color: '0075ca', description: 'Improvements or additions to documentation' },
  { name: 'duplicate', color: 'cfd3d7', description: 'This issue or pull request already exists' },
  { name: 'enhancement', color: 'a2eeef', description: 'New feature or request' },
  { name: 'good first issue', color: '7057ff', description: 'Good for newcomers' },
  { name: 'help wanted', color: '008672', description: 'Extra attention is needed' },
  { name: 'invalid', color: 'e4e669', description: "This doesn't seem right" },
  { name: 'question', color: 'd876e3', description: 'Further information is requested' },
  { name: 'wontfix', color: 'ffffff', description: 'This will not be worked on' },
];

/** The colour GitHub gives a label created by adding it to an issue. */
export const AUTO_LABEL_COLOR = 'ededed';

interface LabelRow {
  lname: string;
  name: string;
  color: string;
  description: string | null;
  is_default: number;
  id: number;
}

const toLabel = (r: LabelRow): Label => ({
  id: r.id,
  name: r.name,
  color: r.color,
  description: r.description,
  default: r.is_default === 1,
});
const labelId = (key: string, lname: string) => 1_000_000 + (fnv1a(`${key}:${lname}`) % 2_000_000_000);

function insertLabel(db: D1Database, key: string, label: Omit<Label, 'id'>, verb = 'INSERT OR IGNORE'): D1PreparedStatement {
  const lname = label.name.toLowerCase();
  return db
    .prepare(`${verb} INTO gh_repo_labels (repo, lname, name, color, description, is_default, id) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    .bind(key, lname, label.name, label.color, label.description, label.default ? 1 : 0, labelId(key, lname));
}

/** Gives a repository GitHub's default labels the first time its labels are touched. */
async function ensureLabelSet(db: D1Database, key: string): Promise<void> {
  if (await db.prepare('SELECT 1 AS hit FROM gh_label_sets WHERE repo = ?').bind(key).first()) return;
  await db.batch([
    ...DEFAULT_LABELS.map((l) => insertLabel(db, key, { ...l, default: true })),
    db.prepare('INSERT OR IGNORE INTO gh_label_sets (repo) VALUES (?)').bind(key),
  ]);
}

/** The repository's labels, by name (case-insensitive). */
export async function listRepoLabels(db: D1Database, fullName: string): Promise<Label[]> {
  const key = repoKey(fullName);
  await ensureLabelSet(db, key);
  const { results } = await db.prepare('SELECT * FROM gh_repo_labels WHERE repo = ? ORDER BY lname').bind(key).all<LabelRow>();
  return results.map(toLabel);
}

/** Creates a label; null when one with that name (any case) exists. */
export async function createRepoLabel(db: D1Database, fullName: string, label: Omit<Label, 'id' | 'default'>): Promise<Label | null> {
  const key = repoKey(fullName);
  await ensureLabelSet(db, key);
  const result = await insertLabel(db, key, { ...label, default: false }).run();
  if (result.meta.changes === 0) return null;
  return { ...label, id: labelId(key, label.name.toLowerCase()), default: false };
}

/** Replaces the repository's label set; labels that no longer exist come off every issue (as on GitHub). */
export async function replaceRepoLabels(db: D1Database, fullName: string, labels: readonly Omit<Label, 'id' | 'default'>[]): Promise<void> {
  const key = repoKey(fullName);
  await db.batch([
    db.prepare('DELETE FROM gh_repo_labels WHERE repo = ?').bind(key),
    ...labels.map((l) => insertLabel(db, key, { ...l, default: false }, 'INSERT OR REPLACE')),
    db.prepare('INSERT OR IGNORE INTO gh_label_sets (repo) VALUES (?)').bind(key),
    db
      .prepare('DELETE FROM gh_labels WHERE repo = ? AND lower(name) NOT IN (SELECT lname FROM gh_repo_labels WHERE repo = ?)')
      .bind(key, key),
  ]);
}

/** The labels on an issue, by name. */
export async function issueLabels(db: D1Database, fullName: string, issueNumber: number): Promise<Label[]> {
  const key = repoKey(fullName);
  await ensureLabelSet(db, key);
  const { results } = await db
    .prepare(
      `SELECT l.* FROM gh_labels i JOIN gh_repo_labels l ON l.repo = i.repo AND l.lname = lower(i.name)
       WHERE i.repo = ? AND i.issue_number = ? ORDER BY l.lname`,
    )
    .bind(key, issueNumber)
    .all<LabelRow>();
  return results.map(toLabel);
}

/**
 * Adds labels to an issue by name (case-insensitive). As on GitHub, a name the repository does not
 * have yet is created first (colour `ededed`, no description). Returns every label now on the issue.
 */
export async function addIssueLabels(db: D1Database, fullName: string, issueNumber: number, names: readonly string[]): Promise<Label[]> {
  const key = repoKey(fullName);
  await ensureLabelSet(db, key);
  const now = nowIso();
  await db.batch(
    names.flatMap((name) => [
      insertLabel(db, key, { name, color: AUTO_LABEL_COLOR, description: null, default: false }),
      db
        .prepare(
          `INSERT OR IGNORE INTO gh_labels (repo, full_name, issue_number, name, created_at)
           SELECT ?, ?, ?, name, ? FROM gh_repo_labels WHERE repo = ? AND lname = ?`,
        )
        .bind(key, fullName, issueNumber, now, key, name.toLowerCase()),
    ]),
  );
  return issueLabels(db, fullName, issueNumber);
}

/** Takes a label off an issue; false when it was not on it. */
export async function removeIssueLabel(db: D1Database, fullName: string, issueNumber: number, name: string): Promise<boolean> {
  const result = await db
    .prepare('DELETE FROM gh_labels WHERE repo = ? AND issue_number = ? AND lower(name) = ?')
    .bind(repoKey(fullName), issueNumber, name.toLowerCase())
    .run();
  return result.meta.changes > 0;
}
