/**
 * 405 Method Not Allowed, derived from the app's own route table (Hono's `app.routes`), never
 * from a hand-kept list. A path that a route answers, called with a method no route takes there,
 * is refused with `Allow` naming the methods that work — before a parameterised route of another
 * method can claim it (`GET /v1/contexts/create` would otherwise reach `GET /v1/contexts/{id}` and
 * fail as "not a ChittyID"). When the path equals a static route, only the static routes' methods
 * count; otherwise the parameterised routes that match it. A path no route answers passes on, to
 * the 404. Catch-all routes (`app.all`, `app.use`) take any method and are not counted.
 */
import type { MiddlewareHandler } from 'hono';
import { METHOD_NAME_ALL } from 'hono/router';
import { TrieRouter } from 'hono/router/trie-router';
import { AppError } from './errors';

/** A route as Hono lists it in `app.routes`. */
export interface RouteEntry {
  method: string;
  path: string;
}

interface Target {
  method: string;
  exact: boolean;
}

/** A lookup from a request path to the methods its routes take (HEAD wherever GET is), or null for no route. */
export function methodsByPath(routes: readonly RouteEntry[]): (path: string) => string[] | null {
  const router = new TrieRouter<Target>();
  for (const { method, path } of routes) {
    if (method !== METHOD_NAME_ALL) router.add(METHOD_NAME_ALL, path, { method, exact: !/[:*]/.test(path) });
  }
  return (path) => {
    const matched = router.match('GET', path)[0].map(([target]) => target);
    if (matched.length === 0) return null;
    const exact = matched.filter((t) => t.exact);
    const methods = new Set((exact.length > 0 ? exact : matched).map((t) => t.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}

/**
 * The middleware: `routes` is read on the first request (when every router has been mounted).
 * Mount it after authentication where routes must not be revealed to anonymous callers.
 */
export function allowedMethods(routes: () => readonly RouteEntry[]): MiddlewareHandler {
  let lookup: ((path: string) => string[] | null) | undefined;
  return async function allowedMethods(c, next) {
    lookup ??= methodsByPath(routes());
    const allowed = lookup(c.req.path);
    if (allowed === null || allowed.includes(c.req.method)) return next();
    const allow = allowed.join(', ');
    throw new AppError(405, 'method_not_allowed', `${c.req.path} does not take ${c.req.method}; use ${allow}.`, {
      headers: { allow },
    });
  };
}
