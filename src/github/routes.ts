/**
 * Operator routes of the GitHub App (capability `admin`): installations as ChittyConnect knows
 * them, the deliveries it has processed or failed (the authoritative dedupe table), and replay of
 * failed deliveries — one, or all failed in a time window. A failed delivery whose message we kept
 * goes straight back onto EVENT_Q; one we hold no copy of (it never reached us) is asked of
 * GitHub's delivery log for redelivery.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { requireScope } from '../auth/authorize';
import { ADMIN } from '../auth/capabilities';
import type { Env } from '../env';
import { AppError } from '../http/errors';
import { authErrors, jsonContent, problem } from '../http/openapi';
import { defaultHook } from '../http/openapi-hook';
import { markReplayedByBody } from '../queue/store';
import { describeGitHubError } from './client/api';
import { insightRoutes } from './insight-routes';
import { deliveryStats, deliveryStatus, failedDeliveries, listDeliveries } from './store/deliveries';
import { installationById, listInstallations } from './store/installations';
import { redeliverFromGitHub } from './webhook/recovery';
import type { GitHubDelivery } from './webhook/routes';

const tags = ['GitHub App'];

const installation = z
  .object({
    installationId: z.number(),
    chittyId: z.string(),
    dnaId: z.string().nullable(),
    account: z.object({ id: z.number(), login: z.string(), type: z.string(), avatarUrl: z.string().nullable() }),
    repositorySelection: z.string(),
    permissions: z.record(z.string(), z.unknown()),
    events: z.array(z.string()),
    repositories: z.array(z.unknown()),
    suspendedAt: z.string().nullable(),
    suspendedBy: z.string().nullable(),
    installedAt: z.string(),
    updatedAt: z.string(),
    uninstalledAt: z.string().nullable(),
  })
  .openapi('Installation');

const delivery = z
  .object({
    deliveryId: z.string(),
    event: z.string(),
    status: z.enum(['processing', 'processed', 'failed']),
    attempts: z.number(),
    lastError: z.string().nullable(),
    receivedAt: z.string(),
    processedAt: z.string().nullable(),
  })
  .openapi('GitHubDelivery');

const isoTime = z.iso.datetime({ offset: true });
/** Stored times are UTC ISO strings, compared as text: a window given with an offset is converted. */
const utc = (iso: string) => new Date(iso).toISOString();

const replayResult = z
  .object({
    requeued: z.array(z.string()).openapi({ description: 'Failed deliveries sent back onto EVENT_Q from the copy kept in D1' }),
    requestedFromGitHub: z.array(z.string()).openapi({ description: 'Deliveries GitHub was asked to redeliver (no copy kept here)' }),
    notFound: z.array(z.string()).openapi({ description: 'Neither kept here nor in GitHub’s delivery log' }),
  })
  .openapi('GitHubReplay');

/** GitHub refused or failed while we asked it for redeliveries: a 502 that says so (the requeued part stands). */
function githubUnavailable(err: unknown): never {
  if (err instanceof AppError) throw err;
  throw new AppError(502, 'github_unavailable', `GitHub's delivery log could not be read or asked: ${describeGitHubError(err)}`, {
    retryAfterSeconds: 60,
  });
}

/** Sends kept messages back onto EVENT_Q and marks any dead letters of theirs replayed. */
async function requeue(env: Env, kept: { deliveryId: string; delivery: string }[]): Promise<string[]> {
  for (let i = 0; i < kept.length; i += 100) {
    const chunk = kept.slice(i, i + 100);
    await env.EVENT_Q.sendBatch(chunk.map((k) => ({ body: JSON.parse(k.delivery) as GitHubDelivery, contentType: 'json' as const })));
  }
  if (kept.length > 0) {
    const ids = kept.map((k) => k.deliveryId);
    await markReplayedByBody(env.DB, 'github-events-dlq', 'deliveryId', ids, new Date().toISOString()).run();
  }
  return kept.map((k) => k.deliveryId);
}

async function replay(env: Env, rows: { deliveryId: string; delivery: string | null }[], alsoAsk: string[] = []) {
  const kept = rows.filter((r): r is { deliveryId: string; delivery: string } => r.delivery !== null);
  const missing = [...rows.filter((r) => r.delivery === null).map((r) => r.deliveryId), ...alsoAsk];
  const requeued = await requeue(env, kept);
  const requestedFromGitHub = missing.length > 0 ? await redeliverFromGitHub(env, missing).catch(githubUnavailable) : [];
  return { requeued, requestedFromGitHub, notFound: missing.filter((id) => !requestedFromGitHub.includes(id)) };
}

export const githubRoutes = new OpenAPIHono<AppEnv>({ defaultHook });

githubRoutes.use('/v1/github/*', async (c, next) => {
  requireScope(c.get('principal'), ADMIN);
  await next();
});

