/**
 * Every MCP tool, driven by the official SDK client through /mcp: its happy path (the real effect,
 * read back through another tool or the state) and at least one refusal (a missing or wrong
 * argument named in the error, a 404, or — for the admin tools — the HTTP layer's 403 with the
 * insufficient_scope challenge). Each success's text content is the JSON of its structured content.
 */
import { env } from 'cloudflare:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TOOLS } from '../../src/mcp/tools';
import type { ConnectionBody } from '../connections/support';
import type { Issued } from '../delegation/support';
import installationCreated from '../fixtures/github/installation.created.json';
import issuesOpened from '../fixtures/github/issues.opened.json';
import { registeredActor, type TestActor } from '../helpers/actors';
import { clearFaults, createActor, setFault, testHost } from '../helpers/emulator';
import { control, deadLetter, delivery, freshNumber, pullRequest, runEvents } from '../helpers/github';
import { mcpClient, rawMcp } from '../helpers/mcp';
import { stuckContexts, unsent, waitForDelivery } from '../helpers/outbox';

afterEach(clearFaults);

type Json = Record<string, unknown>;

/** Tools seen succeeding and refusing in this file (the last test checks every tool was). */
const succeeded = new Set<string>();
const refused = new Set<string>();

/** A call that must succeed: its structured content, after checking the text is that content's JSON. */
async function ok<T = Json>(client: Client, name: string, args: Json = {}): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  const content = result.content as { type: string; text: string }[];
  expect(content).toHaveLength(1);
  expect(content[0]?.type).toBe('text');
  expect(content[0]?.text).toBe(JSON.stringify(result.structuredContent));
  succeeded.add(name);
  return result.structuredContent as T;
}

/** A call that must fail as a tool result (isError): its text. */
async function refusal(client: Client, name: string, args: Json = {}): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  if (!result.isError) throw new Error(`${name} succeeded: ${JSON.stringify(result.structuredContent)}`);
  expect(result.structuredContent).toBeUndefined();
  const [first] = result.content as { type: string; text: string }[];
  refused.add(name);
  return first?.text ?? '';
}

