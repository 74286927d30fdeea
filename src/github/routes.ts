/**
 * Read routes of the GitHub App (capability `admin`): installations as ChittyConnect knows them,
 * and the deliveries it has processed or failed (the authoritative dedupe table).
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { requireScope } from '../http/authorize';
import { ADMIN } from '../http/capabilities';
import { AppError } from '../http/errors';
import { authErrors, jsonContent, problem } from '../http/openapi';
import { defaultHook } from '../http/openapi-hook';
import { installationById, listDeliveries, listInstallations } from './store';

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
    async (c) => c.json({ deliveries: await listDeliveries(c.env.DB, c.req.valid('query')) }, 200),
  );
