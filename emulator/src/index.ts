/**
 * Entry point of the ChittyOS ecosystem emulator (worker `chittyconnect-emulator`). Requests are
 * routed by the first DNS label of their host: `id`, `auth`, `registry`, `dna`, `verify`,
 * `certify` and `chronicle` reach the emulated service of that name (so `id.chitty.cc` and
 * `id.t-42.test` are the same service, with separate faults and log entries), `api` and `github`
 * reach the emulated GitHub (REST API and OAuth web endpoints), `echo` a third-party endpoint,
 * `control` the control surface, anything else is a 404 `unknown_host`. Before a service sees a request,
 * the fault configured for its full host (if any) is applied. Every request but the control
 * surface's is recorded in the request log, unknown hosts included, with a hash of the
 * credential it presented.
 */
import { controlApp, type Fault, type LoggedRequest, recordRequest, takeFault } from './control';
import type { EmulatorApp } from './http';
import { ensureDevActor } from './services/auth';
import { authControl, authHost } from './services/auth-login';
import { certifyApp } from './services/certify';
import { chronicleApp } from './services/chronicle';
import { dnaApp } from './services/dna';
import { dohApp } from './services/doh';
import { echoApp } from './services/echo';
import { githubApiApp } from './services/github';
import { createIntelTables } from './services/github-intel-store';
import { seedGitHub } from './services/github-store';
import { forProxy, githubWebApp } from './services/github-web';
import { idApp } from './services/id';
import { registryApp } from './services/registry';
import { verifyApp } from './services/verify';
import { type EmulatorEnv, ensureReady, invalidateReady, isMissingTable } from './store';
import { credentialHash, presentedCredential } from './tokens';

export type { EmulatorEnv } from './store';

/** Anything with a Hono-style fetch; the GitHub API app has its own context variables. */
type Routable = Pick<EmulatorApp, 'fetch'>;

const SERVICES: ReadonlyMap<string, Routable> = new Map<string, Routable>([
  ['id', idApp],
  ['auth', authHost], // ChittyAuth, with its browser sign-in page (/v1/login)
  ['registry', registryApp],
  ['dna', dnaApp],
  ['verify', verifyApp],
  ['certify', certifyApp],
  ['chronicle', chronicleApp],
  ['echo', echoApp], // a third-party endpoint for http connections; no bearer token needed
  ['cloudflare-dns', dohApp], // cloudflare-dns.com: DNS over HTTPS (JSON) for the connections' resolve check; no token
  ['api', githubApiApp], // api.github.com: GitHub's REST API, with its own auth (App JWT, ghs_/ghu_ tokens)
  ['github', githubWebApp], // github.com: the OAuth code exchange and the App's install pages
]);