const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 12)}`;

let alice: TestActor;
let bob: TestActor;
let admin: TestActor;
let asAlice: Client;
let asBob: Client;
let asAdmin: Client;

beforeAll(async () => {
  [alice, bob, admin] = await Promise.all([registeredActor('human'), registeredActor('service'), registeredActor('system', ['admin'])]);
  [asAlice, asBob, asAdmin] = await Promise.all([
    mcpClient({ token: alice.token }),
    mcpClient({ token: bob.token }),
    mcpClient({ token: admin.token }),
  ]);
});

interface Ctx {
  chittyId: string;
  name: string;
  owner: string;
  version: number;
  status: string;
  data: unknown[];
}

describe('contexts tools', () => {
  it('contexts_create makes a context that contexts_get returns, with the text content being its JSON', async () => {
    const name = unique('mcp-ctx');
    const created = await ok<Ctx>(asAlice, 'contexts_create', { name, data: [{ note: 'fuel' }], systems: ['github'] });
    expect(created).toMatchObject({ name, owner: alice.chittyId, version: 1, status: 'active', data: [{ note: 'fuel' }] });
    expect(created.chittyId).toMatch(/-CONTEXT-/);
    const got = await ok<Ctx>(asAlice, 'contexts_get', { id: created.chittyId });
    expect(got).toEqual(created);
  });

  it('contexts_create refuses a missing name, a taken name (409) and an argument it does not take, naming them', async () => {
    expect(await refusal(asAlice, 'contexts_create', {})).toBe(
      'invalid_arguments: contexts_create needs name. Fix the arguments and call again.',
    );
    const name = unique('mcp-taken');
    await ok(asAlice, 'contexts_create', { name });
    const taken = await refusal(asAlice, 'contexts_create', { name });
    expect(taken).toMatch(/^409 name_taken: /);
    expect(taken).toContain(name);
    const unknown = await refusal(asAlice, 'contexts_create', { name: unique('x'), owner: bob.chittyId });
    expect(unknown).toContain('does not take owner');
    const invalid = await refusal(asAlice, 'contexts_create', { name: '!bad name' });
    expect(invalid).toMatch(/^(400 validation_failed|invalid_arguments): /);
    expect(invalid).toContain('name');
  });

  it('contexts_create with an idempotencyKey: a retry returns the same context, and no second one exists', async () => {
    const name = unique('mcp-idem');
    const key = crypto.randomUUID();
    const first = await ok<Ctx>(asAlice, 'contexts_create', { name, idempotencyKey: key });
    const retry = await ok<Ctx>(asAlice, 'contexts_create', { name, idempotencyKey: key });
    expect(retry.chittyId).toBe(first.chittyId);
    expect(retry).toEqual(first);
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM contexts WHERE name = ?').bind(name).first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it('contexts_update with the current version changes it; a stale version is an isError with 412', async () => {
    const created = await ok<Ctx>(asAlice, 'contexts_create', { name: unique('mcp-upd') });
    const updated = await ok<Ctx>(asAlice, 'contexts_update', { id: created.chittyId, version: 1, status: 'inactive', data: [1, 2] });
    expect(updated).toMatchObject({ chittyId: created.chittyId, version: 2, status: 'inactive', data: [1, 2] });
    expect(await ok<Ctx>(asAlice, 'contexts_get', { id: created.chittyId })).toMatchObject({ version: 2, status: 'inactive' });

    const stale = await refusal(asAlice, 'contexts_update', { id: created.chittyId, version: 1, status: 'active' });
    expect(stale).toMatch(/^412 /);
    expect(stale).toContain('contexts_get');
    expect(await ok<Ctx>(asAlice, 'contexts_get', { id: created.chittyId })).toMatchObject({ version: 2, status: 'inactive' });
    expect(await refusal(asAlice, 'contexts_update', { id: created.chittyId, status: 'active' })).toBe(
      'invalid_arguments: contexts_update needs version. Fix the arguments and call again.',
    );
  });

  it('contexts_get: another actor’s context is 404, and an id that is no ChittyID is 400 naming id', async () => {
    const mine = await ok<Ctx>(asAlice, 'contexts_create', { name: unique('mcp-private') });
    const notFound = await refusal(asBob, 'contexts_get', { id: mine.chittyId });
    expect(notFound).toMatch(/^404 context_not_found: /);
    expect(notFound).toContain('Check the id');
    const invalid = await refusal(asAlice, 'contexts_get', { id: 'not-an-id' });
    expect(invalid).toMatch(/^400 /);
    expect(invalid).toContain('id');
    expect(await refusal(asAlice, 'contexts_get', {})).toBe('invalid_arguments: contexts_get needs id. Fix the arguments and call again.');
  });

  it('contexts_list shows the caller’s contexts by status; a forged cursor is refused', async () => {
    const active = await ok<Ctx>(asAlice, 'contexts_create', { name: unique('mcp-list') });
    const inactive = await ok<Ctx>(asAlice, 'contexts_create', { name: unique('mcp-list'), status: 'inactive' });
    const page = await ok<{ contexts: Ctx[]; nextCursor: string | null }>(asAlice, 'contexts_list', { status: 'inactive', limit: 100 });
    const ids = page.contexts.map((c) => c.chittyId);
    expect(ids).toContain(inactive.chittyId);
    expect(ids).not.toContain(active.chittyId);
    expect(page.contexts.every((c) => c.owner === alice.chittyId && c.status === 'inactive')).toBe(true);
    expect((await ok<{ contexts: Ctx[] }>(asBob, 'contexts_list')).contexts.map((c) => c.chittyId)).not.toContain(active.chittyId);
    const forged = await refusal(asAlice, 'contexts_list', { cursor: 'not-a-cursor' });
    expect(forged).toMatch(/^400 invalid_cursor: /);
    expect(await refusal(asAlice, 'contexts_list', { status: 'gone' })).toMatch(/^(400 validation_failed|invalid_arguments): .*status/);
  });

  it('contexts_search finds a context by a word of its name; a query without words is refused naming q', async () => {
    const word = `zq${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;
    const created = await ok<Ctx>(asAlice, 'contexts_create', { name: `mcp ${word} search` });
    const found = await ok<{ contexts: Ctx[]; nextOffset: number | null }>(asAlice, 'contexts_search', { q: word });
    expect(found.contexts.map((c) => c.chittyId)).toEqual([created.chittyId]);
    expect((await ok<{ contexts: Ctx[] }>(asBob, 'contexts_search', { q: word })).contexts).toEqual([]);
    expect(await refusal(asAlice, 'contexts_search', {})).toBe(
      'invalid_arguments: contexts_search needs q. Fix the arguments and call again.',
    );
    expect(await refusal(asAlice, 'contexts_search', { q: '!!!' })).toMatch(/^(400 validation_failed|invalid_arguments): .*q/);
  });

  it('contexts_delete reports {deleted: true} and the context is gone (404); deleting again is 404', async () => {
    const created = await ok<Ctx>(asAlice, 'contexts_create', { name: unique('mcp-del') });
    expect(await refusal(asAlice, 'contexts_delete', { id: created.chittyId, version: 7 })).toMatch(/^412 /);
    expect(await ok(asAlice, 'contexts_delete', { id: created.chittyId, version: 1 })).toEqual({ deleted: true });
    expect(await refusal(asAlice, 'contexts_get', { id: created.chittyId })).toMatch(/^404 context_not_found/);
    expect(await refusal(asAlice, 'contexts_delete', { id: created.chittyId })).toMatch(/^404 context_not_found/);
  });

  it('contexts_timeline lists what happened to the context once its events are delivered; another’s is 404', async () => {
    const created = await ok<Ctx>(asAlice, 'contexts_create', { name: unique('mcp-tl') });
    expect(await waitForDelivery([created.chittyId])).toBe(0);
    const timeline = await ok<{ contextId: string; events: { eventType: string }[] }>(asAlice, 'contexts_timeline', {
      id: created.chittyId,
    });
    expect(timeline.contextId).toBe(created.chittyId);
    expect(timeline.events.map((e) => e.eventType)).toContain('context.created');
    expect(await refusal(asBob, 'contexts_timeline', { id: created.chittyId })).toMatch(/^404 context_not_found/);
  });

  it('contexts_events lists each change with its delivery; another’s is 404', async () => {
    const created = await ok<Ctx>(asAlice, 'contexts_create', { name: unique('mcp-ev') });
    await ok(asAlice, 'contexts_update', { id: created.chittyId, version: 1, data: ['changed'] });
    expect(await waitForDelivery([created.chittyId])).toBe(0);
    const listed = await ok<{ contextId: string; events: { eventType: string; deliveredAt: string | null }[] }>(
      asAlice,
      'contexts_events',
      {
        id: created.chittyId,
      },
    );
    expect(listed.events.map((e) => e.eventType)).toEqual(['context.updated', 'context.created']);
    expect(listed.events.every((e) => e.deliveredAt !== null)).toBe(true);
    expect(await refusal(asBob, 'contexts_events', { id: created.chittyId })).toMatch(/^404 context_not_found/);
  });
});

