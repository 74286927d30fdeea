/**
 * Creating and disconnecting connections. Create checks what the schema cannot (the endpoint's
 * name, and for http targets what it resolves to; how credentials are injected; that the source
 * is the caller's), encrypts credentials into `API_KEYS` first, then writes the row and its `connection.created` event in one D1 batch; if
 * the batch fails (e.g. a live duplicate → 409) the encrypted value is removed again, so nothing
 * half-made stays behind. Disconnect marks the row, records `connection.disconnected` in the same
 * batch and destroys the credentials. Event payloads never carry credentials or config.
 */

import { requireScope } from '../auth/authorize';
import type { Principal } from '../auth/principal';
import { ownsContext } from '../contexts/service';
import { credentialKeyringFromEnv } from '../crypto/keyring';
import { ecosystemFromEnv } from '../ecosystem/from-env';
import type { Env } from '../env';
import { AppError, type FieldError } from '../http/errors';
import { randomId } from '../lib/crypto';
import { consoleLogger } from '../lib/log';
import { outboxInsert } from '../queue/store';
import { credentialsRef, destroyCredentials, putSealed, sealCredentials } from './credentials';
import { checkEndpointHost } from './resolve';
import { credentialProblems, normalizeEndpoint } from './rules';
import type { Connection, CreateBody } from './schema';
import { connectionOf, disconnectConnection, insertConnection, isDuplicateLive, outboxIfChanged } from './store';

/** Retry-After when the resolver could not answer at create. */
const RESOLVER_RETRY_AFTER_SECONDS = 5;

/** A 400 naming each field, shaped like the schema validation's. */
export function invalidFields(errors: FieldError[]): AppError {
  const [first] = errors;
  const detail = first
    ? `${first.field}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`
    : 'Invalid request.';
  return new AppError(400, 'validation_failed', detail, { errors });
}

/**
 * The owner of the connections a request may touch: the caller's registered actor (for a
 * delegation token, its delegator), provided its credential carries `scope`; 403 otherwise.
 */
export function connectionOwner(principal: Principal, scope: 'connections:read' | 'connections:write' | 'connections:use'): string {
  if (!principal.registered) {
    throw new AppError(403, 'actor_not_registered', 'Register first (POST /v1/actors/register); connections belong to actors.');
  }
  requireScope(principal, scope);
  return principal.chittyId;
}

/** What the API shows of a connection: never credentials, only whether there are some and their key id. */
export function connectionView(c: Connection) {
  return {
    connectionId: c.connectionId,
    owner: c.owner,
    source: { type: c.sourceType, id: c.sourceId },
    target: { service: c.targetService, endpoint: c.targetEndpoint || null },
    type: c.type,
    config: c.config,
    tags: c.tags,
    metadata: c.metadata,
    status: c.status,
    hasCredentials: c.credentialsRef !== null,
    credentialsKeyId: c.credentialsKid,
    health: { lastCheckAt: c.lastCheckAt, errorCount: c.errorCount },
    usage: { requestCount: c.requestCount, lastUsedAt: c.lastUsedAt },
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    disconnectedAt: c.disconnectedAt,
  };
}

/**
 * The resolve check at create (when on): a name that points inside or does not resolve is a 400
 * naming the field; a resolver that cannot answer is a 503 — fail closed, try again shortly.
 */
async function refuseInternalResolution(env: Env, endpoint: string): Promise<void> {
  const resolution = await checkEndpointHost(env, endpoint);
  if (!resolution || resolution.kind === 'public') return;
  if (resolution.kind === 'unavailable') {
    consoleLogger.log('warn', 'connection.resolve_unavailable', { detail: resolution.detail });
    throw new AppError(
      503,
      'resolver_unavailable',
      'The endpoint’s host name could not be checked (the DNS resolver did not answer); retry shortly.',
      { retryAfterSeconds: RESOLVER_RETRY_AFTER_SECONDS },
    );
  }
  const hint = resolution.kind === 'unresolvable' ? '; create its DNS record first' : '; use a host on the public internet';
  throw invalidFields([{ field: 'json.target.endpoint', message: `${resolution.detail}${hint}` }]);
}

async function targetEndpoint(env: Env, body: CreateBody): Promise<string> {
  const field = 'json.target.endpoint';
  const { service, endpoint } = body.target;
  if (endpoint === undefined) {
    if (service === 'http') throw invalidFields([{ field, message: 'required when target.service is "http"' }]);
    return '';
  }
  const normalized = normalizeEndpoint(endpoint);
  if ('problem' in normalized) throw invalidFields([{ field, message: normalized.problem }]);
  if (service !== 'http') {
    const base = new URL(await ecosystemFromEnv(env).discovery.baseUrl(service));
    if (new URL(normalized.endpoint).origin !== base.origin) {
      throw invalidFields([{ field, message: `a ${service} endpoint must be on ${base.origin}, or use target.service "http"` }]);
    }
  }
  return normalized.endpoint;
}

