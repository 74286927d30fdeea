/**
 * ChittyAuth's browser sign-in on the emulator (emulator/src/services/auth-login.ts): the page at
 * `GET /v1/login`, the form's `POST /v1/login` that sends the browser back with a one-time code,
 * and the server-to-server `POST /v1/auth/exchange`. Driven over the ECOSYSTEM binding like a
 * browser on auth.chitty.cc, and through the control surface's `/auth.chitty.cc/…` like a browser
 * under `npm start`. The test emulator has DEV_TOKEN set (its value is not visible here); the page
 * without it is served by the same module given an env without DEV_TOKEN.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { loginPages } from '../../emulator/src/services/auth-login';
import { createActor, serviceAuth, serviceToken } from '../helpers/emulator';

const AUTH = 'https://auth.chitty.cc';
const CONTROL = 'http://control.emulator';
const CALLBACK = 'https://connect.test/oauth/callback?client=mcp';

function browse(url: string, init: RequestInit = {}): Promise<Response> {
  return env.ECOSYSTEM.fetch(url, { redirect: 'manual', ...init });
}

function loginUrl(query: Record<string, string>, base = AUTH): string {
  return `${base}/v1/login?${new URLSearchParams(query)}`;
}

function submit(form: Record<string, string>, url = `${AUTH}/v1/login`): Promise<Response> {
  return browse(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

function exchange(body: unknown, authorization: string | null = `Bearer ${serviceToken('auth')}`): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== null) headers.authorization = authorization;
  return browse(`${AUTH}/v1/auth/exchange`, { method: 'POST', headers, body: JSON.stringify(body) });
}

async function validate(token: string): Promise<unknown> {
  const res = await browse(`${AUTH}/v1/auth/validate`, {
    method: 'POST',
    headers: { ...serviceAuth('auth'), 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  return res.json();
}

/** Signs in with `token` and returns the code and state the redirect carries. */
async function signIn(token: string, redirectUri = CALLBACK, state = 'st-1'): Promise<{ code: string; location: URL }> {
  const res = await submit({ token, redirect_uri: redirectUri, state });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location') ?? '');
  return { code: location.searchParams.get('code') ?? '', location };
}

