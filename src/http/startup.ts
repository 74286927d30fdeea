/**
 * The first request of an isolate: the schema is ensured (blocking — no handler may touch an
 * unmigrated database), then ChittyConnect's own ecosystem context is initialised in the
 * background. `/health` still answers if the database is down, to say so.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env';
import { ensureSchemaOnce } from '../db/ensure-schema';
import { startEcosystemInit } from '../ecosystem/startup';
import { consoleLogger } from '../lib/log';
import { AppError } from './errors';

export const startup = createMiddleware<AppEnv>(async function startup(c, next) {
  try {
    await ensureSchemaOnce(c.env.DB);
    startEcosystemInit(c.env, (p) => c.executionCtx.waitUntil(p));
    c.set('schemaError', undefined);
  } catch (err) {
    c.set('schemaError', 'the database schema could not be ensured');
    // Logged once: by onError with this cause, or here for /health, which answers 200 and says so.
    if (c.req.path !== '/health') {
      throw new AppError(503, 'database_unavailable', 'The database is not ready; retry shortly.', { retryAfterSeconds: 5, cause: err });
    }
    consoleLogger.log('error', 'schema.ensure_failed', {
      requestId: c.get('requestId'),
      error: err instanceof Error ? err.message : String(err),
    });
  }
  await next();
});
