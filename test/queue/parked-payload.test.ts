/**
 * Parked payloads (> 120 KB, kept in CHITTYCONNECT_KV with a reference on the queue): one is
 * processed through the EVENT_Q consumer like any other; one whose KV copy has expired is settled
 * `failed` and acknowledged — kept for replay, not retried for ever.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { GitHubDelivery } from '../../src/github/webhook/routes';
import { deliveryRow, freshNumber, postedOn, pullRequest, runEvents, sign } from '../helpers/github';
import { direct } from '../helpers/worker';

/** A queue binding that keeps what the webhook sends, so the test can hand it to the consumer. */
function capturingQueue() {
  const sent: GitHubDelivery[] = [];
  const queue = {
    send: async (body: GitHubDelivery) => {
      sent.push(body);
    },
  } as unknown as Queue<unknown>;
  return { sent, queue };
}

describe('parked payloads', () => {
  it('a payload over 120 KB is parked by the webhook and processed through the consumer', async () => {
    const number = freshNumber();
    const body = JSON.stringify({ ...pullRequest('opened', number), padding: 'x'.repeat(130_000) });
    const deliveryId = crypto.randomUUID();
    const { sent, queue } = capturingQueue();
    const res = await direct(
      '/integrations/github/webhook',
      {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'pull_request',
          'x-github-delivery': deliveryId,
          'x-hub-signature-256': await sign(env.GITHUB_WEBHOOK_SECRET as string, body),
        },
      },
      { EVENT_Q: queue },
    );
    expect(res.status).toBe(202);
    expect(sent).toEqual([expect.objectContaining({ deliveryId, payloadKey: `ghpayload:${deliveryId}` })]);
    expect(sent[0]?.payload).toBeUndefined();

    const result = await runEvents(sent);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: 'processed' });
    expect((await postedOn(number)).comments).toHaveLength(1);
  });

  it('a parked payload that has expired is settled failed and acknowledged, not retried', async () => {
    const deliveryId = crypto.randomUUID();
    const d: GitHubDelivery = {
      deliveryId,
      event: 'pull_request',
      action: 'opened',
      receivedAt: new Date().toISOString(),
      payloadKey: `ghpayload:${deliveryId}`,
    };
    const result = await runEvents([d]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(1);
    const row = await deliveryRow(deliveryId);
    expect(row).toMatchObject({ status: 'failed', last_error: expect.stringContaining('has expired') });
    expect(JSON.parse(row?.delivery ?? 'null')).toEqual(d);
  });
});
