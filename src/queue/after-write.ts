/**
 * After a successful write under /v1, the outbox events it recorded go to the queue at once (in
 * `waitUntil`, so the response does not wait). If that send fails, the events stay in the outbox
 * and the cron sweep sends them.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env';
import { config } from '../config';
import type { Env } from '../env';
import { consoleLogger } from '../lib/log';
import { dispatchOutbox } from './dispatcher';
import type { OutboxMessage } from './messages';

/** Age after which the sweep sends an undelivered event again (`OUTBOX_RESEND_AFTER_SECONDS`, config.ts). */
export function resendAfterSeconds(env: Env): number {
  return config(env).outboxResendAfterSeconds;
}

export const dispatchAfterWrite = createMiddleware<AppEnv>(async function dispatchAfterWrite(c, next) {
  await next();
  if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.res.status >= 400) return;
  const env = c.env;
  c.executionCtx.waitUntil(
    dispatchOutbox(env.DB, env.CONTEXT_OPS_QUEUE as Queue<OutboxMessage>, {
      limit: 100,
      resendAfterSeconds: null, // re-sending stragglers is the sweep's job
    }).catch((err: unknown) => {
      consoleLogger.log('warn', 'outbox.dispatch_failed', { error: err instanceof Error ? err.message : String(err) });
    }),
  );
});
