/**
 * The operator console at /console: server-rendered pages over the API (no script at all), read
 * and acted on as the operator's console delegation (session.ts, api.ts).
 *
 * - Every page: a strict Content-Security-Policy (nothing but this origin's stylesheet; no
 *   scripts, no frames, forms only to this origin), no caching, no referrer beyond this origin.
 * - Every form that changes something is a POST carrying the session's CSRF token; a POST without
 *   it, with another token, or sent from another site (`Sec-Fetch-Site`/`Origin`) is refused 403
 *   before anything happens.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { currentSession, startSignIn } from '../signin/session';
import { type ConsoleApi, consoleApi, type InnerFetch } from './api';
import { CONSOLE_CSS, CONSOLE_CSS_PATH } from './assets';
import { type Frame, type Html, h, page } from './html';
import { type ConsoleSession, closeConsoleSession, consoleSession, isAdmin, openConsoleSession } from './session';
import { type CheckView, type ConnectionView, connectionsView, type ReencryptResult, reencryptSummary } from './views/connections';
import { type ContextEvent, type ContextView, contextsView, contextView } from './views/contexts';
import { type AgentView, type DelegationView, delegationsView, type KeyView, revokeConfirmView } from './views/delegations';
import {
  type DeliveryFilter,
  githubView,
  type InstallationView,
  type RepositoryDetail,
  type RepositoryView,
  repositoryView,
} from './views/github';
import { type DeadLetter, type Delivery, type Health, overviewView } from './views/overview';

export const CONSOLE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The signed-in session and its API client, for the request the `signedIn` middleware let through. */
const signedInAs = new WeakMap<Request, { session: ConsoleSession; capi: ConsoleApi }>();
function operator(c: Context<AppEnv>): { session: ConsoleSession; capi: ConsoleApi } {
  const found = signedInAs.get(c.req.raw);
  if (!found) throw new Error('console route without the signedIn middleware');
  return found;
}

const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  c.res.headers.set('content-security-policy', CONSOLE_CSP);
  c.res.headers.set('x-frame-options', 'DENY');
  c.res.headers.set('x-content-type-options', 'nosniff');
  c.res.headers.set('referrer-policy', 'same-origin');
  c.res.headers.set('cross-origin-opener-policy', 'same-origin');
  if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
};

function render(c: Context<AppEnv>, frame: Frame, body: Html, status: 200 | 400 | 401 | 403 | 404 | 503 = 200): Response {
  return c.html(page(frame, body), status);
}

function frameFor(s: ConsoleSession, title: string, section: Frame['section'], notice?: Frame['notice']): Frame {
  return { title, section, who: { name: s.name, csrf: s.csrf, admin: isAdmin(s) }, ...(notice ? { notice } : {}) };
}

function signInPage(c: Context<AppEnv>, status: 200 | 401 = 200, note?: string): Response {
  return render(
    c,
    { title: 'Sign in' },
    h`<h1>ChittyConnect console</h1>
${note ? h`<p class="notice" role="status">${note}</p>` : ''}
<p>Sign in with your ChittyOS identity. You will see and may do what your capabilities allow in the API.</p>
<p><a class="button" href="/console/signin">Sign in with ChittyAuth</a></p>`,
    status,
  );
}

/** Same bytes, compared in constant time. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
}

/** Messages an action may leave for the next page (only these: nothing from the URL is shown as text). */
const NOTICES: Record<string, { text: string; bad?: boolean }> = {
  revoked: { text: 'Revoked. Everything derived from it stopped working too.' },
  'revoke-failed': { text: 'The revoke was refused; see the delegation’s state below.', bad: true },
  disconnected: { text: 'Disconnected: the agent’s delegation is revoked and its tokens no longer work.' },
  'disconnect-failed': { text: 'Disconnecting the agent was refused or failed.', bad: true },
  swept: { text: 'The outbox was sent again; the figures below are from after it.' },
  'sweep-failed': { text: 'Sending the outbox again was refused or failed.', bad: true },
  replayed: { text: 'Replay requested: the deliveries are back on the queue; reload to see them processed.' },
  'replay-failed': { text: 'The replay was refused or failed; see the list below.', bad: true },
  'letters-replayed': { text: 'The dead letters are back on their queues.' },
  'letters-failed': { text: 'Replaying the dead letters was refused or failed.', bad: true },
  checked: { text: 'Checked: the target answered. Its health below is from now.' },
  'check-unreachable': { text: 'Checked: the target did not answer; the connection is marked failed.', bad: true },
  'check-failed': { text: 'The check was refused.', bad: true },
};

/** `datetime-local` (minutes, no zone) read as UTC, to ISO; empty or bad → undefined. */
function utcInput(value: string | undefined): string | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const t = Date.parse(`${value}Z`);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

