/**
 * Gives every request an id, echoed as `X-Request-Id` on every response and carried in logs and
 * problem bodies. A well-formed incoming id (from a proxy or a caller's retry) is kept.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env';

const HEADER = 'X-Request-Id';
const ACCEPTABLE = /^[A-Za-z0-9._:-]{8,128}$/;

export const requestId = createMiddleware<AppEnv>(async function requestId(c, next) {
  const incoming = c.req.header(HEADER);
  const id = incoming && ACCEPTABLE.test(incoming) ? incoming : crypto.randomUUID();
  c.set('requestId', id);
  c.header(HEADER, id);
  await next();
  // Responses built outside `c` (e.g. by onError or a sub-app) still carry the id.
  if (!c.res.headers.has(HEADER)) c.res.headers.set(HEADER, id);
});
