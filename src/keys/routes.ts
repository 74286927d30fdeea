/**
 * API keys for services: `POST /v1/keys` provisions one through ChittyAuth for the caller's actor
 * (scopes within the caller's own capabilities) and shows it once; only its SHA-256 is kept (D1,
 * and API_KEYS KV for the authentication path). `GET /v1/keys` lists the caller's keys;
 * `DELETE /v1/keys/{keyId}` revokes one (owner or admin).
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { CAPABILITY } from '../actors/schema';
import type { AppEnv } from '../app-env';
import { isSelfWith, requireScope } from '../auth/authorize';
import { ADMIN, covers, missing } from '../auth/capabilities';
import { forgetApiKey } from '../auth/resolvers/api-key';
import { apiKeyKvKey } from '../auth/schema';
import { ecosystemFromEnv } from '../ecosystem/from-env';
import { AppError } from '../http/errors';
import { authErrors, jsonContent, problem } from '../http/openapi';
import { defaultHook } from '../http/openapi-hook';
import { sha256Hex } from '../lib/crypto';
import { outboxInsert } from '../queue/store';
import type { ApiKeyRecord } from './schema';
import { apiKeyById, apiKeysOf, insertApiKey, revokeApiKey } from './store';

const tags = ['API keys'];

const createBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(CAPABILITY).min(1).max(50),
    expiresInDays: z.number().int().min(1).max(365).optional(),
  })
  .strict()
  .openapi('CreateApiKey');

const keyView = z
  .object({
    keyId: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');

const created = keyView.extend({ apiKey: z.string().openapi({ description: 'Shown once; send it as X-API-Key' }) }).openapi('NewApiKey');

const keyIdParam = z.object({
  keyId: z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name: 'keyId', in: 'path' } }),
});

const view = (r: ApiKeyRecord) => ({
  keyId: r.keyId,
  name: r.name,
  scopes: r.scopes,
  createdAt: r.createdAt,
  expiresAt: r.expiresAt,
  revokedAt: r.revokedAt,
});

export const keyRoutes = new OpenAPIHono<AppEnv>({ defaultHook })
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/keys',
      tags,
      summary: 'Provision an API key for the caller (shown once)',
      request: { body: { content: jsonContent(createBody), required: true } },
      responses: { 201: { description: 'The new key', content: jsonContent(created) }, ...authErrors },
    }),
    async (c) => {
      const principal = c.get('principal');
      const actor = c.get('actor');
      if (!actor) throw new AppError(403, 'actor_not_registered', 'Register first (POST /v1/actors/register); keys belong to actors.');
      if (principal.credential !== 'chittyauth') {
        throw new AppError(403, 'forbidden', 'New API keys are made with a ChittyAuth token, not with another key or a delegation token.');
      }
      const body = c.req.valid('json');
      const notHeld = missing(principal.capabilities, body.scopes);
      if (notHeld.length) throw new AppError(403, 'scope_not_held', `You cannot give a key what you do not hold: ${notHeld.join(', ')}.`);

      const provisioned = await ecosystemFromEnv(c.env).auth.provisionKey(actor.chittyId, body.scopes, body.name);
      const hash = await sha256Hex(provisioned.apiKey);
      const now = new Date();
      const record: ApiKeyRecord = {
        keyId: provisioned.keyId,
        owner: actor.chittyId,
        ownerPrincipal: actor.principalId,
        ownerType: actor.actorType,
        name: body.name,
        scopes: body.scopes,
        createdAt: now.toISOString(),
        expiresAt: body.expiresInDays ? new Date(now.getTime() + body.expiresInDays * 86_400_000).toISOString() : null,
        revokedAt: null,
      };
      const event = outboxInsert(c.env.DB, {
        aggregate: 'api_key',
        aggregateId: record.keyId,
        eventType: 'api_key.created',
        payload: { keyId: record.keyId, owner: record.owner, scopes: record.scopes },
      });
      await c.env.DB.batch([insertApiKey(c.env.DB, record, hash), event.statement]);
      await c.env.API_KEYS.put(apiKeyKvKey(hash), JSON.stringify(record));
      return c.json({ ...view(record), apiKey: provisioned.apiKey }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/keys',
      tags,
      summary: 'The caller’s API keys (never the keys themselves)',
      responses: { 200: { description: 'Keys', content: jsonContent(z.object({ keys: z.array(keyView) })) }, ...authErrors },
    }),
    async (c) => {
      const actor = c.get('actor');
      requireScope(c.get('principal'), 'keys:manage');
      return c.json({ keys: actor ? (await apiKeysOf(c.env.DB, actor.chittyId)).map(view) : [] }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/v1/keys/{keyId}',
      tags,
      summary: 'Revoke an API key (its owner, or admin)',
      request: { params: keyIdParam },
      responses: { 204: { description: 'Revoked' }, 404: problem('No such key'), ...authErrors },
    }),
    async (c) => {
      const { keyId } = c.req.valid('param');
      const principal = c.get('principal');
      const key = await apiKeyById(c.env.DB, keyId);
      const mine = key !== null && isSelfWith(principal, key.owner, 'keys:manage');
      // Someone else's key is "not found" unless the caller is an admin: ids reveal nothing.
      if (!key || (!mine && !covers(principal.capabilities, ADMIN))) throw new AppError(404, 'key_not_found', `No key ${keyId}.`);
      const event = outboxInsert(c.env.DB, {
        aggregate: 'api_key',
        aggregateId: keyId,
        eventType: 'api_key.revoked',
        payload: { keyId, by: principal.chittyId },
      });
      await c.env.DB.batch([revokeApiKey(c.env.DB, keyId, new Date().toISOString()), event.statement]);
      await c.env.API_KEYS.delete(apiKeyKvKey(key.hash));
      forgetApiKey(key.hash);
      return c.body(null, 204);
    },
  );