interface ActorView {
  chittyId: string;
  actorType: string;
  status: string;
  capabilities?: string[];
  principalId?: string;
}

describe('actors tools', () => {
  it('actors_me is the actor behind the credential, with its granted capabilities', async () => {
    const me = await ok<ActorView>(asAlice, 'actors_me');
    expect(me).toMatchObject({ chittyId: alice.chittyId, actorType: 'human', status: 'active', principalId: alice.principalId });
    expect(me.capabilities).toEqual([]);
    expect(await ok<ActorView>(asAdmin, 'actors_me')).toMatchObject({ chittyId: admin.chittyId, capabilities: ['admin'] });
    expect(await refusal(asAlice, 'actors_me', { verbose: true })).toContain('actors_me does not take verbose; it takes no arguments.');
  });

  it('actors_get: everything for oneself, the public profile for another; an unknown actor is 404, a bad id 400', async () => {
    expect(await ok<ActorView>(asAlice, 'actors_get', { chittyId: alice.chittyId })).toMatchObject({
      chittyId: alice.chittyId,
      capabilities: expect.any(Array),
    });
    const other = await ok<ActorView>(asAlice, 'actors_get', { chittyId: bob.chittyId });
    expect(other).toMatchObject({ chittyId: bob.chittyId, actorType: 'service' });
    expect(other.capabilities).toBeUndefined();
    expect(other.principalId).toBeUndefined();
    // A well-formed ChittyID that names no actor: a context's.
    const ctx = await ok<Ctx>(asAlice, 'contexts_create', { name: unique('mcp-notactor') });
    expect(await refusal(asAlice, 'actors_get', { chittyId: ctx.chittyId })).toMatch(/^404 actor_not_found: /);
    expect(await refusal(asAlice, 'actors_get', { chittyId: 'nobody' })).toMatch(/^(400|invalid_arguments:) .*chittyId/);
  });

  it('actors_register registers a new principal once (again changes nothing); before it, owning things says to register', async () => {
    const principal = await createActor('ai', ['contexts:write']);
    const fresh = await mcpClient({ token: principal.token });
    const before = await refusal(fresh, 'contexts_create', { name: unique('mcp-unregistered') });
    expect(before).toMatch(/^403 actor_not_registered: /);
    expect(before).toContain('Call actors_register first');
    const registered = await ok<ActorView>(fresh, 'actors_register', { displayName: 'MCP agent' });
    expect(registered).toMatchObject({ actorType: 'ai', status: 'active', principalId: principal.chittyId });
    const again = await ok<ActorView>(fresh, 'actors_register', {});
    expect(again.chittyId).toBe(registered.chittyId);
    expect((await ok<ActorView>(fresh, 'actors_me')).chittyId).toBe(registered.chittyId);
    const badEmail = await refusal(fresh, 'actors_register', { email: 'not an email' });
    expect(badEmail).toMatch(/^(400 validation_failed|invalid_arguments): .*email/);
  });
});

interface Echo {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string | null;
}

const NO_CONNECTION = `conn_${'0'.repeat(32)}`;

