/**
 * `POST /mcp`: the MCP server over Streamable HTTP (stateless: every POST carries what it needs;
 * JSON answers, or SSE when that is all the client accepts), with the official SDK's web-standard
 * transport. GET and DELETE are 405: there is no session to stream on or to end.
 *
 * Before the transport sees a request:
 * 1. `Origin`, when sent, must be this service's own (or, in development, a loopback origin):
 *    a page elsewhere cannot drive a local server through the browser (DNS rebinding). 403.
 * 2. The credential is resolved and admitted exactly as under /v1 (rate limit included); a
 *    missing or bad one is 401 with `WWW-Authenticate` naming the protected resource metadata.
 * 3. A `tools/call` of a tool the credential's scopes do not cover, or a resources request without
 *    `contexts:read`, is 403 with the `insufficient_scope` challenge naming what is missing, so a
 *    client can ask for more instead of guessing.
 *
 * `?toolsets=contexts,github` (or `X-MCP-Toolsets`) narrows the tools to those toolsets;
 * `?readonly=true` (or `X-MCP-Readonly: true`) to read-only tools. Each tool call is logged with
 * the principal, the tool and the outcome.
 */
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { covers, coversAll } from '../auth/capabilities';
import { unauthorized } from '../auth/credential';
import { asAdmitted } from '../auth/internal-call';
import { isLoopbackHost } from '../http/loopback';
import { consoleLogger } from '../lib/log';
import { noteAgentUse } from './agents';
import { delegationForAccessToken, publicOrigin } from './oauth';
import { type OpenApiDocument, planTool, type ToolPlan } from './schemas';
import type { CallRecord, McpScope } from './server';
import { inSession, RESOURCE_SCOPES, TOOLS, TOOLSETS, type Toolset } from './tools';

export const MCP_PATH = '/mcp';
export const RESOURCE_METADATA_PATH = `/.well-known/oauth-protected-resource${MCP_PATH}`;

/** The scopes a client needs for the basics (the 401 challenge names them). */
const BASELINE_SCOPES = ['profile:read', 'contexts:read'];

/** Every scope some tool or resource declares: what the metadata advertises. */
export function scopesSupported(): string[] {
  return [...new Set([...BASELINE_SCOPES, ...RESOURCE_SCOPES, ...TOOLS.flatMap((t) => t.scopes ?? [])])].sort();
}

let cachedPlans: ToolPlan[] | undefined;

/**
 * The SDK and the server module, loaded on the first /mcp request: an isolate that never serves
 * MCP (most of them, and every test file but a few) does not evaluate them.
 */
let loading:
  | Promise<{
      Transport: typeof import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js').WebStandardStreamableHTTPServerTransport;
      createServer: typeof import('./server').createServer;
    }>
  | undefined;
function loadMcp() {
  loading ??= Promise.all([
    import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'),
    import('@modelcontextprotocol/sdk/types.js'),
    import('./server'),
  ]).then(([transport, types, server]) => ({
    Transport: transport.WebStandardStreamableHTTPServerTransport,
    JSONRPCMessageSchema: types.JSONRPCMessageSchema,
    createServer: server.createServer,
  }));
  return loading;
}

/** The tool plans, built once per isolate from the app's OpenAPI document. */
export function toolPlans(document: () => OpenApiDocument): ToolPlan[] {
  cachedPlans ??= TOOLS.map((t) => planTool(document(), t));
  return cachedPlans;
}

/**
 * The audit log of tool calls. A refusal or an error is logged at once, one `mcp.tool_call` line
 * at `warn`. Successful calls are logged too, but gathered: one `mcp.tool_calls` line at `info`
 * with every call of the last second (at most 50 a line), written after the responses. A log line
 * is the costliest part of a tool call here (under `wrangler dev` about as much as the call
 * itself), and Workers Logs counts lines: batching keeps every call in the log at a fraction of it.
 */
