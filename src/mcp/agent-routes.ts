/**
 * `GET /v1/agents` and `DELETE /v1/agents/{grantId}`: the MCP clients a person has authorized
 * (agents.ts). Yours by default; an admin may name another person with `user`.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { requireScope } from '../auth/authorize';
import { ADMIN, covers } from '../auth/capabilities';
import { AppError } from '../http/errors';
import { authErrors, jsonContent, problem } from '../http/openapi';
import { defaultHook } from '../http/openapi-hook';
import { agentsOf, revokeAgent } from './agents';
import { publicOrigin } from './oauth';
import { scopesSupported } from './routes';

const tags = ['MCP'];
const userQuery = z
  .object({
    user: z.string().min(1).max(64).optional().openapi({ description: 'Another person’s ChittyID (admin); default: yours' }),
  })
  .strict();

const agentView = z
  .object({
    grantId: z.string(),
    clientId: z.string(),
    clientName: z.string().nullable(),
    clientUri: z.string().nullable(),
    userId: z.string().openapi({ description: 'Who consented' }),
    scopes: z.array(z.string()),
    grantedAt: z.string(),
    renewableUntil: z
      .string()
      .nullable()
      .openapi({ description: 'Until when the client may renew its access (its refresh token) without asking again' }),
    delegationId: z.string().nullable().openapi({ description: 'The delegation the grant is (GET /v1/delegations)' }),
    lastUsedAt: z.string().nullable().openapi({ description: 'Its last call at /mcp (noted at most once a minute)' }),
  })
  .openapi('ConnectedAgent');

/** Whose agents: the caller's, or (admin) the named person's. */
function whose(c: Context<AppEnv>, user: string | undefined): string {
  const principal = c.get('principal');
  requireScope(principal, 'delegations:manage');
  if (user === undefined || user === principal.chittyId) return principal.chittyId;
  if (!covers(principal.capabilities, ADMIN))
    throw new AppError(403, 'forbidden', 'Only an admin may see or revoke another person’s agents.');
  return user;
}

export const agentRoutes = new OpenAPIHono<AppEnv>({ defaultHook })
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/agents',
      tags,
      summary: 'Connected agents: the MCP clients you authorized, with what they may do, until when, and when they last called',
      request: { query: userQuery },
      responses: { 200: { description: 'Agents', content: jsonContent(z.object({ agents: z.array(agentView) })) }, ...authErrors },
    }),
    async (c) => {
      const userId = whose(c, c.req.valid('query').user);
      const agents = await agentsOf(c.env, publicOrigin(c.env, c.req.url), scopesSupported(), userId);
      return c.json({ agents }, 200, { 'cache-control': 'no-store' });
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/v1/agents/{grantId}',
      tags,
      summary: 'Disconnect an agent: its delegation is revoked (with everything derived from it) and its grant and tokens are gone',
      request: {
        params: z.object({
          grantId: z
            .string()
            .min(1)
            .max(128)
            .regex(/^[A-Za-z0-9_-]+$/, 'not a grant id')
            .openapi({ param: { name: 'grantId', in: 'path' } }),
        }),
        query: userQuery,
      },
      responses: { 204: { description: 'Disconnected' }, 404: problem('No such agent'), ...authErrors },
    }),
    async (c) => {
      const userId = whose(c, c.req.valid('query').user);
      const caller = { principal: c.get('principal'), actor: c.get('actor') };
      await revokeAgent(c.env, publicOrigin(c.env, c.req.url), scopesSupported(), caller, userId, c.req.valid('param').grantId);
      return c.body(null, 204);
    },
  );
