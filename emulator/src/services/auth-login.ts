/**
 * ChittyAuth's browser sign-in (host `auth.*`), for an OAuth client such as ChittyConnect's MCP
 * authorization: the client sends the person to `GET /v1/login?redirect_uri&state`, a page where
 * they paste an emulated bearer token (`emu_…`, e.g. from `npm run actor`) or, when DEV_TOKEN is
 * set, sign in as the Local Developer. `POST /v1/login` checks the token exactly as
 * `/v1/auth/validate` does (a bearer token, not an API key, unrevoked) and sends the browser back
 * to `redirect_uri` with a one-time `code` (`emc_…`, stored only as its SHA-256, valid 5 minutes)
 * and the `state`. The client then trades the code server-to-server at `POST /v1/auth/exchange`
 * (with ChittyAuth's service token, like validate) for the actor validate would describe.
 *
 * The pages need no service token, so `authHost` sends `/v1/login` here and everything else to
 * the service app. The control surface gets `POST /auth/login-codes` (a code without a browser,
 * optionally already old: how a test sees an expired code).
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { z } from 'zod';
import { type AppEnv, badRequest, handleError, jsonError, notFound, readBody } from '../http';
import { nowIso, randomBase64url, sha256Hex } from '../store';
import { authApp, checkCredential, tokenActor } from './auth';

/** How long a login code can be exchanged. */
export const LOGIN_CODE_SECONDS = 300;
const LOGIN_PATH = '/v1/login';
const TITLE = 'Sign in to ChittyOS (emulated)';

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  // The form posts to this page; its answer redirects to the client, on any origin.
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
} as const;

