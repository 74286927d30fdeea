/**
 * What the proxy lets through, as pure functions. The URL: the caller's path after `/proxy` is
 * appended to the connection's base (its endpoint, or the service's discovered URL), and the
 * result must keep the base's origin and stay under its path — anything that could be read as a
 * different place (dot segments, empty segments, an embedded URL, encoded slashes, backslashes or
 * dots, double encoding, control characters) is refused with 400 rather than normalised. The
 * headers: hop-by-hop headers (and those the `Connection` header names) are dropped both ways,
 * and the caller's own credentials, cookies and client-address headers never leave.
 */
import { AppError } from '../http/errors';
import { isHopByHop } from './fields';

/** Request headers that belong to the caller's relationship with ChittyConnect, not the target's. */
const CALLER_ONLY = new Set([
  'authorization',
  'x-api-key',
  'cookie',
  'host',
  'content-length',
  'accept-encoding',
  'forwarded',
  'x-real-ip',
  'true-client-ip',
  'cdn-loop',
  'x-request-id',
]);
/** Response headers the target does not get to set on ChittyConnect's answer. */
const TARGET_ONLY = new Set(['set-cookie', 'set-cookie2', 'content-length', 'content-encoding']);

function badPath(detail: string): AppError {
  return new AppError(400, 'invalid_proxy_path', `${detail}; the proxy only reaches paths under this connection's endpoint.`, {
    errors: [{ field: 'param.path', message: detail }],
  });
}

/**
 * The URL a proxied request goes to. `tail` is the raw (still percent-encoded) path after
 * `/proxy`, `search` the raw query string (with its `?`, or empty).
 */
export function proxyTargetUrl(base: string, tail: string, search: string): URL {
  const root = new URL(base);
  const basePath = root.pathname.replace(/\/+$/, '');
  if (tail !== '' && !tail.startsWith('/')) throw badPath('the path must start with "/"');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f\\]/.test(tail)) throw badPath('control characters and backslashes are not allowed');
  if (/%(2e|2f|5c|25|00)/i.test(tail)) throw badPath('encoded dots, slashes, backslashes, "%" and NUL are not allowed');
  if (tail.includes('://')) throw badPath('an absolute URL is not a path');
  const segments = tail.split('/').slice(1);
  if (segments.some((s, i) => s === '.' || s === '..' || (s === '' && i < segments.length - 1))) {
    throw badPath('dot segments and empty segments are not allowed');
  }
  try {
    decodeURIComponent(tail);
  } catch {
    throw badPath('the path has a malformed percent-encoding');
  }
  const expected = `${basePath}${tail}` || '/';
  const url = new URL(`${root.origin}${expected}${search}`);
  const under = url.pathname === expected && (url.pathname === basePath || url.pathname.startsWith(`${basePath}/`));
  if (url.origin !== root.origin || !under) {
    throw badPath('the path does not stay under the endpoint');
  }
  return url;
}

/** Names listed in a `Connection` header: hop-by-hop for this message too. */
function connectionListed(headers: Headers): Set<string> {
  return new Set(
    (headers.get('connection') ?? '')
      .split(',')
      .map((n) => n.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** The caller's headers the target may see (credentials are injected after this). */
export function forwardedRequestHeaders(incoming: Headers): Headers {
  const listed = connectionListed(incoming);
  const out = new Headers();
  for (const [name, value] of incoming) {
    const lower = name.toLowerCase();
    if (isHopByHop(lower) || listed.has(lower) || CALLER_ONLY.has(lower)) continue;
    if (lower.startsWith('cf-') || lower.startsWith('x-forwarded-')) continue;
    out.append(lower, value);
  }
  return out;
}

/** The target's headers the caller may see. */
export function returnedResponseHeaders(upstream: Headers): Headers {
  const listed = connectionListed(upstream);
  const out = new Headers();
  for (const [name, value] of upstream) {
    const lower = name.toLowerCase();
    if (isHopByHop(lower) || listed.has(lower) || TARGET_ONLY.has(lower)) continue;
    out.append(lower, value);
  }
  return out;
}
