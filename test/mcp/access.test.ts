/**
 * Who sees and calls which MCP tools: the tool list follows the credential's scopes, the client's
 * toolsets and read-only choice; a call beyond the scopes is the spec's insufficient_scope
 * challenge; an undeclared tool fails closed; revoking a delegation cuts its agent off at once.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TOOLS, TOOLSETS } from '../../src/mcp/tools';
import { call, registeredActor, type TestActor } from '../helpers/actors';
import { callOk, mcpClient, rawMcp } from '../helpers/mcp';

let alice: TestActor;
let admin: TestActor;
beforeAll(async () => {
  alice = await registeredActor('human');
  admin = await registeredActor('human', ['admin']);
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function apiKey(owner: TestActor, scopes: string[]): Promise<string> {
  const res = await call('/v1/keys', owner.token, { method: 'POST', json: { name: `mcp-${crypto.randomUUID().slice(0, 8)}`, scopes } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { apiKey: string }).apiKey;
}

async function delegation(owner: TestActor, scopes: string[]): Promise<{ token: string; tokenId: string }> {
  const res = await call('/v1/delegate', owner.token, {
    method: 'POST',
    json: { subject: 'mcp-agent', audience: 'chittyconnect', scopes, expiresIn: 600 },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { token: string; tokenId: string };
}

const toolCall = (name: string, args: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args } });

async function toolNames(auth: { token: string } | { apiKey: string }, query = ''): Promise<string[]> {
  const client = await mcpClient(auth, query);
  const { tools } = await client.listTools();
  await client.close();
  return tools.map((t) => t.name);
}

describe('the tools a principal sees', () => {
  it('every tool declares its scopes (an undeclared one would be refused to everyone)', () => {
    for (const tool of TOOLS) expect(tool.scopes, tool.name).toBeDefined();
    expect(new Set(TOOLS.map((t) => t.name)).size).toBe(TOOLS.length);
  });

  it('follow the credential: an API key with contexts:read lists the read tools of contexts and none that write or need admin', async () => {
    const names = await toolNames({ apiKey: await apiKey(alice, ['contexts:read']) });
    expect(names).toEqual(
      expect.arrayContaining(['contexts_list', 'contexts_search', 'contexts_get', 'contexts_timeline', 'ecosystem_health']),
    );
    for (const hidden of ['contexts_create', 'contexts_update', 'contexts_delete', 'keys_create', 'github_deliveries', 'admin_outbox']) {
      expect(names).not.toContain(hidden);
    }
  });

  it('an admin sees every tool; a plain actor no admin tool', async () => {
    expect((await toolNames({ token: admin.token })).sort()).toEqual(TOOLS.map((t) => t.name).sort());
    const plain = await toolNames({ token: alice.token });
    expect(plain.filter((n) => n.startsWith('github_') || n.startsWith('admin_'))).toEqual([]);
    expect(plain).toContain('contexts_create');
  });

  it('narrow to the toolsets asked for, and to read-only tools when asked', async () => {
    const contexts = await toolNames({ token: admin.token }, '?toolsets=contexts,github');
    expect(new Set(contexts.map((n) => n.split('_')[0]))).toEqual(new Set(['contexts', 'github']));
    const readOnly = await toolNames({ token: admin.token }, '?readonly=true');
    const hints = new Map(TOOLS.map((t) => [t.name, t.annotations.readOnlyHint]));
    expect(readOnly.length).toBeGreaterThan(5);
    for (const n of readOnly) expect(hints.get(n), n).toBe(true);
  });

  it('refuses an unknown toolset with 400 naming the real ones', async () => {
    const res = await rawMcp(toolCall('contexts_list'), alice.auth, '?toolsets=contexts,nope');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain('nope');
    for (const t of TOOLSETS) expect(body.error.message).toContain(t);
  });

  it('a tool outside the session’s toolsets or read-only choice is unknown there', async () => {
    for (const query of ['?toolsets=actors', '?readonly=true']) {
      const res = await rawMcp(toolCall('contexts_create', { name: `x-${crypto.randomUUID()}` }), alice.auth, query);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { error?: { code: number; message: string } };
      expect(body.error?.code).toBe(-32602);
      expect(body.error?.message).toContain('contexts_create');
    }
  });
});

describe('a call beyond the credential', () => {
  it('is 403 with the insufficient_scope challenge naming the scope, and nothing is created', async () => {
    const key = await apiKey(alice, ['contexts:read']);
    const name = `denied-${crypto.randomUUID()}`;
    const res = await rawMcp(toolCall('contexts_create', { name }), { 'x-api-key': key });
    expect(res.status).toBe(403);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer error="insufficient_scope"/);
    expect(challenge).toContain('scope="contexts:write"');
    expect(challenge).toMatch(/resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/);
    const list = await call(`/v1/contexts/search?q=${name}`, alice.token);
    expect(((await list.json()) as { contexts: unknown[] }).contexts).toEqual([]);
  });

  it('a narrower delegation token cannot call a wider tool; the SDK client sees the refusal', async () => {
    const { token } = await delegation(alice, ['contexts:read']);
    const client = await mcpClient({ token });
    await expect(callOk(client, 'contexts_list', { limit: 1 })).resolves.toMatchObject({ contexts: expect.any(Array) });
    await expect(client.callTool({ name: 'contexts_create', arguments: { name: `d-${crypto.randomUUID()}` } })).rejects.toThrow(
      /403|insufficient/i,
    );
    await client.close();
  });

  it('resources need contexts:read', async () => {
    const key = await apiKey(alice, ['profile:read']);
    const res = await rawMcp(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/list' }), { 'x-api-key': key });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('scope="contexts:read"');
  });
});

describe('revoking a delegation', () => {
  it('cuts the agent off at the next call: 401 with the challenge', async () => {
    const { token, tokenId } = await delegation(alice, ['contexts:read', 'profile:read']);
    const client = await mcpClient({ token });
    await expect(callOk(client, 'actors_me')).resolves.toMatchObject({ chittyId: alice.chittyId });
    const revoked = await call(`/v1/delegate/${tokenId}`, alice.token, { method: 'DELETE' });
    expect(revoked.status).toBe(204);
    const res = await rawMcp(toolCall('actors_me'), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('resource_metadata=');
    await expect(client.callTool({ name: 'actors_me', arguments: {} })).rejects.toThrow();
  });
});

describe('audit', () => {
  it('logs each tool call with the principal, the credential, the tool and the outcome: refusals at once, successes gathered a second later', async () => {
    const logged = vi.spyOn(console, 'log');
    const warned = vi.spyOn(console, 'warn');
    const client = await mcpClient({ token: alice.token });
    await callOk(client, 'actors_me');
    await client.callTool({ name: 'contexts_get', arguments: { id: '01-C-CTX-9999-CONTEXT-QB-1-0' } });
    await client.close();
    const lines = (spy: typeof logged) =>
      spy.mock.calls
        .map(([line]) => String(line))
        .filter((l) => l.includes('"mcp.tool_call'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The refusal is a warn line of its own, at once; the success is not logged yet.
    expect(lines(warned)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          event: 'mcp.tool_call',
          tool: 'contexts_get',
          outcome: 'error',
          status: 400,
          principalId: alice.principalId,
        }),
      ]),
    );
    const okNow = lines(logged).flatMap((l) => (l.calls as Record<string, unknown>[] | undefined) ?? []);
    expect(okNow.filter((c) => c.tool === 'actors_me' && c.chittyId === alice.chittyId)).toEqual([]);
    // It arrives in the next gathered line (with any other successful call of that second).
    await new Promise((r) => setTimeout(r, 1300));
    const gathered = lines(logged);
    expect(gathered.every((l) => l.level === 'info' && l.event === 'mcp.tool_calls')).toBe(true);
    expect(gathered.flatMap((l) => l.calls as Record<string, unknown>[])).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          tool: 'actors_me',
          outcome: 'ok',
          status: 200,
          chittyId: alice.chittyId,
          via: 'chittyauth',
          requestId: expect.any(String),
        }),
      ]),
    );
  });
});
