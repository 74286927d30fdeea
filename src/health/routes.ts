/**
 * `GET /health`: liveness (always 200 while the worker runs), where start-up initialisation
 * stands step by step, and each ChittyOS service's health. Each service's `breaker` is read live
 * from the client the requests use (in memory), so health never contradicts what the client does.
 * Its `status` comes from a cached probe (refreshed in the background every 30 s) so this route
 * stays cheap; `?probe=true` probes now, shared with any probe in flight and at most once a second.
 * `instance` echoes the INSTANCE_ID var, so `npm start` can tell its own server from another on the port.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { ecosystemFromEnv } from '../ecosystem/from-env';
import { initState } from '../ecosystem/startup';
import { defaultHook } from '../http/openapi-hook';
import { VERSION } from '../version';
import { healthSchema } from './schema';

const route = createRoute({
  method: 'get',
  path: '/health',
  tags: ['Health'],
  summary: 'Liveness, initialisation state and ecosystem health',
  security: [],
  request: {
    query: z.object({
      probe: z.enum(['true', 'false']).optional().openapi({
        description:
          'Probe every ChittyOS service now and wait for it, instead of the cached probe. Concurrent callers share one probe, and a probe under a second old is reused.',
      }),
    }),
  },
  responses: {
    200: { description: 'The worker is alive', content: { 'application/json': { schema: healthSchema } } },
  },
});

export const healthRoutes = new OpenAPIHono<AppEnv>({ defaultHook }).openapi(route, async (c) => {
  const fresh = c.req.valid('query').probe === 'true';
  const ecosystem = await ecosystemFromEnv(c.env).health({ fresh, waitUntil: (p) => c.executionCtx.waitUntil(p) });
  const init = initState();
  const schemaError = c.get('schemaError');
  const ok = !schemaError && init.state === 'complete';
  return c.json(
    {
      status: ok ? ('ok' as const) : ('degraded' as const),
      service: c.env.SERVICE_NAME,
      version: VERSION,
      environment: c.env.ENVIRONMENT,
      instance: c.env.INSTANCE_ID,
      time: new Date().toISOString(),
      database: schemaError ? { status: 'unavailable' as const, reason: schemaError } : { status: 'ready' as const },
      init: { ...init, steps: { ...init.steps } },
      ecosystem,
    },
    200,
    { 'cache-control': 'no-store' },
  );
});