describe('connections tools', () => {
  it('create, get, list, status, call (credentials injected), delete: each with its real effect', async () => {
    const host = testHost('echo');
    const created = await ok<ConnectionBody>(asAlice, 'connections_create', {
      source: { type: 'actor', id: alice.chittyId },
      target: { service: 'http', endpoint: `https://${host}/base` },
      credentials: { token: 'sk_mcp_secret' },
      tags: ['mcp'],
    });
    expect(created).toMatchObject({ owner: alice.chittyId, status: 'active', hasCredentials: true, target: { service: 'http' } });
    expect(JSON.stringify(created)).not.toContain('sk_mcp_secret');
    const id = created.connectionId;
    expect(await ok<ConnectionBody>(asAlice, 'connections_get', { id })).toEqual(created);
    const listed = await ok<{ connections: ConnectionBody[] }>(asAlice, 'connections_list', { target: 'http', limit: 100 });
    expect(listed.connections.map((c) => c.connectionId)).toContain(id);
    expect((await ok<{ connections: ConnectionBody[] }>(asBob, 'connections_list')).connections.map((c) => c.connectionId)).not.toContain(
      id,
    );

    const status = await ok<{ status: string; reachable: boolean; httpStatus: number }>(asAlice, 'connections_status', { id });
    expect(status).toMatchObject({ connectionId: id, status: 'active', reachable: true, httpStatus: 200 });
    const history = await ok<{ checks: { reachable: boolean; httpStatus: number | null }[] }>(asAlice, 'connections_checks', { id });
    expect(history.checks).toEqual([expect.objectContaining({ reachable: true, httpStatus: 200 })]);

    const answer = await ok<{ status: number; contentType: string; body: Echo }>(asAlice, 'connections_call', {
      id,
      path: 'items/42',
      method: 'POST',
      query: { expand: 'true' },
      headers: { 'x-custom': 'kept' },
      body: { hello: 'world' },
    });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/json/);
    expect(answer.body).toMatchObject({ method: 'POST', path: '/base/items/42', query: { expand: 'true' }, body: '{"hello":"world"}' });
    expect(answer.body.headers.authorization).toBe('Bearer sk_mcp_secret');
    expect(answer.body.headers['x-custom']).toBe('kept');
    expect(JSON.stringify(answer.body.headers)).not.toContain(alice.token);

    expect(await ok(asAlice, 'connections_delete', { id })).toEqual({ disconnected: true });
    expect(await ok<ConnectionBody>(asAlice, 'connections_get', { id })).toMatchObject({ status: 'disconnected', hasCredentials: false });
    expect(await refusal(asAlice, 'connections_status', { id })).toMatch(/^409 connection_disconnected: /);
    expect(await refusal(asAlice, 'connections_delete', { id })).toMatch(/^404 connection_not_found/);
  });

  it('a connection from a context to a ChittyOS service is checked through the ecosystem', async () => {
    const ctx = await ok<Ctx>(asAlice, 'contexts_create', { name: unique('mcp-conn-src') });
    const created = await ok<ConnectionBody>(asAlice, 'connections_create', {
      source: { type: 'context', id: ctx.chittyId },
      target: { service: 'verify' },
    });
    expect(created).toMatchObject({ source: { type: 'context', id: ctx.chittyId }, target: { service: 'verify', endpoint: null } });
    expect(await ok(asAlice, 'connections_status', { id: created.connectionId })).toMatchObject({ status: 'active', reachable: true });
    const duplicate = await refusal(asAlice, 'connections_create', {
      source: { type: 'context', id: ctx.chittyId },
      target: { service: 'verify' },
    });
    expect(duplicate).toMatch(/^409 connection_exists: /);
  });

  it('connections_call passes the target’s error answer through as a result, not an error', async () => {
    const host = testHost('echo');
    const created = await ok<ConnectionBody>(asAlice, 'connections_create', {
      source: { type: 'actor', id: alice.chittyId },
      target: { service: 'http', endpoint: `https://${host}/base` },
    });
    await setFault(host, { mode: 'error', status: 503, times: 1 });
    const answer = await ok<{ status: number }>(asAlice, 'connections_call', { id: created.connectionId, path: 'x' });
    expect(answer.status).toBe(503);
  });

  it('refusals: unknown ids are 404 for get, status, delete and call; missing and invalid arguments are named', async () => {
    for (const tool of ['connections_get', 'connections_status', 'connections_checks', 'connections_delete']) {
      expect(await refusal(asAlice, tool, { id: NO_CONNECTION }), tool).toMatch(/^404 connection_not_found: /);
    }
    expect(await refusal(asAlice, 'connections_call', { id: NO_CONNECTION, path: 'x' })).toMatch(/^404 connection_not_found: /);
    expect(await refusal(asAlice, 'connections_call', { id: NO_CONNECTION })).toBe(
      'invalid_arguments: connections_call needs path. Fix the arguments and call again.',
    );
    expect(await refusal(asAlice, 'connections_create', { source: { type: 'actor', id: alice.chittyId } })).toBe(
      'invalid_arguments: connections_create needs target. Fix the arguments and call again.',
    );
    const badEndpoint = await refusal(asAlice, 'connections_create', {
      source: { type: 'actor', id: alice.chittyId },
      target: { service: 'http', endpoint: 'ftp://example.com/x' },
    });
    expect(badEndpoint).toMatch(/^(400|invalid_arguments:) .*endpoint/);
    expect(await refusal(asAlice, 'connections_list', { cursor: 'forged' })).toMatch(/^400 /);
  });

  it('connections_call stays on its route: dot segments, a body on GET and arguments off the schema are refused before anything runs', async () => {
    const before = await ok<{ contexts: unknown[] }>(asAlice, 'contexts_list', { limit: 100 });
    const traversal = await refusal(asAlice, 'connections_call', {
      id: NO_CONNECTION,
      path: '../../../contexts/create',
      method: 'POST',
      body: { name: unique('esc') },
    });
    expect(traversal).toMatch(/^invalid_arguments: connections_call: path must not contain "\." or "\.\." segments/);
    expect((await ok<{ contexts: unknown[] }>(asAlice, 'contexts_list', { limit: 100 })).contexts).toHaveLength(before.contexts.length);
    expect(await refusal(asAlice, 'connections_call', { id: NO_CONNECTION, path: 'x', body: { a: 1 } })).toMatch(
      /a body needs method POST, PUT or PATCH/,
    );
    expect(await refusal(asAlice, 'connections_call', { id: NO_CONNECTION, path: 'x', method: 'TRACE' })).toMatch(
      /^invalid_arguments: .*method/,
    );
    expect(await refusal(asAlice, 'connections_call', { id: NO_CONNECTION, path: 'x', query: 'a=1' })).toMatch(
      /^invalid_arguments: .*query/,
    );
    expect(await refusal(asAlice, 'contexts_create', { name: unique('n'), idempotencyKey: 12345 })).toMatch(
      /^invalid_arguments: .*idempotencyKey/,
    );
  });
});

