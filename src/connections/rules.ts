/**
 * The rules a connection must satisfy beyond field shapes (those are in fields.ts), in one place:
 * what an endpoint may be (http(s), a public host name as host-policy.ts decides, no user info,
 * query or fragment; normalised — scheme and host canonical, default port and trailing slash
 * dropped — so "one active connection per source/target/endpoint" compares like with like), how credentials
 * are injected (bearer, basic or a named header).
 * Each check returns the field it is about, so a client mistake is a 400 naming it.
 */
import type { FieldError } from '../http/errors';
import { canonicalHost, hostProblem } from './host-policy';
import type { AuthConfig, Credentials } from './schema';

/** A value that can go in a header as is: visible ASCII, inner spaces allowed, no line breaks. */
const HEADER_SAFE = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;

/** The endpoint normalised (`scheme://host[:port]/path`, no trailing slash), or what is wrong with it. */
export function normalizeEndpoint(raw: string): { endpoint: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'not an absolute URL (e.g. https://api.example.com/v1)' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: 'must be an http or https URL' };
  if (url.username || url.password) return { problem: 'must not carry user info; put secrets in credentials' };
  if (url.search || url.hash || raw.includes('#')) return { problem: 'must not have a query or fragment' };
  const host = canonicalHost(url.hostname);
  const problem = hostProblem(host);
  if (problem) return { problem };
  const port = url.port ? `:${url.port}` : '';
  return { endpoint: `${url.protocol}//${host}${port}${url.pathname.replace(/\/+$/, '')}` };
}

/** The auth a connection uses: its config's, or bearer when it has credentials and no config. */
export function effectiveAuth(auth: AuthConfig | undefined, hasCredentials: boolean): AuthConfig | undefined {
  return auth ?? (hasCredentials ? { scheme: 'bearer' } : undefined);
}

function tokenOf(credentials: Credentials): string | undefined {
  return typeof credentials === 'string' ? credentials : credentials.token;
}

/**
 * What is wrong with the credentials for the configured auth (field errors), or an empty list.
 * `configAuth` is what the body's config says; without it, credentials are injected as bearer.
 */
export function credentialProblems(configAuth: AuthConfig | undefined, credentials: Credentials | undefined): FieldError[] {
  const field = 'json.credentials';
  const auth = effectiveAuth(configAuth, credentials !== undefined);
  if (!auth) return [];
  if (credentials === undefined) return [{ field, message: 'config.auth needs credentials to inject' }];
  if ('scheme' in auth && auth.scheme === 'basic') {
    if (typeof credentials === 'string' || credentials.username === undefined || credentials.password === undefined) {
      return [{ field, message: 'basic auth needs {username, password}' }];
    }
    if (credentials.username.includes(':')) return [{ field: `${field}.username`, message: 'must not contain ":"' }];
    return [];
  }
  const token = tokenOf(credentials);
  if (token === undefined) {
    return configAuth
      ? [{ field, message: 'a string, or an object with "token"' }]
      : [{ field: 'json.config.auth', message: 'say how to inject these credentials (bearer needs a string or {token})' }];
  }
  if (!HEADER_SAFE.test(token)) return [{ field, message: 'must be printable ASCII without leading or trailing spaces' }];
  return [];
}

function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The header the proxy sets from the decrypted credentials, or null when there is nothing to inject. */
export function injectedHeader(auth: AuthConfig | undefined, credentials: Credentials | undefined): [string, string] | null {
  if (!auth || credentials === undefined) return null;
  if ('header' in auth) {
    const token = tokenOf(credentials);
    return token === undefined ? null : [auth.header, `${auth.prefix ?? ''}${token}`];
  }
  if (auth.scheme === 'basic') {
    if (typeof credentials === 'string') return null;
    return ['authorization', `Basic ${base64Utf8(`${credentials.username ?? ''}:${credentials.password ?? ''}`)}`];
  }
  const token = tokenOf(credentials);
  return token === undefined ? null : ['authorization', `Bearer ${token}`];
}
