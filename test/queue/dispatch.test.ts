/** Queue batches go to their consumer; a queue without one never has a message acknowledged unread. */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';

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
});
