/** The contexts API: create, list, get, change (If-Match), soft delete, search, timeline. Owner-scoped. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context as HonoContext } from 'hono';
import type { AppEnv } from '../app-env';
import { requireScope } from '../auth/authorize';
import { changingData } from '../auth/principal-gate';
import { ecosystemFromEnv } from '../ecosystem/from-env';
import { AppError } from '../http/errors';
import { authErrors, jsonContent, problem } from '../http/openapi';
import { defaultHook } from '../http/openapi-hook';
import { eventsOf } from '../queue/store';
import { cachedRead, readHeaders } from './read-cache';
import type { Context } from './schema';
import { contextPage, contextView, createBody, idParam, listQuery, patchBody, searchPage, searchQuery, timelineQuery } from './schema';
import { changeContext, createContext, decodeCursor, deleteContext, encodeCursor, etagOf, ftsQuery, versionFromIfMatch } from './service';
import { listContexts, ownedContext, ownedContextWithMeta, searchContexts } from './store';

const tags = ['Contexts'];
const etagHeader = { ETag: { schema: { type: 'string' as const }, description: 'The version, for If-Match' } };
const ifMatch = z.object({
  'if-match': z.string().optional().openapi({ description: 'The ETag from your last read (required for PATCH)' }),
});

function view(c: Context) {
  const { deletedAt: _deleted, ...rest } = c;
  return { ...rest, status: rest.status === 'deleted' ? ('inactive' as const) : rest.status };
}

/** The caller must be a registered actor (contexts belong to actors) whose credential carries `scope`. */
function ownerOf(c: HonoContext<AppEnv>, scope: 'contexts:read' | 'contexts:write'): string {
  const principal = c.get('principal');
  if (!principal.registered)
    throw new AppError(403, 'actor_not_registered', 'Register first (POST /v1/actors/register); contexts belong to actors.');
  requireScope(principal, scope);
  return principal.chittyId;
}

/** The caller's context `id` (contexts:read), or 404. */
async function readableContext(c: HonoContext<AppEnv>, id: string): Promise<Context> {
  const context = await ownedContext(c.env.DB, id, ownerOf(c, 'contexts:read'));
  if (!context) throw new AppError(404, 'context_not_found', `No context ${id}.`);
  return context;
}

/** In development, D1 rows read as a header (the bench's measure); never in deployed environments. */
function rowsReadHeader(c: HonoContext<AppEnv>, meta: { rows_read?: number } | undefined): Record<string, string> {
  return c.env.ENVIRONMENT === 'development' && meta?.rows_read !== undefined ? { 'x-d1-rows-read': String(meta.rows_read) } : {};
}

/** Runs a write to the caller's contexts so the read caches of every isolate see it at once. */
function writing<T>(c: HonoContext<AppEnv>, write: () => Promise<T>): Promise<T> {
  return changingData(c.env, c.get('principal').principalId, write);
}

