/** The MCP server's transport and protocol rules, driven by the SDK client and by raw requests. */

import { SELF } from 'cloudflare:test';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { registeredActor, type TestActor } from '../helpers/actors';
import { MCP_ORIGIN, mcpClient, rawMcp } from '../helpers/mcp';

let alice: TestActor;
beforeAll(async () => {
  alice = await registeredActor('human');
});

const INIT = (version: string) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });

describe('the MCP transport', () => {
  it('initializes with the SDK client at the current revision, and answers ping', async () => {
    const client = await mcpClient({ token: alice.token });
    expect(client.getServerVersion()).toMatchObject({ name: 'chittyconnect' });
    expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {} });
    expect(LATEST_PROTOCOL_VERSION).toBe('2025-11-25');
    await expect(client.ping()).resolves.toEqual({});
    await client.close();
  });

  it('accepts a 2025-06-18 client and answers with that revision', async () => {
    const res = await rawMcp(INIT('2025-06-18'), alice.auth);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { protocolVersion: string } };
    expect(body.result.protocolVersion).toBe('2025-06-18');
  });

  it('refuses an unsupported MCP-Protocol-Version header with 400', async () => {
    const res = await rawMcp(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }), {
      ...alice.auth,
      'mcp-protocol-version': '1999-01-01',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/protocol version/i);
  });

  it('answers malformed JSON with a JSON-RPC parse error, and an invalid message with invalid request', async () => {
    const parse = await rawMcp('{"jsonrpc":', alice.auth);
    expect(parse.status).toBe(400);
    expect(((await parse.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const invalid = await rawMcp(JSON.stringify({ hello: 'world' }), alice.auth);
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { code: number } }).error.code).toBe(-32600);
  });

  it('answers an unknown method with method-not-found, and a notification with 202 and no body', async () => {
    const unknown = await rawMcp(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'no/such' }), alice.auth);
    expect(((await unknown.json()) as { error: { code: number } }).error.code).toBe(-32601);
    const note = await rawMcp(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), alice.auth);
    expect(note.status).toBe(202);
    expect(await note.text()).toBe('');
  });

  it('refuses a foreign Origin with 403 before anything runs (DNS rebinding), and takes its own', async () => {
    const foreign = await rawMcp(INIT('2025-11-25'), { ...alice.auth, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const own = await rawMcp(INIT('2025-11-25'), { ...alice.auth, origin: MCP_ORIGIN });
    expect(own.status).toBe(200);
  });

  it('has no session stream: GET and DELETE are 405 with Allow: POST', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await SELF.fetch(`${MCP_ORIGIN}/mcp`, { method, headers: { ...alice.auth, accept: 'text/event-stream' } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toContain('POST');
    }
  });

  it('answers without a credential with 401 and a challenge naming the resource metadata, which describes the server', async () => {
    const res = await rawMcp(INIT('2025-11-25'));
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    const url = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(url).toMatch(/\/\.well-known\/oauth-protected-resource\/mcp$/);
    const meta = await SELF.fetch(`${MCP_ORIGIN}${new URL(url ?? '').pathname}`);
    expect(meta.status).toBe(200);
    const doc = (await meta.json()) as { resource: string; scopes_supported: string[] };
    expect(doc.resource).toMatch(/\/mcp$/);
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['contexts:read', 'contexts:write', 'admin']));
  });
});
