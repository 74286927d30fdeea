/** Waiting on the outbox pipeline: events are delivered by the real queue consumer, asynchronously. */
import { env } from 'cloudflare:test';

/** Polls until every outbox event of these aggregates is delivered (or the deadline passes); returns how many are still not. */
export async function waitForDelivery(aggregateIds: string[], timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await env.DB.prepare(
      'SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL AND aggregate_id IN (SELECT value FROM json_each(?))',
    )
      .bind(JSON.stringify(aggregateIds))
      .first<{ n: number }>();
    const left = row?.n ?? 0;
    if (left === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}