async function page(body: HtmlEscapedString | Promise<HtmlEscapedString>, status: number, next?: string): Promise<Response> {
  const refresh = next ? html`<meta http-equiv="refresh" content="0;url=${next}">` : '';
  const text = await html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">${refresh}<title>${TITLE}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
input[type=password]{width:100%;font:inherit;padding:.3rem}button{font:inherit;margin:.75rem .5rem 0 0}.error{color:#b3261e}</style>
</head><body><p><small>Emulated ChittyAuth · no real account is involved</small></p>${body}</body></html>`;
  return new Response(String(text), { status, headers: PAGE_HEADERS });
}

/** The page for a request that cannot be served (bad redirect_uri or state, no DEV_TOKEN): never a redirect. */
function problemPage(detail: string, status = 400): Promise<Response> {
  return page(html`<h1>${TITLE}</h1><p class="error">${detail}</p>`, status);
}

interface Target {
  redirectUri: string;
  state: string;
}

/** `redirect_uri` and `state` as the client gave them, or what is wrong with them. */
function readTarget(redirectUri: string | undefined, state: string | undefined): Target | string {
  if (!redirectUri) return 'redirect_uri is missing: the application that sent you here must pass one.';
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return 'redirect_uri must be an absolute http(s) URL.';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'redirect_uri must be an absolute http(s) URL.';
  if (url.hash !== '' || redirectUri.includes('#')) return 'redirect_uri must not contain a fragment.';
  if (!state) return 'state is missing: the application that sent you here must pass one.';
  return { redirectUri, state };
}

function signInPage(target: Target, devSignIn: boolean, error?: string): Promise<Response> {
  const dev = devSignIn ? html` <button type="submit" name="dev" value="1" formnovalidate>Sign in as the Local Developer</button>` : '';
  return page(
    html`<h1>${TITLE}</h1>${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<p>An application wants to act as you. It will be sent back to <code>${target.redirectUri}</code>.</p>
<form method="post" action="login">
<input type="hidden" name="redirect_uri" value="${target.redirectUri}">
<input type="hidden" name="state" value="${target.state}">
<label>Emulated ChittyAuth token (<code>emu_…</code>, e.g. from <code>npm run actor</code>)
<input type="password" name="token" autocomplete="off" required></label>
<button type="submit">Sign in</button>${dev}
</form>`,
    error ? 401 : 200,
  );
}

/** A fresh one-time code for `chittyId`, bound to `redirectUri`; `ageSeconds` backdates it (control surface). */
export async function createLoginCode(db: D1Database, chittyId: string, redirectUri: string, ageSeconds = 0): Promise<string> {
  const code = `emc_${randomBase64url(32)}`;
  const createdAt = ageSeconds > 0 ? new Date(Date.now() - ageSeconds * 1000).toISOString() : nowIso();
  await db
    .prepare('INSERT INTO login_codes (hash, chitty_id, redirect_uri, created_at) VALUES (?, ?, ?, ?)')
    .bind(await sha256Hex(code), chittyId, redirectUri, createdAt)
    .run();
  return code;
}

const hasDevToken = (env: AppEnv['Bindings']) => Boolean(env.DEV_TOKEN?.trim());

/** The sign-in page and its form; no service token (a browser comes here). */
export const loginPages = new Hono<AppEnv>();
loginPages.onError((err) => handleError(err));
loginPages.notFound(() => problemPage('Only GET and POST are served here.', 405));

loginPages.get(LOGIN_PATH, (c) => {
  const target = readTarget(c.req.query('redirect_uri'), c.req.query('state'));
  if (typeof target === 'string') return problemPage(target);
  return signInPage(target, hasDevToken(c.env));
});

loginPages.post(LOGIN_PATH, async (c) => {
  // Decoded by hand: workerd warns when .text() reads a form-encoded body.
  const form = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
  const target = readTarget(form.get('redirect_uri') ?? undefined, form.get('state') ?? undefined);
  if (typeof target === 'string') return problemPage(target);
  const devToken = c.env.DEV_TOKEN?.trim();
  let secret = form.get('token') ?? '';
  if (form.get('dev') === '1') {
    if (!devToken) return problemPage('Signing in as the Local Developer needs DEV_TOKEN, and this emulator has none.');
    secret = devToken;
  }
  const check = secret === '' ? null : await checkCredential(c.env.EMU_DB, secret);
  // Only a person's bearer token signs in: an API key acts for its owner with its own scopes.
  if (!check?.valid || check.kind !== 'token') return signInPage(target, Boolean(devToken), 'That token is not valid.');
  const location = new URL(target.redirectUri);
  location.searchParams.set('code', await createLoginCode(c.env.EMU_DB, check.actor.chittyId, target.redirectUri));
  location.searchParams.set('state', target.state);
  const next = location.toString();
  // The body is for clients that do not follow the redirect (or lose the Location header on the way).
  const res = await page(html`<p>Signed in as ${check.actor.displayName}. <a href="${next}">Continue</a>.</p>`, 302, next);
  res.headers.set('location', next);
  return res;
});

interface LoginCodeRow {
  chitty_id: string;
  redirect_uri: string;
  created_at: string;
  used_at: string | null;
}

const ExchangeBody = z.object({ code: z.string(), redirect_uri: z.string() });

function invalidGrant(description: string): Response {
  return jsonError(400, 'invalid_grant', { error_description: description });
}

// Server to server, behind ChittyAuth's service token like /v1/auth/validate.
authApp.post('/v1/auth/exchange', async (c) => {
  const body = await readBody(c, ExchangeBody);
  if (body instanceof Response) return body;
  const db = c.env.EMU_DB;
  const hash = await sha256Hex(body.code);
  const row = await db
    .prepare('SELECT chitty_id, redirect_uri, created_at, used_at FROM login_codes WHERE hash = ?')
    .bind(hash)
    .first<LoginCodeRow>();
  if (!row) return invalidGrant('unknown code');
  if (row.used_at !== null) return invalidGrant('the code has already been used');
  if (Date.now() - Date.parse(row.created_at) > LOGIN_CODE_SECONDS * 1000) return invalidGrant('the code has expired');
  if (row.redirect_uri !== body.redirect_uri) return invalidGrant('redirect_uri does not match the one the code was issued for');
  // Claimed by one statement, so two exchanges racing for the same code cannot both win.
  const claimed = await db.prepare('UPDATE login_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL').bind(nowIso(), hash).run();
  if (claimed.meta.changes !== 1) return invalidGrant('the code has already been used');
  const actor = await tokenActor(db, row.chitty_id);
  if (!actor) return invalidGrant("the actor's tokens have been revoked");
  return Response.json({ valid: true, actor });
});

/** The whole `auth.*` host: the sign-in page, then the service (token required) for everything else. */
export const authHost: Pick<Hono<AppEnv>, 'fetch'> = {
  fetch: (request, env, ctx) => (new URL(request.url).pathname === LOGIN_PATH ? loginPages : authApp).fetch(request, env, ctx),
};

const LoginCodeBody = z.object({
  chittyId: z.string().min(1),
  redirectUri: z.string().min(1),
  ageSeconds: z.number().int().min(0).optional(),
});

/** Control routes (`control.emulator/auth/…`): a login code without the browser step. */
export const authControl = new Hono<AppEnv>().basePath('/auth');
authControl.onError((err) => handleError(err));
authControl.notFound(() => notFound());

authControl.post('/login-codes', async (c) => {
  const body = await readBody(c, LoginCodeBody);
  if (body instanceof Response) return body;
  const target = readTarget(body.redirectUri, 'unused');
  if (typeof target === 'string') return badRequest(target);
  const actor = await tokenActor(c.env.EMU_DB, body.chittyId);
  if (!actor) return jsonError(404, 'not_found', { detail: 'no actor with an unrevoked token has that chittyId' });
  const code = await createLoginCode(c.env.EMU_DB, body.chittyId, body.redirectUri, body.ageSeconds);
  return Response.json({ code }, { status: 201 });
});