describe('delegation tools', () => {
  it('issue → validate says valid; derive by the subject → valid with the chain; revoke → both revoked', async () => {
    const carol = await registeredActor('service');
    const issued = await ok<Issued>(asAlice, 'delegation_issue', {
      subject: bob.chittyId,
      audience: 'chittyconnect',
      scopes: ['contexts:read', 'contexts:write'],
      expiresIn: 600,
    });
    expect(issued).toMatchObject({ issuer: alice.chittyId, subject: bob.chittyId, actorChain: [alice.chittyId], parentId: null });
    const verdict = await ok<{ valid: boolean; claims: Issued }>(asBob, 'delegation_validate', {
      token: issued.token,
      audience: 'chittyconnect',
      scopes: ['contexts:read'],
    });
    expect(verdict).toMatchObject({ valid: true, claims: { tokenId: issued.tokenId, subject: bob.chittyId } });
    const lacking = await ok<{ valid: boolean; reason: string }>(asBob, 'delegation_validate', { token: issued.token, scopes: ['admin'] });
    expect(lacking.valid).toBe(false);

    const child = await ok<Issued>(asBob, 'delegation_derive', {
      parentToken: issued.token,
      subject: carol.chittyId,
      scopes: ['contexts:read'],
    });
    expect(child).toMatchObject({
      issuer: bob.chittyId,
      subject: carol.chittyId,
      audience: 'chittyconnect',
      parentId: issued.tokenId,
      actorChain: [alice.chittyId, bob.chittyId],
    });
    expect(await ok(asBob, 'delegation_validate', { token: child.token })).toMatchObject({ valid: true });

    const notIssuer = await refusal(asBob, 'delegation_revoke', { tokenId: issued.tokenId });
    expect(notIssuer).toMatch(/^403 not_token_issuer: /);
    expect(await ok(asAlice, 'delegation_revoke', { tokenId: issued.tokenId })).toEqual({ revoked: true });
    expect(await ok(asBob, 'delegation_validate', { token: issued.token })).toMatchObject({ valid: false, reason: 'revoked' });
    expect(await ok(asBob, 'delegation_validate', { token: child.token })).toMatchObject({ valid: false, reason: 'revoked' });

    // Alice sees the lineage she started, both revoked; Carol sees the one made out to her.
    const mine = await ok<{ delegations: { tokenId: string; parentId: string | null; state: string }[] }>(asAlice, 'delegation_list');
    expect(mine.delegations.filter((d) => [issued.tokenId, child.tokenId].includes(d.tokenId))).toEqual([
      expect.objectContaining({ tokenId: child.tokenId, parentId: issued.tokenId, state: 'revoked' }),
      expect.objectContaining({ tokenId: issued.tokenId, parentId: null, state: 'revoked' }),
    ]);
    const asCarol = await mcpClient({ token: carol.token });
    const carols = await ok<{ delegations: { tokenId: string }[] }>(asCarol, 'delegation_list');
    expect(carols.delegations.map((d) => d.tokenId)).toContain(child.tokenId);
    expect(carols.delegations.map((d) => d.tokenId)).not.toContain(issued.tokenId);
    expect(await refusal(asAlice, 'delegation_list', { all: 'true' })).toMatch(/^403 forbidden: .*admin/);
  });

  it('delegation_issue refuses scopes the caller lacks (403), and names a missing audience and an offered parentToken', async () => {
    const lacking = await refusal(asAlice, 'delegation_issue', { subject: bob.chittyId, audience: 'chittyconnect', scopes: ['admin'] });
    expect(lacking).toMatch(/^403 scope_not_held: /);
    expect(lacking).toContain('admin');
    expect(await refusal(asAlice, 'delegation_issue', { subject: bob.chittyId, scopes: ['contexts:read'] })).toBe(
      'invalid_arguments: delegation_issue needs audience. Fix the arguments and call again.',
    );
    const parent = await refusal(asAlice, 'delegation_issue', {
      subject: bob.chittyId,
      audience: 'chittyconnect',
      scopes: ['contexts:read'],
      parentToken: 'x',
    });
    expect(parent).toContain('does not take parentToken');
  });

  it('delegation_derive refuses a caller who is not the token’s subject, and needs parentToken', async () => {
    const issued = await ok<Issued>(asAlice, 'delegation_issue', {
      subject: bob.chittyId,
      audience: 'chittyconnect',
      scopes: ['contexts:read'],
    });
    const notHolder = await refusal(asAlice, 'delegation_derive', {
      parentToken: issued.token,
      subject: alice.chittyId,
      scopes: ['contexts:read'],
    });
    expect(notHolder).toMatch(/^403 /);
    expect(await refusal(asBob, 'delegation_derive', { subject: alice.chittyId, scopes: ['contexts:read'] })).toBe(
      'invalid_arguments: delegation_derive needs parentToken. Fix the arguments and call again.',
    );
  });

  it('delegation_validate needs token, and says a garbage token is not valid; delegation_revoke of an unknown id is 404', async () => {
    expect(await refusal(asBob, 'delegation_validate', {})).toBe(
      'invalid_arguments: delegation_validate needs token. Fix the arguments and call again.',
    );
    expect(await ok(asBob, 'delegation_validate', { token: 'not.a.token' })).toMatchObject({ valid: false });
    expect(await refusal(asAlice, 'delegation_revoke', { tokenId: 'dlg_nosuchtoken' })).toMatch(/^404 delegation_not_found: /);
    expect(await refusal(asAlice, 'delegation_revoke', { tokenId: 'bad id!' })).toMatch(/^(400|invalid_arguments:) .*tokenId/);
  });
});

