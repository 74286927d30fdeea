/**
 * Gives every request an id, echoed as `X-Request-Id` on every response and carried in logs and
 * problem bodies. A well-formed incoming id (from a proxy or a caller's retry) is kept.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env';

const HEADER = 'X-Request-Id';
const ACCEPTABLE = /^[A-Za-z0-9._:-]{8,128}$/;

/** A well-formed incoming id, else a new one. */
function idFor(incoming: string | undefined): string {
  return incoming && ACCEPTABLE.test(incoming) ? incoming : crypto.randomUUID();
}

/**
 * For a request run inside the worker (the console reads the API this way): the id its outer
 * request passed in `X-Request-Id`, for its logs and problem bodies; nothing when the request
 * already has one (it came through the app, or an MCP tool call's caller set it).
 */
export const innerRequestId = createMiddleware<AppEnv>(async function innerRequestId(c, next) {
  if (!c.get('requestId')) c.set('requestId', idFor(c.req.header(HEADER)));
  await next();
});

export const requestId = createMiddleware<AppEnv>(async function requestId(c, next) {
  const id = idFor(c.req.header(HEADER));
  c.set('requestId', id);
  c.header(HEADER, id);
  await next();
  // Responses built outside `c` (e.g. by onError or a sub-app) still carry the id.
  if (!c.res.headers.has(HEADER)) c.res.headers.set(HEADER, id);
});
