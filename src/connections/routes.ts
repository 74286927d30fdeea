/**
 * The connections API (placeholder while it is being built): create, list, read, disconnect,
 * live health checks and the credential-injecting proxy.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { defaultHook } from '../http/openapi-hook';

/** The connections router, mounted at `/` by the app. */
export const connectionRoutes = new OpenAPIHono<AppEnv>({ defaultHook });