const AUDIT_FLUSH_MS = 1000;
const AUDIT_BATCH = 50;
let audited: Record<string, unknown>[] = [];
let auditTimer: Promise<void> | undefined;

function flushAudit(): void {
  if (audited.length === 0) return;
  const calls = audited;
  audited = [];
  consoleLogger.log('info', 'mcp.tool_calls', { calls });
}

function audit(entry: Record<string, unknown>, ctx: { waitUntil(promise: Promise<unknown>): void }): void {
  if (entry.outcome !== 'ok') {
    consoleLogger.log('warn', 'mcp.tool_call', entry);
    return;
  }
  audited.push(entry);
  if (audited.length >= AUDIT_BATCH) {
    flushAudit();
    return;
  }
  if (!auditTimer) {
    // Kept alive by the request that started it; a later request's calls join the same line.
    auditTimer = new Promise<void>((resolve) => setTimeout(resolve, AUDIT_FLUSH_MS)).then(() => {
      auditTimer = undefined;
      flushAudit();
    });
    ctx.waitUntil(auditTimer);
  }
}

function resourceMetadataUrl(c: Context<AppEnv>): string {
  return `${publicOrigin(c.env, c.req.url)}${RESOURCE_METADATA_PATH}`;
}

function originAllowed(c: Context<AppEnv>, origin: string): boolean {
  if (origin === publicOrigin(c.env, c.req.url) || origin === new URL(c.req.url).origin) return true;
  if (c.env.ENVIRONMENT !== 'development') return false;
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' && isLoopbackHost(u.hostname) && u.origin === origin;
  } catch {
    return false;
  }
}

/** JSON-RPC's own error shape, for refusals before the transport (no request id is known yet). */
function rpcError(status: 400 | 403, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

function insufficientScope(c: Context<AppEnv>, needed: readonly string[], what: string): Response {
  const challenge = `Bearer error="insufficient_scope", scope="${needed.join(' ')}", resource_metadata="${resourceMetadataUrl(c)}", error_description="${what} needs ${needed.join(', ')}"`;
  return rpcError(403, -32001, `Insufficient scope: ${what} needs ${needed.join(', ')}.`, { 'www-authenticate': challenge });
}

/** The client's narrowing: toolsets and read-only, from the query or headers. */
function sessionChoice(c: Context<AppEnv>): { toolsets: Set<Toolset>; readOnly: boolean } | string {
  const raw = c.req.query('toolsets') ?? c.req.header('x-mcp-toolsets');
  let toolsets = new Set<Toolset>(TOOLSETS);
  if (raw !== undefined && raw.trim() !== '' && raw.trim() !== 'all') {
    const names = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !(TOOLSETS as readonly string[]).includes(n));
    if (unknown.length > 0) return `Unknown toolset ${unknown.join(', ')}; the toolsets are ${TOOLSETS.join(', ')}.`;
    toolsets = new Set(names as Toolset[]);
  }
  const ro = (c.req.query('readonly') ?? c.req.header('x-mcp-readonly') ?? '').toLowerCase();
  if (!['', 'true', 'false', '1', '0'].includes(ro)) return 'readonly must be true or false.';
  return { toolsets, readOnly: ro === 'true' || ro === '1' };
}

/**
 * A JSON-RPC 2.0 request, notification or response by its shape (the transport validates each in
 * full); anything else is answered -32600 Invalid Request before the transport sees it.
 */
function isJsonRpcMessage(m: unknown): boolean {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  const r = m as Record<string, unknown>;
  if (r.jsonrpc !== '2.0') return false;
  const id = r.id;
  const idOk = id === undefined || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
  if (typeof r.method === 'string') return idOk && (r.params === undefined || (typeof r.params === 'object' && r.params !== null));
  return id !== undefined && idOk && ('result' in r || 'error' in r);
}

