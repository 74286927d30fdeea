/**
 * The EVENT_Q consumer. Each delivery is claimed in D1 by its delivery id first — the
 * authoritative dedupe, exact under concurrency — then handled (handlers.ts). Success settles it
 * `processed`; a failure settles it `failed` and retries with backoff (after the last retry the
 * queue dead-letters it, and the dead-letter consumer keeps it); a payload that can never be
 * processed is settled `failed` and acknowledged. A failed delivery keeps its message in D1, so the
 * admin replay routes (routes.ts) can send it again. When GitHub rate-limits us, the retry waits
 * as long as GitHub asked. Deliveries about different things (two pull requests) are handled
 * concurrently; those about the same thing keep their order.
 *
 * One message never fails the batch: each is handled in isolation, nothing (not even the error
 * path's own bookkeeping) escapes its handling, and it is acked or retried on its own. A message
 * that is not a delivery at all, or whose payload nests past the webhook's bound, is kept as a
 * dead letter at once (acked once stored, retried if not) instead of being retried in vain.
 */
import { config } from '../../config';
import { ecosystemFromEnv } from '../../ecosystem/from-env';
import type { Env } from '../../env';
import { depthAtMost, textDepthAtMost, toSafeJson } from '../../lib/json-depth';
import { child, consoleLogger, type Logger } from '../../lib/log';
import { cappedDelaySeconds, retryDelaySeconds } from '../../queue/backoff';
import { type DeadLetterSettle, deadLetterQueueOf, keepDeadLetter } from '../../queue/dead-letters';
import { describeGitHubError, githubClient, rateLimitWait } from '../client/api';
import { claimDelivery, STALE_PROCESSING_MS, settleDeadLettered, settleDelivery } from '../store/deliveries';
import { type GitHubDelivery, isGitHubDelivery, MAX_PAYLOAD_DEPTH } from '../webhook/routes';
import { type EventContext, HANDLERS, UnprocessableDelivery } from './handlers';

/** Longest delivery text kept for replay on a failed delivery (a queue message is at most 128 KB). */
const MAX_KEPT_DELIVERY_CHARS = 256 * 1024;

async function payloadOf(env: Env, delivery: GitHubDelivery): Promise<unknown> {
  if (!delivery.payloadKey) return delivery.payload;
  const parked = await env.CHITTYCONNECT_KV.get(delivery.payloadKey);
  if (parked === null) throw new UnprocessableDelivery(`parked payload ${delivery.payloadKey} has expired`);
  if (!textDepthAtMost(parked, MAX_PAYLOAD_DEPTH))
    throw new UnprocessableDelivery(`parked payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels`);
  return JSON.parse(parked) as unknown;
}

/** Why a message can never be processed (so retrying it is pointless), or null. */
function poisonReason(body: unknown): string | null {
  if (!isGitHubDelivery(body)) return 'not a GitHub delivery (deliveryId and event are required)';
  if (!depthAtMost(body.payload, MAX_PAYLOAD_DEPTH)) return `its payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels`;
  return null;
}

/**
 * What a delivery is about — one pull request, issue, installation, or branch of a repository —
 * so deliveries about the same thing are handled in order, and different things at once.
 */
export function subjectOf(delivery: GitHubDelivery): string {
  const p = (delivery.payload ?? {}) as {
    repository?: { id?: number };
    pull_request?: { number?: number };
    issue?: { number?: number };
    installation?: { id?: number };
    ref?: string;
  };
  const repo = p.repository?.id;
  if (repo !== undefined && p.pull_request?.number !== undefined) return `pr:${repo}:${p.pull_request.number}`;
  if (repo !== undefined && p.issue?.number !== undefined) return `issue:${repo}:${p.issue.number}`;
  if (delivery.event.startsWith('installation') && p.installation?.id !== undefined) return `installation:${p.installation.id}`;
  if (repo !== undefined && p.ref !== undefined) return `ref:${repo}:${p.ref}`;
  return `delivery:${delivery.deliveryId}`; // parked payloads and anything else: on its own
}

/** The one context a delivery's handler receives (built after the claim, once its payload is read; see EventContext). */
function eventContext(env: Env, delivery: GitHubDelivery, log: Logger, payload: unknown): EventContext {
  return {
    env,
    deliveryId: delivery.deliveryId,
    event: delivery.event,
    action: delivery.action,
    payload,
    log,
    client: ecosystemFromEnv(env),
    github: (installationId) => githubClient(env, installationId),
    now: () => new Date(),
  };
}