function sourceProblem(status: 422, code: string, message: string): AppError {
  return new AppError(status, code, `json.source.id: ${message}.`, { errors: [{ field: 'json.source.id', message }] });
}

async function checkSource(env: Env, owner: string, source: CreateBody['source']): Promise<void> {
  if (source.type === 'actor' && source.id !== owner) {
    throw sourceProblem(422, 'source_not_self', `an actor source must be yourself (${owner})`);
  }
  if (source.type === 'context' && !(await ownsContext(env.DB, owner, source.id))) {
    throw sourceProblem(422, 'source_not_found', 'no live context of yours has this id');
  }
}

/** Seals the credentials (if any) into KV under the connection's ref; the ref and key id, or nulls. */
async function storeCredentials(
  env: Env,
  connectionId: string,
  credentials: CreateBody['credentials'],
): Promise<{ ref: string | null; kid: string | null }> {
  if (credentials === undefined) return { ref: null, kid: null };
  const keyring = credentialKeyringFromEnv(env);
  const sealed = await sealCredentials(keyring, connectionId, credentials);
  const ref = credentialsRef(connectionId);
  await putSealed(env, ref, sealed);
  return { ref, kid: sealed.kid };
}

/** The new connection's row, active and unused. */
function newConnection(
  connectionId: string,
  owner: string,
  body: CreateBody,
  endpoint: string,
  sealed: { ref: string | null; kid: string | null },
  now: string,
): Connection {
  return {
    connectionId,
    owner,
    sourceType: body.source.type,
    sourceId: body.source.id,
    targetService: body.target.service,
    targetEndpoint: endpoint,
    type: body.type,
    config: body.config ?? {},
    credentialsRef: sealed.ref,
    credentialsKid: sealed.kid,
    tags: [...new Set(body.tags ?? [])],
    metadata: body.metadata ?? {},
    status: 'active',
    lastCheckAt: null,
    errorCount: 0,
    requestCount: 0,
    lastUsedAt: null,
    createdAt: now,
    updatedAt: now,
    disconnectedAt: null,
  };
}

/** Creates a connection owned by the actor `owner`; 400/422/409/503 as documented in docs/connections.md. */
export async function createConnection(env: Env, owner: string, body: CreateBody): Promise<Connection> {
  const endpoint = await targetEndpoint(env, body);
  const problems = credentialProblems(body.config?.auth, body.credentials);
  if (problems.length) throw invalidFields(problems);
  await checkSource(env, owner, body.source);
  if (body.target.service === 'http') await refuseInternalResolution(env, endpoint);

  const now = new Date().toISOString();
  const connectionId = randomId('conn');
  const sealed = await storeCredentials(env, connectionId, body.credentials);
  const connection = newConnection(connectionId, owner, body, endpoint, sealed, now);
  const { config: _config, ...described } = connectionView(connection);
  const event = outboxInsert(env.DB, {
    aggregate: 'connection',
    aggregateId: connectionId,
    eventType: 'connection.created',
    payload: described,
  });
  try {
    await env.DB.batch([insertConnection(env.DB, connection), event.statement]);
  } catch (err) {
    if (sealed.ref) await destroyCredentials(env, sealed.ref);
    if (isDuplicateLive(err)) {
      throw new AppError(
        409,
        'connection_exists',
        'This source already has an active connection to this target and endpoint; disconnect it first.',
      );
    }
    throw err;
  }
  return connection;
}

/** Disconnects a live connection of `owner`: status, disconnected_at, event, credentials destroyed. */
export async function disconnect(env: Env, owner: string, connectionId: string): Promise<void> {
  const connection = await connectionOf(env.DB, connectionId, owner);
  const notFound = new AppError(404, 'connection_not_found', `No live connection ${connectionId}.`);
  if (!connection || connection.status === 'disconnected') throw notFound;
  const at = new Date().toISOString();
  const event = {
    aggregate: 'connection' as const,
    aggregateId: connectionId,
    eventType: 'connection.disconnected',
    payload: { connectionId, owner, disconnectedAt: at },
  };
  const [update] = await env.DB.batch([disconnectConnection(env.DB, connectionId, owner, at), outboxIfChanged(env.DB, event, at)]);
  if (update?.meta.changes !== 1) throw notFound;
  if (!connection.credentialsRef) return;
  try {
    await destroyCredentials(env, connection.credentialsRef);
  } catch (err) {
    // The row no longer references it; the value is encrypted and orphaned. Say so, so it can be removed.
    consoleLogger.log('error', 'connection.credentials_not_destroyed', {
      connectionId,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}
