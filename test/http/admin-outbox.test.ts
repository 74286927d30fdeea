/**
 * The operator's outbox routes: `GET /v1/admin/outbox` counts what is undelivered and
 * `POST /v1/admin/outbox/sweep` sends it all again now (what the cron sweep does). Admins only:
 * anyone else gets 403 and the sweep sends nothing.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, registeredActor, type TestActor } from '../helpers/actors';
import { waitForDelivery } from '../helpers/outbox';
import { direct } from '../helpers/worker';

/** A queue that refuses every send, as during a Queues outage. */
const refusing = {
  send: () => Promise.reject(new Error('queue unavailable')),
  sendBatch: () => Promise.reject(new Error('queue unavailable')),
} as unknown as Queue<unknown>;

/** Creates contexts while the queue refuses sends: their events wait, unsent, in the outbox. */
async function stuckContexts(owner: TestActor, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await direct(
      '/v1/contexts/create',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `sweep-${crypto.randomUUID().slice(0, 8)}` }),
      },
      { CONTEXT_OPS_QUEUE: refusing },
    );
    expect(res.status).toBe(201);
    ids.push(((await res.json()) as { chittyId: string }).chittyId);
  }
  return ids;
}

async function unsent(ids: string[]): Promise<number> {
  const row = await env.DB.prepare(
    'SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL AND aggregate_id IN (SELECT value FROM json_each(?))',
  )
    .bind(JSON.stringify(ids))
    .first<{ n: number }>();
  return row?.n ?? -1;
}

describe('POST /v1/admin/outbox/sweep', () => {
  it('an admin sends every undelivered event now; they are delivered, and the counts say so', async () => {
    const admin = await registeredActor('system', ['admin']);
    const owner = await registeredActor('human');
    const ids = await stuckContexts(owner, 3);
    expect(await unsent(ids)).toBe(3);
    const stats = await call('/v1/admin/outbox', admin.token);
    expect(stats.status).toBe(200);
    const counts = (await stats.json()) as { undelivered: number; unsent: number; oldestUndeliveredAt: string | null };
    expect(counts.unsent).toBeGreaterThanOrEqual(3);
    expect(counts.undelivered).toBeGreaterThanOrEqual(3);
    expect(counts.oldestUndeliveredAt).not.toBeNull();

    const res = await call('/v1/admin/outbox/sweep', admin.token, { method: 'POST' });
    expect(res.status).toBe(200);
    const swept = (await res.json()) as { claimed: number; sent: number; failed: number };
    expect(swept.failed).toBe(0);
    expect(swept.sent).toBe(swept.claimed);
    expect(swept.sent).toBeGreaterThanOrEqual(3); // ours, and any other undelivered event of this file
    expect(await unsent(ids)).toBe(0);
    expect(await waitForDelivery(ids, 30_000)).toBe(0);
  }, 45_000);

  it('anyone but an admin gets 403, and nothing is sent', async () => {
    const owner = await registeredActor('human');
    const operatorish = await registeredActor('system', ['actors:read', 'actors:suspend']);
    const ids = await stuckContexts(owner, 2);
    for (const caller of [owner, operatorish]) {
      const res = await call('/v1/admin/outbox/sweep', caller.token, { method: 'POST' });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('scope_not_held');
      expect((await call('/v1/admin/outbox', caller.token)).status).toBe(403);
    }
    expect(await unsent(ids)).toBe(2);
  });
});