interface Key {
  keyId: string;
  name: string;
  scopes: string[];
  revokedAt: string | null;
  apiKey?: string;
}

describe('keys tools', () => {
  it('keys_create → keys_list shows it and the key works; keys_revoke → it stops working', async () => {
    const name = unique('mcp-key');
    const created = await ok<Key>(asAlice, 'keys_create', { name, scopes: ['contexts:read'] });
    expect(created).toMatchObject({ name, scopes: ['contexts:read'], revokedAt: null });
    expect(created.apiKey).toBeTruthy();
    const listed = await ok<{ keys: Key[] }>(asAlice, 'keys_list');
    const row = listed.keys.find((k) => k.keyId === created.keyId);
    expect(row).toMatchObject({ name, scopes: ['contexts:read'] });
    expect(JSON.stringify(listed)).not.toContain(created.apiKey);

    const withKey = await mcpClient({ apiKey: created.apiKey ?? '' });
    expect((await withKey.listTools()).tools.map((t) => t.name)).toEqual([
      'contexts_list',
      'contexts_search',
      'contexts_get',
      'contexts_timeline',
      'contexts_events',
      'actors_get',
      'actors_register',
      'delegation_derive',
      'delegation_validate',
      'delegation_revoke',
      'ecosystem_health',
    ]);
    // The key cannot make keys, nor register.
    expect(await refusal(withKey, 'actors_register')).toMatch(/^403 registration_requires_chittyauth: /);

    expect(await ok(asAlice, 'keys_revoke', { keyId: created.keyId })).toEqual({ revoked: true });
    await expect(mcpClient({ apiKey: created.apiKey ?? '' })).rejects.toThrow();
    expect(await refusal(asBob, 'keys_revoke', { keyId: created.keyId })).toMatch(/^404 key_not_found: /);
  });

  it('keys_create refuses scopes the caller lacks and names missing scopes; keys_list takes no arguments', async () => {
    const lacking = await refusal(asAlice, 'keys_create', { name: unique('k'), scopes: ['admin'] });
    expect(lacking).toMatch(/^403 scope_not_held: /);
    expect(await refusal(asAlice, 'keys_create', { name: unique('k') })).toBe(
      'invalid_arguments: keys_create needs scopes. Fix the arguments and call again.',
    );
    expect(await refusal(asAlice, 'keys_list', { all: true })).toContain('keys_list does not take all');
  });
});

interface Delivery {
  deliveryId: string;
  event: string;
  status: string;
  lastError: string | null;
}

interface DeadLetter {
  id: string;
  queue: string;
  replayedAt: string | null;
}

const ADMIN_TOOLS = TOOLS.filter((t) => t.scopes?.includes('admin')).map((t) => t.name);

describe('admin tools: refused to non-admins by the HTTP layer', () => {
  it('every admin tool is 403 with an insufficient_scope challenge naming admin, and the SDK call rejects', async () => {
    expect(ADMIN_TOOLS).toHaveLength(14);
    for (const name of ADMIN_TOOLS) {
      const res = await rawMcp(
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } }),
        alice.auth,
      );
      expect(res.status, name).toBe(403);
      const challenge = res.headers.get('www-authenticate') ?? '';
      expect(challenge).toContain('error="insufficient_scope"');
      expect(challenge).toContain('scope="admin"');
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain(`tool ${name}`);
      refused.add(name);
    }
    await expect(asAlice.callTool({ name: 'admin_outbox_sweep', arguments: {} })).rejects.toThrow(/403|insufficient/i);
    expect((await asAlice.listTools()).tools.map((t) => t.name)).not.toContain('admin_outbox');
  });
});