/** Seeds run once the schema exists (and again after a storage reset). */
async function seed(env: EmulatorEnv): Promise<void> {
  await ensureDevActor(env);
  await createIntelTables(env.EMU_DB);
  await seedGitHub(env.EMU_DB);
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * The host a request was addressed to. Through a service binding the URL keeps the original host
 * (and there is no Host header); when curl talks to `wrangler dev` on localhost with
 * `-H 'Host: id.chitty.cc'`, the URL may say localhost, so the Host header decides.
 */
function hostOf(request: Request, url: URL): string {
  const header = request.headers.get('host');
  const raw = LOCAL_HOSTS.has(url.hostname) && header ? header : url.hostname;
  return raw.toLowerCase().replace(/:\d+$/, '');
}

/** Runs an app once the schema exists; if the tables vanished since (storage reset), rebuild and retry once. */
async function dispatch(app: Routable, request: Request, env: EmulatorEnv, ctx: ExecutionContext): Promise<Response> {
  const spare = request.body === null ? request : request.clone();
  await ensureReady(env, seed);
  try {
    return await app.fetch(request, env, ctx);
  } catch (err) {
    if (!isMissingTable(err)) throw err;
    invalidateReady();
    await ensureReady(env, seed);
    return app.fetch(spare, env, ctx);
  }
}

/**
 * `down`: the service is unreachable. A worker cannot make its caller's fetch reject without
 * workerd logging an uncaught exception with a stack trace (throwing, or resolving to a
 * non-Response, both do), so the answer is a 502 marked `x-emulator-fault: down`, and
 * ChittyConnect's outbound fetch through the binding (`outboundFetch`, src/ecosystem/from-env.ts)
 * turns it into the rejection an unreachable host gives. curl sees the 502. See docs/emulator.md.
 */
function unreachable(host: string): Response {
  const detail = `${host} is unreachable (emulator fault "down")`;
  return Response.json({ error: 'down', host, detail }, { status: 502, headers: { 'x-emulator-fault': 'down' } });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The canned answer for `error` and `malformed`; null when the request should proceed. */
function faultResponse(fault: Fault): Response | null {
  const headers = new Headers({ 'content-type': 'application/json' });
  for (const [name, value] of Object.entries(fault.headers ?? {})) headers.set(name, value);
  headers.set('x-emulator-fault', fault.mode);
  if (fault.mode === 'error') {
    return new Response(fault.body ?? JSON.stringify({ error: 'injected' }), { status: fault.status ?? 503, headers });
  }
  if (fault.mode === 'malformed') return new Response('{"truncated":', { status: 200, headers });
  return null;
}

/** A log entry for a request that just arrived (status 0 until it is answered). */
async function arrival(host: string, request: Request, url: URL): Promise<LoggedRequest> {
  const entry: LoggedRequest = {
    host,
    method: request.method,
    path: url.pathname,
    status: 0,
    at: new Date().toISOString(),
    tokenHash: await credentialHash(presentedCredential(request.headers.get('authorization'))),
  };
  const idempotencyKey = request.headers.get('idempotency-key');
  if (request.method === 'POST' && idempotencyKey !== null) entry.idempotencyKey = idempotencyKey;
  return entry;
}

async function handleService(
  app: Routable,
  host: string,
  request: Request,
  url: URL,
  env: EmulatorEnv,
  ctx: ExecutionContext,
): Promise<Response> {
  const entry = await arrival(host, request, url);
  const fault = takeFault(host);
  if (fault) entry.fault = fault.mode;
  // Logged on arrival (status filled in when answered), so a caller that gave up on a slow
  // request still finds it in the log.
  recordRequest(entry);
  try {
    if (fault?.mode === 'down') return unreachable(host);
    if (fault?.mode === 'slow') await sleep(fault.delayMs ?? 5000);
    const response = (fault && faultResponse(fault)) ?? (await dispatch(app, request, env, ctx));
    entry.status = response.status;
    return response;
  } catch (err) {
    entry.status = 500;
    throw err;
  }
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const host = hostOf(request, url);
    const label = host.split('.')[0] ?? '';
    if (label === 'control') {
      // `/github.com/…` and `/auth.chitty.cc/…` on the control surface are those hosts' web pages, for a
      // browser that can only reach the main worker (`/_emulator/github.com/apps/…`,
      // `/_emulator/auth.chitty.cc/v1/login` under `npm start`): the App's install pages, ChittyAuth's sign-in.
      // The sign-in's redirect is answered as is (the proxy passes Location on); GitHub's becomes a page.
      const web = /^\/(github\.com|auth\.chitty\.cc)(\/.*)$/.exec(url.pathname);
      const webHost = web?.[1];
      if (webHost && web[2]) {
        const page = new Request(`https://${webHost}${web[2]}${url.search}`, request);
        if (webHost === 'auth.chitty.cc') return handleService(authHost, webHost, page, new URL(page.url), env, ctx);
        return forProxy(await handleService(githubWebApp, webHost, page, new URL(page.url), env, ctx));
      }
      if (url.pathname.startsWith('/auth/')) return dispatch(authControl, request, env, ctx);
      return dispatch(controlApp, request, env, ctx);
    }
    const app = SERVICES.get(label);
    if (!app) {
      // Logged like any other request, so a test can see that something tried to reach this host.
      recordRequest({ ...(await arrival(host, request, url)), status: 404 });
      return Response.json({ error: 'unknown_host', host }, { status: 404 });
    }
    return handleService(app, host, request, url, env, ctx);
  },
} satisfies ExportedHandler<EmulatorEnv>;
