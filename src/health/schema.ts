/** The shape of `GET /health`, shared by the route and the OpenAPI description. */
import { z } from '@hono/zod-openapi';
import { INIT_STEPS } from '../ecosystem/init';
import { SERVICE_NAMES } from '../ecosystem/services';

const step = z.object({
  status: z.enum(['pending', 'done', 'failed', 'skipped']),
  at: z.string().optional(),
  reason: z.string().optional(),
});

const serviceHealth = z.object({
  status: z
    .enum(['healthy', 'unhealthy', 'unknown'])
    .openapi({ description: 'What the last probe saw, at `checkedAt` (`unknown` before the first probe)' }),
  breaker: z
    .enum(['closed', 'open', 'half-open'])
    .openapi({ description: 'The circuit breaker as the client sees it now (read live on every request)' }),
  url: z.string(),
  source: z.enum(['pinned', 'registry', 'default']),
  latencyMs: z.number().optional(),
  reason: z.string().optional(),
  checkedAt: z.string().optional(),
});

export const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']).openapi({ description: '`ok` when the database is ready and init completed' }),
    service: z.string(),
    version: z.string(),
    environment: z.string(),
    instance: z.string().optional().openapi({
      description:
        'This running instance, when one was named (the `INSTANCE_ID` var; `npm start` sets a random one and waits for its own /health to answer)',
    }),
    time: z.string(),
    database: z.object({ status: z.enum(['ready', 'unavailable']), reason: z.string().optional() }),
    init: z.object({
      state: z.enum(['pending', 'running', 'complete', 'degraded', 'failed']),
      chittyId: z.string().optional(),
      startedAt: z.string().optional(),
      finishedAt: z.string().optional(),
      steps: z.object(Object.fromEntries(INIT_STEPS.map((s) => [s, step])) as Record<(typeof INIT_STEPS)[number], typeof step>),
    }),
    ecosystem: z.object(
      Object.fromEntries(SERVICE_NAMES.map((s) => [s, serviceHealth])) as Record<(typeof SERVICE_NAMES)[number], typeof serviceHealth>,
    ),
  })
  .openapi('Health');
