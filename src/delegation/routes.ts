/**
 * Delegation routes (placeholder while the service is being written): `POST /v1/delegate`,
 * `POST /v1/delegate/validate`, `DELETE /v1/delegate/{tokenId}` and `GET /.well-known/jwks.json`.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { defaultHook } from '../http/openapi-hook';

/** The delegation router, mounted at `/` by the app. */
export const delegationRoutes = new OpenAPIHono<AppEnv>({ defaultHook });
