/**
 * Health history: every check (on demand or by the sweep) is kept, newest first, the last 50 per
 * connection; only its owner reads it.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { appendCheck, CHECKS_KEPT } from '../../src/connections/store';
import { call, registeredActor } from '../helpers/actors';
import { echoConnection } from './support';

interface Check {
  checkedAt: string;
  reachable: boolean;
  latencyMs: number;
  httpStatus: number | null;
  reason: string | null;
}

describe('connection checks', () => {
  it('each check is recorded, newest first, and read only by the owner', async () => {
    const owner = await registeredActor('human');
    const connection = await echoConnection(owner);
    const empty = await call(`/v1/connections/${connection.connectionId}/checks`, owner.token);
    expect(empty.status).toBe(200);
    expect(((await empty.json()) as { checks: Check[] }).checks).toEqual([]);

    for (let i = 0; i < 2; i++) expect((await call(`/v1/connections/${connection.connectionId}/status`, owner.token)).status).toBe(200);
    const res = await call(`/v1/connections/${connection.connectionId}/checks?limit=5`, owner.token);
    const { checks } = (await res.json()) as { checks: Check[] };
    expect(checks).toHaveLength(2);
    expect(checks.every((k) => k.reachable && k.httpStatus === 200 && k.reason === null && k.latencyMs >= 0)).toBe(true);
    expect(checks[0]?.checkedAt.localeCompare(checks[1]?.checkedAt ?? '')).toBeGreaterThanOrEqual(0);

    const stranger = await registeredActor('human');
    expect((await call(`/v1/connections/${connection.connectionId}/checks`, stranger.token)).status).toBe(404);
    expect((await call(`/v1/connections/${connection.connectionId}/checks?limit=51`, owner.token)).status).toBe(400);
  });

  it(`keeps the latest ${CHECKS_KEPT} per connection`, async () => {
    const id = `conn_prune_${crypto.randomUUID().slice(0, 8)}`;
    const other = `conn_prune_${crypto.randomUUID().slice(0, 8)}`;
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    await env.DB.batch(appendCheck(env.DB, other, { checkedAt: at(0), reachable: true, latencyMs: 1, httpStatus: 200, reason: null }));
    for (let i = 0; i < CHECKS_KEPT + 5; i++) {
      await env.DB.batch(
        appendCheck(env.DB, id, { checkedAt: at(i), reachable: i % 2 === 0, latencyMs: i, httpStatus: null, reason: null }),
      );
    }
    const kept = await env.DB.prepare('SELECT min(latency_ms) AS oldest, count(*) AS n FROM connection_checks WHERE connection_id = ?')
      .bind(id)
      .first<{ oldest: number; n: number }>();
    expect(kept).toEqual({ oldest: 5, n: CHECKS_KEPT });
    const untouched = await env.DB.prepare('SELECT count(*) AS n FROM connection_checks WHERE connection_id = ?')
      .bind(other)
      .first<{ n: number }>();
    expect(untouched?.n).toBe(1);
  });
});
