/**
 * Routes a queue batch to the consumer registered for its queue (staging queues carry an env
 * prefix, so matching is by suffix). A queue without a consumer yet gets every message retried —
 * never acknowledged unread — so after the last retry it waits in the dead-letter queue.
 */
import type { Env } from '../env';
import { consoleLogger } from '../lib/log';

export type QueueConsumer = (batch: MessageBatch<unknown>, env: Env) => Promise<void>;

/** Consumers by queue-name suffix. Filled in by the features that own each queue. */
export const CONSUMERS: Record<string, QueueConsumer> = {};

export function consumerFor(queue: string): QueueConsumer | undefined {
  const key = Object.keys(CONSUMERS).find((suffix) => queue.endsWith(suffix));
  return key ? CONSUMERS[key] : undefined;
}

export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const consumer = consumerFor(batch.queue);
  if (consumer) return consumer(batch, env);
  consoleLogger.log('warn', 'queue.no_consumer', { queue: batch.queue, messages: batch.messages.length });
  for (const message of batch.messages) message.retry({ delaySeconds: 60 });
}
