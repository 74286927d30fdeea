/**
 * The MCP server's OAuth 2.1 authorization server, with @cloudflare/workers-oauth-provider: RFC 8414
 * metadata, dynamic client registration (RFC 7591), PKCE (S256 only), the token endpoint with
 * refresh rotation and RFC 7009 revocation — all the library's. Ours is the authorization page:
 *
 * 1. `GET /oauth/authorize`: the library validates the request (client, redirect URI, PKCE,
 *    resource). A browser not signed in goes to ChittyAuth first (signin/session.ts) and comes back.
 * 2. The consent page names the client, where access goes (its redirect host, with a warning for a
 *    local app), and offers exactly the scopes the person holds that a tool or resource needs —
 *    those the client asked for ticked — and how long: 1 hour, 8 hours or 24 hours.
 * 3. `POST /oauth/authorize` (the library's handle + browser-bound cookie make it unforgeable and
 *    single use): **the grant is a delegation**. The person delegates the chosen scopes to the
 *    client (subject `mcp-client:<client id>`, audience `chittyconnect`) for the chosen time; the
 *    delegation token is the grant's encrypted props. An access token is good only while that
 *    delegation is: /mcp swaps it for the delegation token, which is checked on every call, so
 *    revoking the delegation in the tree cuts the agent off at its next call, and a refresh after
 *    it is refused.
 */

import type { ConsentDescription, OAuthAuthorizationServer, TokenExchangeCallbackOptions } from '@cloudflare/workers-oauth-provider';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { covers } from '../auth/capabilities';
import type { Principal } from '../auth/principal';
import { config } from '../config';
import { issueDelegation } from '../delegation/service';
import { checkDelegationToken } from '../delegation/verify';
import type { Env } from '../env';
import { signedInPerson } from '../signin/person';
import { currentSession, finishSignIn, SIGNIN_CALLBACK_PATH, SignInError, startSignIn } from '../signin/session';
import { consentPage, messagePage } from './oauth-views';

export const AUTHORIZE_PATH = '/oauth/authorize';
export const TOKEN_PATH = '/oauth/token';
export const REGISTER_PATH = '/oauth/register';

/** How long a grant may last: the person picks one (seconds; the delegation caps it at 24 h). */
export const GRANT_DURATIONS = [
  { seconds: 3600, label: '1 hour' },
  { seconds: 8 * 3600, label: '8 hours' },
  { seconds: 24 * 3600, label: '24 hours' },
] as const;
const ACCESS_TOKEN_SECONDS = 3600;
const MAX_GRANT_SECONDS = 24 * 3600;

/** What a grant carries (encrypted by the library; the handler sees it after a token is validated). */
export interface GrantProps {
  delegationToken: string;
  delegationId: string;
  /** Epoch seconds when the delegation, and so the grant, ends. */
  expiresAt: number;
}

let cached: { key: string; server: OAuthAuthorizationServer<Env> } | undefined;

type Library = typeof import('@cloudflare/workers-oauth-provider');
let library: Promise<Library> | undefined;
/** The OAuth library, loaded on first use: isolates that never see OAuth do not evaluate it. */
function oauthLibrary(): Promise<Library> {
  library ??= import('@cloudflare/workers-oauth-provider');
  return library;
}

/** The public origin (SERVICE_URL's, else the request's): the issuer, and the resource is `<origin>/mcp`. */
export function publicOrigin(env: Env, requestUrl: string): string {
  return new URL(config(env).serviceUrl ?? requestUrl).origin;
}

