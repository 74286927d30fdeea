/**
 * The official MCP SDK client, speaking Streamable HTTP to the worker's /mcp (through SELF, the
 * worker's own fetch), with an API key or a bearer token. Output schemas are checked by the
 * client against every structured result, as a real client does.
 */

import { SELF } from 'cloudflare:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker';

export const MCP_ORIGIN = 'http://connect.test';

export type McpAuth = { token: string } | { apiKey: string };

export function authHeaders(auth: McpAuth): Record<string, string> {
  return 'token' in auth ? { authorization: `Bearer ${auth.token}` } : { 'x-api-key': auth.apiKey };
}

/** A connected client (initialize done) for `auth`; `query` narrows the session (`?toolsets=…`). */
export async function mcpClient(auth: McpAuth, query = ''): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${MCP_ORIGIN}/mcp${query}`), {
    requestInit: { headers: authHeaders(auth) },
    fetch: (url, init) => SELF.fetch(url, init),
  });
  const client = new Client({ name: 'chittyconnect-tests', version: '1.0.0' }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  await client.connect(transport);
  return client;
}

/** A raw POST to /mcp: for what a well-behaved client never sends. */
export function rawMcp(body: string, headers: Record<string, string> = {}, query = ''): Promise<Response> {
  return SELF.fetch(`${MCP_ORIGIN}/mcp${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body,
  });
}

/** The structured result of a tool call that must succeed. */
export async function callOk<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as T;
}

/** The text of a tool call that must fail as a tool result (isError). */
export async function callError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  if (!result.isError) throw new Error(`${name} succeeded: ${JSON.stringify(result.structuredContent)}`);
  const [first] = result.content as { type: string; text: string }[];
  return first?.text ?? '';
}
