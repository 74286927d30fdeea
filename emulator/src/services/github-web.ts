/**
 * GitHub's web host (`github.*`, e.g. `github.com`): the OAuth endpoints (github-oauth.ts) and the
 * App's pages a person sees in the browser, so the install → setup-URL loop runs offline:
 *   GET  /apps/:slug                            the App's public page, with an "Install" link
 *   GET  /apps/:slug/installations/new?state=…  the accounts it can be installed on (those with an
 *                                               installation, plus the user `chitty-dev`), each with
 *                                               its repositories and an "Install" button; a field
 *                                               for any other account
 *   POST /apps/:slug/installations/new          (form: account, state) creates the installation
 *                                               (a new account gets `<login>/hello-world`) or reuses
 *                                               the account's live one, then 302s to the App's setup
 *                                               URL `?installation_id=…&setup_action=install|update&state=…`
 *                                               and, when the App has OAuth credentials, `&code=…`
 *                                               for `chitty-dev`, who can manage every installation.
 * Links are relative, and the setup URL defaults to the path `/integrations/github/callback`, so
 * the pages also work behind `npm start`'s `/_emulator/github.com/…` proxy on any port (where the
 * redirect becomes a page that moves on by itself: `forProxy`).
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { AppEnv } from '../http';
import { nowIso } from '../store';
import { renderGitHubError } from './github-http';
import { createOAuthCode, DEFAULT_OAUTH_LOGIN, githubOAuthApp } from './github-oauth';
import { type Installation, listInstallations, listRepositories, putInstallation, SEED_INSTALLATION } from './github-store';
import { APP_NAME, APP_SLUG } from './github-views';

/** Where GitHub sends the person after installing, when GITHUB_APP_SETUP_URL is unset (the manifest's setup_url path). */
export const DEFAULT_SETUP_URL = '/integrations/github/callback';
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

