/**
 * The MCP way in, end to end with the official SDK client's own OAuth code: 401 with the challenge
 * → protected resource metadata → authorization server metadata → dynamic registration → the
 * authorization page with PKCE (a scripted browser signs in through the emulated ChittyAuth and
 * consents to fewer scopes and a duration) → token → tools/call. The grant is a delegation:
 * it is in the person's delegation tree, its scopes are what the person ticked, and revoking it
 * cuts the agent off at its next call.
 */

import { env, SELF } from 'cloudflare:test';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker';
import { describe, expect, it } from 'vitest';
import { call, registeredActor, type TestActor } from '../helpers/actors';
import { Browser, location, ORIGIN } from '../helpers/browser';
import { callOk } from '../helpers/mcp';

const MCP_URL = new URL(`${ORIGIN}/mcp`);
const REDIRECT = 'http://127.0.0.1:33418/callback';

/** A JSON-RPC ping to /mcp with an OAuth access token. */
function ping(accessToken: string | undefined): Promise<Response> {
  return SELF.fetch(MCP_URL, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
  });
}

/** The person's side, up to the consent page: sign in through ChittyAuth with `person`'s token. */
async function openConsent(person: TestActor, authorizationUrl: URL): Promise<{ browser: Browser; handle: string; html: string }> {
  const browser = new Browser();
  const back = await browser.signInAt(await browser.go(authorizationUrl.toString()), person.token);
  expect(back.status).toBe(302);
  const consent = await browser.go(new URL(location(back), ORIGIN).toString());
  expect(consent.status).toBe(200);
  const html = await consent.text();
  const handle = /name="handle" value="([^"]+)"/.exec(html)?.[1];
  if (!handle) throw new Error(`no consent form:\n${html}`);
  return { browser, handle: handle.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))), html };
}

function decide(browser: Browser, handle: string, decision: 'approve' | 'deny', scopes: string[], seconds: number): Promise<Response> {
  return browser.form(`${ORIGIN}/oauth/authorize`, [
    ['handle', handle],
    ['decision', decision],
    ...scopes.map((s): [string, string] => ['scope', s]),
    ['duration', String(seconds)],
  ]);
}

/** Sign in and consent to `scopes` for `seconds`; returns the code sent to the client's redirect URI. */
async function authorizeAs(
  person: TestActor,
  authorizationUrl: URL,
  scopes: string[],
  seconds: number,
): Promise<{ code: string; consentHtml: string }> {
  const { browser, handle, html } = await openConsent(person, authorizationUrl);
  const approved = await decide(browser, handle, 'approve', scopes, seconds);
  expect(approved.status, await approved.clone().text()).toBe(302);
  const done = new URL(location(approved));
  expect(`${done.origin}${done.pathname}`).toBe(REDIRECT);
  return { code: done.searchParams.get('code') ?? '', consentHtml: html };
}

/** An MCP client app: keeps its registration, tokens and PKCE verifier in memory. */
class App implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Test <Agent>',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

const transportFor = (app: App) =>
  new StreamableHTTPClientTransport(MCP_URL, { authProvider: app, fetch: (url, init) => SELF.fetch(url, init) });
const newClient = () => new Client({ name: 'oauth-test', version: '1.0.0' }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });

