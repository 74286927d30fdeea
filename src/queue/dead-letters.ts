/**
 * Dead letters: every message that exhausted its retries (or that a consumer refused at once as
 * unprocessable) is kept in D1 (`dead_letters`), where the admin routes list and replay it. The
 * one thing this consumer must never do is lose a message, so each message is stored on its own —
 * one that cannot be stored never holds back the others — and whatever its body (not serialisable
 * as JSON, cyclic, huge) it is kept as text, with a note when that text is not the exact body.
 * A message is acked only once stored; if storing fails it is retried and logged at `error` with
 * its id. A feature may settle its own record of a dead-lettered message in the same D1 batch (a
 * `DeadLetterSettle`, e.g. a GitHub delivery marked `failed` for the GitHub replay routes): the hooks
 * are named by queue suffix in index.ts, so this module names no feature.
 */
import type { Env } from '../env';
import { toSafeJson } from '../lib/json-depth';
import { consoleLogger } from '../lib/log';
import { storeRetrySeconds } from './backoff';
import { insertDeadLetter } from './store';

/**
 * Longest body text kept in a row. D1 refuses rows past ~2 MB; 256 Ki UTF-16 code units are at
 * most 768 KiB of UTF-8. Queue messages are capped at 128 KB, so only a body that did not come
 * through a real queue can be cut; the row's note says so.
 */
export const MAX_DEAD_LETTER_CHARS = 256 * 1024;

/**
 * A feature's own bookkeeping for a dead-lettered message, written in the letter's D1 batch: the
 * statement, or null when the body is not one of its messages. May throw (logged; the letter is kept).
 */
export type DeadLetterSettle = (db: D1Database, body: unknown, at: string) => D1PreparedStatement | null;

/** Settle hooks by dead-letter queue-name suffix (composed in index.ts). */
export type DeadLetterHooks = [suffix: string, settle: DeadLetterSettle][];

const describe = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/**
 * Stores one message as a dead letter of `queue` (a `…-dlq` name). Never throws: true when the
 * message is kept (now, or by an earlier copy with the same id), false when it is not and must be
 * retried. `refused` says why a live consumer dead-lettered it without retrying; `settle` is the
 * feature's bookkeeping for it, if any.
 */
export async function keepDeadLetter(
  env: Env,
  message: Message<unknown>,
  queue: string,
  {
    refused = null,
    receivedAt = new Date().toISOString(),
    settle,
  }: { refused?: string | null; receivedAt?: string; settle?: DeadLetterSettle } = {},
): Promise<boolean> {
  // Real ids are 32 characters; a pathological one is cut so the log line stays a line.
  const log = { messageId: message.id.slice(0, 128), queue, attempts: message.attempts };
  try {
    let body: unknown;
    let unreadable: string | null = null;
    try {
      body = message.body;
    } catch (err) {
      unreadable = describe(err);
    }
    const safe =
      unreadable === null ? toSafeJson(body, MAX_DEAD_LETTER_CHARS) : { text: 'null', note: `the body could not be read (${unreadable})` };
    const note = [refused, safe.note].filter((n) => n !== null).join('; ') || null;
    const letter = insertDeadLetter(env.DB, { id: message.id, queue, bodyText: safe.text, note, attempts: message.attempts, receivedAt });
    const settled = settle ? settleStatement(env, settle, body, receivedAt, log) : null;
    try {
      await env.DB.batch(settled ? [letter, settled] : [letter]);
    } catch (err) {
      if (!settled) throw err;
      // The dead letter matters most: keep it alone, and say why the delivery was not settled.
      consoleLogger.log('error', 'dead_letter.settle_failed', { ...log, error: describe(err) });
      await letter.run();
    }
    if (unreadable !== null) {
      // A row says what happened, but the body is not in it: keep retrying in case a later read works.
      consoleLogger.log('error', 'dead_letter.body_unreadable', { ...log, error: unreadable });
      return false;
    }
    if (note !== null) consoleLogger.log('warn', 'dead_letter.kept_with_note', { ...log, note });
    return true;
  } catch (err) {
    consoleLogger.log('error', 'dead_letter.store_failed', { ...log, error: describe(err) });
    return false;
  }
}

function settleStatement(
  env: Env,
  settle: DeadLetterSettle,
  body: unknown,
  at: string,
  log: Record<string, unknown>,
): D1PreparedStatement | null {
  try {
    return settle(env.DB, body, at);
  } catch (err) {
    consoleLogger.log('error', 'dead_letter.settle_failed', { ...log, error: describe(err) });
    return null;
  }
}

/**
 * The dead-letter queues' consumer: each message stored on its own, acked once stored, else
 * retried; the hook whose suffix the queue's name ends with settles the feature's record of it.
 */
export async function storeDeadLetters(batch: MessageBatch<unknown>, env: Env, hooks: DeadLetterHooks = []): Promise<void> {
  const receivedAt = new Date().toISOString();
  const settle = hooks.find(([suffix]) => batch.queue.endsWith(suffix))?.[1];
  await Promise.all(
    batch.messages.map(async (m) => {
      if (await keepDeadLetter(env, m, batch.queue, { receivedAt, settle })) m.ack();
      else m.retry({ delaySeconds: storeRetrySeconds(m.attempts) });
    }),
  );
}

/** The live queue a dead-letter queue belongs to (`…-dlq` → `…`). */
export function liveQueueOf(deadLetterQueue: string): string {
  return deadLetterQueue.replace(/-dlq$/, '');
}

/** The dead-letter queue of a live queue (`…` → `…-dlq`), for letters a consumer refuses at once. */
export function deadLetterQueueOf(liveQueue: string): string {
  return `${liveQueue}-dlq`;
}
