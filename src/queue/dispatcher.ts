/**
 * Moves outbox events onto CONTEXT_OPS_QUEUE: right after a mutating request (in `waitUntil`),
 * and from the cron sweep for anything still undelivered. Claiming is one UPDATE … RETURNING, so
 * concurrent dispatchers do not send the same event at the same moment; a failed send puts the
 * events back. Sending twice is harmless: the consumer is idempotent by event id.
 */
import { consoleLogger } from '../lib/log';
import type { OutboxMessage } from './messages';
import { claimOutbox, unclaimOutbox } from './store';

const SEND_BATCH = 100; // a Queues sendBatch takes at most 100 messages

export interface DispatchResult {
  claimed: number;
  sent: number;
  failed: number;
}

export async function dispatchOutbox(
  db: D1Database,
  queue: Queue<OutboxMessage>,
  options: { limit: number; resendAfterSeconds: number | null; now?: Date },
): Promise<DispatchResult> {
  const now = options.now ?? new Date();
  // null: only events never sent (right after a write); a number: also those sent that long ago.
  const resendBefore = options.resendAfterSeconds === null ? '' : new Date(now.getTime() - options.resendAfterSeconds * 1000).toISOString();
  const claimed = await claimOutbox(db, now.toISOString(), resendBefore, options.limit);
  let sent = 0;
  let failed = 0;
  for (let i = 0; i < claimed.length; i += SEND_BATCH) {
    const chunk = claimed.slice(i, i + SEND_BATCH);
    try {
      await queue.sendBatch(chunk.map((body) => ({ body, contentType: 'json' as const })));
      sent += chunk.length;
    } catch (err) {
      failed += chunk.length;
      const reason = err instanceof Error ? err.message : String(err);
      consoleLogger.log('warn', 'outbox.send_failed', { events: chunk.length, reason });
      await unclaimOutbox(
        db,
        chunk.map((m) => m.eventId),
        reason,
      ).run();
    }
  }
  return { claimed: claimed.length, sent, failed };
}

/** The sweep: dispatches until nothing is left to claim (bounded, so one cron run stays short). */
export async function sweepOutbox(
  db: D1Database,
  queue: Queue<OutboxMessage>,
  resendAfterSeconds: number,
  maxRounds = 20,
): Promise<DispatchResult> {
  const total: DispatchResult = { claimed: 0, sent: 0, failed: 0 };
  for (let round = 0; round < maxRounds; round++) {
    const r = await dispatchOutbox(db, queue, { limit: 500, resendAfterSeconds });
    total.claimed += r.claimed;
    total.sent += r.sent;
    total.failed += r.failed;
    if (r.claimed < 500 || r.failed > 0) break;
  }
  return total;
}
