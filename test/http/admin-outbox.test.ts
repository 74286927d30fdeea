/**
 * The operator's outbox routes: `GET /v1/admin/outbox` counts what is undelivered and
 * `POST /v1/admin/outbox/sweep` sends it all again now (what the cron sweep does). Admins only:
 * anyone else gets 403 and the sweep sends nothing.
 */
import { describe, expect, it } from 'vitest';
import { call, registeredActor } from '../helpers/actors';
import { stuckContexts, unsent, waitForDelivery } from '../helpers/outbox';

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
