/**
 * The console reads and acts through the API itself, as the operator's console delegation: the
 * request runs in the /v1 app with `Authorization: Bearer <the session's token>`, so
 * authentication, scopes, ownership, the rate limit, idempotency and the outbox are exactly the
 * API's. A refusal comes back as data (status + problem), for the view to say what is missing.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import type { ConsoleSession } from './session';

export interface Answer<T> {
  status: number;
  ok: boolean;
  body: T;
  /** The problem's detail when refused. */
  problem?: { code: string; detail: string };
}

export interface ConsoleApi {
  get<T>(path: string): Promise<Answer<T>>;
  send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<Answer<T>>;
}

/** Runs a request inside this worker (the /v1 app for /v1 paths, the whole app for the rest). */
export type InnerFetch = (request: Request) => Promise<Response>;

export function consoleApi(c: Context<AppEnv>, inner: InnerFetch, session: ConsoleSession): ConsoleApi {
  const origin = new URL(c.req.url).origin;
  async function run<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const headers = new Headers({ authorization: `Bearer ${session.token}`, 'x-request-id': c.get('requestId') });
    if (body !== undefined) headers.set('content-type', 'application/json');
    const request = new Request(new URL(path, origin), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const res = await inner(request);
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    const problem =
      res.ok || typeof parsed !== 'object' || parsed === null
        ? undefined
        : {
            code: String((parsed as { code?: unknown }).code ?? 'error'),
            detail: String((parsed as { detail?: unknown }).detail ?? res.statusText),
          };
    return { status: res.status, ok: res.ok, body: parsed as T, ...(problem ? { problem } : {}) };
  }
  return {
    get: (path) => run('GET', path),
    send: (method, path, body) => run(method, path, body),
  };
}
