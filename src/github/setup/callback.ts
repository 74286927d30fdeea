/**
 * The App's setup flow, in the browser:
 *   GET /integrations/github/install   sets a signed one-time `state` cookie and sends the person
 *                                      to GitHub's install page with that state
 *   GET /integrations/github/callback  where GitHub sends them back (the manifest's setup URL)
 * The callback trusts nothing in its query (anyone can call it with any id): the installation is
 * looked up with the App JWT (an unknown or forged id is refused), and when GitHub also sends an
 * OAuth `code` (user authorization during installation is on), the `state` must match the cookie
 * and the code is exchanged for a user token that must see the installation. It then registers the
 * installation (installations.ts; the OAuth check is in oauth.ts, the pages in views.ts), fetches its repositories with an installation token (cached in
 * TOKEN_KV), logs `github.app.installed` to Chronicle once, and renders a page — with the
 * installation's details only for a user GitHub confirmed. Without a code, an installation already
 * registered costs no outbound call. A replayed callback changes nothing: every step is idempotent.
 */

import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { RequestError } from '@octokit/request-error';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { getSignedCookie, setSignedCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { AppEnv } from '../../app-env';
import { config } from '../../config';
import { EcosystemError } from '../../ecosystem/errors';
import { ecosystemFromEnv } from '../../ecosystem/from-env';
import type { Env } from '../../env';
import { onRequestOriginIfLoopback } from '../../http/loopback';
import { consoleLogger } from '../../lib/log';
import { describeGitHubError, GitHubNotConfigured, githubClient } from '../client/api';
import { installedEventId, isRegistered } from '../store/installations';
import { type GitHubInstallation, registerInstallation } from './installations';
import { checkUser } from './oauth';
import { failure, type Html, installationDetails, page, Refused } from './views';

export const CALLBACK_PATH = '/integrations/github/callback';
export const INSTALL_PATH = '/integrations/github/install';
const STATE_COOKIE = 'gh_install_state';
const STATE_TTL_SECONDS = 10 * 60;
const MAX_REPOSITORIES = 1000;

function stateSecret(env: Env): string | null {
  return env.GITHUB_CLIENT_SECRET || null;
}

async function lookUp(env: Env, installationId: number): Promise<GitHubInstallation & { suspended_at?: string | null }> {
  try {
    const { data } = await githubClient(env).request('GET /app/installations/{installation_id}', { installation_id: installationId });
    const account = data.account && 'login' in data.account ? data.account : null;
    if (!account) throw new Refused('Unsupported installation', 'Installations on enterprises are not supported.', 400);
    return {
      id: Number(data.id),
      account: {
        id: Number(account.id),
        login: account.login,
        type: account.type === 'Organization' ? 'Organization' : 'User',
        avatar_url: account.avatar_url,
      },
      repository_selection: data.repository_selection,
      permissions: data.permissions as Record<string, unknown>,
      events: data.events,
      suspended_at: data.suspended_at ?? null,
    };
  } catch (err) {
    if (err instanceof RequestError && err.status === 404) {
      throw new Refused(
        'Unknown installation',
        `GitHub knows no installation ${installationId} of this App. The link may be forged or the App uninstalled.`,
        404,
      );
    }
    throw err;
  }
}

async function repositoriesOf(env: Env, installationId: number): Promise<{ id: number; full_name: string }[]> {
  const repos: { id: number; full_name: string }[] = [];
  for await (const { data } of githubClient(env, installationId).paginate.iterator('GET /installation/repositories', { per_page: 100 })) {
    repos.push(...data.map((r) => ({ id: Number(r.id), full_name: r.full_name })));
    if (repos.length >= MAX_REPOSITORIES) break;
  }
  return repos;
}

const INSTALLATION_ID = /^[1-9][0-9]{0,15}$/;

/**
 * `GITHUB_APP_URL/installations/new?state=…`, a loopback GITHUB_APP_URL (the emulated GitHub behind
 * `npm start`'s `/_emulator` proxy) taken on this request's own origin.
 */
function installPageUrl(appUrl: string, requestUrl: string, state: string): string {
  const target = onRequestOriginIfLoopback(`${appUrl.replace(/\/+$/, '')}/installations/new`, requestUrl);
  target.searchParams.set('state', state);
  return target.toString();
}

export const setupRoutes = new Hono<AppEnv>()
  .get(INSTALL_PATH, async (c) => {
    const secret = stateSecret(c.env);
    const appUrl = config(c.env).githubAppUrl;
    if (!appUrl || !secret) {
      return failure(
        'Not configured',
        'Set GITHUB_APP_URL (https://github.com/apps/<slug>) and GITHUB_CLIENT_SECRET to use this link.',
        503,
      );
    }
    const state = crypto.randomUUID();
    await setSignedCookie(c, STATE_COOKIE, state, secret, {
      path: '/integrations/github',
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
      maxAge: STATE_TTL_SECONDS,
    });
    return c.redirect(installPageUrl(appUrl, c.req.url, state), 302);
  })
  .get(CALLBACK_PATH, async (c) => {
    const res = await setup(c);
    // The state is single use: once a code was presented with it, the cookie goes, whatever the outcome.
    if (c.req.query('code')) {
      res.headers.append('set-cookie', `${STATE_COOKIE}=; Max-Age=0; Path=/integrations/github; HttpOnly; Secure; SameSite=Lax`);
    }
    return res;
  });

async function setup(c: Context<AppEnv>): Promise<Response> {
  const q = c.req.query();
  if (q.setup_action === 'request') {
    return page(
      'Installation requested',
      html`<p>An owner of the organization has to approve the request on GitHub; ChittyConnect sets itself up when they do.</p>`,
      200,
    );
  }
  /**
   * The success page. Its details (account, repositories, ChittyID) are shown only to a user
   * GitHub confirmed through OAuth: the query alone proves nothing about who is asking.
   */
  const installedPage = (details: Html | null) =>
    page(
      q.setup_action === 'update' ? 'ChittyConnect updated' : 'ChittyConnect is installed',
      html`${details ?? ''}<p>Pull requests now get a summary comment. You can close this page.</p>`,
      200,
    );
  const rawId = q.installation_id ?? '';
  if (!INSTALLATION_ID.test(rawId)) {
    return failure('Missing installation', 'This page expects GitHub’s installation_id; start again from GitHub.', 400);
  }
  const installationId = Number(rawId);
  try {
    let login: string | null = null;
    if (q.code) {
      const secret = stateSecret(c.env);
      const cookieState = secret ? await getSignedCookie(c, secret, STATE_COOKIE) : undefined;
      login = await checkUser(c.env, installationId, q.code, q.state, cookieState);
    } else if (await isRegistered(c.env.DB, installationId)) {
      // Anyone can call this URL with any id: without a confirmed user, a known installation
      // costs no outbound call, and the page tells nothing about it.
      return installedPage(null);
    }
    const inst = await lookUp(c.env, installationId);
    // A suspended installation's token cannot list repositories: its stored list is kept as it is.
    const listed = inst.suspended_at ? undefined : await repositoriesOf(c.env, installationId);
    const client = ecosystemFromEnv(c.env);
    const { chittyId } = await registerInstallation(c.env, client, inst, listed);
    await client.chronicle.log({
      eventId: installedEventId(installationId),
      eventType: 'github.app.installed',
      entityId: chittyId,
      data: { installationId, account: inst.account.login, selection: inst.repository_selection, via: 'setup' },
    });
    consoleLogger.log('info', 'github.installed', { installationId, account: inst.account.login, setupAction: q.setup_action ?? null });
    if (!login) return installedPage(null);
    return installedPage(installationDetails(inst, listed ?? [], login, installationId, chittyId));
  } catch (err) {
    if (err instanceof Refused) return failure(err.title, err.message, err.status);
    consoleLogger.log('warn', 'github.setup_failed', { installationId, error: describeGitHubError(err) });
    if (err instanceof GitHubNotConfigured) return failure('Not configured', err.message, 503);
    if (err instanceof EcosystemError) {
      return failure('Try again shortly', 'ChittyOS could not be reached to register the installation; reload this page in a minute.', 503);
    }
    return failure('Try again shortly', 'GitHub could not be reached to confirm the installation; reload this page in a minute.', 502);
  }
}

/** Describes the two browser routes in the OpenAPI document (they answer HTML, not JSON). */
export function describeSetup(app: OpenAPIHono<AppEnv>): void {
  const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: INSTALL_PATH,
    tags: ['GitHub App'],
    summary: 'Start installing the App (browser): sets a signed state cookie and redirects to GitHub',
    security: [],
    responses: {
      302: {
        description:
          'To GITHUB_APP_URL/installations/new?state=… (a localhost GITHUB_APP_URL, as npm start sets, on this request’s origin)',
      },
      503: htmlPage('GITHUB_APP_URL or GITHUB_CLIENT_SECRET unset'),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: CALLBACK_PATH,
    tags: ['GitHub App'],
    summary: 'Setup URL GitHub returns to after an install (browser); registers the installation and renders a page',
    description:
      'Looks the installation up with the App JWT, registers it (CONTEXT ChittyID, DNA, installations row, Chronicle github.app.installed once) and renders a page. With an OAuth `code`, `state` must match the cookie set by the install route and the user must be able to manage the installation. Replays change nothing.',
    security: [],
    request: {
      query: z.object({
        installation_id: z.string().regex(INSTALLATION_ID).optional(),
        setup_action: z.enum(['install', 'update', 'request']).optional(),
        code: z.string().optional(),
        state: z.string().optional(),
      }),
    },
    responses: {
      200: htmlPage('Installed (or updated, or requested)'),
      400: htmlPage('No installation_id, a state mismatch, or a rejected code'),
      403: htmlPage('The authorizing user cannot manage this installation'),
      404: htmlPage('GitHub knows no such installation of this App (forged or uninstalled)'),
      502: htmlPage('GitHub unreachable'),
      503: htmlPage('Not configured, or ChittyOS unreachable'),
    },
  });
}
