/** The actors API: register, me, read, change, capabilities. Every route needs a credential. */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { isSelfWith, requireScope } from '../auth/authorize';
import { covers } from '../auth/capabilities';
import { gateFor } from '../auth/principal-gate';
import { ecosystemFromEnv } from '../ecosystem/from-env';
import { AppError } from '../http/errors';
import { authErrors, jsonContent, problem } from '../http/openapi';
import { defaultHook } from '../http/openapi-hook';
import { optionalJsonBody } from '../http/validation';
import { capabilitiesView, chittyIdParam, patchBody, privateActor, publicActor, registerBody } from './schema';
import { changeActor, registerActor } from './service';
import { actorById, recordSeen } from './store';
import { privateView, publicView } from './view';

/** `last seen` is written at most this often per actor; a longer gap than SESSION_GAP starts a session. */
export const LAST_SEEN_THROTTLE_MS = 5 * 60_000;
export const SESSION_GAP_MS = 30 * 60_000;

const tags = ['Actors'];

const register = createRoute({
  method: 'post',
  path: '/v1/actors/register',
  tags,
  summary: 'Register the caller (a ChittyAuth principal) as an actor',
  description:
    'Mints an ACTOR ChittyID from the authority, links the ChittyAuth principal, initialises DNA and records the event. Registering again returns the existing actor with 200.',
  request: { body: { content: jsonContent(registerBody), required: false } },
  responses: {
    200: { description: 'Already registered', content: jsonContent(privateActor) },
    201: { description: 'Registered', content: jsonContent(privateActor) },
    ...authErrors,
  },
});

const me = createRoute({
  method: 'get',
  path: '/v1/actors/me',
  tags,
  summary: 'The caller’s own actor (records last seen and counts sessions)',
  description:
    'A principal that is not yet a registered actor gets 403 `actor_not_registered` (as on every other route that needs an actor): register first with POST /v1/actors/register.',
  responses: {
    200: { description: 'The caller', content: jsonContent(privateActor) },
    ...authErrors,
    403: problem('Not registered yet (`actor_not_registered`), or the credential lacks `profile:read` (`forbidden`)'),
  },
});

const read = createRoute({
  method: 'get',
  path: '/v1/actors/{chittyId}',
  tags,
  summary: 'An actor: everything for itself or holders of actors:read, the public profile for others',
  request: { params: chittyIdParam },
  responses: {
    200: { description: 'The actor', content: jsonContent(privateActor.or(publicActor)) },
    404: problem('No such actor'),
    ...authErrors,
  },
});

const patch = createRoute({
  method: 'patch',
  path: '/v1/actors/{chittyId}',
  tags,
  summary: 'Change an actor',
  description:
    'Profile fields: the actor itself or actors:write. Capabilities: actors:grant, and only capabilities the caller holds. Status (suspend, reactivate, deactivate): actors:suspend, never one’s own. A suspended actor’s credentials stop working at once.',
  request: { params: chittyIdParam, body: { content: jsonContent(patchBody), required: true } },
  responses: {
    200: { description: 'The changed actor', content: jsonContent(privateActor) },
    404: problem('No such actor'),
    ...authErrors,
  },
});

const capabilities = createRoute({
  method: 'get',
  path: '/v1/actors/{chittyId}/capabilities',
  tags,
  summary: 'An actor’s capabilities (itself, or holders of actors:read)',
  request: { params: chittyIdParam },
  responses: { 200: { description: 'Capabilities', content: jsonContent(capabilitiesView) }, 404: problem('No such actor'), ...authErrors },
});

export const actorRoutes = new OpenAPIHono<AppEnv>({ defaultHook })
  .openapi(register, async (c) => {
    const profile = optionalJsonBody(await c.req.text(), registerBody);
    const { actor, created } = await registerActor(c.env, ecosystemFromEnv(c.env), c.get('principal'), profile);
    if (created) c.header('location', `/v1/actors/${actor.chittyId}`);
    return c.json(privateView(actor), created ? 201 : 200);
  })
  .openapi(me, async (c) => {
    const actor = c.get('actor');
    if (!actor) throw new AppError(403, 'actor_not_registered', 'You are not registered yet: POST /v1/actors/register first.');
    requireScope(c.get('principal'), 'profile:read');
    const now = new Date();
    // Seen recently (per the actor as the gate knows it): nothing to write, nothing to read.
    if (actor.lastSeenAt && now.getTime() - Date.parse(actor.lastSeenAt) < LAST_SEEN_THROTTLE_MS) {
      return c.json(privateView(actor), 200);
    }
    const wrote = await recordSeen(c.env.DB, actor.chittyId, now, LAST_SEEN_THROTTLE_MS, SESSION_GAP_MS);
    if (!wrote) return c.json(privateView(actor), 200);
    // The gate's snapshot is now stale: refresh it (it re-reads D1 on the next request).
    await gateFor(c.env, actor.principalId).invalidate();
    return c.json(privateView((await actorById(c.env.DB, actor.chittyId)) ?? actor), 200);
  })
  .openapi(read, async (c) => {
    const { chittyId } = c.req.valid('param');
    const actor = await actorById(c.env.DB, chittyId);
    if (!actor) throw new AppError(404, 'actor_not_found', `No actor ${chittyId}.`);
    const principal = c.get('principal');
    const mayReadAll = isSelfWith(principal, chittyId, 'profile:read') || covers(principal.capabilities, 'actors:read');
    return c.json(mayReadAll ? privateView(actor) : publicView(actor), 200);
  })
  .openapi(patch, async (c) => {
    const { chittyId } = c.req.valid('param');
    const actor = await changeActor(c.env, c.get('principal'), chittyId, c.req.valid('json'));
    return c.json(privateView(actor), 200);
  })
  .openapi(capabilities, async (c) => {
    const { chittyId } = c.req.valid('param');
    const principal = c.get('principal');
    const self = isSelfWith(principal, chittyId, 'profile:read');
    if (!self && !covers(principal.capabilities, 'actors:read')) {
      throw new AppError(403, 'forbidden', 'Only the actor itself (or a holder of actors:read) may see its capabilities.');
    }
    const actor = await actorById(c.env.DB, chittyId);
    if (!actor) throw new AppError(404, 'actor_not_found', `No actor ${chittyId}.`);
    return c.json(
      { chittyId, actorType: actor.actorType, capabilities: actor.capabilities, ...(self ? { effective: principal.capabilities } : {}) },
      200,
    );
  });
