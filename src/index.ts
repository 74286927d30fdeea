/**
 * The Worker entry: HTTP to the Hono app, queue batches to their consumer by queue name, and the
 * cron trigger to the sweeps (outbox, connection health, missed GitHub deliveries).
 */
import { createApp } from './app';
import { sweepConnectionHealth } from './connections/sweep';
import { ensureSchemaOnce } from './db/ensure-schema';
import { resumeEcosystemInit } from './ecosystem/startup';
import type { Env } from './env';
import { describeGitHubError } from './github/api';
import { recoverMissedDeliveries } from './github/recovery';
import { consoleLogger } from './lib/log';
import { resendAfterSeconds } from './queue/after-write';
import { handleQueueBatch } from './queue/dispatch';
import { sweepOutbox } from './queue/dispatcher';
import type { OutboxMessage } from './queue/messages';

export { PrincipalGate } from './auth/principal-gate';

const app = createApp();

export default {
  fetch: app.fetch,

  async queue(batch, env, _ctx) {
    await handleQueueBatch(batch, env);
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