async function handle(message: Message<GitHubDelivery>, env: Env, base: number): Promise<void> {
  const delivery = message.body;
  const log = child(consoleLogger, { deliveryId: delivery.deliveryId, githubEvent: delivery.event, action: delivery.action });
  const now = () => new Date();
  let claimed = false;
  try {
    const claim = await claimDelivery(env.DB, delivery.deliveryId, delivery.event, now());
    claimed = claim === 'mine';
    if (claim === 'done') {
      message.ack();
      return;
    }
    if (claim === 'busy') {
      // Another copy is being processed right now. Wait half the time after which a stuck run is
      // taken over, so a crashed run's delivery is picked up again before the retries run out.
      message.retry({ delaySeconds: Math.max(base, STALE_PROCESSING_MS / 2000) });
      return;
    }
    const handler = HANDLERS[delivery.event];
    if (handler) await handler(eventContext(env, delivery, log, await payloadOf(env, delivery)));
    await settleDelivery(env.DB, delivery.deliveryId, { ok: true }, now()).run();
    log.log('info', 'github.processed', { attempts: message.attempts });
    message.ack();
  } catch (err) {
    const error = describeGitHubError(err);
    const wait = rateLimitWait(err);
    log.log('warn', 'github.failed', { attempts: message.attempts, error, ...(wait === null ? {} : { rateLimitedFor: wait }) });
    // Only a run that claimed the delivery settles it: a failed claim must not mark another run's work.
    if (claimed) await settleFailed(env, delivery, error, log, now());
    if (err instanceof UnprocessableDelivery) message.ack();
    else if (wait !== null) message.retry({ delaySeconds: cappedDelaySeconds(wait) });
    else message.retry({ delaySeconds: retryDelaySeconds(message.attempts, base) });
  }
}

/** A dead-lettered GitHub delivery is settled `failed` with its message, for the replay routes (hooked up in index.ts). */
export const settleGitHubDeadLetter: DeadLetterSettle = (db, body, at) =>
  isGitHubDelivery(body) ? settleDeadLettered(db, body, at) : null;

/** Settles a claimed delivery `failed`, keeping its message for replay. Never throws: a failure here is logged. */
async function settleFailed(env: Env, delivery: GitHubDelivery, error: string, log: Logger, at: Date): Promise<void> {
  try {
    const kept = toSafeJson(delivery, MAX_KEPT_DELIVERY_CHARS);
    await settleDelivery(env.DB, delivery.deliveryId, { ok: false, error, delivery: kept.text }, at).run();
  } catch (settleError) {
    log.log('error', 'github.settle_failed', { error: describeGitHubError(settleError) });
  }
}

/**
 * One message, in isolation: a poison message is kept as a dead letter at once; anything that
 * escapes the handling (it should not) retries this message alone, and is logged.
 */
async function handleIsolated(message: Message<GitHubDelivery>, queue: string, env: Env, base: number): Promise<void> {
  try {
    const poison = poisonReason(message.body);
    if (poison !== null) {
      consoleLogger.log('error', 'github.poison_message', { messageId: message.id, queue, reason: poison });
      const refused = `refused by the ${queue} consumer: ${poison}`;
      if (await keepDeadLetter(env, message, deadLetterQueueOf(queue), { refused, settle: settleGitHubDeadLetter })) message.ack();
      else message.retry({ delaySeconds: retryDelaySeconds(message.attempts, base) });
      return;
    }
    await handle(message, env, base);
  } catch (err) {
    consoleLogger.log('error', 'github.message_failed', { messageId: message.id, queue, error: describeGitHubError(err) });
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts, base) });
  }
}

/** The subject a message is grouped by; a message whose body cannot be read is grouped on its own. */
function groupOf(message: Message<GitHubDelivery>): string {
  try {
    return isGitHubDelivery(message.body) ? subjectOf(message.body) : `message:${message.id}`;
  } catch {
    return `message:${message.id}`;
  }
}

/** A batch: deliveries grouped by subject; groups run concurrently, each group in arrival order. */
export async function consumeGitHubEvents(batch: MessageBatch<GitHubDelivery>, env: Env): Promise<void> {
  const base = config(env).queueRetryBaseSeconds;
  const groups = new Map<string, Message<GitHubDelivery>[]>();
  for (const message of batch.messages) {
    const key = groupOf(message);
    groups.set(key, [...(groups.get(key) ?? []), message]);
  }
  await Promise.all(
    [...groups.values()].map(async (messages) => {
      for (const message of messages) await handleIsolated(message, batch.queue, env, base);
    }),
  );
}
