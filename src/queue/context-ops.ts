/**
 * The CONTEXT_OPS_QUEUE consumer: each outbox event reaches ChittyDNA (initialise on create,
 * evolve on change) and ChittyChronicle (one batched log call per batch), exactly once in effect:
 * events already processed are acknowledged unread, and both services apply an event id once, so
 * a redelivery changes nothing. Each message is acked or retried on its own, with backoff; after
 * the last retry the queue moves it to the dead-letter queue (see dead-letters.ts), and the cron
 * sweep sends undelivered events again once the services are back.
 *
 * One message never fails the batch: a body that is not an outbox event is kept as a dead letter
 * at once; DNA is called per message; and when Chronicle refuses the batch call (rather than
 * being down), the events are sent one by one, so the event at fault is retried alone.
 */
import { setContextDna } from '../contexts/store';
import type { EcosystemClient } from '../ecosystem/client';
import { EcosystemError, EcosystemRejectedError } from '../ecosystem/errors';
import { ecosystemFromEnv } from '../ecosystem/from-env';
import type { Env } from '../env';
import { gateFor } from '../http/principal-gate';
import { depthAtMost } from '../lib/json-depth';
import { consoleLogger } from '../lib/log';
import { deadLetterQueueOf, keepDeadLetter } from './dead-letters';
import { MAX_OUTBOX_PAYLOAD_DEPTH, type OutboxMessage } from './messages';
import { markDelivered, processedAmong } from './store';

/** Which DNA entity, if any, an event belongs to, and how it changes it. */
function dnaAction(m: OutboxMessage): { entityType: string; initialize: boolean } | null {
  if (m.aggregate === 'context') return { entityType: 'context', initialize: m.eventType === 'context.created' };
  if (m.aggregate === 'actor') return { entityType: 'actor', initialize: m.eventType === 'actor.registered' };
  return null; // connections, keys, delegations: Chronicle only
}

async function trackInDna(env: Env, client: EcosystemClient, m: OutboxMessage): Promise<void> {
  const db = env.DB;
  const action = dnaAction(m);
  if (!action) return;
  if (action.initialize) {
    const { dnaId } = await client.dna.initialize(m.aggregateId, action.entityType, { eventId: m.eventId, ...summary(m.payload) });
    if (m.aggregate === 'context') {
      await setContextDna(db, m.aggregateId, dnaId).run();
      const ownerPrincipal = m.payload.ownerPrincipal;
      if (typeof ownerPrincipal === 'string') await gateFor(env, ownerPrincipal).bumpData(); // cached reads now show the DNA id
    } else await db.prepare('UPDATE actors SET dna_id = ? WHERE chitty_id = ? AND dna_id IS NULL').bind(dnaId, m.aggregateId).run();
    return;
  }
  const mutation = { type: m.eventType, data: summary(m.payload) };
  try {
    await client.dna.evolve(m.aggregateId, mutation, m.eventId);
  } catch (err) {
    // Events can arrive out of order: a change before its creation is tracked from a fresh record.
    if (!(err instanceof EcosystemRejectedError && err.status === 404)) throw err;
    await client.dna.initialize(m.aggregateId, action.entityType, {});
    await client.dna.evolve(m.aggregateId, mutation, m.eventId);
  }
}

/** What the ecosystem is told of an event: its fields, without bulky free-form content. */
function summary(payload: Record<string, unknown>): Record<string, unknown> {
  const { data: _data, ...rest } = payload;
  return rest;
}

/** Backoff for a retried message: 5 s, 10 s, 20 s … capped at 5 minutes, with jitter. */
export function retryDelaySeconds(attempts: number, base: number): number {
  const ceiling = Math.min(300, base * 2 ** Math.max(0, attempts - 1));
  return Math.max(base === 0 ? 0 : 1, Math.round(ceiling / 2 + Math.random() * (ceiling / 2)));
}

