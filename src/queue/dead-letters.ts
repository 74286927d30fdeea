/**
 * The dead-letter queues' consumer: every message that exhausted its retries is kept in D1
 * (`dead_letters`), where the admin routes list and replay it. Acked only once stored.
 */
import type { Env } from '../env';
import { insertDeadLetter } from './store';

export async function storeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const receivedAt = new Date().toISOString();
  try {
    await env.DB.batch(
      batch.messages.map((m) => insertDeadLetter(env.DB, { id: m.id, queue: batch.queue, body: m.body, attempts: m.attempts, receivedAt })),
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
