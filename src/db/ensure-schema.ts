/**
 * Makes sure the database schema is current before a request touches it. Uses wrangler's own
 * bookkeeping table (`d1_migrations`), so migrations applied here and by
 * `wrangler d1 migrations apply` are never applied twice. Each migration and its bookkeeping row
 * go in one D1 batch (one transaction): if two isolates race, one batch fails on the unique name,
 * rolls back, and the loser re-reads the table and finds the work done.
 */
import { MIGRATIONS, type Migration } from './migrations';
import { splitSql } from './split-sql';

const TABLE = 'd1_migrations';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${TABLE}(
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT UNIQUE,
  applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
)`;

async function appliedNames(db: D1Database): Promise<Set<string>> {
  try {
    const { results } = await db.prepare(`SELECT name FROM ${TABLE}`).all<{ name: string }>();
    return new Set(results.map((r) => r.name));
  } catch (err) {
    if (err instanceof Error && /no such table/i.test(err.message)) return new Set();
    throw err;
  }
}

/** Applies every bundled migration not yet recorded; returns the names it applied. */
export async function ensureSchema(db: D1Database, migrations: readonly Migration[] = MIGRATIONS): Promise<string[]> {
  let applied = await appliedNames(db);
  const pending = migrations.filter((m) => !applied.has(m.name));
  if (pending.length === 0) return [];
  await db.prepare(CREATE_TABLE).run();
  const done: string[] = [];
  for (const migration of pending) {
    const statements = splitSql(migration.sql).map((sql) => db.prepare(sql));
    statements.push(db.prepare(`INSERT INTO ${TABLE} (name) VALUES (?)`).bind(migration.name));
    try {
      await db.batch(statements);
      done.push(migration.name);
    } catch (err) {
      applied = await appliedNames(db);
      if (!applied.has(migration.name)) throw err; // not a lost race: a real failure
    }
  }
  return done;
}

let ready: Promise<void> | null = null;

/**
 * Once per isolate: the schema check, shared by concurrent first requests. A failure is not
 * remembered, so the next request tries again.
 */
export function ensureSchemaOnce(db: D1Database): Promise<void> {
  ready ??= ensureSchema(db).then(
    () => undefined,
    (err: unknown) => {
      ready = null;
      throw err;
    },
  );
  return ready;
}
