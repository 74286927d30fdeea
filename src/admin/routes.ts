/**
 * Operator routes (capability `admin`): the outbox's state, the dead letters (list, and replay
 * onto their live queue), and a manual sweep.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { requireScope } from '../auth/authorize';
import { ADMIN } from '../auth/capabilities';
import type { Env } from '../env';
import { AppError } from '../http/errors';
import { authErrors, jsonContent } from '../http/openapi';
import { defaultHook } from '../http/openapi-hook';
import { resendAfterSeconds } from '../queue/after-write';
import { liveQueueOf } from '../queue/dead-letters';
import { sweepOutbox } from '../queue/dispatcher';
import type { OutboxMessage } from '../queue/messages';
import { deadLettersByIds, listDeadLetters, markReplayed, outboxStats } from '../queue/store';

const tags = ['Admin'];

const deadLetter = z
  .object({
    id: z.string(),
    queue: z.string(),
    body: z.unknown(),
    attempts: z.number(),
    receivedAt: z.string(),
    replayedAt: z.string().nullable(),
    note: z.string().nullable().openapi({
      description:
        'Why a consumer refused it at once (unprocessable), or that `body` is not the exact message (not serialisable, truncated). Such letters are not replayed: they would only come back.',
    }),
  })
  .openapi('DeadLetter');

const isoTime = z.iso.datetime({ offset: true });

const listQuery = z
  .object({
    queue: z.string().max(128).optional(),
    pending: z.enum(['true', 'false']).default('true').openapi({ description: 'Only those not replayed yet' }),
    from: isoTime.optional(),
    to: isoTime.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

const replayBody = z
  .object({
    ids: z.array(z.string().min(1).max(128)).min(1).max(500).optional(),
    queue: z.string().max(128).optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
  })
  .strict()
  .refine((b) => b.ids !== undefined || b.queue !== undefined || b.from !== undefined, 'name the ids, or a queue and/or time window');

/** The producer binding for a live queue name (staging names carry a prefix). */
function producerFor(env: Env, queue: string): Queue<unknown> | null {
  if (queue.endsWith('-context-ops')) return env.CONTEXT_OPS_QUEUE;
  if (queue.endsWith('-github-events')) return env.EVENT_Q;
  return null;
}

export const adminRoutes = new OpenAPIHono<AppEnv>({ defaultHook });

adminRoutes.use('/v1/admin/*', async (c, next) => {
  requireScope(c.get('principal'), ADMIN);
  await next();
});

adminRoutes
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/admin/outbox',
      tags,
      summary: 'Outbox state: events not yet delivered to DNA and Chronicle',
      responses: {
        200: {
          description: 'Counts',
          content: jsonContent(z.object({ undelivered: z.number(), unsent: z.number(), oldestUndeliveredAt: z.string().nullable() })),
        },
        ...authErrors,
      },
    }),
    async (c) => c.json(await outboxStats(c.env.DB), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/admin/outbox/sweep',
      tags,
      summary: 'Send every undelivered event again now (what the cron sweep does)',
      responses: {
        200: {
          description: 'What was sent',
          content: jsonContent(z.object({ claimed: z.number(), sent: z.number(), failed: z.number() })),
        },
        ...authErrors,
      },
    }),
    async (c) => c.json(await sweepOutbox(c.env.DB, c.env.CONTEXT_OPS_QUEUE as Queue<OutboxMessage>, resendAfterSeconds(c.env)), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/admin/dead-letters',
      tags,
      summary: 'Messages that exhausted their retries',
      request: { query: listQuery },
      responses: {
        200: { description: 'Dead letters, oldest first', content: jsonContent(z.object({ deadLetters: z.array(deadLetter) })) },
        ...authErrors,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const deadLetters = await listDeadLetters(
        c.env.DB,
        { queue: q.queue, pendingOnly: q.pending === 'true', from: q.from, to: q.to },
        q.limit,
      );
      return c.json({ deadLetters }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/admin/dead-letters/replay',
      tags,
      summary: 'Put dead letters back on their live queue (by ids, or by queue and time window)',
      request: { body: { content: jsonContent(replayBody), required: true } },
      responses: {
        200: {
          description:
            'Replayed; letters with a `note` (refused as unprocessable, or a body that is not the exact message) are skipped and listed',
          content: jsonContent(z.object({ replayed: z.number(), skipped: z.array(z.object({ id: z.string(), note: z.string() })) })),
        },
        ...authErrors,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const letters = body.ids
        ? await deadLettersByIds(c.env.DB, body.ids)
        : await listDeadLetters(c.env.DB, { queue: body.queue, pendingOnly: true, from: body.from, to: body.to }, 500);
      const byQueue = new Map<string, typeof letters>();
      const skipped: { id: string; note: string }[] = [];
      for (const letter of letters) {
        // Refused as unprocessable, or kept as a stand-in text: sent again it would only come back.
        if (letter.note !== null) {
          skipped.push({ id: letter.id, note: letter.note });
          continue;
        }
        const live = liveQueueOf(letter.queue);
        byQueue.set(live, [...(byQueue.get(live) ?? []), letter]);
      }
      let replayed = 0;
      for (const [queue, group] of byQueue) {
        const producer = producerFor(c.env, queue);
        if (!producer) throw new AppError(400, 'unknown_queue', `No live queue for ${queue}; nothing was replayed from it.`);
        for (let i = 0; i < group.length; i += 100) {
          const chunk = group.slice(i, i + 100);
          await producer.sendBatch(chunk.map((l) => ({ body: l.body, contentType: 'json' as const })));
          await markReplayed(
            c.env.DB,
            chunk.map((l) => l.id),
            new Date().toISOString(),
          ).run();
          replayed += chunk.length;
        }
      }
      return c.json({ replayed, skipped }, 200);
    },
  );
