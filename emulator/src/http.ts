/**
 * HTTP plumbing shared by the emulated services: the Hono app factory (which answers
 * `GET /health`, demands the service's own bearer token everywhere else, and turns unknown paths and
 * thrown errors into the emulator's JSON error shapes) and the body reader that parses JSON and
 * validates it with a zod schema, answering 400 `{error:"bad_request", detail}` when either fails.
 * D1 "no such table" errors are re-thrown rather than answered, so the router can recreate the
 * schema and retry the request once.
 */
import { type Context, Hono } from 'hono';
import type { z } from 'zod';
import { type EmulatorEnv, isMissingTable } from './store';
import { type ChittyOsService, checkServiceToken } from './tokens';

export type AppEnv = { Bindings: EmulatorEnv };
export type EmulatorApp = Hono<AppEnv>;

/** JSON error response; `extra` is merged into the body. */
export function jsonError(status: number, error: string, extra: Record<string, unknown> = {}): Response {
  return Response.json({ error, ...extra }, { status });
}

export function badRequest(detail: string): Response {
  return jsonError(400, 'bad_request', { detail });
}

export function notFound(): Response {
  return jsonError(404, 'not_found');
}

/** Hono error handler: missing tables propagate (the router retries), anything else is a 500. */
export function handleError(err: Error): Response {
  if (isMissingTable(err)) throw err;
  return jsonError(500, 'internal', { detail: err.message });
}

/**
 * A Hono app with the behaviour every emulated ChittyOS service shares: `/health` is open, every
 * other route demands that service's own bearer token (tokens.ts). Add routes after calling this.
 */
export function createServiceApp(service: ChittyOsService): EmulatorApp {
  const app = new Hono<AppEnv>();
  app.get('/health', (c) => c.json({ status: 'ok', service, version: 'emulator' }));
  app.use('*', async (c, next) => {
    const check = await checkServiceToken(c.env, service, c.req.header('authorization'));
    if (!check.ok) return jsonError(401, 'unauthorized', { detail: check.detail });
    await next();
  });
  app.notFound(() => notFound());
  app.onError((err) => handleError(err));
  return app;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}

/**
 * Reads the request body as JSON and validates it. Returns the parsed value, or a 400 Response
 * the handler should return as is (`if (body instanceof Response) return body;`).
 */
export async function readBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S> | Response> {
  const text = await c.req.text();
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
  } catch {
    return badRequest(text.trim() === '' ? 'request body is empty; JSON expected' : 'request body is not valid JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return badRequest(describeIssues(parsed.error));
  return parsed.data;
}