/** Why a message can never be processed as an outbox event, or null. Never throws. */
function poisonReason(message: Message<unknown>): string | null {
  let body: unknown;
  try {
    body = message.body;
  } catch (err) {
    return `its body cannot be read (${reason(err)})`;
  }
  const m = body as Partial<OutboxMessage> | null;
  const fields = typeof m === 'object' && m !== null && !Array.isArray(m);
  if (
    !fields ||
    !['eventId', 'aggregate', 'aggregateId', 'eventType', 'createdAt'].every((k) => typeof m[k as keyof OutboxMessage] === 'string')
  )
    return 'not an outbox event (eventId, aggregate, aggregateId, eventType and createdAt are required)';
  if (typeof m.payload !== 'object' || m.payload === null || Array.isArray(m.payload)) return 'its payload is not an object';
  if (!depthAtMost(m.payload, MAX_OUTBOX_PAYLOAD_DEPTH)) return `its payload nests deeper than ${MAX_OUTBOX_PAYLOAD_DEPTH} levels`;
  return null;
}

export async function consumeContextOps(batch: MessageBatch<OutboxMessage>, env: Env): Promise<void> {
  const client = ecosystemFromEnv(env);
  const base = Number(env.QUEUE_RETRY_BASE_SECONDS ?? 5);
  const retry = (message: Message<OutboxMessage>) => message.retry({ delaySeconds: retryDelaySeconds(message.attempts, base) });

  const messages: Message<OutboxMessage>[] = [];
  for (const message of batch.messages) {
    const poison = poisonReason(message);
    if (poison === null) {
      messages.push(message);
      continue;
    }
    consoleLogger.log('error', 'context_ops.poison_message', { messageId: message.id, queue: batch.queue, reason: poison });
    const refused = `refused by the ${batch.queue} consumer: ${poison}`;
    if (await keepDeadLetter(env, message, deadLetterQueueOf(batch.queue), refused)) message.ack();
    else retry(message);
  }

  let done: Set<string>;
  try {
    done = await processedAmong(
      env.DB,
      'outbox',
      messages.map((m) => m.body.eventId),
    );
  } catch (err) {
    // Without the dedupe nothing can be sent safely: the whole batch waits (D1 is down, not a message at fault).
    consoleLogger.log('warn', 'context_ops.dedupe_failed', { messages: messages.length, reason: reason(err) });
    for (const message of messages) retry(message);
    return;
  }
  const pending: Message<OutboxMessage>[] = [];
  for (const message of messages) {
    if (done.has(message.body.eventId)) message.ack();
    else pending.push(message);
  }

  const tracked: Message<OutboxMessage>[] = [];
  for (const message of pending) {
    try {
      await trackInDna(env, client, message.body);
      tracked.push(message);
    } catch (err) {
      consoleLogger.log('warn', 'context_ops.dna_failed', {
        eventId: message.body.eventId,
        attempts: message.attempts,
        reason: reason(err),
      });
      retry(message);
    }
  }
  if (tracked.length === 0) return;

  try {
    await recordInChronicle(env, client, tracked);
  } catch (err) {
    // Chronicle is down (or D1 failed after it answered): all wait; Chronicle applies each event id once.
    // Refused by Chronicle, or failing on our side: one by one, so only the event at fault is retried.
    const outage = err instanceof EcosystemError;
    consoleLogger.log('warn', 'context_ops.chronicle_failed', { events: tracked.length, reason: reason(err), oneByOne: !outage });
    if (outage || tracked.length === 1) {
      for (const message of tracked) retry(message);
      return;
    }
    for (const message of tracked) {
      try {
        await recordInChronicle(env, client, [message]);
      } catch (single) {
        consoleLogger.log('warn', 'context_ops.chronicle_failed', { eventId: message.body.eventId, reason: reason(single) });
        retry(message);
      }
    }
  }
}

/** Logs the events in Chronicle (one call), marks them delivered, and acks them. */
async function recordInChronicle(env: Env, client: EcosystemClient, tracked: Message<OutboxMessage>[]): Promise<void> {
  await client.chronicle.batch(
    tracked.map(({ body }) => ({
      eventId: body.eventId,
      eventType: body.eventType,
      entityId: body.aggregateId,
      timestamp: body.createdAt,
      data: { aggregate: body.aggregate, ...summary(body.payload) },
    })),
  );
  const now = new Date().toISOString();
  await env.DB.batch(
    markDelivered(
      env.DB,
      tracked.map((m) => ({ eventId: m.body.eventId, eventType: m.body.eventType, attempts: m.attempts })),
      now,
    ),
  );
  for (const message of tracked) message.ack();
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