async function control(method: string, path: string, body?: unknown): Promise<Response> {
  return browse(`${CONTROL}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

const CODE = /^emc_[A-Za-z0-9_-]{43}$/;

describe('GET /v1/login (the sign-in page)', () => {
  it('renders the form with every echoed value escaped, strict headers, and the Local Developer button', async () => {
    const redirectUri = 'https://app.test/cb?a=1&b="x"';
    const res = await browse(loginUrl({ redirect_uri: redirectUri, state: 's"<x>&\'' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self' http: https:");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const page = await res.text();
    expect(page).toContain('<title>Sign in to ChittyOS (emulated)</title>');
    expect(page).toContain('<form method="post" action="login">');
    expect(page).toContain('<input type="hidden" name="redirect_uri" value="https://app.test/cb?a=1&amp;b=&quot;x&quot;">');
    expect(page).toContain('<input type="hidden" name="state" value="s&quot;&lt;x&gt;&amp;&#39;">');
    expect(page).not.toContain('<x>');
    expect(page).toMatch(/<input type="password" name="token"[^>]*>/);
    expect(page).toMatch(/<button type="submit">Sign in<\/button>/);
    // The test emulator has DEV_TOKEN.
    expect(page).toMatch(/<button type="submit" name="dev" value="1"[^>]*>Sign in as the Local Developer<\/button>/);
  });

  it('has no Local Developer button without DEV_TOKEN, and refuses dev=1 with 400', async () => {
    // The same module with an env that has no DEV_TOKEN (nor a database: neither answer needs one).
    const query = new URLSearchParams({ redirect_uri: CALLBACK, state: 's' });
    const res = await loginPages.request(`${AUTH}/v1/login?${query}`, {}, {});
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<form method="post" action="login">');
    expect(page).not.toContain('name="dev"');
    const dev = await loginPages.request(
      `${AUTH}/v1/login`,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `dev=1&${query}` },
      {},
    );
    expect(dev.status).toBe(400);
    expect(dev.headers.get('location')).toBeNull();
    expect(await dev.text()).toContain('DEV_TOKEN');
  });

  it('answers a missing, relative or non-http(s) redirect_uri, or a missing state, with a 400 page and never a redirect', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ state: 's' }, 'redirect_uri is missing'],
      [{ redirect_uri: '/oauth/callback', state: 's' }, 'absolute http(s) URL'],
      [{ redirect_uri: 'javascript:alert(1)', state: 's' }, 'absolute http(s) URL'],
      [{ redirect_uri: 'ftp://files.test/x', state: 's' }, 'absolute http(s) URL'],
      [{ redirect_uri: 'https://app.test/cb#frag', state: 's' }, 'fragment'],
      [{ redirect_uri: CALLBACK }, 'state is missing'],
      [{ redirect_uri: CALLBACK, state: '' }, 'state is missing'],
    ];
    for (const [query, message] of cases) {
      const res = await browse(loginUrl(query));
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain(message);
    }
  });
});

describe('POST /v1/login and POST /v1/auth/exchange', () => {
  it('a valid token redirects with code and state (keeping the query); the code exchanges once for the validated actor', async () => {
    const created = await control('POST', '/actors', {
      type: 'ai',
      capabilities: ['contexts:read'],
      displayName: 'Login <Bot>',
      email: 'bot@example.test',
    });
    const actor = (await created.json()) as { chittyId: string; token: string };
    const res = await submit({ token: actor.token, redirect_uri: CALLBACK, state: 'st "1"' });
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('https://connect.test/oauth/callback');
    expect(location.searchParams.get('client')).toBe('mcp');
    expect(location.searchParams.get('state')).toBe('st "1"');
    const code = location.searchParams.get('code') ?? '';
    expect(code).toMatch(CODE);
    const body = await res.text();
    expect(body).toContain('Login &lt;Bot&gt;');
    expect(body).toContain(`href="${location.toString().replaceAll('&', '&amp;')}"`);

    // Stored only as its SHA-256.
    const state = (await (await control('GET', '/state/auth')).json()) as { login_codes: Record<string, unknown>[] };
    const row = state.login_codes.find((r) => r.chitty_id === actor.chittyId);
    expect(row).toMatchObject({ hash: await sha256Hex(code), chitty_id: actor.chittyId, redirect_uri: CALLBACK, used_at: null });
    expect(JSON.stringify(state.login_codes)).not.toContain(code);

    const first = await exchange({ code, redirect_uri: CALLBACK });
    expect(first.status).toBe(200);
    const exchanged = (await first.json()) as { valid: boolean; actor: Record<string, unknown> };
    expect(exchanged).toEqual(await validate(actor.token));
    expect(exchanged.actor).toEqual({
      chittyId: actor.chittyId,
      type: 'ai',
      capabilities: ['contexts:read'],
      displayName: 'Login <Bot>',
      email: 'bot@example.test',
    });

    const second = await exchange({ code, redirect_uri: CALLBACK });
    expect(second.status).toBe(400);
    expect(await second.json()).toEqual({ error: 'invalid_grant', error_description: 'the code has already been used' });
  });

  it('a redirect_uri other than the code was issued for is invalid_grant (and does not use the code up)', async () => {
    const actor = await createActor('human');
    const { code } = await signIn(actor.token);
    for (const other of ['https://connect.test/oauth/callback', 'https://evil.test/oauth/callback?client=mcp', `${CALLBACK}&x=1`]) {
      const res = await exchange({ code, redirect_uri: other });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('redirect_uri') });
    }
    expect((await exchange({ code, redirect_uri: CALLBACK })).status).toBe(200);
  });

  it('an unknown code is invalid_grant; a body without code is a 400 bad_request', async () => {
    const res = await exchange({ code: 'emc_nope', redirect_uri: CALLBACK });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: 'unknown code' });
    const missing = await exchange({ redirect_uri: CALLBACK });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toBe('bad_request');
  });

  it('an API key, a revoked token, an unknown or empty token: 401 and the page again, no code', async () => {
    const owner = await createActor('human');
    const provisioned = await browse(`${AUTH}/v1/keys/provision`, {
      method: 'POST',
      headers: { ...serviceAuth('auth'), 'content-type': 'application/json' },
      body: JSON.stringify({ chittyId: owner.chittyId, scopes: ['contexts:read'] }),
    });
    const { apiKey } = (await provisioned.json()) as { apiKey: string };
    expect(await validate(apiKey)).toMatchObject({ valid: true }); // a live credential, but not a sign-in token

    const revoked = await createActor('human');
    expect((await control('DELETE', `/actors/${revoked.chittyId}/tokens`)).status).toBe(204);

    for (const token of [apiKey, revoked.token, 'emu_unknown', '']) {
      const res = await submit({ token, redirect_uri: CALLBACK, state: 'st<2>' });
      expect(res.status, token).toBe(401);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      const page = await res.text();
      expect(page).toContain('That token is not valid.');
      expect(page).toContain('<form method="post" action="login">');
      expect(page).toContain('name="state" value="st&lt;2&gt;"');
      expect(page).not.toContain('emc_');
    }
  });

  it('the form is refused with a 400 page, never a redirect, when redirect_uri or state is bad', async () => {
    const actor = await createActor('human');
    const forms: Record<string, string>[] = [
      { token: actor.token, redirect_uri: '/relative', state: 's' },
      { token: actor.token, redirect_uri: 'data:text/html,hi', state: 's' },
      { token: actor.token, redirect_uri: CALLBACK },
    ];
    for (const form of forms) {
      const res = await submit(form);
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    }
  });

  it('"Sign in as the Local Developer" signs in the DEV_TOKEN actor', async () => {
    const signedIn = await submit({ dev: '1', token: '', redirect_uri: CALLBACK, state: 'dev' });
    expect(signedIn.status).toBe(302);
    const location = new URL(signedIn.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe('dev');
    const res = await exchange({ code: location.searchParams.get('code'), redirect_uri: CALLBACK });
    expect(res.status).toBe(200);
    const { actor } = (await res.json()) as { actor: Record<string, unknown> };
    expect(actor).toMatchObject({ type: 'human', capabilities: ['admin'], displayName: 'Local Developer' });
  });

  it('the exchange demands the ChittyAuth service token, as validate does, and leaves the code usable', async () => {
    const actor = await createActor('human');
    const { code } = await signIn(actor.token);
    for (const authorization of [null, `Bearer ${actor.token}`, `Bearer ${serviceToken('id')}`]) {
      const res = await exchange({ code, redirect_uri: CALLBACK }, authorization);
      const same = await browse(`${AUTH}/v1/auth/validate`, {
        method: 'POST',
        headers: authorization === null ? {} : { authorization },
        body: JSON.stringify({ token: actor.token }),
      });
      expect(res.status).toBe(401);
      expect(same.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('unauthorized');
    }
    expect((await exchange({ code, redirect_uri: CALLBACK })).status).toBe(200);
  });

  it('a code older than 5 minutes is invalid_grant (one made by the control surface, backdated)', async () => {
    const actor = await createActor('human');
    const make = async (ageSeconds: number) => {
      const res = await control('POST', '/auth/login-codes', { chittyId: actor.chittyId, redirectUri: CALLBACK, ageSeconds });
      expect(res.status).toBe(201);
      const { code } = (await res.json()) as { code: string };
      expect(code).toMatch(CODE);
      return code;
    };
    const old = await exchange({ code: await make(301), redirect_uri: CALLBACK });
    expect(old.status).toBe(400);
    expect(await old.json()).toEqual({ error: 'invalid_grant', error_description: 'the code has expired' });
    expect((await exchange({ code: await make(280), redirect_uri: CALLBACK })).status).toBe(200);
    expect((await control('POST', '/auth/login-codes', { chittyId: 'nobody', redirectUri: CALLBACK })).status).toBe(404);
    expect((await control('POST', '/auth/login-codes', { chittyId: actor.chittyId, redirectUri: '/cb' })).status).toBe(400);
  });

  it("a code whose actor's tokens were revoked since is invalid_grant", async () => {
    const actor = await createActor('human');
    const { code } = await signIn(actor.token);
    expect((await control('DELETE', `/actors/${actor.chittyId}/tokens`)).status).toBe(204);
    const res = await exchange({ code, redirect_uri: CALLBACK });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: "the actor's tokens have been revoked" });
  });
});

describe('through the control surface (/_emulator/auth.chitty.cc/… under npm start)', () => {
  it('serves the page with its headers, takes its relative form, and answers the redirect as is', async () => {
    const pageUrl = loginUrl({ redirect_uri: CALLBACK, state: 'proxied' }, `${CONTROL}/auth.chitty.cc`);
    const res = await browse(pageUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await res.text()).toContain('<form method="post" action="login">');
    // Where a browser on the main worker sends the form.
    const action = new URL('login', 'http://localhost:8787/_emulator/auth.chitty.cc/v1/login?state=proxied');
    expect(action.pathname).toBe('/_emulator/auth.chitty.cc/v1/login');

    const actor = await createActor('human');
    const posted = await submit({ token: actor.token, redirect_uri: CALLBACK, state: 'proxied' }, `${CONTROL}/auth.chitty.cc/v1/login`);
    expect(posted.status).toBe(302);
    const next = new URL(posted.headers.get('location') ?? '');
    // The body moves on too (a meta refresh to the same URL), for a client that loses the Location header.
    const refresh = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(await posted.text())?.[1] ?? '';
    expect(refresh.replaceAll('&amp;', '&')).toBe(next.toString());
    expect(next.searchParams.get('state')).toBe('proxied');
    const exchanged = await exchange({ code: next.searchParams.get('code'), redirect_uri: CALLBACK });
    expect(exchanged.status).toBe(200);
    expect(((await exchanged.json()) as { actor: { chittyId: string } }).actor.chittyId).toBe(actor.chittyId);
  });
});
