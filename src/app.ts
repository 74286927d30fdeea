/**
 * The Hono app: middleware in order (request id → wrong method → body limit → start-up; then for
 * /v1 auth → rate limit → wrong method → idempotency), the routers, and the one place errors
 * become problem+json. Under /v1 a wrong method is checked after authentication, so an anonymous
 * caller learns nothing about which routes exist (401, as for an unknown path).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { actorRoutes } from './actors/routes';
import { actorById, actorByPrincipal } from './actors/store';
import { adminRoutes } from './admin/routes';
import type { AppEnv } from './app-env';
import { idempotency } from './auth/idempotency';
import { admittedCaller } from './auth/internal-call';
import { type CredentialReads, requireAuth } from './auth/middleware';
import { connectionRoutes } from './connections/routes';
import { mountConsole } from './console/routes';
import { contextRoutes } from './contexts/routes';
import { delegationRoutes } from './delegation/routes';
import { checkDelegationToken } from './delegation/verify';
import { emulatorProxy } from './dev/emulator-proxy';
import { mountDocs, openApiDocument } from './docs/routes';
import { githubRoutes } from './github/routes';
import { describeSetup, setupRoutes } from './github/setup/callback';
import { describeWebhook, webhookRoutes } from './github/webhook/routes';
import { healthRoutes } from './health/routes';
import { limitBody } from './http/body-limit';
import { AppError, describeCause, problem, toAppError } from './http/errors';
import { allowedMethods } from './http/methods';
import { defaultHook } from './http/openapi-hook';
import { innerRequestId, requestId } from './http/request-id';
import { startup } from './http/startup';
import { unsupportedMediaType } from './http/validation';
import { keyRoutes } from './keys/routes';
import { apiKeyByHash } from './keys/store';
import { consoleLogger } from './lib/log';
import { recordMetric } from './lib/metrics';
import { agentRoutes } from './mcp/agent-routes';
import { mountOAuth } from './mcp/oauth';
import { describeMcp, mountMcp, scopesSupported } from './mcp/routes';
import type { OpenApiDocument } from './mcp/schemas';
import { dispatchAfterWrite } from './queue/after-write';
import { VERSION } from './version';

const WEBHOOK_PATH = '/integrations/github/webhook';

/** What auth/ reads to resolve a credential, each from the feature that owns the rows. */
const credentialReads: CredentialReads = { actorById, actorByPrincipal, apiKeyByHash, checkDelegationToken };

/** `middleware`, except on requests whose path `skip` matches (a plain test: hono/combine's `except` costs a router match and a composed chain per request). */
function unless(skip: (path: string) => boolean, middleware: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return async (c, next) => (skip(c.req.path) ? next() : middleware(c, next));
}

/**
 * The API under /v1: authentication, rate limit, wrong method, idempotency, then the routers. Its
 * own app so an MCP tool call can run a route through exactly this chain (and not again through
 * the request id, body limit and start-up work its outer request has passed).
 */
function createApi(): OpenAPIHono<AppEnv> {
  const api = new OpenAPIHono<AppEnv>({ defaultHook });
  // Zero trust: everything under /v1 needs a credential, and is rate-limited per principal.
  // A wrong method is refused after authentication (so an anonymous caller learns nothing about
  // which routes exist); a tool call's own request is built from a documented route and skips it.
  const methods = allowedMethods(() => api.routes);
  api.use(
    '/v1/*',
    innerRequestId,
    requireAuth(credentialReads),
    async (c, next) => (admittedCaller(c.req.raw) ? next() : methods(c, next)),
    idempotency,
    dispatchAfterWrite,
  );
  api.route('/', actorRoutes);
  api.route('/', keyRoutes);
  api.route('/', delegationRoutes);
  api.route('/', contextRoutes);
  api.route('/', connectionRoutes);
  api.route('/', adminRoutes);
  api.route('/', githubRoutes);
  api.route('/', agentRoutes);
  return handleErrors(api);
}

export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook });
  const api = createApi();

  app.use('*', requestId);
  // A metric per request (route pattern, method, status, duration) when METRICS is bound.
  app.use('*', async (c, next) => {
    if (!c.env.METRICS) return next();
    const started = Date.now();
    await next();
    recordMetric(c.env.METRICS, {
      kind: 'request',
      what: routePath(c, -1),
      how: c.req.method,
      status: c.res.status,
      ms: Date.now() - started,
    });
  });
  // 405 + Allow, from the routes mounted below (read on the first request).
  app.use(
    '*',
    unless(
      (path) => path.startsWith('/v1/'),
      allowedMethods(() => app.routes),
    ),
  );
  // The webhook takes GitHub's 25 MB bodies and must touch nothing but the queue: it has its own
  // limit and skips the start-up work (which reads D1 on an isolate's first request).
  const webhook = (path: string) => path === WEBHOOK_PATH;
  app.use('*', unless(webhook, limitBody()));
  app.use('*', unless(webhook, startup));
  app.route('/', webhookRoutes);
  describeWebhook(app);
  app.route('/', setupRoutes);
  describeSetup(app);

  app.get('/', (c) => c.json({ service: 'chittyconnect', version: VERSION, docs: '/docs', openapi: '/openapi.json', health: '/health' }));
  app.route('/', healthRoutes);
  mountDocs(app);
  app.route('/', emulatorProxy);
  // The MCP server: the same credentials, gate and routes as /v1, as tools for AI agents.
  mountMcp(app, api, requireAuth(credentialReads), () => openApiDocument(app) as OpenApiDocument);
  describeMcp(app);
  // Its OAuth 2.1 authorization server: a grant is a delegation from the person who signs in.
  mountOAuth(app, scopesSupported);
  // The operator console: pages over the API, as the signed-in operator's console delegation.
  mountConsole(app, api);

  app.route('/', api);
  return handleErrors(app);
}

/** The 404 and the one place errors become problem+json, for the app and the API alike. */
function handleErrors(app: OpenAPIHono<AppEnv>): OpenAPIHono<AppEnv> {
  app.notFound((c) => problem(c, new AppError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}; see /docs for the API.`)));
  app.onError((err, c) => {
    const { appError, unexpected } = toAppError(unsupportedMediaType(err, c.req.header('content-type')) ?? err);
    // Logged once, here: unknown errors and every 5xx, with what caused it where known (a queue
    // refusing a send, an ecosystem outage, a missing secret). 4xx are the client's to fix and are not logged.
    const cause = unexpected ? err : appError.cause;
    if (unexpected || appError.status >= 500) {
      consoleLogger.log(unexpected ? 'error' : 'warn', 'request.failed', {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: appError.status,
        code: appError.code,
        ...(cause === undefined ? { detail: appError.detail } : { error: describeCause(cause) }),
      });
    }
    return problem(c, appError);
  });
  return app;
}