githubRoutes
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/github/installations',
      tags,
      summary: 'Installations of the App (admin)',
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict() },
      responses: {
        200: { description: 'Installations, newest first', content: jsonContent(z.object({ installations: z.array(installation) })) },
        ...authErrors,
      },
    }),
    async (c) => c.json({ installations: await listInstallations(c.env.DB, c.req.valid('query').limit) }, 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/github/installations/{installationId}',
      tags,
      summary: 'One installation (admin)',
      request: {
        params: z.object({
          installationId: z.coerce
            .number()
            .int()
            .positive()
            .openapi({ param: { name: 'installationId', in: 'path' } }),
        }),
      },
      responses: { 200: { description: 'The installation', content: jsonContent(installation) }, 404: problem('Not known'), ...authErrors },
    }),
    async (c) => {
      const { installationId } = c.req.valid('param');
      const found = await installationById(c.env.DB, installationId);
      if (!found) throw new AppError(404, 'installation_not_found', `No installation ${installationId}.`);
      return c.json(found, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/github/deliveries',
      tags,
      summary: 'Deliveries processed, failed or in progress, newest first (admin)',
      request: {
        query: z
          .object({
            status: z.enum(['processing', 'processed', 'failed']).optional(),
            from: isoTime.optional(),
            to: isoTime.optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          })
          .strict(),
      },
      responses: { 200: { description: 'Deliveries', content: jsonContent(z.object({ deliveries: z.array(delivery) })) }, ...authErrors },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const window = { from: q.from && utc(q.from), to: q.to && utc(q.to) };
      return c.json({ deliveries: await listDeliveries(c.env.DB, { ...q, ...window }) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/github/deliveries/stats',
      tags,
      summary: 'Counts of deliveries by status since a time, with the first arrival and the last completion (admin)',
      request: { query: z.object({ from: isoTime.default('1970-01-01T00:00:00.000Z') }).strict() },
      responses: {
        200: {
          description: 'Counts',
          content: jsonContent(
            z
              .object({
                processing: z.number(),
                processed: z.number(),
                failed: z.number(),
                firstReceivedAt: z.string().nullable(),
                lastProcessedAt: z.string().nullable(),
              })
              .openapi('GitHubDeliveryStats'),
          ),
        },
        ...authErrors,
      },
    }),
    async (c) => c.json(await deliveryStats(c.env.DB, utc(c.req.valid('query').from)), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/github/deliveries/{deliveryId}/replay',
      tags,
      summary: 'Replay one failed delivery (admin)',
      description:
        'A failed delivery is sent back onto EVENT_Q from the copy kept in D1. A delivery ChittyConnect never received (or holds no copy of) is looked up in GitHub’s delivery log (last 72 h) and GitHub is asked to redeliver it.',
      request: {
        params: z.object({
          deliveryId: z
            .string()
            .regex(/^[A-Za-z0-9-]{1,64}$/)
            .openapi({ param: { name: 'deliveryId', in: 'path' } }),
        }),
      },
      responses: {
        202: { description: 'Replayed', content: jsonContent(replayResult) },
        404: problem('Not failed here and not in GitHub’s delivery log'),
        409: problem('Already processed, or being processed'),
        ...authErrors,
      },
    }),
    async (c) => {
      const { deliveryId } = c.req.valid('param');
      const status = await deliveryStatus(c.env.DB, deliveryId);
      if (status === 'processed' || status === 'processing') {
        throw new AppError(
          409,
          `delivery_${status}`,
          `Delivery ${deliveryId} is ${status}; only failed or missing deliveries are replayed.`,
        );
      }
      const rows = await failedDeliveries(c.env.DB, { deliveryId });
      const result = await replay(c.env, rows, rows.length === 0 ? [deliveryId] : []);
      if (result.notFound.length > 0) {
        throw new AppError(404, 'delivery_not_found', `Delivery ${deliveryId} is neither kept here nor in GitHub’s delivery log.`);
      }
      return c.json(result, 202);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/github/deliveries/replay',
      tags,
      summary: 'Replay every failed delivery received in a time window (admin)',
      request: {
        body: {
          content: jsonContent(
            z
              .object({ from: isoTime, to: isoTime.optional(), limit: z.number().int().min(1).max(500).default(500) })
              .strict()
              .openapi('GitHubReplayWindow'),
          ),
          required: true,
        },
      },
      responses: { 202: { description: 'Replayed', content: jsonContent(replayResult) }, ...authErrors },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const rows = await failedDeliveries(c.env.DB, {
        from: utc(body.from),
        to: body.to ? utc(body.to) : new Date().toISOString(),
        limit: body.limit,
      });
      return c.json(await replay(c.env, rows), 202);
    },
  );

// Repositories, a PR's analysis, an issue's triage: under the same admin check.
githubRoutes.route('/', insightRoutes);