/** The authorization server for this origin and scope catalogue (built once per isolate). */
export async function authorizationServer(origin: string, scopes: readonly string[]): Promise<OAuthAuthorizationServer<Env>> {
  const key = `${origin} ${scopes.join(' ')}`;
  if (cached?.key !== key) {
    const { OAuthAuthorizationServer } = await oauthLibrary();
    cached = {
      key,
      server: new OAuthAuthorizationServer<Env>({
        issuer: origin,
        resources: [`${origin}/mcp`],
        authorizeEndpoint: AUTHORIZE_PATH,
        tokenEndpoint: TOKEN_PATH,
        clientRegistrationEndpoint: REGISTER_PATH,
        // Clients may also name themselves by a URL serving their metadata (CIMD), as current MCP clients do.
        clientIdMetadataDocumentEnabled: true,
        scopesSupported: [...scopes],
        accessTokenTTL: ACCESS_TOKEN_SECONDS,
        refreshTokenTTL: MAX_GRANT_SECONDS,
        tokenExchangeCallback: grantLifetime,
      }),
    };
  }
  return cached.server;
}

/**
 * Each grant lives as long as its delegation: tokens never outlive it, and a refresh after the
 * delegation was revoked or expired ends the grant (invalid_grant), so the client asks again.
 */
async function grantLifetime(options: TokenExchangeCallbackOptions<Env>) {
  const { OAuthError } = await oauthLibrary();
  const props = options.props as GrantProps;
  const left = props.expiresAt - Math.floor(Date.now() / 1000);
  if (options.grantType === 'refresh_token') {
    const check = await checkDelegationToken(options.env, props.delegationToken, { audience: 'chittyconnect' });
    if (!check.valid || left < 60)
      throw new OAuthError('invalid_grant', { description: 'The delegation behind this grant was revoked or has expired.' });
  }
  if (left < 60) throw new OAuthError('invalid_grant', { description: 'The delegation behind this grant has expired.' });
  return { accessTokenTTL: Math.min(ACCESS_TOKEN_SECONDS, left), refreshTokenTTL: left };
}

/** The person as a principal with their full ChittyAuth session rights, registered as an actor if they were not. */
/** The scopes the page offers: those a tool or resource needs that the person holds. */
function offered(catalogue: readonly string[], person: Principal): string[] {
  return catalogue.filter((s) => covers(person.capabilities, s));
}

function html(body: string, status: 200 | 400 | 401 | 403 | 503, headers?: Headers): Response {
  const h = headers ?? new Headers();
  h.set('content-type', 'text/html; charset=utf-8');
  h.set('cache-control', 'no-store');
  h.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
  h.set('x-frame-options', 'DENY');
  return new Response(body, { status, headers: h });
}

/** An AuthorizationError: back to the client when its redirect URI is trusted, else a page here. */
function authorizationFailure(err: InstanceType<Library['AuthorizationError']>): Response {
  if (err.redirectTo) return Response.redirect(err.redirectTo, 302);
  return html(messagePage('This authorization cannot go on', err.description ?? err.message), 400);
}