/**
 * Mounts `POST /mcp` on `app`; a tool call runs its route in `api` (the /v1 routers behind their
 * own auth, rate-limit, method and idempotency chain), admitted as the outer request's principal.
 */
export function mountMcp(
  app: OpenAPIHono<AppEnv>,
  api: OpenAPIHono<AppEnv>,
  auth: MiddlewareHandler<AppEnv>,
  document: () => OpenApiDocument,
): void {
  const checkOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && !originAllowed(c, origin)) return rpcError(403, -32000, `Origin ${origin} is not allowed.`);
    await next();
  };
  // A 401 from the credential check points at the resource metadata (RFC 9728 §5.1) and names
  // the baseline scopes. (The error has become the response by now: Hono answers errors where they happen.)
  const challenge: MiddlewareHandler<AppEnv> = async (c, next) => {
    await next();
    if (c.res.status !== 401) return;
    const base = c.res.headers.get('www-authenticate') ?? 'Bearer realm="chittyconnect"';
    c.res.headers.set('www-authenticate', `${base}, resource_metadata="${resourceMetadataUrl(c)}", scope="${BASELINE_SCOPES.join(' ')}"`);
  };

  app.get(RESOURCE_METADATA_PATH, (c) =>
    c.json(
      {
        resource: `${publicOrigin(c.env, c.req.url)}${MCP_PATH}`,
        authorization_servers: [publicOrigin(c.env, c.req.url)],
        bearer_methods_supported: ['header'],
        scopes_supported: scopesSupported(),
        resource_name: 'ChittyConnect MCP server',
        resource_documentation: `${publicOrigin(c.env, c.req.url)}/docs`,
      },
      200,
      { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' },
    ),
  );

  // An OAuth access token (`<user>:<grant>:<secret>`; no other credential has a colon) stands for
  // the delegation its grant is: the request goes on with that delegation token, checked as any is.
  const oauthToken: MiddlewareHandler<AppEnv> = async (c, next) => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (token?.includes(':')) {
      const delegation = await delegationForAccessToken(c.env, publicOrigin(c.env, c.req.url), scopesSupported(), token);
      if (!delegation)
        throw unauthorized('invalid_token', 'The access token is not valid here (unknown, expired, revoked, or for another resource).');
      noteAgentUse(c.env, delegation.id, (p) => c.executionCtx.waitUntil(p));
      const headers = new Headers(c.req.raw.headers);
      headers.set('authorization', `Bearer ${delegation.token}`);
      c.req.raw = new Request(c.req.raw, { headers });
    }
    await next();
  };

  app.post(MCP_PATH, checkOrigin, challenge, oauthToken, auth, async (c) => {
    const choice = sessionChoice(c);
    if (typeof choice === 'string') return rpcError(400, -32602, choice);
    const principal = c.get('principal');
    const scope: McpScope = {
      key: `${principal.capabilities.join(' ')}|${[...choice.toolsets].join(',')}|${choice.readOnly}`,
      covers: (s) => coversAll(principal.capabilities, s),
      ...choice,
    };
    const plans = toolPlans(document);

    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return rpcError(400, -32700, 'Parse error: the body is not JSON.');
    }
    const { Transport, createServer } = await loadMcp();
    const messages = Array.isArray(body) ? body : [body];
    if (messages.length === 0 || !messages.every(isJsonRpcMessage)) {
      return rpcError(400, -32600, 'Invalid Request: not a JSON-RPC 2.0 message.');
    }
    for (const m of messages as { method?: unknown; params?: unknown }[]) {
      if (m.method === 'tools/call') {
        const name = (m.params as { name?: unknown } | undefined)?.name;
        const plan = plans.find((p) => p.definition.name === name);
        const d = plan?.definition;
        // Tools outside the chosen toolsets are unknown here (the transport answers that); undeclared ones fail closed.
        if (d && inSession(d, choice)) {
          if (d.scopes === undefined) return rpcError(403, -32001, `Tool ${d.name} declares no scopes, so nobody may call it.`);
          const lacking = d.scopes.filter((s) => !covers(principal.capabilities, s));
          if (lacking.length > 0) return insufficientScope(c, d.scopes, `tool ${d.name}`);
        }
      } else if (m.method === 'resources/read' || m.method === 'resources/list' || m.method === 'resources/templates/list') {
        if (!scope.covers(RESOURCE_SCOPES)) return insufficientScope(c, RESOURCE_SCOPES, String(m.method));
      }
    }

    const admitted = { principal, actor: c.get('actor'), dataVersion: c.get('dataVersion'), requestId: c.get('requestId') };
    const executionCtx = c.executionCtx;
    const origin = new URL(c.req.url).origin;
    const v1 = `${origin}/v1/`;
    const log = (record: CallRecord) =>
      audit(
        {
          requestId: c.get('requestId'),
          at: new Date().toISOString(),
          principalId: principal.principalId,
          chittyId: principal.chittyId,
          via: principal.credential,
          ...(principal.credentialId ? { [principal.credential === 'api_key' ? 'keyId' : 'delegationId']: principal.credentialId } : {}),
          ...(principal.delegation ? { actorChain: principal.delegation.actorChain } : {}),
          ...record,
        },
        executionCtx,
      );
    const server = createServer({
      plans,
      scope,
      origin,
      // /v1 routes run in the API app alone; the rest (ecosystem_health's /health) in the whole app.
      inner: async (request, tool) =>
        (request.url.startsWith(v1) ? api : app).fetch(
          asAdmitted(request, tool ? { ...admitted, mcpTool: tool } : admitted),
          c.env,
          executionCtx,
        ),
      onCall: log,
    });
    const transport = new Transport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    return transport.handleRequest(c.req.raw, { parsedBody: body });
  });
}

