/**
 * The start-up path when the database schema cannot be ensured: every route but `/health`
 * answers 503 `database_unavailable` (with Retry-After), `/health` answers 200 and says so, the
 * ecosystem initialisation does not start, and the failure is not remembered — the next request
 * with a usable database goes through.
 *
 * The broken database is real: SCRATCH_DB (an empty D1 of its own) with a `d1_migrations` table
 * that is not wrangler's (no `name` column), so reading the migration bookkeeping fails in D1 itself.
 * This file must make the isolate's first request: once a schema check succeeded, an isolate
 * does not check again (src/db/ensure-schema.ts), and vitest-pool-workers gives each test file
 * a fresh module graph.
 */
import { env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initState } from '../../src/ecosystem/startup';
import { bearer } from '../helpers/actors';
import { direct } from '../helpers/worker';

const broken = { DB: env.SCRATCH_DB };

beforeAll(async () => {
  await env.SCRATCH_DB.batch([
    env.SCRATCH_DB.prepare('DROP TABLE IF EXISTS d1_migrations'),
    env.SCRATCH_DB.prepare('CREATE TABLE d1_migrations (id INTEGER PRIMARY KEY, applied_at TEXT)'),
  ]);
});

afterAll(async () => {
  await env.SCRATCH_DB.prepare('DROP TABLE IF EXISTS d1_migrations').run();
});

describe('start-up when the schema cannot be ensured', () => {
  it('every route but /health → 503 database_unavailable with Retry-After; nothing else runs', async () => {
    const requests: [string, RequestInit][] = [
      ['/', {}],
      ['/openapi.json', {}],
      ['/docs', {}],
      ['/v1/actors/me', { headers: bearer('emu_anything') }],
      ['/v1/actors/me', {}],
      ['/v1/contexts/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' }],
    ];
    const logged = vi.spyOn(console, 'warn');
    for (const [path, init] of requests) {
      logged.mockClear();
      const res = await direct(path, init, broken);
      const label = `${init.method ?? 'GET'} ${path}`;
      expect(res.status, label).toBe(503);
      expect(res.headers.get('content-type'), label).toBe('application/problem+json');
      expect(res.headers.get('retry-after'), label).toBe('5');
      const body = await res.text();
      expect(JSON.parse(body), label).toMatchObject({ status: 503, code: 'database_unavailable' });
      expect(body, label).not.toContain('no such column'); // D1's own message stays in the log…
      const lines = logged.mock.calls.map((call) => JSON.parse(String(call[0])) as Record<string, unknown>);
      expect(
        lines.filter((l) => l.event === 'request.failed'),
        label,
      ).toEqual([
        // …once per request, with its cause
        expect.objectContaining({ status: 503, code: 'database_unavailable', error: expect.stringContaining('no such column') }),
      ]);
    }
    logged.mockRestore();
    expect(initState().state).toBe('pending'); // the ecosystem initialisation waits for a database
  });

  it('/health answers 200 and says the database is unavailable', async () => {
    const res = await direct('/health', {}, broken);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; database: { status: string; reason?: string } };
    expect(body.status).toBe('degraded');
    expect(body.database).toEqual({ status: 'unavailable', reason: 'the database schema could not be ensured' });
    expect(initState().state).toBe('pending');
  });

  it('the failure is not remembered: the next request with a usable database goes through', async () => {
    const res = await direct('/health');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { database: { status: string } }).database).toEqual({ status: 'ready' });
    expect((await direct('/')).status).toBe(200);
  });
});
