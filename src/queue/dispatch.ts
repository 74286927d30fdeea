/**
 * Routes a queue batch to its consumer by queue name (staging queues carry an env prefix, so
 * matching is by suffix, dead-letter queues first). A message of an unknown queue is retried —
 * never acknowledged unread — so after the last retry it waits in a dead-letter queue.
 */
import type { Env } from '../env';
import { consumeGitHubEvents } from '../github/events/consumer';
import type { GitHubDelivery } from '../github/webhook';
import { consoleLogger } from '../lib/log';
import { consumeContextOps } from './context-ops';
import { storeDeadLetters } from './dead-letters';
import type { OutboxMessage } from './messages';

export type QueueConsumer = (batch: MessageBatch<unknown>, env: Env) => Promise<void>;

/** Consumers by queue-name suffix, most specific first. */
export const CONSUMERS: [suffix: string, consumer: QueueConsumer][] = [
  ['-dlq', storeDeadLetters],
  ['-context-ops', (batch, env) => consumeContextOps(batch as MessageBatch<OutboxMessage>, env)],
  ['-github-events', (batch, env) => consumeGitHubEvents(batch as MessageBatch<GitHubDelivery>, env)],
];

export function consumerFor(queue: string): QueueConsumer | undefined {
  return CONSUMERS.find(([suffix]) => queue.endsWith(suffix))?.[1];
}

export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const consumer = consumerFor(batch.queue);
  if (consumer) return consumer(batch, env);
  consoleLogger.log('warn', 'queue.no_consumer', { queue: batch.queue, messages: batch.messages.length });
  for (const message of batch.messages) message.retry({ delaySeconds: 60 });
}