describe('github tools (admin)', () => {
  it('github_installations and github_installation show a seeded installation; an unknown one is 404', async () => {
    const installationId = Math.floor(Math.random() * 1e9);
    const seeded = await runEvents([
      delivery('installation', { ...installationCreated, installation: { ...installationCreated.installation, id: installationId } }),
    ]);
    expect(seeded.explicitAcks).toHaveLength(1);
    const list = await ok<{ installations: { installationId: number }[] }>(asAdmin, 'github_installations', { limit: 500 });
    expect(list.installations.map((i) => i.installationId)).toContain(installationId);
    expect(await ok(asAdmin, 'github_installation', { installationId })).toMatchObject({
      installationId,
      account: { login: 'chitty-labs' },
      repositorySelection: 'selected',
      uninstalledAt: null,
    });
    expect(await refusal(asAdmin, 'github_installation', { installationId: 1 })).toMatch(/^404 installation_not_found: /);
    expect(await refusal(asAdmin, 'github_installations', { limit: 0 })).toMatch(/^(400|invalid_arguments:) .*limit/);
  });

  it('github_repositories, github_repository, github_pr_analysis and github_issue_triage report what the App concluded', async () => {
    await runEvents([delivery('installation', installationCreated)]); // installation 41001: chitty-labs/rocket
    const number = freshNumber();
    const head = crypto.randomUUID().replace(/-/g, '');
    const workflow = [
      'on: issues',
      'jobs:',
      '  greet:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      `      - run: echo "\${{ github.event.issue.title }}"`,
    ];
    await control('PUT', `/github/repos/chitty-labs/rocket/pulls/${number}/files`, [
      {
        filename: '.github/workflows/greet.yml',
        status: 'added',
        additions: workflow.length,
        deletions: 0,
        patch: [`@@ -0,0 +1,${workflow.length} @@`, ...workflow.map((l) => `+${l}`)].join('\n'),
      },
    ]);
    await runEvents([delivery('pull_request', pullRequest('opened', number, head))]);

    const listed = await ok<{ repositories: { fullName: string }[] }>(asAdmin, 'github_repositories', { limit: 500 });
    expect(listed.repositories.map((r) => r.fullName)).toContain('chitty-labs/rocket');
    expect(await ok(asAdmin, 'github_repository', { owner: 'chitty-labs', repo: 'rocket' })).toMatchObject({
      repository: { fullName: 'chitty-labs/rocket', installationId: 41001 },
    });
    const analysis = await ok<{ analysis: { headSha: string }; findings: { ruleId: string; line: number; current: boolean }[] }>(
      asAdmin,
      'github_pr_analysis',
      { owner: 'chitty-labs', repo: 'rocket', number },
    );
    expect(analysis.analysis.headSha).toBe(head);
    expect(analysis.findings).toEqual(
      expect.arrayContaining([expect.objectContaining({ ruleId: 'gha.script-injection', line: 6, current: true })]),
    );

    const issue = freshNumber();
    await runEvents([
      delivery('issues', {
        ...issuesOpened,
        issue: {
          ...issuesOpened.issue,
          id: 9_100_000 + issue,
          number: issue,
          title: 'App crashes when saving a file',
          body: 'Steps to reproduce: save. Expected: saved. Actual: crash with a stack trace.',
        },
      }),
    ]);
    const triage = await ok<{ decision: { type: string | null }; labelsApplied: string[] }>(asAdmin, 'github_issue_triage', {
      owner: 'chitty-labs',
      repo: 'rocket',
      number: issue,
    });
    expect(triage.decision.type).toBe('bug');
    expect(triage.labelsApplied).toContain('bug');

    expect(await refusal(asAdmin, 'github_repositories', { after: 'x'.repeat(300) })).toMatch(/^invalid_arguments: .*after/);
    expect(await refusal(asAdmin, 'github_repository', { owner: 'chitty-labs', repo: 'no-such-repo' })).toMatch(
      /^404 repository_not_found: /,
    );
    expect(await refusal(asAdmin, 'github_pr_analysis', { owner: 'chitty-labs', repo: 'rocket', number: number + 1 })).toMatch(
      /^404 analysis_not_found: /,
    );
    expect(await refusal(asAdmin, 'github_issue_triage', { owner: 'chitty-labs', repo: 'rocket', number: issue + 1 })).toMatch(
      /^404 issue_not_found: /,
    );
  });

  it('deliveries, stats and replays over dead-lettered deliveries; bad windows and unknown deliveries are refused', async () => {
    const [d1, d2] = [
      delivery('pull_request', pullRequest('opened', freshNumber())),
      delivery('pull_request', pullRequest('opened', freshNumber())),
    ];
    await deadLetter([d1, d2]);
    await new Promise((r) => setTimeout(r, 5));
    const from = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const d3 = delivery('pull_request', pullRequest('opened', freshNumber()));
    await deadLetter([d3]);

    const failed = await ok<{ deliveries: Delivery[] }>(asAdmin, 'github_deliveries', { status: 'failed', limit: 500 });
    const mine = failed.deliveries.filter((d) => [d1, d2, d3].some((x) => x.deliveryId === d.deliveryId));
    expect(mine).toHaveLength(3);
    for (const d of mine)
      expect(d).toMatchObject({ event: 'pull_request', status: 'failed', lastError: expect.stringContaining('dead-lettered') });
    const stats = await ok<{ failed: number; processing: number; processed: number }>(asAdmin, 'github_delivery_stats', { from });
    expect(stats.failed).toBeGreaterThanOrEqual(1);
    expect(await refusal(asAdmin, 'github_deliveries', { status: 'lost' })).toMatch(/^(400 validation_failed|invalid_arguments): .*status/);
    expect(await refusal(asAdmin, 'github_delivery_stats', { from: 'yesterday' })).toMatch(
      /^(400 validation_failed|invalid_arguments): .*from/,
    );

    // The dead letters are listed (pending) before any replay.
    const letters = await ok<{ deadLetters: DeadLetter[] }>(asAdmin, 'admin_dead_letters', {
      queue: 'chittyconnect-github-events-dlq',
      limit: 500,
    });
    const ids = letters.deadLetters.map((l) => l.id);
    for (const d of [d1, d2, d3]) expect(ids).toContain(`dl-${d.deliveryId}`);

    expect(await ok(asAdmin, 'github_replay_delivery', { deliveryId: d1.deliveryId })).toEqual({
      requeued: [d1.deliveryId],
      requestedFromGitHub: [],
      notFound: [],
    });
    const window = await ok<{ requeued: string[] }>(asAdmin, 'github_replay_window', { from });
    expect(window.requeued).toContain(d3.deliveryId);
    expect(window.requeued).not.toContain(d2.deliveryId);
    expect(window.requeued).not.toContain(d1.deliveryId);

    expect(await refusal(asAdmin, 'github_replay_delivery', { deliveryId: crypto.randomUUID() })).toMatch(/^404 delivery_not_found: /);
    expect(await refusal(asAdmin, 'github_replay_delivery', { deliveryId: 'bad id!' })).toMatch(/^(400|invalid_arguments:) .*deliveryId/);
    expect(await refusal(asAdmin, 'github_replay_window', {})).toBe(
      'invalid_arguments: github_replay_window needs from. Fix the arguments and call again.',
    );
    expect(await refusal(asAdmin, 'github_replay_window', { from: 'yesterday' })).toMatch(
      /^(400 validation_failed|invalid_arguments): .*from/,
    );

    // d2's letter is replayed onto its live queue by id, and is then no longer pending.
    expect(await ok(asAdmin, 'admin_replay_dead_letters', { ids: [`dl-${d2.deliveryId}`] })).toEqual({ replayed: 1, skipped: [] });
    const pending = await ok<{ deadLetters: DeadLetter[] }>(asAdmin, 'admin_dead_letters', { limit: 500 });
    const pendingIds = pending.deadLetters.map((l) => l.id);
    for (const d of [d1, d2, d3]) expect(pendingIds).not.toContain(`dl-${d.deliveryId}`);
    const all = await ok<{ deadLetters: DeadLetter[] }>(asAdmin, 'admin_dead_letters', { pending: 'false', limit: 500 });
    expect(all.deadLetters.find((l) => l.id === `dl-${d2.deliveryId}`)?.replayedAt).toBeTruthy();
  });
});