async function page(title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>, status = 200, next?: string): Promise<Response> {
  const refresh = next ? html`<meta http-equiv="refresh" content="0;url=${next}">` : '';
  const text = await html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">${refresh}<title>${title} · GitHub (emulated)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
.account{border:1px solid #d1d9e0;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}button{font:inherit}</style>
</head><body><p><small>Emulated GitHub · no real account is involved</small></p>${body}</body></html>`;
  return new Response(String(text), { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });
}

const notFoundPage = () => page('Not Found', html`<h1>404</h1><p>This is not a web page of the emulated GitHub.</p>`, 404);

/** One installable account: its live installation (if any) and the repositories it would see. */
interface Candidate {
  login: string;
  type: 'Organization' | 'User';
  installation: Installation | null;
  repositories: string[];
}

async function candidates(db: D1Database): Promise<Candidate[]> {
  const live = await listInstallations(db);
  const list: Candidate[] = [];
  for (const inst of live) {
    if (list.some((c) => c.login.toLowerCase() === inst.accountLogin.toLowerCase())) continue;
    const repositories = (await listRepositories(db, inst.id)).map((r) => r.fullName);
    list.push({ login: inst.accountLogin, type: inst.accountType, installation: inst, repositories });
  }
  if (!list.some((c) => c.login === DEFAULT_OAUTH_LOGIN)) {
    list.unshift({ login: DEFAULT_OAUTH_LOGIN, type: 'User', installation: null, repositories: [`${DEFAULT_OAUTH_LOGIN}/hello-world`] });
  }
  return list;
}

/** The account's live installation, or a new one with one repository. */
async function installOn(db: D1Database, login: string): Promise<{ installation: Installation; created: boolean }> {
  const live = await listInstallations(db);
  const existing = live.find((i) => i.accountLogin.toLowerCase() === login.toLowerCase());
  if (existing) return { installation: existing, created: false };
  const now = nowIso();
  const installation: Installation = {
    id: 10_000_000 + Math.floor(Math.random() * 90_000_000),
    accountLogin: login,
    accountId: 10_000_000 + Math.floor(Math.random() * 90_000_000),
    accountType: login === DEFAULT_OAUTH_LOGIN ? 'User' : 'Organization',
    repositorySelection: 'selected',
    permissions: SEED_INSTALLATION.permissions,
    events: SEED_INSTALLATION.events,
    createdAt: now,
    updatedAt: now,
    suspendedAt: null,
    deletedAt: null,
  };
  await putInstallation(db, installation, [{ id: 100_000_000 + Math.floor(Math.random() * 90_000_000), fullName: `${login}/hello-world` }]);
  return { installation, created: true };
}

/** The form fields of a urlencoded body (decoded by hand: workerd warns when .text() reads a form body). */
async function formFields(request: Request): Promise<URLSearchParams> {
  return new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
}

const installPages = new Hono<AppEnv>();

installPages.get('/apps/:slug', (c) => {
  if (c.req.param('slug') !== APP_SLUG) return notFoundPage();
  return page(
    APP_NAME,
    html`<h1>${APP_NAME}</h1><p>ChittyConnect, emulated locally: pull request summaries and every repository event in ChittyOS.</p>
<p><a href="${APP_SLUG}/installations/new">Install</a></p>`,
  );
});

installPages.get('/apps/:slug/installations/new', async (c) => {
  if (c.req.param('slug') !== APP_SLUG) return notFoundPage();
  const state = c.req.query('state') ?? '';
  const accounts = await candidates(c.env.EMU_DB);
  const form = (login: string, label: string) =>
    html`<form method="post" action="new"><input type="hidden" name="state" value="${state}"><input type="hidden" name="account" value="${login}"><button type="submit">${label}</button></form>`;
  return page(
    `Install ${APP_NAME}`,
    html`<h1>Install ${APP_NAME}</h1><p>Where do you want to install it?</p>
${accounts.map(
  (
    a,
  ) => html`<div class="account"><h2>${a.login} <small>(${a.type}${a.installation ? `, installation ${a.installation.id}` : ''})</small></h2>
<p>Repositories: ${a.repositories.join(', ') || 'none'}</p>${form(a.login, a.installation ? `Install (update installation ${a.installation.id})` : `Install on ${a.login}`)}</div>`,
)}
<form method="post" action="new" class="account"><input type="hidden" name="state" value="${state}">
<label>Another account: <input name="account" required pattern="[A-Za-z0-9][A-Za-z0-9-]{0,38}"></label> <button type="submit">Install</button></form>`,
  );
});

installPages.post('/apps/:slug/installations/new', async (c) => {
  if (c.req.param('slug') !== APP_SLUG) return notFoundPage();
  const form = await formFields(c.req.raw);
  const login = form.get('account') ?? '';
  if (!LOGIN.test(login)) return page('Invalid account', html`<p>Give an account login (letters, digits and dashes).</p>`, 422);
  const { installation, created } = await installOn(c.env.EMU_DB, login);
  const target = new URL(c.env.GITHUB_APP_SETUP_URL || DEFAULT_SETUP_URL, 'http://relative.invalid');
  target.searchParams.set('installation_id', String(installation.id));
  target.searchParams.set('setup_action', created ? 'install' : 'update');
  const state = form.get('state');
  if (state) target.searchParams.set('state', state);
  if (c.env.GITHUB_CLIENT_ID && c.env.GITHUB_CLIENT_SECRET) {
    // "Request user authorization (OAuth) during installation": the installing person is chitty-dev.
    const ids = (await listInstallations(c.env.EMU_DB)).map((i) => i.id);
    target.searchParams.set('code', await createOAuthCode(c.env.EMU_DB, DEFAULT_OAUTH_LOGIN, ids));
  }
  const location = target.origin === 'http://relative.invalid' ? `${target.pathname}${target.search}` : target.toString();
  // The body is for clients that do not follow the redirect (or lose the Location header on the way).
  const res = await page(
    'Installed',
    html`<p>Installed on ${login}. <a href="${location}">Continue to ${APP_NAME}</a>.</p>`,
    302,
    location,
  );
  res.headers.set('location', location);
  return res;
});

/**
 * For the pages reached through the main worker's `/_emulator` proxy (`npm start`): the proxy's
 * fetch follows redirects itself, so a redirect is answered as its page (200), whose meta refresh
 * and link send the browser on from its own origin.
 */
export function forProxy(res: Response): Response {
  if (res.status < 300 || res.status >= 400) return res;
  return new Response(res.body, {
    status: 200,
    headers: { 'content-type': res.headers.get('content-type') ?? 'text/html; charset=utf-8' },
  });
}

/** The whole `github.*` host. */
export const githubWebApp = new Hono<AppEnv>().route('/', githubOAuthApp).route('/', installPages);
githubWebApp.notFound(() => Response.json({ error: 'Not Found' }, { status: 404 }));
githubWebApp.onError((err) => renderGitHubError(err));
