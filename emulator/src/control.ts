/**
 * The emulator's control surface (host `control.emulator`, no auth) and the in-memory state it
 * manages: per-host faults (down / slow / error / malformed, optionally for the next N requests
 * only), the log of every request that reached a service or an unknown host (last 5000, each with
 * a hash of the credential it carried), and test actors with
 * bearer tokens. Faults and the log live in module memory, which is fine because wrangler dev and
 * vitest-pool-workers run the emulator in a single isolate; `POST /reset` clears both (and the
 * emulated GitHub's rate-limit counters) but leaves the stored data (ids, actors, events…) alone.
 * The GitHub routes (`/github/…`) are in services/github-control.ts.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { type AppEnv, handleError, notFound, readBody } from './http';
import { ACTOR_TYPES, createActor, revokeCredentials } from './services/auth';
import { githubControl } from './services/github-control';
import { resetGitHubRateLimits } from './services/github-rate-limit';
import { dumpState } from './store';

export const FAULT_MODES = ['down', 'slow', 'error', 'malformed'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export interface Fault {
  mode: FaultMode;
  /** `error` mode: the status to answer (default 503). */
  status?: number;
  /** `error` mode: extra response headers (e.g. `retry-after`, `x-ratelimit-remaining`). */
  headers?: Record<string, string>;
  /** `error` mode: the response body instead of `{"error":"injected"}`. */
  body?: string;
  /** `slow` mode: how long to wait before answering (default 5000 ms). */
  delayMs?: number;
  /** How many more requests the fault applies to; absent = until cleared. */
  times?: number;
}

export interface LoggedRequest {
  host: string;
  method: string;
  path: string;
  /** HTTP status answered; 0 while still pending, or when the `down` fault gave no response. */
  status: number;
  /** Arrival time (entries are in arrival order). */
  at: string;
  /**
   * First 16 hex chars of the SHA-256 of the credential in its Authorization header (what follows
   * `Bearer `/`token `, else the whole value), or null when it had none. Never the credential itself.
   */
  tokenHash: string | null;
  idempotencyKey?: string;
  /** The fault that was applied to this request, if any. */
  fault?: FaultMode;
}

const MAX_LOG = 5000;
const faults = new Map<string, Fault>();
const requestLog: LoggedRequest[] = [];

/** The fault to apply to this request to `host` (consuming one of its `times`), if any. */
export function takeFault(host: string): Fault | undefined {
  const fault = faults.get(host);
  if (!fault) return undefined;
  if (fault.times !== undefined) {
    if (fault.times <= 1) faults.delete(host);
    else faults.set(host, { ...fault, times: fault.times - 1 });
  }
  return fault;
}

/** Appends to the log; the caller may still update `entry.status` afterwards. */
export function recordRequest(entry: LoggedRequest): void {
  requestLog.push(entry);
  if (requestLog.length > MAX_LOG) requestLog.splice(0, requestLog.length - MAX_LOG);
}

const FaultBody = z.object({
  mode: z.enum(FAULT_MODES),
  status: z.number().int().min(400).max(599).optional(),
  delayMs: z.number().int().min(0).max(300_000).optional(),
  times: z.number().int().min(1).optional(),
  headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'a header name'), z.string()).optional(),
  body: z.string().optional(),
});

const ActorBody = z.object({
  type: z.enum(ACTOR_TYPES),
  capabilities: z.array(z.string()).optional(),
  displayName: z.string().min(1).optional(),
  email: z.string().min(1).optional(),
});

function normaliseHost(host: string): string {
  return host.trim().toLowerCase().replace(/:\d+$/, '');
}

function noContent(): Response {
  return new Response(null, { status: 204 });
}

export const controlApp = new Hono<AppEnv>();
controlApp.notFound(() => notFound());
controlApp.onError((err) => handleError(err));

controlApp.get('/health', () => Response.json({ status: 'ok', service: 'control', version: 'emulator' }));

controlApp.get('/faults', () => Response.json({ faults: Object.fromEntries(faults) }));

controlApp.put('/faults/:host', async (c) => {
  const body = await readBody(c, FaultBody);
  if (body instanceof Response) return body;
  const fault: Fault = { mode: body.mode };
  if (body.mode === 'error') {
    fault.status = body.status ?? 503;
    if (body.headers !== undefined) fault.headers = body.headers;
    if (body.body !== undefined) fault.body = body.body;
  }
  if (body.mode === 'slow') fault.delayMs = body.delayMs ?? 5000;
  if (body.times !== undefined) fault.times = body.times;
  const host = normaliseHost(c.req.param('host'));
  faults.set(host, fault);
  return Response.json({ host, fault });
});

controlApp.delete('/faults/:host', (c) => {
  faults.delete(normaliseHost(c.req.param('host')));
  return noContent();
});

controlApp.delete('/faults', () => {
  faults.clear();
  return noContent();
});

controlApp.get('/requests', (c) => {
  const host = c.req.query('host');
  const path = c.req.query('path');
  const method = c.req.query('method');
  const requests = requestLog.filter(
    (r) =>
      (!host || r.host === normaliseHost(host)) && (!path || r.path.startsWith(path)) && (!method || r.method === method.toUpperCase()),
  );
  return Response.json({ requests });
});

controlApp.delete('/requests', () => {
  requestLog.length = 0;
  return noContent();
});

controlApp.post('/actors', async (c) => {
  const body = await readBody(c, ActorBody);
  if (body instanceof Response) return body;
  const actor = await createActor(c.env.EMU_DB, body);
  return Response.json(actor, { status: 201 });
});

controlApp.delete('/actors/:chittyId/tokens', async (c) => {
  const known = await revokeCredentials(c.env.EMU_DB, c.req.param('chittyId'));
  return known ? noContent() : notFound();
});

controlApp.post('/reset', () => {
  faults.clear();
  requestLog.length = 0;
  resetGitHubRateLimits();
  return noContent();
});

controlApp.get('/state/:service', async (c) => {
  const state = await dumpState(c.env.EMU_DB, c.req.param('service'));
  return state ? Response.json(state) : notFound();
});

controlApp.route('/github', githubControl);