/** /mcp and its resource metadata in the OpenAPI document (the tools themselves are in docs/mcp.md). */
export function describeMcp(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: MCP_PATH,
    tags: ['MCP'],
    summary: 'The MCP server (Streamable HTTP, stateless): the API as tools and resources for AI agents',
    description:
      'One JSON-RPC 2.0 message per POST (protocol 2025-11-25; 2025-06-18 and older accepted). Needs `Accept: application/json, text/event-stream`. `?toolsets=` and `?readonly=true` narrow the tools. A `tools/call` beyond the credential’s scopes is 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope=…`. See docs/mcp.md.',
    request: {
      query: z.object({
        toolsets: z.string().optional().openapi({ description: 'Comma-separated toolsets (default: all)', example: 'contexts,github' }),
        readonly: z.enum(['true', 'false']).optional().openapi({ description: 'Only read-only tools' }),
      }),
      body: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } }, required: true },
    },
    responses: {
      200: { description: 'The JSON-RPC response' },
      202: { description: 'A notification, accepted' },
      400: { description: 'Malformed JSON (-32700), not JSON-RPC (-32600), an unsupported MCP-Protocol-Version, an unknown toolset' },
      401: { description: 'Missing or invalid credential; WWW-Authenticate names the resource metadata' },
      403: { description: 'A foreign Origin, or insufficient_scope for the tool called (see WWW-Authenticate)' },
      405: { description: 'GET or DELETE: there is no session stream' },
      429: { description: 'Rate limit reached (shared with the REST API)' },
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: RESOURCE_METADATA_PATH,
    tags: ['MCP'],
    summary: 'Protected resource metadata of /mcp (RFC 9728)',
    security: [],
    responses: {
      200: {
        description: 'The resource, its bearer methods and every scope a tool or resource declares',
        content: {
          'application/json': {
            schema: z.object({
              resource: z.string(),
              bearer_methods_supported: z.array(z.string()),
              scopes_supported: z.array(z.string()),
              resource_name: z.string(),
              resource_documentation: z.string(),
            }),
          },
        },
      },
    },
  });
}
