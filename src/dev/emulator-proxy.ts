/**
 * Local development only: `/_emulator/*` reaches the emulator's control surface (create actors
 * and tokens, inject faults, read its request log), since under `npm start` the emulator has no
 * port of its own. It exists only when ENVIRONMENT is `development` and the ECOSYSTEM binding is
 * there — deployed environments have neither, and there the path is a plain 404.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { AppError } from '../http/errors';

export const EMULATOR_PREFIX = '/_emulator';

export const emulatorProxy = new Hono<AppEnv>().all(`${EMULATOR_PREFIX}/*`, async (c) => {
  const binding = c.env.ECOSYSTEM;
  if (c.env.ENVIRONMENT !== 'development' || !binding) {
    throw new AppError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}; see /docs for the API.`);
  }
  const url = new URL(c.req.url);
  const target = `http://control.emulator${url.pathname.slice(EMULATOR_PREFIX.length)}${url.search}`;
  const body = ['GET', 'HEAD'].includes(c.req.method) ? undefined : await c.req.arrayBuffer();
  const headers = new Headers({ 'content-type': c.req.header('content-type') ?? 'application/json' });
  const res = await binding.fetch(target, { method: c.req.method, headers, body });
  return new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' } });
});