export function mountConsole(app: OpenAPIHono<AppEnv>, api: OpenAPIHono<AppEnv>): void {
  const inner =
    (c: Context<AppEnv>): InnerFetch =>
    async (request) =>
      (new URL(request.url).pathname.startsWith('/v1/') ? api : app).fetch(request, c.env, c.executionCtx);

  app.use('/console', securityHeaders);
  app.use('/console/*', securityHeaders);

  app.get(CONSOLE_CSS_PATH, (c) =>
    c.body(CONSOLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable' }),
  );

  app.get('/console/signin', async (c) => startSignIn(c, '/console/signin/done'));
  app.get('/console/signin/done', async (c) => {
    const who = await currentSession(c);
    if (!who) return signInPage(c, 401, 'Your sign-in expired before it finished. Sign in again.');
    await openConsoleSession(c, who);
    return c.redirect('/console', 303);
  });

  // Everything else needs a session; POSTs also the CSRF token.
  const signedIn: MiddlewareHandler<AppEnv> = async (c, next) => {
    const session = await consoleSession(c);
    if (!session) {
      if (c.req.method === 'GET') return signInPage(c);
      return render(
        c,
        { title: 'Signed out' },
        h`<h1>Signed out</h1><p>Your session ended. <a href="/console/signin">Sign in again</a>.</p>`,
        401,
      );
    }
    if (c.req.method === 'POST') {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      const form = await c.req.parseBody();
      const token = typeof form.csrf === 'string' ? form.csrf : '';
      const crossSite = (site !== undefined && site !== 'same-origin') || (origin !== undefined && origin !== new URL(c.req.url).origin);
      if (crossSite || !sameSecret(token, session.csrf)) {
        return render(
          c,
          frameFor(session, 'Refused', undefined),
          h`<h1>Refused</h1><p>This form did not come from your console page (its security token is missing or wrong). Nothing was changed. Go back, reload the page and try again.</p>`,
          403,
        );
      }
    }
    signedInAs.set(c.req.raw, { session, capi: consoleApi(c, inner(c), session) });
    await next();
  };
  app.use('/console', signedIn);
  app.use('/console/*', signedIn);

  app.post('/console/signout', async (c) => {
    const { session, capi } = operator(c);
    await capi.send('DELETE', `/v1/delegate/${encodeURIComponent(session.tokenId)}`);
    await closeConsoleSession(c);
    return c.redirect('/console', 303);
  });

  app.get('/console', async (c) => {
    const { session, capi } = operator(c);
    const now = new Date();
    const since = new Date(now.getTime() - 24 * 3600_000);
    const [health, outbox, deadLetters, deliveries] = await Promise.all([
      capi.get<Health>('/health'),
      capi.get<{ undelivered: number; unsent: number; oldestUndeliveredAt: string | null }>('/v1/admin/outbox'),
      capi.get<{ deadLetters: DeadLetter[] }>('/v1/admin/dead-letters?limit=500'),
      capi.get<{ deliveries: Delivery[] }>(`/v1/github/deliveries?limit=500&from=${encodeURIComponent(since.toISOString())}`),
    ]);
    return render(
      c,
      frameFor(session, 'Overview', 'overview'),
      overviewView({ health, outbox, deadLetters, deliveries, since, now }, isAdmin(session), session.csrf),
    );
  });

  app.get('/console/contexts', async (c) => {
    const { session, capi } = operator(c);
    const q = (c.req.query('q') ?? '').trim().slice(0, 200);
    const cursor = c.req.query('cursor');
    const offset = c.req.query('offset');
    const path = q
      ? `/v1/contexts/search?q=${encodeURIComponent(q)}&limit=50${offset ? `&offset=${encodeURIComponent(offset)}` : ''}`
      : `/v1/contexts/list?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const answer = await capi.get<{ contexts: ContextView[]; nextCursor?: string | null; nextOffset?: number | null }>(path);
    const more = !answer.ok
      ? null
      : answer.body.nextCursor
        ? `/console/contexts?cursor=${encodeURIComponent(answer.body.nextCursor)}`
        : typeof answer.body.nextOffset === 'number'
          ? `/console/contexts?q=${encodeURIComponent(q)}&offset=${answer.body.nextOffset}`
          : null;
    return render(c, frameFor(session, 'Contexts', 'contexts'), contextsView(q, answer, more));
  });

  app.get('/console/contexts/:id', async (c) => {
    const { session, capi } = operator(c);
    const id = encodeURIComponent(c.req.param('id'));
    const [context, events, timeline] = await Promise.all([
      capi.get<ContextView>(`/v1/contexts/${id}`),
      capi.get<{ events: ContextEvent[] }>(`/v1/contexts/${id}/events`),
      capi.get<{ events: Record<string, unknown>[] }>(`/v1/contexts/${id}/timeline`),
    ]);
    return render(
      c,
      frameFor(session, context.ok ? context.body.name : 'Context', 'contexts'),
      contextView(context, events, timeline),
      context.ok ? 200 : context.status === 404 ? 404 : 200,
    );
  });

  async function delegations(capi: ConsoleApi) {
    return capi.get<{ delegations: DelegationView[] }>('/v1/delegations?limit=500');
  }

  app.get('/console/delegations', async (c) => {
    const { session, capi } = operator(c);
    const [list, keys, agents] = await Promise.all([
      delegations(capi),
      capi.get<{ keys: KeyView[] }>('/v1/keys'),
      capi.get<{ agents: AgentView[] }>('/v1/agents'),
    ]);
    const notice = NOTICES[c.req.query('done') ?? ''];
    return render(
      c,
      frameFor(session, 'Delegations', 'delegations', notice),
      delegationsView(list, keys, agents, session.csrf, session.tokenId),
    );
  });

  app.get('/console/delegations/:id/revoke', async (c) => {
    const { session, capi } = operator(c);
    const list = await delegations(capi);
    const all = list.ok ? list.body.delegations : [];
    return render(c, frameFor(session, 'Revoke a delegation', 'delegations'), revokeConfirmView(all, c.req.param('id'), session.csrf));
  });

  app.post('/console/delegations/:id/revoke', async (c) => {
    const answer = await operator(c).capi.send('DELETE', `/v1/delegate/${encodeURIComponent(c.req.param('id'))}`);
    return c.redirect(`/console/delegations?done=${answer.ok ? 'revoked' : 'revoke-failed'}`, 303);
  });

  app.post('/console/agents/:grantId/revoke', async (c) => {
    const answer = await operator(c).capi.send('DELETE', `/v1/agents/${encodeURIComponent(c.req.param('grantId'))}`);
    return c.redirect(`/console/delegations?done=${answer.ok ? 'disconnected' : 'disconnect-failed'}`, 303);
  });

  app.post('/console/outbox/sweep', async (c) => {
    const answer = await operator(c).capi.send('POST', '/v1/admin/outbox/sweep');
    return c.redirect(`/console?done=${answer.ok ? 'swept' : 'sweep-failed'}`, 303);
  });

  app.get('/console/github', async (c) => {
    const { session, capi } = operator(c);
    const filter: DeliveryFilter = {
      status: ['processing', 'processed', 'failed'].includes(c.req.query('status') ?? '') ? (c.req.query('status') as string) : '',
      event: (c.req.query('event') ?? '').trim().slice(0, 64),
      from: utcInput(c.req.query('from')) ? (c.req.query('from') as string) : '',
      to: utcInput(c.req.query('to')) ? (c.req.query('to') as string) : '',
    };
    const query = new URLSearchParams({ limit: '200' });
    if (filter.status) query.set('status', filter.status);
    const from = utcInput(filter.from);
    const to = utcInput(filter.to);
    if (from) query.set('from', from);
    if (to) query.set('to', to);
    const [installations, repositories, deliveries, deadLetters] = await Promise.all([
      capi.get<{ installations: InstallationView[] }>('/v1/github/installations'),
      capi.get<{ repositories: RepositoryView[] }>('/v1/github/repositories?limit=100'),
      capi.get<{ deliveries: Delivery[] }>(`/v1/github/deliveries?${query}`),
      capi.get<{ deadLetters: DeadLetter[] }>('/v1/admin/dead-letters?limit=100'),
    ]);
    return render(
      c,
      frameFor(session, 'GitHub', 'github', NOTICES[c.req.query('done') ?? '']),
      githubView(installations, repositories, deliveries, deadLetters, filter, session.csrf),
    );
  });

  app.post('/console/github/deliveries/:id/replay', async (c) => {
    const answer = await operator(c).capi.send('POST', `/v1/github/deliveries/${encodeURIComponent(c.req.param('id'))}/replay`);
    return c.redirect(`/console/github?done=${answer.ok ? 'replayed' : 'replay-failed'}#deliveries`, 303);
  });

  app.post('/console/github/deliveries/replay', async (c) => {
    const form = await c.req.parseBody();
    const from = utcInput(typeof form.from === 'string' ? form.from : undefined);
    const to = utcInput(typeof form.to === 'string' ? form.to : undefined);
    if (!from) return c.redirect('/console/github?done=replay-failed#deliveries', 303);
    const answer = await operator(c).capi.send('POST', '/v1/github/deliveries/replay', { from, ...(to ? { to } : {}) });
    return c.redirect(`/console/github?done=${answer.ok ? 'replayed' : 'replay-failed'}#deliveries`, 303);
  });

  app.post('/console/github/dead-letters/replay', async (c) => {
    const form = await c.req.parseBody();
    const id = typeof form.id === 'string' ? form.id : '';
    const answer = id ? await operator(c).capi.send('POST', '/v1/admin/dead-letters/replay', { ids: [id] }) : null;
    return c.redirect(`/console/github?done=${answer?.ok ? 'letters-replayed' : 'letters-failed'}#dead-letters`, 303);
  });

  app.get('/console/github/repositories/:owner/:repo', async (c) => {
    const { session, capi } = operator(c);
    const name = `${c.req.param('owner')}/${c.req.param('repo')}`;
    const path = `/v1/github/repositories/${encodeURIComponent(c.req.param('owner'))}/${encodeURIComponent(c.req.param('repo'))}`;
    const kind = c.req.query('kind') === 'issues' ? 'issues' : 'pulls';
    const number = Number(c.req.query('number'));
    const [repo, looked] = await Promise.all([
      capi.get<RepositoryDetail>(path),
      Number.isInteger(number) && number > 0
        ? capi.get<unknown>(`${path}/${kind}/${number}/${kind === 'pulls' ? 'analysis' : 'triage'}`)
        : null,
    ]);
    return render(
      c,
      frameFor(session, name, 'github'),
      repositoryView(name, repo, looked ? { kind, number, answer: looked } : null),
      repo.ok ? 200 : repo.status === 404 ? 404 : 200,
    );
  });

  app.get('/console/connections', async (c) => {
    const { session, capi } = operator(c);
    const cursor = c.req.query('cursor');
    const answer = await capi.get<{ connections: ConnectionView[]; nextCursor: string | null }>(
      `/v1/connections/list?limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    // Each one's recent checks, for its health history.
    const listed = answer.ok ? answer.body.connections : [];
    const history = new Map(
      await Promise.all(
        listed.map(
          async (k) =>
            [
              k.connectionId,
              await capi.get<{ checks: CheckView[] }>(`/v1/connections/${encodeURIComponent(k.connectionId)}/checks?limit=20`),
            ] as const,
        ),
      ),
    );
    const more = answer.ok && answer.body.nextCursor ? `/console/connections?cursor=${encodeURIComponent(answer.body.nextCursor)}` : null;
    return render(
      c,
      frameFor(session, 'Connections', 'connections', NOTICES[c.req.query('done') ?? '']),
      connectionsView(answer, history, session.csrf, more, isAdmin(session)),
    );
  });

  // Every batch until nothing remains (bounded), as scripts/reencrypt-credentials.mjs does; the result shown once.
  app.post('/console/connections/reencrypt', async (c) => {
    const { session, capi } = operator(c);
    const total: ReencryptResult = { currentKeyId: '', reencrypted: 0, alreadyCurrent: 0, failed: [] };
    let cursor: string | undefined;
    for (let round = 0; round < 20; round++) {
      const batch = await capi.send<ReencryptResult & { remaining: boolean; cursor: string | null }>(
        'POST',
        '/v1/admin/credentials/reencrypt',
        {
          limit: 100,
          ...(cursor ? { cursor } : {}),
        },
      );
      if (!batch.ok) {
        const detail = batch.problem?.detail ?? `The API answered ${batch.status}.`;
        return render(
          c,
          frameFor(session, 'Re-encrypt', 'connections', { text: detail, bad: true }),
          h`<p><a href="/console/connections">Connections</a></p>`,
          403,
        );
      }
      total.currentKeyId = batch.body.currentKeyId;
      total.reencrypted += batch.body.reencrypted;
      total.alreadyCurrent += batch.body.alreadyCurrent;
      total.failed.push(...batch.body.failed);
      if (!batch.body.remaining || !batch.body.cursor) break;
      cursor = batch.body.cursor;
    }
    return render(
      c,
      frameFor(session, 'Re-encrypt', 'connections', { text: reencryptSummary(total), bad: total.failed.length > 0 }),
      h`<p><a href="/console/connections">Back to the connections</a></p>`,
    );
  });

  app.post('/console/connections/:id/check', async (c) => {
    const answer = await operator(c).capi.get<{ reachable: boolean }>(`/v1/connections/${encodeURIComponent(c.req.param('id'))}/status`);
    const done = !answer.ok ? 'check-failed' : answer.body.reachable ? 'checked' : 'check-unreachable';
    return c.redirect(`/console/connections?done=${done}`, 303);
  });

  app.get('/console/*', (c) => {
    const { session } = operator(c);
    return render(
      c,
      frameFor(session, 'Not found', undefined),
      h`<h1>Not found</h1><p>No console page here. <a href="/console">Overview</a>.</p>`,
      404,
    );
  });
}