describe('OAuth for MCP clients', () => {
  it('publishes both metadata documents, with PKCE S256 and dynamic registration', async () => {
    const prm = (await (await SELF.fetch(`${ORIGIN}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(prm).toMatchObject({ resource: `${ORIGIN}/mcp`, authorization_servers: [ORIGIN] });
    const as = (await (await SELF.fetch(`${ORIGIN}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(as).toMatchObject({
      issuer: ORIGIN,
      authorization_endpoint: `${ORIGIN}/oauth/authorize`,
      token_endpoint: `${ORIGIN}/oauth/token`,
      registration_endpoint: `${ORIGIN}/oauth/register`,
      code_challenge_methods_supported: ['S256'],
      // Client ID Metadata Documents as well as dynamic registration.
      client_id_metadata_document_supported: true,
    });
    expect(as.scopes_supported).toEqual(expect.arrayContaining(['contexts:read', 'contexts:write']));
  });

  it('401 → discovery → registration → sign-in and consent with PKCE → token → tools/call; the grant is a revocable delegation', async () => {
    const person = await registeredActor('human');
    const app = new App();
    const first = newClient();
    await expect(first.connect(transportFor(app))).rejects.toBeInstanceOf(UnauthorizedError);
    expect(app.info?.client_id).toBeTruthy();
    const url = app.authorizationUrl;
    if (!url) throw new Error('the client was not sent to authorize');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('resource')).toBe(`${ORIGIN}/mcp`);

    // The person grants only contexts:read, for one hour; the page escapes the client's name.
    const { code, consentHtml } = await authorizeAs(person, url, ['contexts:read', 'profile:read'], 3600);
    expect(consentHtml).toContain('Test &#60;Agent&#62;');
    expect(consentHtml).toContain('app on your own computer');
    const transport = transportFor(app);
    await transport.finishAuth(code);
    expect(app.saved?.access_token).toContain(':');
    expect(app.saved?.scope?.split(' ').sort()).toEqual(['contexts:read', 'profile:read']);

    const client = newClient();
    await client.connect(transport);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('contexts_list');
    expect(names).not.toContain('contexts_create');
    await expect(callOk(client, 'actors_me')).resolves.toMatchObject({ chittyId: person.chittyId });
    // Beyond the grant: the step-up challenge, not a guess.
    const denied = await SELF.fetch(MCP_URL, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${app.saved?.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'contexts_create', arguments: { name: 'x' } } }),
    });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toContain('scope="contexts:write"');

    // The grant is in the delegation tree: the person's delegation to the client, with the ticked scopes.
    const row = await env.DB.prepare(
      'SELECT token_id, subject, scopes, audience FROM delegations WHERE issuer = ? ORDER BY issued_at DESC LIMIT 1',
    )
      .bind(person.chittyId)
      .first<{ token_id: string; subject: string; scopes: string; audience: string }>();
    expect(row?.subject).toBe(`mcp-client:${app.info?.client_id}`);
    expect(row?.audience).toBe('chittyconnect');
    expect(JSON.parse(row?.scopes ?? '[]').sort()).toEqual(['contexts:read', 'profile:read']);

    // Revoked there: the agent's next call is refused with the 401 challenge.
    const revoked = await call(`/v1/delegate/${row?.token_id}`, person.token, { method: 'DELETE' });
    expect(revoked.status).toBe(204);
    const after = await ping(app.saved?.access_token);
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('resource_metadata=');
    // And the refresh token cannot bring it back.
    const refreshed = await SELF.fetch(`${ORIGIN}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: app.saved?.refresh_token ?? '',
        client_id: app.info?.client_id ?? '',
      }).toString(),
    });
    expect(refreshed.status).toBe(400);
    expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('connected agents: the person sees the client with its scopes and last use; disconnecting it ends its access; others may not', async () => {
    const person = await registeredActor('human');
    const app = new App();
    await expect(newClient().connect(transportFor(app))).rejects.toBeInstanceOf(UnauthorizedError);
    const { code } = await authorizeAs(person, app.authorizationUrl as URL, ['contexts:read', 'profile:read'], 3600);
    const transport = transportFor(app);
    await transport.finishAuth(code);
    const client = newClient();
    await client.connect(transport);
    await callOk(client, 'actors_me');

    interface Listed {
      grantId: string;
      clientId: string;
      clientName: string | null;
      userId: string;
      scopes: string[];
      renewableUntil: string | null;
      delegationId: string | null;
      lastUsedAt: string | null;
    }
    const listed = await call('/v1/agents', person.token);
    expect(listed.status).toBe(200);
    const [agent, ...more] = ((await listed.json()) as { agents: Listed[] }).agents;
    expect(more).toEqual([]);
    expect(agent).toMatchObject({ clientId: app.info?.client_id, clientName: 'Test <Agent>', userId: person.chittyId });
    expect(agent?.scopes.sort()).toEqual(['contexts:read', 'profile:read']);
    expect(agent?.delegationId).toMatch(/^dlg_/);
    expect(Date.parse(agent?.lastUsedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(agent?.renewableUntil ?? '')).toBeGreaterThan(Date.now());

    // Another person sees none of it and cannot disconnect it; an admin can see it by naming the person.
    const other = await registeredActor('human');
    expect(((await (await call('/v1/agents', other.token)).json()) as { agents: Listed[] }).agents).toEqual([]);
    expect((await call(`/v1/agents?user=${person.chittyId}`, other.token)).status).toBe(403);
    expect((await call(`/v1/agents/${agent?.grantId}`, other.token, { method: 'DELETE' })).status).toBe(404);
    const admin = await registeredActor('human', ['admin']);
    const seen = (await (await call(`/v1/agents?user=${person.chittyId}`, admin.token)).json()) as { agents: Listed[] };
    expect(seen.agents.map((a) => a.grantId)).toEqual([agent?.grantId]);

    // Disconnected by the person: its delegation is revoked and its token stops at once.
    expect((await call(`/v1/agents/${agent?.grantId}`, person.token, { method: 'DELETE' })).status).toBe(204);
    const after = await ping(app.saved?.access_token);
    expect(after.status).toBe(401);
    const tree = (await (await call('/v1/delegations', person.token)).json()) as { delegations: { tokenId: string; state: string }[] };
    expect(tree.delegations.find((d) => d.tokenId === agent?.delegationId)?.state).toBe('revoked');
    expect(((await (await call('/v1/agents', person.token)).json()) as { agents: Listed[] }).agents).toEqual([]);
    expect((await call(`/v1/agents/${agent?.grantId}`, person.token, { method: 'DELETE' })).status).toBe(404);
  });

  it('a wrong PKCE verifier gets no token, the right one does, and the code works once', async () => {
    const person = await registeredActor('human');
    const app = new App();
    await expect(newClient().connect(transportFor(app))).rejects.toBeInstanceOf(UnauthorizedError);
    const url = app.authorizationUrl as URL;
    const { code } = await authorizeAs(person, url, ['contexts:read'], 3600);
    const exchange = (verifier: string) =>
      SELF.fetch(`${ORIGIN}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT,
          client_id: app.info?.client_id ?? '',
          code_verifier: verifier,
          resource: `${ORIGIN}/mcp`,
        }).toString(),
      });
    const wrong = await exchange('not-the-verifier-not-the-verifier-not-the-verifier');
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_grant');
    // The right verifier still gets its token (a wrong guess does not burn the code for its owner)…
    const ok = await exchange(app.verifier);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { access_token?: string }).access_token).toContain(':');
    // …and the code works once.
    expect((await exchange(app.verifier)).status).toBe(400);
  });

  it('the consent page offers only what the person holds, refuses anything else, and Deny sends access_denied back', async () => {
    const person = await registeredActor('human');
    const app = new App();
    await expect(newClient().connect(transportFor(app))).rejects.toBeInstanceOf(UnauthorizedError);
    const { browser, handle, html } = await openConsent(person, app.authorizationUrl as URL);
    expect(html).toContain('value="contexts:read"');
    expect(html).not.toContain('value="admin"');
    const refused = await decide(browser, handle, 'approve', ['admin'], 3600);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('You cannot grant admin');
    const badDuration = await decide(browser, handle, 'approve', ['contexts:read'], 12345);
    expect(badDuration.status).toBe(400);
    // Nothing was granted: no delegation to the client.
    const none = await env.DB.prepare('SELECT COUNT(*) AS n FROM delegations WHERE issuer = ?')
      .bind(person.chittyId)
      .first<{ n: number }>();
    expect(none?.n).toBe(0);
    const denied = await decide(browser, handle, 'deny', [], 3600);
    expect(denied.status).toBe(302);
    const back = new URL(location(denied));
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('iss')).toBe(ORIGIN);
  });

  it('a browser that did not start the sign-in cannot finish it', async () => {
    const app = new App();
    await expect(newClient().connect(transportFor(app))).rejects.toBeInstanceOf(UnauthorizedError);
    const started = new Browser();
    const toLogin = await started.go((app.authorizationUrl as URL).toString());
    const state = new URL(location(toLogin)).searchParams.get('state');
    const other = new Browser();
    const res = await other.go(`${ORIGIN}/signin/callback?code=emc_stolen&state=${state}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('another browser');
  });
});
