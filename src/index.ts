/**
 * The Worker entry: HTTP to the Hono app, queue batches to their consumer by queue name, and the
 * cron trigger to the sweeps (outbox, connection health, missed GitHub deliveries).
 */
import { createApp } from './app';
import { sweepConnectionHealth } from './connections/sweep';
import { ensureSchemaOnce } from './db/ensure-schema';
import { resumeEcosystemInit } from './ecosystem/startup';
import type { Env } from './env';
import { describeGitHubError } from './github/client/api';
import { consumeGitHubEvents, settleGitHubDeadLetter } from './github/events/consumer';
import { recoverMissedDeliveries } from './github/webhook/recovery';
import type { GitHubDelivery } from './github/webhook/routes';
import { consoleLogger } from './lib/log';
import { recordMetric } from './lib/metrics';
import { resendAfterSeconds } from './queue/after-write';
import { type DeadLetterHooks, storeDeadLetters } from './queue/dead-letters';
import { handleQueueBatch, type QueueConsumers } from './queue/dispatch';
import { sweepOutbox } from './queue/dispatcher';
import type { OutboxMessage } from './queue/messages';
import { consumeContextOps } from './tracking/context-ops';

export { PrincipalGate } from './auth/principal-gate';

const app = createApp();

/** Each dead-letter queue's feature bookkeeping, by queue-name suffix. */
const DEAD_LETTER_HOOKS: DeadLetterHooks = [['-github-events-dlq', settleGitHubDeadLetter]];

/** The queue consumers by queue-name suffix (staging queues carry an env prefix), dead-letter queues first. */
const CONSUMERS: QueueConsumers = [
  ['-dlq', (batch, env) => storeDeadLetters(batch, env, DEAD_LETTER_HOOKS)],
  ['-context-ops', (batch, env) => consumeContextOps(batch as MessageBatch<OutboxMessage>, env)],
  ['-github-events', (batch, env) => consumeGitHubEvents(batch as MessageBatch<GitHubDelivery>, env)],
];

export default {
  fetch: app.fetch,

  async queue(batch, env, _ctx) {
    const started = Date.now();
    let how = 'ok';
    try {
      await handleQueueBatch(CONSUMERS, batch, env);
    } catch (err) {
      how = 'error';
      throw err;
    } finally {
      recordMetric(env.METRICS, {
        kind: 'queue',
        what: batch.queue,
        how,
        status: 0,
        ms: Date.now() - started,
        count: batch.messages.length,
      });
    }
  },

  async scheduled(_controller, env, ctx) {
    await ensureSchemaOnce(env.DB);
    ctx.waitUntil(resumeEcosystemInit(env));
    await Promise.all([
      sweepOutbox(env.DB, env.CONTEXT_OPS_QUEUE as Queue<OutboxMessage>, resendAfterSeconds(env)),
      sweepConnectionHealth(env),
      // GitHub deliveries that never reached us are asked for again; a GitHub outage must not fail the other sweeps.
      recoverMissedDeliveries(env).catch((err: unknown) =>
        consoleLogger.log('warn', 'github.recovery_failed', { error: describeGitHubError(err) }),
      ),
    ]);
  },
} satisfies ExportedHandler<Env>;
