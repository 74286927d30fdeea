/**
 * Poison messages (issue 9): one message that can never be processed does not fail its batch —
 * the good messages beside it are processed, the bad one is kept as a dead letter with its raw
 * body — on both queues; and the dead-letter consumer keeps whatever it receives (cyclic, BigInt,
 * deeply nested, huge), retrying (never acking) what it could not store.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import { storeRetrySeconds } from '../../src/queue/backoff';
import { MAX_DEAD_LETTER_CHARS } from '../../src/queue/dead-letters';
import type { OutboxMessage } from '../../src/queue/messages';
import { call, registeredActor } from '../helpers/actors';
import { clearFaults, requestsTo, setFault } from '../helpers/emulator';
import { delivery, deliveryRow, freshNumber, pullRequest, type QueueResult } from '../helpers/github';

afterEach(async () => {
  vi.restoreAllMocks();
  await clearFaults();
});

interface Row {
  queue: string;
  body: string;
  note: string | null;
}

/** Runs the worker's queue handler on one batch of `queue` (message ids are `<prefix>-<i>`). */
async function run(queue: string, bodies: unknown[], prefix = crypto.randomUUID()): Promise<QueueResult & { ids: string[] }> {
  const ids = bodies.map((_, i) => `${prefix}-${i}`);
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: ids[i] as string, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return { ...((await getQueueResult(batch, ctx)) as QueueResult), ids };
}

const letter = (id: string) => env.DB.prepare('SELECT queue, body, note FROM dead_letters WHERE id = ?').bind(id).first<Row>();