export const contextRoutes = new OpenAPIHono<AppEnv>({ defaultHook })
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/contexts/create',
      tags,
      summary: 'Create a context (its ChittyID comes from the authority)',
      request: { body: { content: jsonContent(createBody), required: true } },
      responses: {
        201: { description: 'Created', content: jsonContent(contextView), headers: etagHeader },
        409: problem('The name is taken'),
        ...authErrors,
      },
    }),
    async (c) => {
      const owner = ownerOf(c, 'contexts:write');
      const context = await writing(c, () =>
        createContext(
          c.env.DB,
          ecosystemFromEnv(c.env),
          { chittyId: owner, principalId: c.get('principal').principalId },
          c.req.valid('json'),
        ),
      );
      c.header('etag', etagOf(context));
      c.header('location', `/v1/contexts/${context.chittyId}`);
      return c.json(view(context), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/contexts/list',
      tags,
      summary: 'The caller’s contexts, newest first, by cursor',
      request: { query: listQuery },
      responses: { 200: { description: 'A page', content: jsonContent(contextPage) }, ...authErrors },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const owner = ownerOf(c, 'contexts:read');
      const after = q.cursor ? decodeCursor(q.cursor) : undefined;
      const read = await cachedRead(c, owner, `list ${JSON.stringify(q)}`, async () => {
        const { rows, meta } = await listContexts(
          c.env.DB,
          owner,
          { status: q.status, system: q.system, tool: q.tool },
          { limit: q.limit + 1, after },
        );
        const page = rows.slice(0, q.limit);
        const last = page[page.length - 1];
        const value = { contexts: page.map(view), nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
        return { value, headers: rowsReadHeader(c, meta) };
      });
      return c.json(read.value, 200, readHeaders(read));
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/contexts/search',
      tags,
      summary: 'Full-text search over the caller’s contexts (names and contents), best match first',
      request: { query: searchQuery },
      responses: { 200: { description: 'Ranked matches', content: jsonContent(searchPage) }, ...authErrors },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const match = ftsQuery(q.q);
      if (!match) {
        throw new AppError(400, 'validation_failed', 'query.q: no words to search for', {
          errors: [{ field: 'query.q', message: 'no words to search for' }],
        });
      }
      const owner = ownerOf(c, 'contexts:read');
      const read = await cachedRead(c, owner, `search ${JSON.stringify(q)}`, async () => {
        const { rows, meta } = await searchContexts(c.env.DB, owner, match, q.limit + 1, q.offset);
        const page = rows.slice(0, q.limit);
        const value = {
          contexts: page.map((r) => ({ ...view(r), rank: r.rank })),
          nextOffset: rows.length > q.limit ? q.offset + q.limit : null,
        };
        return { value, headers: rowsReadHeader(c, meta) };
      });
      return c.json(read.value, 200, readHeaders(read));
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/contexts/{id}',
      tags,
      summary: 'One of the caller’s contexts',
      request: { params: idParam },
      responses: {
        200: { description: 'The context', content: jsonContent(contextView), headers: etagHeader },
        404: problem('No such context'),
        ...authErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const owner = ownerOf(c, 'contexts:read');
      const read = await cachedRead(c, owner, `get ${id}`, async () => {
        const { context, meta } = await ownedContextWithMeta(c.env.DB, id, owner);
        if (!context) throw new AppError(404, 'context_not_found', `No context ${id}.`);
        return { value: view(context), headers: { etag: etagOf(context), ...rowsReadHeader(c, meta) } };
      });
      return c.json(read.value, 200, readHeaders(read));
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/v1/contexts/{id}',
      tags,
      summary: 'Change a context (needs If-Match with its current ETag)',
      request: { params: idParam, headers: ifMatch, body: { content: jsonContent(patchBody), required: true } },
      responses: {
        200: { description: 'Changed', content: jsonContent(contextView), headers: etagHeader },
        404: problem('No such context'),
        409: problem('The new name is taken'),
        412: problem('The context changed since the ETag was read'),
        428: problem('If-Match is missing'),
        ...authErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const owner = ownerOf(c, 'contexts:write');
      const version = versionFromIfMatch(c.req.header('if-match'));
      const context = await writing(c, () => changeContext(c.env.DB, owner, id, version, c.req.valid('json')));
      c.header('etag', etagOf(context));
      return c.json(view(context), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/v1/contexts/{id}',
      tags,
      summary: 'Delete a context (soft: kept, hidden, its name free again); If-Match optional',
      request: { params: idParam, headers: ifMatch },
      responses: {
        204: { description: 'Deleted' },
        404: problem('No such context'),
        412: problem('Changed since the ETag was read'),
        ...authErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const header = c.req.header('if-match');
      const owner = ownerOf(c, 'contexts:write');
      await writing(c, () => deleteContext(c.env.DB, owner, id, header === undefined ? null : versionFromIfMatch(header)));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/contexts/{id}/timeline',
      tags,
      summary: 'The context’s timeline, from ChittyChronicle, newest first',
      request: { params: idParam, query: timelineQuery },
      responses: {
        200: {
          description: 'Events',
          content: jsonContent(
            z.object({ contextId: z.string(), events: z.array(z.record(z.string(), z.unknown())) }).openapi('ContextTimeline'),
          ),
        },
        404: problem('No such context'),
        ...authErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const context = await readableContext(c, id);
      const timeline = await ecosystemFromEnv(c.env).chronicle.timeline(context.timelineId ?? id, c.req.valid('query').limit);
      return c.json({ contextId: id, events: timeline.events }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/contexts/{id}/events',
      tags,
      summary: 'The context’s changes, newest first, each with how far its delivery to ChittyDNA and ChittyChronicle got',
      description:
        'From the outbox: `sentAt` is when the change was put on the queue (null: waiting, e.g. after a failed send, with `lastError`), `deliveredAt` when DNA and Chronicle both had it.',
      request: { params: idParam, query: timelineQuery },
      responses: {
        200: {
          description: 'Changes',
          content: jsonContent(
            z
              .object({
                contextId: z.string(),
                events: z.array(
                  z.object({
                    eventId: z.string(),
                    eventType: z.string(),
                    createdAt: z.string(),
                    sentAt: z.string().nullable(),
                    deliveredAt: z.string().nullable(),
                    attempts: z.number(),
                    lastError: z.string().nullable(),
                  }),
                ),
              })
              .openapi('ContextEvents'),
          ),
        },
        404: problem('No such context'),
        ...authErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await readableContext(c, id);
      return c.json({ contextId: id, events: await eventsOf(c.env.DB, 'context', id, c.req.valid('query').limit) }, 200);
    },
  );