describe('admin tools (admin)', () => {
  it('admin_outbox counts unsent events and admin_outbox_sweep sends them', async () => {
    const ids = await stuckContexts(alice, 2);
    expect(await unsent(ids)).toBe(2);
    const before = await ok<{ undelivered: number; unsent: number; oldestUndeliveredAt: string | null }>(asAdmin, 'admin_outbox');
    expect(before.unsent).toBeGreaterThanOrEqual(2);
    expect(before.undelivered).toBeGreaterThanOrEqual(2);
    expect(before.oldestUndeliveredAt).not.toBeNull();
    const swept = await ok<{ claimed: number; sent: number; failed: number }>(asAdmin, 'admin_outbox_sweep');
    expect(swept.failed).toBe(0);
    expect(swept.sent).toBe(swept.claimed);
    expect(swept.sent).toBeGreaterThanOrEqual(2);
    expect(await unsent(ids)).toBe(0);
    expect(await refusal(asAdmin, 'admin_outbox', { queue: 'x' })).toContain('admin_outbox does not take queue');
    expect(await refusal(asAdmin, 'admin_outbox_sweep', { force: true })).toContain('admin_outbox_sweep does not take force');
  });

  it('admin_dead_letters and admin_replay_dead_letters refuse bad arguments, naming them', async () => {
    expect(await refusal(asAdmin, 'admin_dead_letters', { pending: 'maybe' })).toMatch(
      /^(400 validation_failed|invalid_arguments): .*pending/,
    );
    const nothing = await refusal(asAdmin, 'admin_replay_dead_letters', {});
    expect(nothing).toMatch(/^(400 validation_failed|invalid_arguments): /);
    expect(nothing).toContain('name the ids');
    expect(await ok(asAdmin, 'admin_replay_dead_letters', { ids: [`dl-${crypto.randomUUID()}`] })).toEqual({ replayed: 0, skipped: [] });
  });
});

describe('ecosystem tools', () => {
  it('ecosystem_health reports the database, start-up and each ChittyOS service; a bad probe value is named', async () => {
    const health = await ok<{
      status: string;
      database: { status: string };
      ecosystem: Record<string, { status: string; breaker: string }>;
    }>(asBob, 'ecosystem_health', { probe: 'true' });
    expect(['ok', 'degraded']).toContain(health.status);
    expect(health.database.status).toBe('ready');
    expect(Object.keys(health.ecosystem)).toEqual(expect.arrayContaining(['id', 'dna', 'chronicle']));
    expect(await refusal(asBob, 'ecosystem_health', { probe: 'maybe' })).toMatch(/^(400 validation_failed|invalid_arguments): .*probe/);
  });
});

describe('coverage of the tools', () => {
  it('every tool in TOOLS was seen succeeding and refusing in this file (runs last)', () => {
    const names = TOOLS.map((t) => t.name);
    expect(names).toHaveLength(41);
    expect(names.filter((n) => !succeeded.has(n))).toEqual([]);
    expect(names.filter((n) => !refused.has(n))).toEqual([]);
  });
});
