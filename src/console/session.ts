/**
 * The console's session. Signing in (through ChittyAuth, src/signin) issues a delegation from the
 * operator to `console` with exactly their own capabilities, for 8 hours: every page reads the API
 * with that token, so what an operator sees and may do is what the API lets them, the session shows
 * in their delegation tree, and revoking it (or signing out) ends it at the next click.
 *
 * The browser holds only a random id in a `__Host-` cookie (HttpOnly, Secure, SameSite=Lax);
 * OAUTH_KV keeps the session under the id's SHA-256 until the delegation expires. Each session
 * has its own CSRF token, which every form that changes something carries (see routes.ts).
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env';
import { ADMIN, covers } from '../auth/capabilities';
import { issueDelegation } from '../delegation/service';
import { randomId, sha256Hex } from '../lib/crypto';
import { signedInPerson } from '../signin/person';
import type { SignedIn } from '../signin/session';

const COOKIE = '__Host-cc-console';
/** How long a console session lasts, signed in or not in between. */
export const CONSOLE_SESSION_SECONDS = 8 * 3600;
/** The delegation's subject: what the operator's tree shows for a console session. */
export const CONSOLE_SUBJECT = 'console';

export interface ConsoleSession {
  /** The delegation token the pages read the API with (never leaves the server). */
  token: string;
  tokenId: string;
  chittyId: string;
  name: string;
  capabilities: string[];
  csrf: string;
  expiresAt: string;
}

const key = async (id: string) => `console-session:${await sha256Hex(id)}`;

/** This browser's console session, or null (none, expired, or the cookie is not ours). */
export async function consoleSession(c: Context<AppEnv>): Promise<ConsoleSession | null> {
  const id = getCookie(c, COOKIE);
  if (!id || id.length > 100) return null;
  const session = await c.env.OAUTH_KV.get<ConsoleSession>(await key(id), 'json');
  if (!session || Date.parse(session.expiresAt) <= Date.now()) return null;
  return session;
}

export const isAdmin = (s: ConsoleSession) => covers(s.capabilities, ADMIN);

/** Opens a console session for the person who just signed in: their delegation, the cookie. */
export async function openConsoleSession(c: Context<AppEnv>, who: SignedIn): Promise<void> {
  const { principal, actor } = await signedInPerson(c.env, who);
  const { token, claims } = await issueDelegation(
    c.env,
    { principal, actor },
    { subject: CONSOLE_SUBJECT, audience: 'chittyconnect', scopes: principal.capabilities, expiresIn: CONSOLE_SESSION_SECONDS },
  );
  const session: ConsoleSession = {
    token,
    tokenId: claims.tokenId,
    chittyId: actor.chittyId,
    name: actor.displayName ?? actor.chittyId,
    capabilities: claims.scopes,
    csrf: randomId('csrf', 32),
    expiresAt: new Date(claims.expiresAt * 1000).toISOString(),
  };
  const id = randomId('cs', 32);
  await c.env.OAUTH_KV.put(await key(id), JSON.stringify(session), { expirationTtl: CONSOLE_SESSION_SECONDS });
  setCookie(c, COOKIE, id, { path: '/', httpOnly: true, secure: true, sameSite: 'Lax', maxAge: CONSOLE_SESSION_SECONDS });
}

/** Ends this browser's session (the caller revokes its delegation). */
export async function closeConsoleSession(c: Context<AppEnv>): Promise<void> {
  const id = getCookie(c, COOKIE);
  if (id && id.length <= 100) await c.env.OAUTH_KV.delete(await key(id));
  deleteCookie(c, COOKIE, { path: '/', secure: true });
}