/** `{"a":{"a":…1…}}`, `depth` objects deep, built without recursion. */
function nestedValue(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

function outboxEvent(aggregate: OutboxMessage['aggregate'] = 'api_key'): OutboxMessage {
  return {
    eventId: crypto.randomUUID(),
    aggregate,
    aggregateId: `agg-${crypto.randomUUID()}`,
    eventType: `${aggregate}.created`,
    payload: { name: 'poison-test' },
    createdAt: new Date().toISOString(),
  };
}

describe('EVENT_Q: a poison message beside good ones', () => {
  it('good deliveries are processed; the bad ones are dead letters with their raw bodies; nothing is retried or dropped', async () => {
    const good = [delivery('pull_request', pullRequest('opened', freshNumber())), delivery('ping', { zen: 'Design for failure.' })];
    const tooDeep = { ...delivery('issues', { action: 'opened' }), payload: nestedValue(150) };
    const notADelivery = { hello: 'world' };
    const bodies = [good[0], null, tooDeep, notADelivery, good[1]];
    const result = await run('chittyconnect-github-events', bodies);

    expect(result.retryMessages).toEqual([]);
    expect([...result.explicitAcks].sort()).toEqual([...result.ids].sort());
    for (const d of good) expect(await deliveryRow(d.deliveryId)).toMatchObject({ status: 'processed' });
    for (const i of [1, 2, 3]) {
      const row = await letter(result.ids[i] as string);
      expect(row).toMatchObject({
        queue: 'chittyconnect-github-events-dlq',
        note: expect.stringContaining('refused by the chittyconnect-github-events consumer'),
      });
      expect(row?.body).toBe(JSON.stringify(bodies[i]));
    }
    expect((await letter(result.ids[2] as string))?.note).toContain('deeper than 100 levels');
    // A too-deep delivery is also settled failed, so the GitHub replay routes know of it.
    expect(await deliveryRow(tooDeep.deliveryId)).toMatchObject({ status: 'failed' });

    // Replaying them would only bring them back: they are skipped and listed, and none is sent.
    const admin = await registeredActor('human', ['admin']);
    const poisonIds = [1, 2, 3].map((i) => result.ids[i] as string);
    const replay = await call('/v1/admin/dead-letters/replay', admin.token, { method: 'POST', json: { ids: poisonIds } });
    expect(replay.status).toBe(200);
    const answer = (await replay.json()) as { replayed: number; skipped: { id: string; note: string }[] };
    expect(answer.replayed).toBe(0);
    expect(answer.skipped.map((s) => s.id).sort()).toEqual([...poisonIds].sort());
    const pending = await env.DB.prepare('SELECT COUNT(*) AS n FROM dead_letters WHERE id IN (?, ?, ?) AND replayed_at IS NULL')
      .bind(...poisonIds)
      .first<{ n: number }>();
    expect(pending?.n).toBe(3);
  });
});

describe('CONTEXT_OPS_QUEUE: a poison message beside good ones', () => {
  it('good events reach Chronicle and are marked processed; the bad ones are dead letters with their raw bodies', async () => {
    const good = [outboxEvent(), outboxEvent('connection')];
    const missingFields = { eventId: crypto.randomUUID(), note: 'not an outbox event' };
    const bodies = [good[0], null, missingFields, 'just text', good[1]];
    const result = await run('chittyconnect-context-ops', bodies);

    expect(result.retryMessages).toEqual([]);
    expect([...result.explicitAcks].sort()).toEqual([...result.ids].sort());
    const processed = await env.DB.prepare(
      "SELECT event_id FROM processed_events WHERE source = 'outbox' AND status = 'processed' AND event_id IN (?, ?)",
    )
      .bind(good[0]?.eventId, good[1]?.eventId)
      .all();
    expect(processed.results).toHaveLength(2);
    for (const i of [1, 2, 3]) {
      const row = await letter(result.ids[i] as string);
      expect(row).toMatchObject({
        queue: 'chittyconnect-context-ops-dlq',
        note: expect.stringContaining('refused by the chittyconnect-context-ops consumer'),
      });
      expect(row?.body).toBe(JSON.stringify(bodies[i]));
    }
  });
});

describe('CONTEXT_OPS_QUEUE: Chronicle refusing the batch call', () => {
  it('sends the events one by one, so the batch is not failed by one refusal', async () => {
    const events = [outboxEvent(), outboxEvent('connection'), outboxEvent('delegation')];
    const since = new Date().toISOString();
    await setFault('chronicle.chitty.cc', { mode: 'error', status: 400, times: 1 });
    const result = await run('chittyconnect-context-ops', events);

    expect(result.retryMessages).toEqual([]);
    expect([...result.explicitAcks].sort()).toEqual([...result.ids].sort());
    const calls = (await requestsTo({ host: 'chronicle.chitty.cc' })).filter((r) => r.at >= since);
    expect(calls.map((r) => r.status)).toEqual([400, 201, 201, 201]);
  });
});

describe('the dead-letter consumer keeps whatever it receives', () => {
  it('cyclic, BigInt, deeply nested and huge bodies are each stored (with a note when not exact) and acked', async () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const deep = nestedValue(1_000);
    const huge = { blob: 'x'.repeat(600_000) };
    const bodies = [{ fine: true }, cyclic, { big: 12345678901234567890n }, deep, huge];
    const result = await run('chittyconnect-context-ops-dlq', bodies);

    expect(result.retryMessages).toEqual([]);
    expect([...result.explicitAcks].sort()).toEqual([...result.ids].sort());
    const [fine, loop, big, nested, cut] = await Promise.all(result.ids.map((id) => letter(id)));
    expect(fine).toEqual({ queue: 'chittyconnect-context-ops-dlq', body: '{"fine":true}', note: null });
    expect(loop?.body).toBe('{"name":"loop","self":"[Circular]"}');
    expect(loop?.note).toContain('not serialisable as JSON');
    expect(big?.body).toBe('{"big":"12345678901234567890"}');
    expect(big?.note).toContain('BigInt');
    expect(nested).toMatchObject({ body: JSON.stringify(deep), note: null });
    expect(cut?.body).toHaveLength(MAX_DEAD_LETTER_CHARS);
    expect(cut?.body).toBe(JSON.stringify(huge).slice(0, MAX_DEAD_LETTER_CHARS));
    expect(cut?.note).toContain(`truncated to its first ${MAX_DEAD_LETTER_CHARS}`);
  });

  it('a message D1 refuses to store is retried, never acked, and logged as an error; the rest of the batch is kept', async () => {
    const error = vi.spyOn(console, 'error');
    // D1 refuses strings past a few MB (SQLITE_TOOBIG): a 6 MB message id makes its row unstorable.
    const hugeId = `dl-${'i'.repeat(6_000_000)}`;
    const okId = `dl-${crypto.randomUUID()}`;
    const batch = createMessageBatch('chittyconnect-github-events-dlq', [
      { id: hugeId, timestamp: new Date(), attempts: 3, body: delivery('ping', { zen: 'unstorable' }) },
      { id: okId, timestamp: new Date(), attempts: 3, body: { kept: true } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = (await getQueueResult(batch, ctx)) as QueueResult;

    expect(result.explicitAcks).toEqual([okId]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([hugeId]);
    // Third try: 30 s doubled twice; later tries back off to the queue's 12 h ceiling.
    // The retry backs off (createMessageBatch keeps no delays, so the schedule is checked as such):
    // 30 s doubling to the queue's 12 h ceiling, which the 100 tries of a dead-letter queue then keep.
    expect([1, 2, 3, 12, 13, 100].map(storeRetrySeconds)).toEqual([30, 60, 120, 43_200, 43_200, 43_200]);
    expect(await letter(okId)).toMatchObject({ body: '{"kept":true}' });
    const logged = error.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('dead_letter.store_failed'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0] as string)).toMatchObject({
      level: 'error',
      messageId: hugeId.slice(0, 128),
      queue: 'chittyconnect-github-events-dlq',
      error: expect.stringContaining('TOOBIG'),
    });
  });
});
