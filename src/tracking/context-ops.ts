/**
 * The CONTEXT_OPS_QUEUE consumer: each outbox event reaches ChittyDNA (initialise on create,
 * evolve on change) and ChittyChronicle (one batched log call per batch), exactly once in effect:
 * events already processed are acknowledged unread, and both services apply an event id once, so
 * a redelivery changes nothing. Each message is acked or retried on its own, with backoff; after
 * the last retry the queue moves it to the dead-letter queue (see queue/dead-letters.ts), and the cron
 * sweep sends undelivered events again once the services are back.
 *
 * One message never fails the batch: a body that is not an outbox event is kept as a dead letter
 * at once; DNA is called per message; and when Chronicle refuses the batch call (rather than
 * being down), the events are sent one by one, so the event at fault is retried alone.
 */

import { recordActorDna } from '../actors/service';
import { gateFor } from '../auth/principal-gate';
import { config } from '../config';
import { recordContextDna } from '../contexts/service';
import type { EcosystemClient } from '../ecosystem/client';
import { EcosystemError, EcosystemRejectedError } from '../ecosystem/errors';
import { ecosystemFromEnv } from '../ecosystem/from-env';
import type { Env } from '../env';
import { depthAtMost } from '../lib/json-depth';
import { child, consoleLogger, type Logger } from '../lib/log';
import { retryDelaySeconds } from '../queue/backoff';
import { deadLetterQueueOf, keepDeadLetter } from '../queue/dead-letters';
import { MAX_OUTBOX_PAYLOAD_DEPTH, type OutboxMessage } from '../queue/messages';
import { markDelivered, processedAmong } from '../queue/store';

/** Which DNA entity, if any, an event belongs to, and how it changes it. */
function dnaAction(m: OutboxMessage): { entityType: string; initialize: boolean } | null {
  if (m.aggregate === 'context') return { entityType: 'context', initialize: m.eventType === 'context.created' };
  if (m.aggregate === 'actor') return { entityType: 'actor', initialize: m.eventType === 'actor.registered' };
  return null; // connections, keys, delegations: Chronicle only
}

async function trackInDna(x: OpsContext, m: OutboxMessage): Promise<void> {
  const { env, client } = x;
  const db = env.DB;
  const action = dnaAction(m);
  if (!action) return;
  if (action.initialize) {
    const { dnaId } = await client.dna.initialize(m.aggregateId, action.entityType, { eventId: m.eventId, ...summary(m.payload) });
    if (m.aggregate === 'context') {
      await recordContextDna(db, m.aggregateId, dnaId);
      const ownerPrincipal = m.payload.ownerPrincipal;
      if (typeof ownerPrincipal === 'string') await gateFor(env, ownerPrincipal).bumpData(); // cached reads now show the DNA id
    } else await recordActorDna(db, m.aggregateId, dnaId);
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

/** What every step of a batch is handed, built once per batch (like a Probot event context). */
export interface OpsContext {
  env: Env;
  client: EcosystemClient;
  /** Carries the queue's name on every line. */
  log: Logger;
  now: () => Date;
  /** Retries a message with the consumers' backoff. */
  retry: (message: Message<unknown>) => void;
}

function opsContext(env: Env, queue: string): OpsContext {
  const base = config(env).queueRetryBaseSeconds;
  return {
    env,
    client: ecosystemFromEnv(env),
    log: child(consoleLogger, { queue }),
    now: () => new Date(),
    retry: (message) => message.retry({ delaySeconds: retryDelaySeconds(message.attempts, base) }),
  };
}

export async function consumeContextOps(batch: MessageBatch<OutboxMessage>, env: Env): Promise<void> {
  const x = opsContext(env, batch.queue);
  const messages = await refusePoison(x, batch);
  const pending = await withoutProcessed(x, messages);
  if (pending === null) return;
  const tracked: Message<OutboxMessage>[] = [];
  for (const message of pending) {
    try {
      await trackInDna(x, message.body);
      tracked.push(message);
    } catch (err) {
      x.log.log('warn', 'context_ops.dna_failed', { eventId: message.body.eventId, attempts: message.attempts, reason: reason(err) });
      x.retry(message);
    }
  }
  if (tracked.length > 0) await recordAll(x, tracked);
}

/** The messages that are outbox events; each other one is kept as a dead letter at once (acked once kept). */
async function refusePoison(x: OpsContext, batch: MessageBatch<OutboxMessage>): Promise<Message<OutboxMessage>[]> {
  const messages: Message<OutboxMessage>[] = [];
  for (const message of batch.messages) {
    const poison = poisonReason(message);
    if (poison === null) {
      messages.push(message);
      continue;
    }
    x.log.log('error', 'context_ops.poison_message', { messageId: message.id, reason: poison });
    const refused = `refused by the ${batch.queue} consumer: ${poison}`;
    if (await keepDeadLetter(x.env, message, deadLetterQueueOf(batch.queue), { refused })) message.ack();
    else x.retry(message);
  }
  return messages;
}

/** Acks the events already processed and returns the rest; null (all retried) when the dedupe cannot be read. */
async function withoutProcessed(x: OpsContext, messages: Message<OutboxMessage>[]): Promise<Message<OutboxMessage>[] | null> {
  let done: Set<string>;
  try {
    done = await processedAmong(
      x.env.DB,
      'outbox',
      messages.map((m) => m.body.eventId),
    );
  } catch (err) {
    // Without the dedupe nothing can be sent safely: the whole batch waits (D1 is down, not a message at fault).
    x.log.log('warn', 'context_ops.dedupe_failed', { messages: messages.length, reason: reason(err) });
    for (const message of messages) x.retry(message);
    return null;
  }
  const pending: Message<OutboxMessage>[] = [];
  for (const message of messages) {
    if (done.has(message.body.eventId)) message.ack();
    else pending.push(message);
  }
  return pending;
}

/** Chronicle, in one call; when that fails for a reason other than an outage, one by one. */
async function recordAll(x: OpsContext, tracked: Message<OutboxMessage>[]): Promise<void> {
  try {
    await recordInChronicle(x, tracked);
  } catch (err) {
    // Chronicle is down (or D1 failed after it answered): all wait; Chronicle applies each event id once.
    // Refused by Chronicle, or failing on our side: one by one, so only the event at fault is retried.
    const outage = err instanceof EcosystemError;
    x.log.log('warn', 'context_ops.chronicle_failed', { events: tracked.length, reason: reason(err), oneByOne: !outage });
    if (outage || tracked.length === 1) {
      for (const message of tracked) x.retry(message);
      return;
    }
    for (const message of tracked) {
      try {
        await recordInChronicle(x, [message]);
      } catch (single) {
        x.log.log('warn', 'context_ops.chronicle_failed', { eventId: message.body.eventId, reason: reason(single) });
        x.retry(message);
      }
    }
  }
}

/** Logs the events in Chronicle (one call), marks them delivered, and acks them. */
async function recordInChronicle(x: OpsContext, tracked: Message<OutboxMessage>[]): Promise<void> {
  await x.client.chronicle.batch(
    tracked.map(({ body }) => ({
      eventId: body.eventId,
      eventType: body.eventType,
      entityId: body.aggregateId,
      timestamp: body.createdAt,
      data: { aggregate: body.aggregate, ...summary(body.payload) },
    })),
  );
  await x.env.DB.batch(
    markDelivered(
      x.env.DB,
      tracked.map((m) => ({ eventId: m.body.eventId, eventType: m.body.eventType, attempts: m.attempts })),
      x.now().toISOString(),
    ),
  );
  for (const message of tracked) message.ack();
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
