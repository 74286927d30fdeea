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

/** Besides the content type: what a browser page of the emulator needs to work through the proxy. */
const PASSED_HEADERS = ['location', 'cache-control', 'content-security-policy', 'x-frame-options', 'referrer-policy'];

export const emulatorProxy = new Hono<AppEnv>().all(`${EMULATOR_PREFIX}/*`, async (c) => {
  const binding = c.env.ECOSYSTEM;
  if (c.env.ENVIRONMENT !== 'development' || !binding) {
    throw new AppError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}; see /docs for the API.`);
  }
  const url = new URL(c.req.url);
  const target = `http://control.emulator${url.pathname.slice(EMULATOR_PREFIX.length)}${url.search}`;
  const body = ['GET', 'HEAD'].includes(c.req.method) ? undefined : await c.req.arrayBuffer();
  const headers = new Headers({ 'content-type': c.req.header('content-type') ?? 'application/json' });
  // The browser pages (GitHub's install page, ChittyAuth's sign-in) answer with redirects: pass them on, not follow them.
  const res = await binding.fetch(target, { method: c.req.method, headers, body, redirect: 'manual' });
  const out = new Headers({ 'content-type': res.headers.get('content-type') ?? 'application/json' });
  for (const name of PASSED_HEADERS) {
    const value = res.headers.get(name);
    if (value !== null) out.set(name, value);
  }
  return new Response(res.body, { status: res.status, headers: out });
});