export function mountOAuth(app: OpenAPIHono<AppEnv>, scopes: () => readonly string[]): void {
  const server = (c: Context<AppEnv>) => authorizationServer(publicOrigin(c.env, c.req.url), scopes());
  // The library is typed against a newer ExecutionContext (with `tracing`); the runtime's is the same object.
  const served = async (c: Context<AppEnv>) =>
    (await server(c)).fetch(c.req.raw, c.env, c.executionCtx as unknown as Parameters<OAuthAuthorizationServer<Env>['fetch']>[2]);

  app.get('/.well-known/oauth-authorization-server', served);
  app.post(TOKEN_PATH, served);
  app.post(REGISTER_PATH, served);

  app.get(SIGNIN_CALLBACK_PATH, async (c) => {
    try {
      return c.redirect(await finishSignIn(c), 302);
    } catch (err) {
      if (!(err instanceof SignInError)) throw err;
      return html(messagePage('Sign-in failed', err.message), err.status);
    }
  });

  app.get(AUTHORIZE_PATH, async (c) => {
    const { AuthorizationError } = await oauthLibrary();
    const oauth = (await server(c)).getOAuthApi(c.env);
    let request: Awaited<ReturnType<typeof oauth.parseAuthRequest>>;
    let details: ConsentDescription;
    try {
      request = await oauth.parseAuthRequest(c.req.raw);
      details = await oauth.describeConsent(request);
    } catch (err) {
      if (err instanceof AuthorizationError) return authorizationFailure(err);
      throw err;
    }
    const who = await currentSession(c);
    if (!who) {
      const here = new URL(c.req.url);
      return startSignIn(c, `${here.pathname}${here.search}`);
    }
    const { principal } = await signedInPerson(c.env, who);
    const choices = offered(scopes(), principal);
    if (choices.length === 0) return html(messagePage('Nothing to grant', 'You hold none of the scopes the MCP tools need.'), 403);
    const consent = await oauth.beginConsent(request);
    return html(
      consentPage({
        details,
        person: who.displayName ?? principal.chittyId,
        choices,
        requested: request.scope,
        handle: consent.handle,
        durations: GRANT_DURATIONS,
      }),
      200,
      consent.headers,
    );
  });

  app.post(AUTHORIZE_PATH, async (c) => {
    const { AuthorizationError } = await oauthLibrary();
    const oauth = (await server(c)).getOAuthApi(c.env);
    const who = await currentSession(c);
    if (!who) return html(messagePage('Signed out', 'Your sign-in expired. Start the authorization again from your app.'), 401);
    const form = await c.req.formData();
    const handle = String(form.get('handle') ?? '');
    try {
      if (form.get('decision') !== 'approve') {
        const denied = await oauth.denyConsent(c.req.raw, handle);
        return new Response(null, { status: 302, headers: denied.headers });
      }
      const { principal, actor } = await signedInPerson(c.env, who);
      const chosen = form.getAll('scope').map(String);
      const allowed = offered(scopes(), principal);
      const refused = chosen.filter((s) => !allowed.includes(s));
      if (chosen.length === 0 || refused.length > 0) {
        return html(
          messagePage('Choose what to grant', refused.length ? `You cannot grant ${refused.join(', ')}.` : 'Tick at least one scope.'),
          400,
        );
      }
      const seconds = Number(form.get('duration'));
      const duration = GRANT_DURATIONS.find((d) => d.seconds === seconds);
      if (!duration) return html(messagePage('Choose for how long', 'Pick one of the offered durations.'), 400);
      const approved = await oauth.approveConsent(c.req.raw, handle, { scope: chosen });
      const client = approved.request.clientId.replace(/[^A-Za-z0-9._:@-]/g, '-').slice(0, 100);
      const { token, claims } = await issueDelegation(
        c.env,
        { principal, actor },
        {
          subject: `mcp-client:${client}`,
          audience: 'chittyconnect',
          scopes: chosen,
          expiresIn: duration.seconds,
        },
      );
      const props: GrantProps = { delegationToken: token, delegationId: claims.tokenId, expiresAt: claims.expiresAt };
      const { redirectTo } = await oauth.completeAuthorization({
        request: approved.request,
        userId: principal.chittyId,
        metadata: { delegationId: claims.tokenId, clientId: approved.request.clientId, grantedAt: new Date().toISOString() },
        scope: chosen,
        props,
      });
      approved.headers.set('location', redirectTo);
      return new Response(null, { status: 302, headers: approved.headers });
    } catch (err) {
      if (err instanceof AuthorizationError)
        return html(messagePage('This authorization cannot go on', err.description ?? err.message), 400);
      throw err;
    }
  });
}

/** The delegation behind an OAuth access token for /mcp (its token and id), or null when the token is not valid here. */
export async function delegationForAccessToken(
  env: Env,
  origin: string,
  scopes: readonly string[],
  token: string,
): Promise<{ token: string; id: string } | null> {
  const validated = await (await authorizationServer(origin, scopes)).validateToken<GrantProps>(`${origin}/mcp`, token, env);
  return validated ? { token: validated.props.delegationToken, id: validated.props.delegationId } : null;
}
