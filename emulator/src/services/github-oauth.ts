/**
 * GitHub's OAuth web endpoints (host `github.*`, e.g. `github.com`). `POST /login/oauth/access_token`
 * exchanges a code (made by the control surface, `POST /github/oauth-codes`, or by
 * `GET /login/oauth/authorize`) for a user token `ghu_…`. Like GitHub it answers 200 even for
 * errors (`{error: "bad_verification_code" | "incorrect_client_credentials", …}`), JSON when the
 * Accept header asks for it and form-encoded otherwise. Codes are single use and live 10 minutes;
 * they are stored only as SHA-256 hashes. When GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET are set,
 * the client must present them.
 */
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../http';
import { randomHex, sha256Hex } from '../store';
import { issueUserToken } from './github-auth';
import { listInstallations, redeemOAuthCode, storeOAuthCode } from './github-store';

const CODE_SECONDS = 600;
/** The user `GET /login/oauth/authorize` signs in when no `login` is given. */
export const DEFAULT_OAUTH_LOGIN = 'chitty-dev';

/** A fresh code for `login` whose token will see `installationIds`. */
export async function createOAuthCode(db: D1Database, login: string, installationIds: number[]): Promise<string> {
  const code = randomHex(10);
  await storeOAuthCode(db, await sha256Hex(code), login, installationIds, new Date(Date.now() + CODE_SECONDS * 1000).toISOString());
  return code;
}

/** The exchange's parameters from a JSON or form body, falling back to the query string. */
async function exchangeParams(c: Context<AppEnv>): Promise<Record<string, string>> {
  const params: Record<string, string> = { ...c.req.query() };
  const type = c.req.header('content-type') ?? '';
  // Decoded by hand: workerd warns when .text() reads a form-encoded body.
  const text = new TextDecoder().decode(await c.req.arrayBuffer());
  if (text.trim() === '') return params;
  if (type.includes('application/json')) {
    try {
      const body: unknown = JSON.parse(text);
      if (typeof body === 'object' && body !== null) {
        for (const [k, v] of Object.entries(body)) if (typeof v === 'string' || typeof v === 'number') params[k] = String(v);
      }
    } catch {
      // An unparseable body carries no parameters; the exchange then fails on the missing code.
    }
    return params;
  }
  for (const [k, v] of new URLSearchParams(text)) params[k] = v;
  return params;
}

function answer(c: Context<AppEnv>, body: Record<string, string>): Response {
  if ((c.req.header('accept') ?? '').includes('application/json')) return Response.json(body);
  return new Response(new URLSearchParams(body).toString(), {
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  });
}

function absoluteUrl(text: string | undefined): URL | null {
  try {
    return text ? new URL(text) : null;
  } catch {
    return null;
  }
}

const DOCS = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors';

/** The OAuth routes; github-web.ts mounts them on the `github.*` host with the App's pages. */
export const githubOAuthApp = new Hono<AppEnv>();

githubOAuthApp.post('/login/oauth/access_token', async (c) => {
  const params = await exchangeParams(c);
  const { GITHUB_CLIENT_ID: clientId, GITHUB_CLIENT_SECRET: clientSecret } = c.env;
  if ((clientId && params.client_id !== clientId) || (clientSecret && params.client_secret !== clientSecret)) {
    return answer(c, {
      error: 'incorrect_client_credentials',
      error_description: 'The client_id and/or client_secret passed are incorrect.',
      error_uri: `${DOCS}#incorrect-client-credentials`,
    });
  }
  const redeemed = params.code ? await redeemOAuthCode(c.env.EMU_DB, await sha256Hex(params.code)) : null;
  if (!redeemed) {
    return answer(c, {
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
      error_uri: `${DOCS}#bad-verification-code`,
    });
  }
  const token = await issueUserToken(c.env.EMU_DB, redeemed.login, redeemed.installationIds);
  return answer(c, { access_token: token, token_type: 'bearer', scope: '' });
});

/**
 * The browser step, without a browser: redirects straight back to `redirect_uri` with a fresh code
 * (and `state`), as if the user had approved. The user is `login` (default `chitty-dev`) and sees
 * every installation that exists now.
 */
githubOAuthApp.get('/login/oauth/authorize', async (c) => {
  const { client_id: clientId, redirect_uri: redirectUri, state, login } = c.req.query();
  if (c.env.GITHUB_CLIENT_ID && clientId !== c.env.GITHUB_CLIENT_ID) {
    return Response.json({ error: 'unknown_client', detail: 'client_id does not match GITHUB_CLIENT_ID' }, { status: 404 });
  }
  const target = absoluteUrl(redirectUri);
  if (!target) return Response.json({ error: 'redirect_uri_required', detail: 'pass redirect_uri (an absolute URL)' }, { status: 400 });
  const installations = await listInstallations(c.env.EMU_DB);
  const code = await createOAuthCode(
    c.env.EMU_DB,
    login || DEFAULT_OAUTH_LOGIN,
    installations.map((i) => i.id),
  );
  target.searchParams.set('code', code);
  if (state) target.searchParams.set('state', state);
  return new Response(null, { status: 302, headers: { location: target.toString() } });
});
