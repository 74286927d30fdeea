/** Connections CRUD through the worker: create, read, list (filters, pagination), disconnect, the one-live rule. */
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { call, registeredActor } from '../helpers/actors';
import { clearFaults, createActor } from '../helpers/emulator';
import { get } from '../helpers/worker';
import { type ConnectionBody, createConnection, createContext, echoConnection, echoHost, eventsOf, postConnection } from './support';

afterEach(clearFaults);

describe('POST /v1/connections', () => {
  it('creates a connection from the caller itself, with its event in the outbox, and reads it back', async () => {
    const a = await registeredActor('human');
    const host = echoHost();
    const res = await postConnection(a, {
      source: { type: 'actor', id: a.chittyId },
      target: { service: 'http', endpoint: `https://${host.toUpperCase()}/base/` },
      type: 'webhook',
      config: { auth: { scheme: 'bearer' }, retries: 3 },
      credentials: 'sk_live_abc',
      tags: ['billing', 'billing', 'team:core'],
      metadata: { createdBy: 'ci', ticket: 42 },
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as ConnectionBody;
    expect(created).toMatchObject({
      owner: a.chittyId,
      source: { type: 'actor', id: a.chittyId },
      target: { service: 'http', endpoint: `https://${host}/base` },
      type: 'webhook',
      status: 'active',
      hasCredentials: true,
      credentialsKeyId: 'dev-1',
      tags: ['billing', 'team:core'],
      metadata: { createdBy: 'ci', ticket: 42 },
      config: { auth: { scheme: 'bearer' }, retries: 3 },
      health: { lastCheckAt: null, errorCount: 0 },
      usage: { requestCount: 0, lastUsedAt: null },
      disconnectedAt: null,
    });
    expect(created.connectionId).toMatch(/^conn_[0-9a-f]{32}$/);
    expect(res.headers.get('location')).toBe(`/v1/connections/${created.connectionId}`);
    expect(await eventsOf(created.connectionId)).toEqual(['connection.created']);

    const read = await call(`/v1/connections/${created.connectionId}`, a.token);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(created);
  });

  it('creates a connection from a context the caller owns, to a ChittyOS service', async () => {
    const a = await registeredActor('human');
    const contextId = await createContext(a);
    const created = await createConnection(a, { source: { type: 'context', id: contextId }, target: { service: 'verify' } });
    expect(created).toMatchObject({
      source: { type: 'context', id: contextId },
      target: { service: 'verify', endpoint: null },
      hasCredentials: false,
    });
    expect(created.credentialsKeyId).toBeNull();
  });

  it('one active connection per source/target/endpoint: 409, and a new one is allowed after disconnecting', async () => {
    const a = await registeredActor('human');
    const first = await echoConnection(a);
    const body = { source: { type: 'actor', id: a.chittyId }, target: { service: 'http', endpoint: `https://${first.host}/base` } };
    const again = await postConnection(a, body);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe('connection_exists');
    // A different endpoint on the same host is a different connection.
    const other = await postConnection(a, { ...body, target: { service: 'http', endpoint: `https://${first.host}/other` } });
    expect(other.status).toBe(201);
    expect((await call(`/v1/connections/${first.connectionId}`, a.token, { method: 'DELETE' })).status).toBe(204);
    expect((await postConnection(a, body)).status).toBe(201);
  });

  it('a rejected duplicate leaves no encrypted credentials behind', async () => {
    const a = await registeredActor('human');
    const first = await echoConnection(a);
    const before = (await env.API_KEYS.list({ prefix: 'conncred:' })).keys.length;
    const dup = await postConnection(a, {
      source: { type: 'actor', id: a.chittyId },
      target: { service: 'http', endpoint: `https://${first.host}/base` },
      credentials: 'dup-secret',
    });
    expect(dup.status).toBe(409);
    expect((await env.API_KEYS.list({ prefix: 'conncred:' })).keys.length).toBe(before);
  });
});

describe('DELETE /v1/connections/{id}', () => {
  it('disconnects: status, disconnected_at, credentials destroyed, event; a second DELETE is 404', async () => {
    const a = await registeredActor('human');
    const c = await echoConnection(a, { credentials: 'to-be-destroyed' });
    expect(await env.API_KEYS.get(`conncred:${c.connectionId}`)).not.toBeNull();
    expect((await call(`/v1/connections/${c.connectionId}`, a.token, { method: 'DELETE' })).status).toBe(204);
    expect(await env.API_KEYS.get(`conncred:${c.connectionId}`)).toBeNull();
    const after = (await (await call(`/v1/connections/${c.connectionId}`, a.token)).json()) as ConnectionBody;
    expect(after).toMatchObject({ status: 'disconnected', hasCredentials: false, credentialsKeyId: null });
    expect(after.disconnectedAt).toBeTruthy();
    expect(await eventsOf(c.connectionId)).toEqual(['connection.created', 'connection.disconnected']);
    const again = await call(`/v1/connections/${c.connectionId}`, a.token, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(await eventsOf(c.connectionId)).toHaveLength(2);
  });
});

describe('GET /v1/connections/list', () => {
  it('lists only the caller’s connections, filters by source, target and status, and pages by cursor', async () => {
    const a = await registeredActor('system');
    const b = await registeredActor('human');
    const contextId = await createContext(a);
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await echoConnection(a)).connectionId);
    made.push((await createConnection(a, { source: { type: 'context', id: contextId }, target: { service: 'dna' } })).connectionId);
    await echoConnection(b);
    await call(`/v1/connections/${made[0]}`, a.token, { method: 'DELETE' });

    const ids = async (query: string) => {
      const res = await call(`/v1/connections/list${query}`, a.token);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { connections: ConnectionBody[]; nextCursor: string | null };
      return { ids: body.connections.map((c) => c.connectionId), next: body.nextCursor };
    };
    const all = await ids('');
    expect(new Set(all.ids)).toEqual(new Set(made));
    expect((await ids('?target=dna')).ids).toEqual([made[5]]);
    expect((await ids(`?sourceType=context&sourceId=${contextId}`)).ids).toEqual([made[5]]);
    expect((await ids('?status=disconnected')).ids).toEqual([made[0]]);
    expect(new Set((await ids('?status=active&target=http')).ids)).toEqual(new Set(made.slice(1, 5)));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await ids(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.ids.length).toBeLessThanOrEqual(2);
      seen.push(...page.ids);
      cursor = page.next;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(all.ids);
    expect(pages).toBe(3);
  });

  it('rejects bad filters and cursors naming the field', async () => {
    const a = await registeredActor('human');
    for (const [query, field] of [
      ['?limit=0', 'query.limit'],
      ['?limit=101', 'query.limit'],
      ['?status=broken', 'query.status'],
      ['?target=ftp', 'query.target'],
      ['?cursor=not-a-cursor', 'query.cursor'],
      ['?sourceType=actor', 'query.sourceId'],
      ['?surprise=1', 'query'],
    ] as const) {
      const res = await call(`/v1/connections/list${query}`, a.token);
      expect(res.status, query).toBe(400);
      const fields = ((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field);
      expect(
        fields.some((f) => f.startsWith(field)),
        `${query} → ${fields.join(',')}`,
      ).toBe(true);
    }
  });
});

describe('owner isolation', () => {
  it('B never sees, checks, uses or deletes A’s connection, and cannot connect from A’s context', async () => {
    const a = await registeredActor('human');
    const b = await registeredActor('human');
    const c = await echoConnection(a, { credentials: 'a-secret' });
    for (const [path, method] of [
      [`/v1/connections/${c.connectionId}`, 'GET'],
      [`/v1/connections/${c.connectionId}/status`, 'GET'],
      [`/v1/connections/${c.connectionId}/proxy/x`, 'GET'],
      [`/v1/connections/${c.connectionId}`, 'DELETE'],
    ] as const) {
      const res = await call(path, b.token, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('connection_not_found');
    }
    const guessed = await call(`/v1/connections/conn_${'0'.repeat(32)}`, b.token);
    expect(guessed.status).toBe(404);
    const listed = (await (await call('/v1/connections/list', b.token)).json()) as { connections: unknown[] };
    expect(listed.connections).toEqual([]);
    expect(((await (await call(`/v1/connections/${c.connectionId}`, a.token)).json()) as ConnectionBody).status).toBe('active');

    const contextId = await createContext(a);
    const stolen = await postConnection(b, { source: { type: 'context', id: contextId }, target: { service: 'dna' } });
    expect(stolen.status).toBe(422);
    expect(await stolen.json()).toMatchObject({ code: 'source_not_found', errors: [{ field: 'json.source.id' }] });
    const impersonated = await postConnection(b, { source: { type: 'actor', id: a.chittyId }, target: { service: 'dna' } });
    expect(impersonated.status).toBe(422);
    expect(((await impersonated.json()) as { code: string }).code).toBe('source_not_self');
  });

  it('an unregistered caller is 403; an API key needs the connections scopes', async () => {
    const a = await registeredActor('human', ['contexts:read']);
    const key = (await (await call('/v1/keys', a.token, { method: 'POST', json: { name: 'k', scopes: ['contexts:read'] } })).json()) as {
      apiKey: string;
    };
    const withKey = await get('/v1/connections/list', { headers: { 'x-api-key': key.apiKey } });
    expect(withKey.status).toBe(403);
    expect(((await withKey.json()) as { code: string }).code).toBe('scope_not_held');
    const stranger = await createActor('human');
    const unregistered = await call('/v1/connections/list', stranger.token);
    expect(unregistered.status).toBe(403);
    expect(((await unregistered.json()) as { code: string }).code).toBe('actor_not_registered');
  });
});

describe('OpenAPI', () => {
  it('documents every connections route, the proxy and the re-encrypt command', async () => {
    const doc = (await (await get('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/connections'] ?? {})).toContain('post');
    expect(Object.keys(doc.paths['/v1/connections/list'] ?? {})).toContain('get');
    expect(Object.keys(doc.paths['/v1/connections/{id}'] ?? {}).sort()).toEqual(['delete', 'get']);
    expect(Object.keys(doc.paths['/v1/connections/{id}/status'] ?? {})).toContain('get');
    expect(Object.keys(doc.paths['/v1/connections/{id}/proxy/{path}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch', 'post', 'put']);
    expect(Object.keys(doc.paths['/v1/admin/credentials/reencrypt'] ?? {})).toContain('post');
  });
});
