/**
 * A person signing in through ChittyAuth in a browser (the MCP OAuth consent page needs to know
 * who is granting). `GET /signin/callback` is where ChittyAuth's sign-in page sends the browser
 * back with a one-time code, which is exchanged server to server for the actor who signed in.
 *
 * - The round trip is bound to the browser: a random `state` is both in the link and in a
 *   `__Host-` cookie; the callback is refused unless they match (a code stolen from the URL is
 *   useless in another browser). The state's record (where to return) is in OAUTH_KV under its
 *   SHA-256, single use, 10 minutes.
 * - The session is a random id in a `__Host-` cookie (HttpOnly, Secure, SameSite=Lax); OAUTH_KV holds
 *   who signed in under the id's SHA-256, for 10 minutes: long enough to consent, short enough
 *   that a forgotten browser does not stay signed in. Nothing secret is in a cookie.
 * - ChittyAuth's page (CHITTY_AUTH_LOGIN_URL) on a loopback host — the emulator behind npm start's
 *   /_emulator proxy — is taken on the request's own origin, so the page, the cookies and the
 *   callback share one origin whatever port the browser used.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env';
import { config } from '../config';
import { EcosystemError, EcosystemRejectedError } from '../ecosystem/errors';
import { ecosystemFromEnv } from '../ecosystem/from-env';
import { onRequestOriginIfLoopback } from '../http/loopback';
import { randomId, sha256Hex } from '../lib/crypto';

export const SIGNIN_CALLBACK_PATH = '/signin/callback';
const SESSION_COOKIE = '__Host-cc-session';
const STATE_COOKIE = '__Host-cc-signin';
const TTL_SECONDS = 600;

/** Who signed in: ChittyAuth's answer for them. */
export interface SignedIn {
  principalId: string;
  actorType: 'human' | 'ai' | 'service' | 'system';
  capabilities: string[];
  displayName: string | null;
}

const cookieOptions = { path: '/', httpOnly: true, secure: true, sameSite: 'Lax', maxAge: TTL_SECONDS } as const;

/** The signed-in person of this browser, or null. */
export async function currentSession(c: Context<AppEnv>): Promise<SignedIn | null> {
  const id = getCookie(c, SESSION_COOKIE);
  if (!id || id.length > 100) return null;
  return c.env.OAUTH_KV.get<SignedIn>(`signin-session:${await sha256Hex(id)}`, 'json');
}

/** Sends the browser to ChittyAuth's sign-in page; it comes back to `returnTo` (a path on this origin). */
export async function startSignIn(c: Context<AppEnv>, returnTo: string): Promise<Response> {
  const state = randomId('s', 32);
  await c.env.OAUTH_KV.put(`signin-state:${await sha256Hex(state)}`, JSON.stringify({ returnTo }), { expirationTtl: TTL_SECONDS });
  setCookie(c, STATE_COOKIE, state, cookieOptions);
  const page = onRequestOriginIfLoopback(config(c.env).chittyAuthLoginUrl, c.req.url);
  page.searchParams.set('redirect_uri', new URL(SIGNIN_CALLBACK_PATH, c.req.url).toString());
  page.searchParams.set('state', state);
  c.header('cache-control', 'no-store');
  return c.redirect(page.toString(), 302);
}

/** Why the callback could not sign the browser in; the page says so and offers to start again. */
export class SignInError extends Error {
  constructor(
    readonly status: 400 | 401 | 503,
    message: string,
  ) {
    super(message);
  }
}

/** `GET /signin/callback?code&state`: checks the state, exchanges the code, starts the session; returns where to go. */
export async function finishSignIn(c: Context<AppEnv>): Promise<string> {
  const state = c.req.query('state') ?? '';
  const code = c.req.query('code') ?? '';
  const bound = getCookie(c, STATE_COOKIE);
  deleteCookie(c, STATE_COOKIE, { path: '/', secure: true });
  if (!state || !bound || bound !== state)
    throw new SignInError(400, 'This sign-in was started in another browser, or has expired. Start again.');
  const key = `signin-state:${await sha256Hex(state)}`;
  const started = await c.env.OAUTH_KV.get<{ returnTo: string }>(key, 'json');
  await c.env.OAUTH_KV.delete(key);
  if (!started) throw new SignInError(400, 'This sign-in has expired or was already used. Start again.');
  if (c.req.query('error') || !code) throw new SignInError(401, 'ChittyAuth did not sign you in.');
  let answer: Awaited<ReturnType<ReturnType<typeof ecosystemFromEnv>['auth']['exchangeCode']>>;
  try {
    answer = await ecosystemFromEnv(c.env).auth.exchangeCode(code, new URL(SIGNIN_CALLBACK_PATH, c.req.url).toString());
  } catch (err) {
    if (err instanceof EcosystemRejectedError)
      throw new SignInError(401, 'ChittyAuth refused the sign-in (the code is used or expired). Start again.');
    if (err instanceof EcosystemError) throw new SignInError(503, 'ChittyAuth cannot be reached right now; try again shortly.');
    throw err;
  }
  if (!answer.valid) throw new SignInError(401, 'ChittyAuth refused the sign-in. Start again.');
  const session: SignedIn = {
    principalId: answer.actor.chittyId,
    actorType: answer.actor.type,
    capabilities: answer.actor.capabilities,
    displayName: answer.actor.displayName ?? null,
  };
  const id = randomId('s', 32);
  await c.env.OAUTH_KV.put(`signin-session:${await sha256Hex(id)}`, JSON.stringify(session), { expirationTtl: TTL_SECONDS });
  setCookie(c, SESSION_COOKIE, id, cookieOptions);
  // Only a path on this origin: never an open redirect.
  return started.returnTo.startsWith('/') && !started.returnTo.startsWith('//') ? started.returnTo : '/';
}
