/**
 * Queue batches go to their consumer; a queue without one never has a message acknowledged
 * unread; and what a consumer leaves unsettled — because it threw, or skipped a message — is
 * retried and logged, never acknowledged by the batch's silent default.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import { runConsumer } from '../../src/queue/dispatch';
import type { QueueResult } from '../helpers/github';

afterEach(() => {
  vi.restoreAllMocks();
});

function threeMessages(queue: string) {
  return createMessageBatch(
    queue,
    ['m1', 'm2', 'm3'].map((id, i) => ({ id, timestamp: new Date(), attempts: 1, body: { n: i } })),
  );
}

/** Logged lines of one event, parsed. */
function logged(spy: { mock: { calls: unknown[][] } }, event: string): Record<string, unknown>[] {
  return spy.mock.calls
    .map((c) => String(c[0]))
    .filter((l) => l.includes(`"event":"${event}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('queue dispatch', () => {
  it('retries every message of a queue that has no consumer yet (so none is lost)', async () => {
    const batch = createMessageBatch('chittyconnect-unclaimed', [
      { id: 'm1', timestamp: new Date(), attempts: 1, body: { a: 1 } },
      { id: 'm2', timestamp: new Date(), attempts: 1, body: { a: 2 } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId).sort()).toEqual(['m1', 'm2']);
  });

  it('a consumer that throws: what it settled stands, every other message is retried, and the failure is logged', async () => {
    const error = vi.spyOn(console, 'error');
    const batch = threeMessages('chittyconnect-test');
    const ctx = createExecutionContext();
    await runConsumer(
      async (b) => {
        b.messages[0]?.ack();
        b.messages[1]?.retry({ delaySeconds: 5 });
        throw new RangeError('Maximum call stack size exceeded');
      },
      batch,
      env,
    );
    const result = (await getQueueResult(batch, ctx)) as QueueResult;
    expect(result.explicitAcks).toEqual(['m1']);
    expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual(['m2', 'm3']);
    expect(logged(error, 'queue.consumer_failed')).toEqual([
      {
        level: 'error',
        event: 'queue.consumer_failed',
        queue: 'chittyconnect-test',
        error: 'RangeError: Maximum call stack size exceeded',
        retried: ['m3'],
      },
    ]);
  });

  it('a consumer that returns without settling a message: that message is retried, not acknowledged by default', async () => {
    const error = vi.spyOn(console, 'error');
    const batch = threeMessages('chittyconnect-test');
    const ctx = createExecutionContext();
    await runConsumer(
      async (b) => {
        b.messages[0]?.ack();
        b.messages[2]?.ack();
      },
      batch,
      env,
    );
    const result = (await getQueueResult(batch, ctx)) as QueueResult;
    expect(result.explicitAcks.sort()).toEqual(['m1', 'm3']);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['m2']);
    expect(logged(error, 'queue.unsettled_messages')).toEqual([
      { level: 'error', event: 'queue.unsettled_messages', queue: 'chittyconnect-test', retried: ['m2'] },
    ]);
  });
});
