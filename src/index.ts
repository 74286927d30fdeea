/**
 * The Worker entry: HTTP to the Hono app, queue batches to their consumer by queue name, and the
 * cron trigger to the sweeps.
 */
import { createApp } from './app';
import { ensureSchemaOnce } from './db/ensure-schema';
import { resumeEcosystemInit } from './ecosystem/startup';
import type { Env } from './env';
import { handleQueueBatch } from './queue/dispatch';

export { PrincipalGate } from './http/principal-gate';

const app = createApp();

export default {
  fetch: app.fetch,

  async queue(batch, env, _ctx) {
    await handleQueueBatch(batch, env);
  },

  async scheduled(_controller, env, ctx) {
    await ensureSchemaOnce(env.DB);
    ctx.waitUntil(resumeEcosystemInit(env));
  },
} satisfies ExportedHandler<Env>;
