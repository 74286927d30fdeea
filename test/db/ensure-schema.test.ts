/** The schema is ensured from scratch, never applied twice, and agrees with `migrations/`. */
import { applyD1Migrations, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ensureSchema } from '../../src/db/ensure-schema';
import { MIGRATIONS } from '../../src/db/migrations';
import { splitSql } from '../../src/db/split-sql';

async function tables(db: D1Database): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name")
    .all<{ name: string }>();
  return results.map((r) => r.name);
}

describe('ensureSchema', () => {
  it('the bundled list is exactly the migrations folder, in order', () => {
    expect(MIGRATIONS.map((m) => m.name)).toEqual(env.TEST_MIGRATIONS.map((m) => m.name));
  });

  it('creates every table on an empty database, then applies nothing twice', async () => {
    const db = env.SCRATCH_DB;
    const first = await ensureSchema(db);
    expect(first).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await tables(db)).toEqual(
      expect.arrayContaining([
        'contexts',
        'installations',
        'actors',
        'connections',
        'delegations',
        'outbox',
        'processed_events',
        'service_identity',
        'd1_migrations',
      ]),
    );
    expect(await ensureSchema(db)).toEqual([]);
    // wrangler's own apply (as `npm start` runs it) sees them as applied and does nothing.
    await applyD1Migrations(db, env.TEST_MIGRATIONS);
    const { results } = await db.prepare('SELECT name FROM d1_migrations').all<{ name: string }>();
    expect(results.map((r) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
  });

  it('concurrent first requests apply each migration once', async () => {
    const db = env.SCRATCH_DB;
    await db.batch([db.prepare('CREATE TABLE IF NOT EXISTS race_probe (id INTEGER)')]);
    const migration = { name: `9999_race_${crypto.randomUUID().slice(0, 8)}.sql`, sql: 'ALTER TABLE race_probe ADD COLUMN x INTEGER;' };
    const results = await Promise.all([ensureSchema(db, [migration]), ensureSchema(db, [migration]), ensureSchema(db, [migration])]);
    expect(results.flat().filter((n) => n === migration.name).length).toBeLessThanOrEqual(1);
    const { results: rows } = await db.prepare('SELECT name FROM d1_migrations WHERE name = ?').bind(migration.name).all();
    expect(rows).toHaveLength(1);
  });

  it('a migration that fails for real is reported, and nothing of it stays', async () => {
    const db = env.SCRATCH_DB;
    const broken = {
      name: `9998_broken_${crypto.randomUUID().slice(0, 8)}.sql`,
      sql: 'CREATE TABLE half_made (id INTEGER);\nSELECT * FROM no_such_table;',
    };
    await expect(ensureSchema(db, [broken])).rejects.toThrow(/no such table/);
    expect(await tables(db)).not.toContain('half_made');
  });
});

describe('splitSql', () => {
  it('splits on semicolons outside strings and comments, and keeps trigger bodies whole', () => {
    const sql = `-- a comment; with a semicolon
CREATE TABLE a (v TEXT DEFAULT 'x;y');
/* block; comment */
CREATE TRIGGER t AFTER INSERT ON a BEGIN
  INSERT INTO b VALUES (new.v);
  UPDATE c SET n = n + 1;
END;
CREATE INDEX i ON a (v)`;
    const parts = splitSql(sql);
    expect(parts).toHaveLength(3);
    expect(parts[0]).toContain("'x;y'");
    expect(parts[1]).toMatch(/^CREATE TRIGGER[\s\S]*END$/);
    expect(parts[2]).toBe('CREATE INDEX i ON a (v)');
  });
});
