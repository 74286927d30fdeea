/**
 * Outbox events reach DNA and Chronicle exactly once in effect, by our consumer's own dedupe —
 * not merely because the services ignore a repeated event id. A redelivered batch (the queue's
 * at-least-once, or the sweep sending again) must make no DNA or Chronicle call at all.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import type { OutboxMessage } from '../../src/queue/messages';
import { type LoggedRequest, requestsTo } from '../helpers/emulator';
import type { QueueResult } from '../helpers/github';

const OUTSIDE = ['dna.chitty.cc', 'chronicle.chitty.cc'];

async function consume(events: OutboxMessage[]): Promise<QueueResult> {
  const batch = createMessageBatch<OutboxMessage>(
    'chittyconnect-context-ops',
    events.map((body) => ({ id: `eo-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, env, ctx);
  return (await getQueueResult(batch, ctx)) as QueueResult;
}

/** DNA and Chronicle requests logged by the emulator since `since`, as `host path`. */
async function outsideCallsSince(since: string): Promise<string[]> {
  const logged: LoggedRequest[] = (await Promise.all(OUTSIDE.map((host) => requestsTo({ host })))).flat();
  return logged.filter((r) => r.at >= since).map((r) => `${r.host} ${r.path}`);
}

function event(aggregate: OutboxMessage['aggregate'], eventType: string): OutboxMessage {
  return {
    eventId: crypto.randomUUID(),
    aggregate,
    aggregateId: `${aggregate}-${crypto.randomUUID()}`,
    eventType,
    payload: { name: 'exactly-once' },
    createdAt: new Date().toISOString(),
  };
}

describe('outbox: exactly once, by our own dedupe', () => {
  it('a redelivered batch makes no DNA or Chronicle call', async () => {
    const events = [event('context', 'context.created'), event('context', 'context.updated'), event('api_key', 'api_key.created')];

    const first = new Date().toISOString();
    const once = await consume(events);
    expect(once.retryMessages).toEqual([]);
    expect(once.explicitAcks).toHaveLength(3);
    // The first delivery did reach both services (so the count below can tell a call when there is
    // one). The update of a context DNA has not seen is tracked from a fresh record: evolve (404),
    // initialize, evolve.
    expect((await outsideCallsSince(first)).sort()).toEqual([
      'chronicle.chitty.cc /v1/events/batch',
      'dna.chitty.cc /v1/dna/evolve',
      'dna.chitty.cc /v1/dna/evolve',
      'dna.chitty.cc /v1/dna/initialize',
      'dna.chitty.cc /v1/dna/initialize',
    ]);

    const second = new Date().toISOString();
    const again = await consume(events);
    expect(again.retryMessages).toEqual([]);
    expect(again.explicitAcks).toHaveLength(3);
    expect(await outsideCallsSince(second)).toEqual([]);
  });
});
