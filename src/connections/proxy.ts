/**
 * `/v1/connections/{id}/proxy/*`: forwards the caller's request to the connection's own target
 * with its stored credentials injected, so the caller never holds the secret. Only the caller's
 * live connections can be used (someone else's is 404, a disconnected one 409); the URL must stay
 * under the target (proxy-rules.ts); the request gets a deadline (config `timeoutMs`, at most
 * 10 s) that covers the answer's body too; the answer is capped at PROXY_MAX_RESPONSE_BYTES.
 * Upstream unreachable → 502, too slow → 504, too big → 502; the target's own answers (even 5xx)
 * are passed through. Every use counts a request and its time; failures (no answer, timeout, too
 * big, or 5xx) count an error. ChittyConnect's own service tokens are never sent. An endpoint
 * whose host today's name rules refuse (a row stored before they tightened) is 409, not called.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { credentialKeyringFromEnv } from '../crypto/keyring';
import { ecosystemFromEnv, outboundFetch } from '../ecosystem/from-env';
import { AppError } from '../http/errors';
import { loadCredentials } from './credentials';
import { CONNECTION_ID } from './fields';
import { canonicalHost, hostProblem } from './host-policy';
import { forwardedRequestHeaders, proxyTargetUrl, returnedResponseHeaders } from './proxy-rules';
import { effectiveAuth, injectedHeader } from './rules';
import type { Connection } from './schema';
import { type AuthConfig, authConfig, PROXY_MAX_TIMEOUT_MS } from './schema';
import { connectionOwner, invalidFields } from './service';
import { connectionOf, recordUse } from './store';
import { Deadline, readWithin, sendWithin } from './upstream';

/** Set on every answer that is the target's own, passed through. */
export const UPSTREAM_ANSWER_HEADER = 'x-chittyconnect-upstream';

/** The largest answer the proxy passes back. */
export const PROXY_MAX_RESPONSE_BYTES = 2 * 1024 * 1024;
const NULL_BODY = new Set([204, 205, 304]);

/** The caller's live connection `id`, or the 4xx that explains why it cannot be used. */
async function usableConnection(c: Context<AppEnv>, id: string): Promise<Connection> {
  if (!CONNECTION_ID.safeParse(id).success)
    throw invalidFields([{ field: 'param.id', message: 'not a connection id (conn_ + 32 hex digits)' }]);
  const connection = await connectionOf(c.env.DB, id, connectionOwner(c.get('principal'), 'connections:use'));
  if (!connection) throw new AppError(404, 'connection_not_found', `No connection ${id}.`);
  if (connection.status === 'disconnected') {
    throw new AppError(409, 'connection_disconnected', 'This connection is disconnected; create a new one to reach its target again.');
  }
  return connection;
}

async function baseUrl(c: Context<AppEnv>, connection: Connection): Promise<string> {
  if (connection.targetEndpoint) {
    // Rows stored before the name rules tightened are held to today's rules before every call.
    const problem = hostProblem(canonicalHost(new URL(connection.targetEndpoint).hostname));
    if (problem) {
      throw new AppError(
        409,
        'connection_target_refused',
        `This connection's endpoint is no longer allowed (${problem}); disconnect it and connect to a public host.`,
      );
    }
    return connection.targetEndpoint;
  }
  if (connection.targetService === 'http')
    throw new AppError(409, 'connection_has_no_endpoint', 'This connection has no endpoint to reach.');
  return ecosystemFromEnv(c.env).discovery.baseUrl(connection.targetService);
}

function storedAuth(connection: Connection): AuthConfig | undefined {
  const parsed = authConfig.safeParse(connection.config.auth);
  return effectiveAuth(parsed.success ? parsed.data : undefined, connection.credentialsRef !== null);
}

function timeoutOf(connection: Connection): number {
  const value = connection.config.timeoutMs;
  return typeof value === 'number' && value > 0 ? Math.min(value, PROXY_MAX_TIMEOUT_MS) : PROXY_MAX_TIMEOUT_MS;
}

/** Handles one proxied request (any method) for the route `/v1/connections/:id/proxy/*`. */
export async function proxyRequest(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param('id') ?? '';
  const connection = await usableConnection(c, id);
  const incoming = new URL(c.req.url);
  const prefix = `/v1/connections/${id}/proxy`;
  const target = proxyTargetUrl(await baseUrl(c, connection), incoming.pathname.slice(prefix.length), incoming.search);

  const headers = forwardedRequestHeaders(c.req.raw.headers);
  headers.set('x-request-id', c.get('requestId'));
  if (connection.credentialsRef) {
    const credentials = await loadCredentials(c.env, credentialKeyringFromEnv(c.env), connection.connectionId, connection.credentialsRef);
    const header = injectedHeader(storedAuth(connection), credentials);
    if (header) headers.set(header[0], header[1]);
  }
  const method = c.req.method;
  const body = method === 'GET' || method === 'HEAD' ? undefined : await c.req.arrayBuffer();

  const deadline = new Deadline(timeoutOf(connection));
  let failed = true;
  try {
    const sent = await sendWithin(outboundFetch(c.env), target, { method, headers, body }, deadline);
    if (sent.kind === 'timeout') throw upstreamTimeout(deadline.ms);
    if (sent.kind === 'unreachable')
      throw new AppError(502, 'upstream_unreachable', 'The connection’s target could not be reached; check it with GET …/status.', {
        cause: sent.error,
      });
    const { response } = sent;
    if (response.status < 200)
      throw new AppError(502, 'upstream_bad_response', `The target answered ${response.status}, which the proxy does not pass on.`);
    const read = await readWithin(response, PROXY_MAX_RESPONSE_BYTES, deadline);
    if (read.kind === 'timeout') throw upstreamTimeout(deadline.ms);
    if (read.kind === 'unreachable')
      throw new AppError(502, 'upstream_unreachable', 'The target’s answer broke off before it was complete.', { cause: read.error });
    if (read.kind === 'too_large') {
      throw new AppError(
        502,
        'upstream_response_too_large',
        `The target’s answer is larger than ${PROXY_MAX_RESPONSE_BYTES} bytes; ask for less.`,
      );
    }
    failed = response.status >= 500;
    const payload = NULL_BODY.has(response.status) || method === 'HEAD' ? null : read.bytes;
    const answerHeaders = returnedResponseHeaders(response.headers);
    // Tells the target's own answers (any status) from the proxy's refusals, which lack it.
    answerHeaders.set(UPSTREAM_ANSWER_HEADER, '1');
    return new Response(payload, { status: response.status, headers: answerHeaders });
  } finally {
    deadline.clear();
    await recordUse(c.env.DB, connection.connectionId, failed, new Date().toISOString()).run();
  }
}

function upstreamTimeout(ms: number): AppError {
  return new AppError(504, 'upstream_timeout', `The connection’s target did not answer within ${ms} ms.`);
}
