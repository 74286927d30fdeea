/** Waiting on the outbox pipeline: events are delivered by the real queue consumer, asynchronously. */
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import type { TestActor } from './actors';
import { direct } from './worker';

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

/** A queue that refuses every send, as during a Queues outage. */
export const refusing = {
  send: () => Promise.reject(new Error('queue unavailable')),
  sendBatch: () => Promise.reject(new Error('queue unavailable')),
} as unknown as Queue<unknown>;

/** Creates contexts while the queue refuses sends: their events wait, unsent, in the outbox. */
export async function stuckContexts(owner: TestActor, n: number): Promise<string[]> {
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

export async function unsent(ids: string[]): Promise<number> {
  const row = await env.DB.prepare(
    'SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL AND aggregate_id IN (SELECT value FROM json_each(?))',
  )
    .bind(JSON.stringify(ids))
    .first<{ n: number }>();
  return row?.n ?? -1;
}
