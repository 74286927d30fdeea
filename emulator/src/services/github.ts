/**
 * The emulated GitHub REST API (host `api.*`, e.g. `api.github.com`): enough of it for
 * ChittyConnect's GitHub App flow to run offline. A middleware resolves the caller once (App JWT,
 * installation token, user token or nobody; bad credentials are a 401 before any route runs),
 * counts the request against that caller's rate limit and stamps the `x-ratelimit-*` headers on
 * every answer. This file holds the App routes (JWT) and the user routes (OAuth token);
 * github-repos.ts, github-checks.ts, github-contents.ts, github-labels.ts and github-history.ts
 * the installation-token routes. Errors are GitHub-shaped
 * (`{message, documentation_url, status}`). The OAuth web endpoints (host `github.*`) are in
 * github-oauth.ts, the control routes in github-control.ts.
 */
import { Hono } from 'hono';
import { appIdOf, authenticate, issueInstallationToken, type Principal, rateLimitKey, requireApp, requireUser } from './github-auth';
import { githubCheckRoutes } from './github-checks';
import { githubContentsRoutes } from './github-contents';
import { decodeCursor, encodeCursor, getDelivery, listDeliveries, redeliver } from './github-deliveries';
import { githubHistoryRoutes } from './github-history';
import {
  API_ORIGIN,
  type GitHubEnv,
  GitHubError,
  ghTime,
  jsonWithLink,
  notFoundError,
  pageParams,
  paginate,
  renderGitHubError,
  validationFailed,
} from './github-http';
import { githubLabelRoutes } from './github-labels';
import { consumeRateLimit, rateLimitHeaders } from './github-rate-limit';
import { githubRepoRoutes } from './github-repos';
import { getInstallation, type Installation, installationForRepository, listInstallations } from './github-store';
import { appJson, installationJson, userJson } from './github-views';

export const githubApiApp = new Hono<GitHubEnv>();

githubApiApp.use('*', async function authenticateAndCount(c, next) {
  let principal: Principal | null = null;
  let failure: GitHubError | null = null;
  try {
    principal = await authenticate(c.env, c.req.header('authorization'));
  } catch (err) {
    if (!(err instanceof GitHubError)) throw err;
    failure = err;
  }
  const limit = consumeRateLimit(rateLimitKey(principal));
  const headers = { ...rateLimitHeaders(limit), 'x-github-request-id': crypto.randomUUID().toUpperCase() };
  if (failure) return new GitHubError(failure.status, failure.message, failure.extra, headers).toResponse();
  if (limit.exceeded || !principal) {
    const who = principal?.kind === 'installation' ? `installation ID ${principal.installation.id}` : 'this credential';
    return new GitHubError(403, `API rate limit exceeded for ${who}.`, {}, headers).toResponse();
  }
  c.set('principal', principal);
  await next();
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
});

/** A live (not deleted) installation, or 404. */
async function liveInstallation(db: D1Database, idParam: string): Promise<Installation> {
  const installation = await getInstallation(db, Number(idParam));
  if (!installation || installation.deletedAt !== null) throw notFoundError();
  return installation;
}

// --- App (JWT) -------------------------------------------------------------------------------

githubApiApp.get('/app', (c) => c.json(appJson(requireApp(c.get('principal')).appId)));

githubApiApp.get('/app/installations', async (c) => {
  const { appId } = requireApp(c.get('principal'));
  const { perPage, page } = pageParams(c);
  const all = await listInstallations(c.env.EMU_DB);
  const { items, link } = paginate(all, '/app/installations', perPage, page);
  return jsonWithLink(
    items.map((i) => installationJson(i, appId)),
    link,
  );
});

githubApiApp.get('/app/installations/:id{[0-9]+}', async (c) => {
  const { appId } = requireApp(c.get('principal'));
  return c.json(installationJson(await liveInstallation(c.env.EMU_DB, c.req.param('id')), appId));
});

githubApiApp.post('/app/installations/:id{[0-9]+}/access_tokens', async (c) => {
  requireApp(c.get('principal'));
  const installation = await liveInstallation(c.env.EMU_DB, c.req.param('id'));
  if (installation.suspendedAt !== null) throw new GitHubError(403, 'This installation has been suspended');
  const { token, expiresAt } = await issueInstallationToken(c.env.EMU_DB, installation.id);
  return c.json(
    { token, expires_at: ghTime(expiresAt), permissions: installation.permissions, repository_selection: installation.repositorySelection },
    201,
  );
});

githubApiApp.get('/repos/:owner/:repo/installation', async (c) => {
  const { appId } = requireApp(c.get('principal'));
  const installation = await installationForRepository(c.env.EMU_DB, `${c.req.param('owner')}/${c.req.param('repo')}`);
  if (!installation) throw notFoundError();
  return c.json(installationJson(installation, appId));
});

githubApiApp.get('/app/hook/deliveries', async (c) => {
  requireApp(c.get('principal'));
  const { perPage } = pageParams(c);
  const cursor = c.req.query('cursor');
  const beforeId = cursor ? decodeCursor(cursor) : null;
  if (cursor && beforeId === null) throw validationFailed('HookDelivery', 'cursor', 'cursor is not one this API returned');
  const { items, more } = await listDeliveries(c.env.EMU_DB, beforeId, perPage);
  const last = items.at(-1);
  const link = more && last ? `<${API_ORIGIN}/app/hook/deliveries?per_page=${perPage}&cursor=${encodeCursor(last.id)}>; rel="next"` : null;
  return jsonWithLink(items, link);
});

githubApiApp.get('/app/hook/deliveries/:id{[0-9]+}', async (c) => {
  requireApp(c.get('principal'));
  const delivery = await getDelivery(c.env, Number(c.req.param('id')));
  if (!delivery) throw notFoundError();
  const { rawBody: _raw, ...detail } = delivery;
  return c.json(detail);
});

githubApiApp.post('/app/hook/deliveries/:id{[0-9]+}/attempts', async (c) => {
  requireApp(c.get('principal'));
  const delivery = await getDelivery(c.env, Number(c.req.param('id')));
  if (!delivery) throw notFoundError();
  await redeliver(c.env, delivery);
  return c.json({}, 202);
});

// --- user (OAuth token) ----------------------------------------------------------------------

githubApiApp.get('/user', (c) => c.json(userJson(requireUser(c.get('principal')).login)));

githubApiApp.get('/user/installations', async (c) => {
  const user = requireUser(c.get('principal'));
  const { perPage, page } = pageParams(c);
  const all = await listInstallations(c.env.EMU_DB, user.installationIds);
  const { items, link } = paginate(all, '/user/installations', perPage, page);
  const appId = appIdOf(c.env);
  return jsonWithLink({ total_count: all.length, installations: items.map((i) => installationJson(i, appId)) }, link);
});

// --- installation token ----------------------------------------------------------------------

githubApiApp.route('/', githubRepoRoutes);
githubApiApp.route('/', githubCheckRoutes);
githubApiApp.route('/', githubContentsRoutes);
githubApiApp.route('/', githubLabelRoutes);
githubApiApp.route('/', githubHistoryRoutes);

githubApiApp.notFound(() => notFoundError().toResponse());
githubApiApp.onError((err) => renderGitHubError(err));
