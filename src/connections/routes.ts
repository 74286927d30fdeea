/**
 * The connections API: create, list, read, disconnect, a live health check, the proxy that uses
 * a connection's stored credentials on the caller's behalf, and the admin command that
 * re-encrypts credentials after a key rotation. Every route is under `/v1`, so the app's
 * middleware has authenticated the caller; connections belong to the caller's actor, and someone
 * else's connection is a 404 whatever the id. API keys and delegation tokens need the
 * `connections:read` / `connections:write` / `connections:use` scopes. See docs/connections.md.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { ADMIN, covers } from '../auth/capabilities';
import { AppError } from '../http/errors';
import { authErrors, jsonContent, problem } from '../http/openapi';
import { defaultHook } from '../http/openapi-hook';
import { runHealthCheck } from './health';
import { proxyRequest } from './proxy';
import { reencryptBatch } from './reencrypt';
import {
  connectionView as connectionSchema,
  createBody,
  idParam,
  listQuery,
  listView,
  reencryptBody,
  reencryptView,
  statusView,
} from './schema';
import { connectionOwner, connectionView, createConnection, disconnect, invalidFields } from './service';
import { checksOf, connectionOf, listConnections } from './store';

const tags = ['Connections'];

function encodeCursor(createdAt: string, connectionId: string): string {
  return btoa(JSON.stringify([createdAt, connectionId]))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function decodeCursor(cursor: string): { createdAt: string; connectionId: string } {
  try {
    const value: unknown = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { createdAt: value[0], connectionId: value[1] };
    }
  } catch {
    // fall through to the 400
  }
  throw invalidFields([{ field: 'query.cursor', message: 'not a cursor from a previous page' }]);
}

const notFound = (id: string) => new AppError(404, 'connection_not_found', `No connection ${id}.`);

const create = createRoute({
  method: 'post',
  path: '/v1/connections',
  tags,
  summary: 'Connect a source (your context, or yourself) to a target (a ChittyOS service or an http(s) endpoint)',
  description:
    'Credentials are encrypted (AES-GCM) before they are stored and are never returned: the answer shows only `hasCredentials` and `credentialsKeyId`. One active connection per source, target and endpoint. The endpoint is stored with its canonical host; hosts that are internal by name (localhost, *.local, *.internal, *.home.arpa, wildcard-DNS names like 127.0.0.1.nip.io, IP literals, single labels…) are a 400, and where the resolve check is on (CONNECTIONS_RESOLVE_HOSTS) so is a host that resolves to a non-public address or not at all. See docs/connections.md, "Which endpoints are refused".',
  request: { body: { content: jsonContent(createBody), required: true } },
  responses: {
    201: { description: 'Created', content: jsonContent(connectionSchema) },
    400: problem('Invalid request (the field is named)'),
    409: problem('An active connection with this source, target and endpoint exists (connection_exists)'),
    422: problem('The source is not yours (source_not_found, source_not_self)'),
    ...authErrors,
    503: problem(
      'Credentials cannot be encrypted: the key is not configured (credentials_unavailable); or the DNS resolver did not answer the resolve check (resolver_unavailable, see Retry-After)',
    ),
  },
});

const list = createRoute({
  method: 'get',
  path: '/v1/connections/list',
  tags,
  summary: 'Your connections, newest first (filters: source, target, status; cursor pagination)',
  request: { query: listQuery },
  responses: { 200: { description: 'A page', content: jsonContent(listView) }, 400: problem('Invalid filter or cursor'), ...authErrors },
});

const read = createRoute({
  method: 'get',
  path: '/v1/connections/{id}',
  tags,
  summary: 'One of your connections (any status)',
  request: { params: idParam },
  responses: {
    200: { description: 'The connection', content: jsonContent(connectionSchema) },
    404: problem('No such connection'),
    ...authErrors,
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/v1/connections/{id}',
  tags,
  summary: 'Disconnect: status disconnected, credentials destroyed',
  request: { params: idParam },
  responses: {
    204: { description: 'Disconnected' },
    404: problem('No such live connection (also when already disconnected)'),
    ...authErrors,
  },
});

const status = createRoute({
  method: 'get',
  path: '/v1/connections/{id}/status',
  tags,
  summary: 'Check the target now and record the result (status active/failed, last check, error count)',
  description:
    'An http(s) target is first held to the endpoint name rules and, where on, the resolve check: a host now refused, or a resolver that does not answer, is a failed check whose `reason` says so (`refused: …`, `resolver unavailable: …`), and the target is not called.',
  request: { params: idParam },
  responses: {
    200: { description: 'The check', content: jsonContent(statusView) },
    404: problem('No such connection'),
    409: problem('The connection is disconnected (connection_disconnected)'),
    ...authErrors,
  },
});

const checks = createRoute({
  method: 'get',
  path: '/v1/connections/{id}/checks',
  tags,
  summary: 'The connection’s recent health checks, newest first (the last 50 are kept)',
  request: { params: idParam, query: z.object({ limit: z.coerce.number().int().min(1).max(50).default(20) }).strict() },
  responses: {
    200: {
      description: 'Checks',
      content: jsonContent(
        z
          .object({
            connectionId: z.string(),
            checks: z.array(
              z.object({
                checkedAt: z.string(),
                reachable: z.boolean(),
                latencyMs: z.number(),
                httpStatus: z.number().nullable(),
                reason: z.string().nullable(),
              }),
            ),
          })
          .openapi('ConnectionChecks'),
      ),
    },
    404: problem('No such connection'),
    ...authErrors,
  },
});

const proxyDoc = createRoute({
  method: 'get',
  path: '/v1/connections/{id}/proxy/{path}',
  tags,
  summary: 'Call the connection’s target with its stored credentials injected (any method)',
  description:
    'Any method. `{path}` may span several segments and must stay under the endpoint (no dot segments, encoded slashes or dots, embedded URLs: 400 invalid_proxy_path). The caller’s Authorization, X-API-Key, Cookie and hop-by-hop headers are not forwarded. The target’s answer is passed through (hop-by-hop and Set-Cookie headers removed; `X-ChittyConnect-Upstream: 1` added, which the proxy’s own refusals lack), up to 2 MiB. 502 when the target is unreachable or its answer too large, 504 after the timeout (config.timeoutMs, at most 10 s).',
  request: { params: idParam.extend({ path: z.string().openapi({ param: { name: 'path', in: 'path' } }) }) },
  responses: {
    200: { description: 'The target’s answer, passed through' },
    400: problem('The path leaves the endpoint (invalid_proxy_path)'),
    404: problem('No such connection'),
    409: problem(
      'The connection is disconnected (connection_disconnected), or its endpoint was stored before today’s name rules and is refused (connection_target_refused)',
    ),
    502: problem('Upstream unreachable, or its answer too large'),
    504: problem('Upstream timeout'),
    ...authErrors,
  },
});

const reencrypt = createRoute({
  method: 'post',
  path: '/v1/admin/credentials/reencrypt',
  tags,
  summary: 'Re-encrypt a batch of connection credentials under the current key (admin)',
  description: 'Call again with the returned `cursor` while `remaining` is true; `scripts/reencrypt-credentials.mjs` does this.',
  request: { body: { content: jsonContent(reencryptBody), required: true } },
  responses: { 200: { description: 'What this batch did', content: jsonContent(reencryptView) }, ...authErrors },
});

/** The connections router, mounted at `/` by the app. */
export const connectionRoutes = new OpenAPIHono<AppEnv>({ defaultHook })
  .openapi(create, async (c) => {
    const owner = connectionOwner(c.get('principal'), 'connections:write');
    const connection = await createConnection(c.env, owner, c.req.valid('json'));
    c.header('location', `/v1/connections/${connection.connectionId}`);
    return c.json(connectionView(connection), 201);
  })
  .openapi(list, async (c) => {
    const owner = connectionOwner(c.get('principal'), 'connections:read');
    const q = c.req.valid('query');
    const source = q.sourceType && q.sourceId ? { type: q.sourceType, id: q.sourceId } : undefined;
    const before = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows = await listConnections(c.env.DB, owner, { source, target: q.target, status: q.status }, q.limit + 1, before);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > q.limit && last ? encodeCursor(last.createdAt, last.connectionId) : null;
    return c.json({ connections: page.map(connectionView), nextCursor }, 200);
  })
  .openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    const connection = await connectionOf(c.env.DB, id, connectionOwner(c.get('principal'), 'connections:read'));
    if (!connection) throw notFound(id);
    return c.json(connectionView(connection), 200);
  })
  .openapi(remove, async (c) => {
    await disconnect(c.env, connectionOwner(c.get('principal'), 'connections:write'), c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(checks, async (c) => {
    const { id } = c.req.valid('param');
    const connection = await connectionOf(c.env.DB, id, connectionOwner(c.get('principal'), 'connections:read'));
    if (!connection) throw notFound(id);
    return c.json({ connectionId: id, checks: await checksOf(c.env.DB, id, c.req.valid('query').limit) }, 200);
  })
  .openapi(status, async (c) => {
    const { id } = c.req.valid('param');
    const connection = await connectionOf(c.env.DB, id, connectionOwner(c.get('principal'), 'connections:read'));
    if (!connection) throw notFound(id);
    if (connection.status === 'disconnected')
      throw new AppError(409, 'connection_disconnected', 'This connection is disconnected; there is nothing to check.');
    const { connection: after, previousStatus, outcome } = await runHealthCheck(c.env, connection);
    return c.json(
      {
        connectionId: id,
        status: after.status,
        previousStatus,
        reachable: outcome.reachable,
        ...(outcome.reason ? { reason: outcome.reason } : {}),
        ...(outcome.httpStatus ? { httpStatus: outcome.httpStatus } : {}),
        latencyMs: outcome.latencyMs,
        checkedAt: after.lastCheckAt ?? outcome.checkedAt,
        errorCount: after.errorCount,
      },
      200,
    );
  })
  .openapi(reencrypt, async (c) => {
    if (!covers(c.get('principal').capabilities, ADMIN))
      throw new AppError(403, 'forbidden', 'Re-encrypting credentials needs the admin capability.');
    const { limit, cursor } = c.req.valid('json');
    return c.json(await reencryptBatch(c.env, limit, cursor), 200);
  });

// The proxy takes any method and a multi-segment path, which createRoute cannot route: it is
// handled by a wildcard and only documented through the registry.
for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const)
  connectionRoutes.openAPIRegistry.registerPath({ ...proxyDoc, method });
connectionRoutes.all('/v1/connections/:id/proxy', proxyRequest);
connectionRoutes.all('/v1/connections/:id/proxy/*', proxyRequest);
