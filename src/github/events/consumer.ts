/**
 * The EVENT_Q consumer. Each delivery is claimed in D1 by its delivery id first — the
 * authoritative dedupe, exact under concurrency — then handled (handlers.ts). Success settles it
 * `processed`; a failure settles it `failed` and retries with backoff (after the last retry the
 * queue dead-letters it, and the dead-letter consumer keeps it); a payload that can never be
 * processed is settled `failed` and acknowledged. A failed delivery keeps its message in D1, so the
 * admin replay routes (routes.ts) can send it again. When GitHub rate-limits us, the retry waits
 * as long as GitHub asked.
 */
import { ecosystemFromEnv } from '../../ecosystem/from-env';
import type { Env } from '../../env';
import { consoleLogger } from '../../lib/log';
import { retryDelaySeconds } from '../../queue/context-ops';
import { describeGitHubError, rateLimitWait } from '../api';
import { claimDelivery, settleDelivery } from '../store';
import type { GitHubDelivery } from '../webhook';
import { HANDLERS, UnprocessableDelivery } from './handlers';

/** Queues cap a retry delay at 12 hours. */
const MAX_QUEUE_DELAY_SECONDS = 12 * 60 * 60;

async function payloadOf(env: Env, delivery: GitHubDelivery): Promise<unknown> {
  if (!delivery.payloadKey) return delivery.payload;
  const parked = await env.CHITTYCONNECT_KV.get(delivery.payloadKey);
  if (parked === null) throw new UnprocessableDelivery(`parked payload ${delivery.payloadKey} has expired`);
  return JSON.parse(parked) as unknown;
}

export async function consumeGitHubEvents(batch: MessageBatch<GitHubDelivery>, env: Env): Promise<void> {
  const client = ecosystemFromEnv(env);
  const base = Number(env.QUEUE_RETRY_BASE_SECONDS ?? 5);
  for (const message of batch.messages) {
    const delivery = message.body;
    const log = { deliveryId: delivery.deliveryId, event: delivery.event, action: delivery.action, attempts: message.attempts };
    try {
      const claim = await claimDelivery(env.DB, delivery.deliveryId, delivery.event, new Date());
      if (claim === 'done') {
        message.ack();
        continue;
      }
      if (claim === 'busy') {
        message.retry({ delaySeconds: Math.max(base, 30) }); // another copy is being processed right now
        continue;
      }
      const handler = HANDLERS[delivery.event];
      if (handler)
        await handler({ env, client, deliveryId: delivery.deliveryId, action: delivery.action, payload: await payloadOf(env, delivery) });
      await settleDelivery(env.DB, delivery.deliveryId, { ok: true }, new Date()).run();
      consoleLogger.log('info', 'github.processed', log);
      message.ack();
    } catch (err) {
      const error = describeGitHubError(err);
      await settleDelivery(env.DB, delivery.deliveryId, { ok: false, error, delivery: JSON.stringify(delivery) }, new Date())
        .run()
        .catch(() => undefined);
      const wait = rateLimitWait(err);
      consoleLogger.log('warn', 'github.failed', { ...log, error, ...(wait === null ? {} : { rateLimitedFor: wait }) });
      if (err instanceof UnprocessableDelivery) message.ack();
      else if (wait !== null) message.retry({ delaySeconds: Math.min(wait, MAX_QUEUE_DELAY_SECONDS) });
      else message.retry({ delaySeconds: retryDelaySeconds(message.attempts, base) });
    }
  }
}
