/**
 * Routes a queue batch to its consumer by queue name, from a table of consumers composed in
 * index.ts (this module names none) (staging queues carry an env prefix, so
 * matching is by suffix, dead-letter queues first). A message of an unknown queue is retried —
 * never acknowledged unread — so after the last retry it waits in a dead-letter queue. The
 * consumer runs under a guard: a message it neither acked nor retried — because it threw, or
 * forgot one — is retried here and logged, never acknowledged by the batch's silent default.
 */
import type { Env } from '../env';
import { consoleLogger } from '../lib/log';

export type QueueConsumer = (batch: MessageBatch<unknown>, env: Env) => Promise<void>;

/** Consumers by queue-name suffix, most specific first (the first whose suffix matches wins). */
export type QueueConsumers = [suffix: string, consumer: QueueConsumer][];

/** How long a message the consumer left unsettled waits before the next try. */
const UNSETTLED_RETRY_SECONDS = 60;

export function consumerFor(consumers: QueueConsumers, queue: string): QueueConsumer | undefined {
  return consumers.find(([suffix]) => queue.endsWith(suffix))?.[1];
}

/** The batch as the consumer sees it: the same messages, each remembering whether it was settled. */
function tracked(batch: MessageBatch<unknown>): { view: MessageBatch<unknown>; unsettled: () => Message<unknown>[] } {
  const settled = new Set<Message<unknown>>();
  const pairs = batch.messages.map((m) => {
    const view: Message<unknown> = {
      id: m.id,
      timestamp: m.timestamp,
      attempts: m.attempts,
      get body() {
        return m.body;
      },
      ack: () => {
        settled.add(m);
        m.ack();
      },
      retry: (options?: QueueRetryOptions) => {
        settled.add(m);
        m.retry(options);
      },
    };
    return { m, view };
  });
  const view: MessageBatch<unknown> = {
    queue: batch.queue,
    get metadata() {
      return batch.metadata;
    },
    messages: pairs.map((p) => p.view),
    ackAll: () => {
      for (const p of pairs) p.view.ack();
    },
    retryAll: (options?: QueueRetryOptions) => {
      for (const p of pairs) p.view.retry(options);
    },
  };
  return { view, unsettled: () => pairs.filter((p) => !settled.has(p.m)).map((p) => p.m) };
}

/** Runs `consumer` on the batch; whatever it leaves unsettled (it threw, or skipped a message) is retried and logged. */
export async function runConsumer(consumer: QueueConsumer, batch: MessageBatch<unknown>, env: Env): Promise<void> {
  let guard: ReturnType<typeof tracked>;
  try {
    guard = tracked(batch);
  } catch (err) {
    // The runtime could not give us the messages at all: retry them as one.
    consoleLogger.log('error', 'queue.batch_unreadable', { queue: batch.queue, error: describe(err) });
    batch.retryAll({ delaySeconds: UNSETTLED_RETRY_SECONDS });
    return;
  }
  let failure: unknown = null;
  try {
    await consumer(guard.view, env);
  } catch (err) {
    failure = err;
  }
  const left = guard.unsettled();
  if (failure === null && left.length === 0) return;
  consoleLogger.log('error', failure === null ? 'queue.unsettled_messages' : 'queue.consumer_failed', {
    queue: batch.queue,
    ...(failure === null ? {} : { error: describe(failure) }),
    retried: left.map((m) => m.id),
  });
  for (const m of left) m.retry({ delaySeconds: UNSETTLED_RETRY_SECONDS });
}

export async function handleQueueBatch(consumers: QueueConsumers, batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const consumer = consumerFor(consumers, batch.queue);
  if (consumer) return runConsumer(consumer, batch, env);
  consoleLogger.log('warn', 'queue.no_consumer', { queue: batch.queue, messages: batch.messages.length });
  for (const message of batch.messages) message.retry({ delaySeconds: 60 });
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
