/**
 * The dead-letter queues' consumer: every message that exhausted its retries is kept in D1
 * (`dead_letters`), where the admin routes list and replay it. Acked only once stored. A GitHub
 * delivery is also settled `failed` in `processed_events` with its message, for the GitHub replay
 * routes.
 */
import type { Env } from '../env';
import { settleDeadLettered } from '../github/store';
import type { GitHubDelivery } from '../github/webhook';
import { insertDeadLetter } from './store';

function isDelivery(body: unknown): body is GitHubDelivery {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as GitHubDelivery).deliveryId === 'string' &&
    typeof (body as GitHubDelivery).event === 'string'
  );
}

export async function storeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const receivedAt = new Date().toISOString();
  try {
    const github = batch.queue.endsWith('-github-events-dlq');
    await env.DB.batch(
      batch.messages.flatMap((m) => [
        insertDeadLetter(env.DB, { id: m.id, queue: batch.queue, body: m.body, attempts: m.attempts, receivedAt }),
        ...(github && isDelivery(m.body) ? [settleDeadLettered(env.DB, m.body, receivedAt)] : []),
      ]),
    );
    for (const m of batch.messages) m.ack();
  } catch {
    for (const m of batch.messages) m.retry({ delaySeconds: 30 });
  }
}

/** The live queue a dead-letter queue belongs to (`…-dlq` → `…`). */
export function liveQueueOf(deadLetterQueue: string): string {
  return deadLetterQueue.replace(/-dlq$/, '');
}
